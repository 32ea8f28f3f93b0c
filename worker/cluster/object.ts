// One cluster = one Durable Object. Requests arrive over RPC (kube()) or, for streams, through
// fetch(); the alarm runs the control loop. The object has no route of its own from the
// internet: the Worker authenticates callers and hands their identity in as an argument.
import { DurableObject } from "cloudflare:workers";
import type { Identity } from "../auth/identity";
import type { Env } from "../env";
import { LIMITS } from "../limits";
import { ApiServer } from "./api/apiserver";
import { KubeRouter } from "./api/http/router";
import type { KubeRequest, KubeResponse } from "./api/http/types";
import { bootstrap } from "./bootstrap";
import { Clock, type ClockState } from "./clock";
import { NODE_PORT_RANGE, type ClusterConfig } from "./config";
import { catalogController, catalogEntry, OUTBOX_TOPIC } from "./controllers/catalog";
import { ControlLoop } from "./controllers/loop";
import { namespaceController } from "./controllers/namespaces";
import { serviceAccountController } from "./controllers/serviceaccounts";
import type { ClusterSettings } from "./resources/define";
import { Store } from "./store/store";
import { WatchHub } from "./store/watch";

export interface ClusterInit {
  id: string;
  config: ClusterConfig;
}

export interface ClusterInfo {
  id: string;
  name: string;
  /** Next wake-up of the control loop (ISO time), or null when the cluster is idle. */
  alarm: string | null;
  resourceVersion: number;
  objects: number;
  watches: number;
  now: string;
  speed: number;
}

/** Header carrying a stream request's metadata from the Worker (which builds the request itself). */
export const STREAM_REQUEST_HEADER = "x-kubedo-request";

export type StreamRequestMeta = Omit<KubeRequest, "body">;

export class ClusterObject extends DurableObject<Env> {
  private store!: Store;
  private clock!: Clock;
  private api!: ApiServer;
  private hub!: WatchHub;
  private loop!: ControlLoop;
  private router!: KubeRouter;
  private config: ClusterConfig | null = null;
  private alarmAt: number | null = null;
  private running = false;
  private wakeDuringRun: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(() => this.start());
  }

  private async start(): Promise<void> {
    this.store = new Store(this.ctx.storage, () => Date.now(), { maxChanges: LIMITS.changeLogEntries, maxAgeMs: LIMITS.changeLogAgeMs });
    const clockState = this.store.meta("clock");
    this.clock = new Clock(clockState ? (JSON.parse(clockState) as ClockState) : null, (s) => this.store.setMeta("clock", JSON.stringify(s)));
    const config = this.store.meta("config");
    this.config = config ? (JSON.parse(config) as ClusterConfig) : null;
    this.api = new ApiServer(this.store, this.clock, () => this.settings());
    this.hub = new WatchHub();
    this.loop = new ControlLoop(
      [namespaceController, serviceAccountController, catalogController],
      { api: this.api, store: this.store, clock: this.clock, env: this.env, clusterId: () => this.store.meta("cluster_id") ?? "" },
      (t) => this.wake(t),
    );
    this.store.onWrite((changes) => {
      for (const c of changes) if (c.resource === "namespaces") this.store.outbox(OUTBOX_TOPIC, catalogEntry(c));
    });
    this.store.onCommit((changes) => {
      this.hub.publish(changes);
      this.loop.onCommit(changes);
    });
    this.router = new KubeRouter(this.api, this.store, this.hub, this.clock, () => this.settings());
    this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.config) this.loop.resync();
  }

  private settings(): ClusterSettings {
    const c = this.config;
    if (!c) throw new Error("cluster is not initialized");
    return {
      name: c.name,
      podSubnet: c.networking.podSubnet,
      serviceSubnet: c.networking.serviceSubnet,
      nodePortRange: NODE_PORT_RANGE,
      kubernetesVersion: c.kubernetesVersion,
    };
  }

  /** Asks for the alarm at a real time, unless an earlier one is already set. */
  private wake(realTime: number): void {
    if (this.running) {
      this.wakeDuringRun = this.wakeDuringRun === null ? realTime : Math.min(this.wakeDuringRun, realTime);
      return;
    }
    if (this.alarmAt !== null && this.alarmAt <= realTime) return;
    this.alarmAt = realTime;
    void this.ctx.storage.setAlarm(realTime);
  }

  // -------------------------------------------------------------------------------------------
  // RPC

  /** Creates the cluster's first objects. Idempotent: a second call changes nothing. */
  async init(init: ClusterInit): Promise<void> {
    if (this.store.meta("cluster_id")) return;
    this.store.transaction(() => {
      this.store.setMeta("cluster_id", init.id);
      this.store.setMeta("config", JSON.stringify(init.config));
      this.config = init.config;
      bootstrap(this.api, init.config, this.clock.now());
    });
  }

  async kube(req: KubeRequest): Promise<KubeResponse> {
    if (!this.config) return { status: 404, headers: [["Content-Type", "application/json"]], body: JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "cluster not found", reason: "NotFound", code: 404 }) };
    return this.router.handle(req);
  }

  async info(): Promise<ClusterInfo> {
    return {
      id: this.store.meta("cluster_id") ?? "",
      name: this.config?.name ?? "",
      alarm: this.alarmAt === null ? null : new Date(this.alarmAt).toISOString(),
      resourceVersion: this.store.rv,
      objects: this.store.objectCount,
      watches: this.hub.size,
      now: new Date(this.clock.now()).toISOString(),
      speed: this.clock.speed,
    };
  }

  /** Erases the cluster: every object, the change log, timers and the alarm. */
  async destroy(): Promise<void> {
    this.hub.closeAll();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // Start over on the empty storage: the object is as if it had never been created.
    await this.start();
  }

  // -------------------------------------------------------------------------------------------
  // Streams (watch): the Worker forwards a request it built, with the metadata in a header.

  override async fetch(request: Request): Promise<Response> {
    const meta = request.headers.get(STREAM_REQUEST_HEADER);
    if (!meta || !this.config) return new Response("not found", { status: 404 });
    const req = { ...(JSON.parse(meta) as StreamRequestMeta), body: null } satisfies KubeRequest;
    return this.router.watch(req);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.config) return;
    this.running = true;
    let next: number | null;
    try {
      next = await this.loop.run();
    } finally {
      this.running = false;
    }
    if (this.loop.pending > 0) next = Date.now();
    const extra = this.wakeDuringRun;
    this.wakeDuringRun = null;
    if (extra !== null && this.loop.pending > 0) next = next === null ? extra : Math.min(next, extra);
    if (next !== null) this.wake(next);
  }
}

export type { Identity };
