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
import { bootstrap, joinTheRest } from "./bootstrap";
import { runPostStart } from "./api/postStart";
import { Clock, type ClockState } from "./clock";
import { NODE_PORT_RANGE, withNetworkingDefaults, type ClusterConfig } from "./config";
import { catalogController, catalogEntry, OUTBOX_TOPIC } from "./controllers/catalog";
import { waitingOnQuota } from "./controllers/podControl";
import { VerifiedTokens, type TokenProof, type VerifyToken } from "./authentication/verifiedTokens";
import type { CatalogEntry } from "../db/queries";
import { ingressStatusController } from "./controllers/ingressStatus";
import { installIngressNginx, uninstallIngressNginx } from "./addons/ingressNginx";
import { ApiError } from "./machinery/errors";
import { ControlLoop } from "./loop/loop";
import { namespaceController } from "./controllers/namespaces";
import { nodeLifecycleController, NODE_LIFECYCLE } from "./controllers/nodeLifecycle";
import { serviceAccountController } from "./controllers/serviceaccounts";
import { serviceAccountTokenController } from "./controllers/serviceAccountTokens";
import { taintEvictionController } from "./controllers/taintEviction";
import { heartbeatReader } from "./node/heartbeat";
import { usageReader } from "./node/usage";
import { KUBELET, kubeletController, loadRuntime } from "./node/kubelet";
import { staticPodsController } from "./node/staticPods";
import { Machines } from "./node/machines";
import { addNode, removeNode, type NodeRequest } from "./node/membership";
import { podsOnNode } from "./controllers/nodeLifecycle";
import type { ClusterSettings, KObject } from "./resources/define";
import { schedulerController } from "./scheduler/scheduler";
import { applySimulationPatch, DEFAULT_SIMULATION, SimulationPatchSchema, type SimulationSettings } from "./simulation";
import { Store } from "./store/store";
import { bindingAction } from "./subresources/binding";
import { evictionAction } from "./subresources/eviction";
import { logAction } from "./subresources/log";
import { serviceAccountTokenAction } from "./subresources/serviceAccountToken";
import { ServiceAccountTokens, signingKey } from "./authentication/serviceAccountTokens";
import { inPodKubeRequest } from "./authentication/inPodRequest";
import { wallNow } from "./api/http/wire";
import { disruptionController } from "./controllers/disruption";
import { resourceQuotaController } from "./controllers/resourceQuota";
import { persistentVolumeBinderController } from "./controllers/persistentVolumeBinder";
import { localPathProvisionerController } from "./controllers/localPathProvisioner";
import { pvcProtectionController } from "./controllers/pvcProtection";
import { pvProtectionController } from "./controllers/pvProtection";
import { clusterRoleAggregationController } from "./controllers/clusterRoleAggregation";
import { RbacAuthorizer } from "./authorization/authorizer";
import { deploymentController } from "./controllers/deployment";
import { garbageCollectorController } from "./controllers/garbageCollector";
import { serviceEndpointControllers } from "./controllers/endpoints";
import { replicaSetController, replicationControllerController } from "./controllers/replicaset";
import { statefulSetController } from "./controllers/statefulset";
import { daemonSetController } from "./controllers/daemonset";
import { jobController } from "./controllers/job";
import { cronJobController } from "./controllers/cronjob";
import { horizontalPodAutoscalerController } from "./controllers/horizontalPodAutoscaler";
import { statefulSets } from "./resources/statefulset";
import { replicationControllers } from "./resources/replicationcontroller";
import { deployments } from "./resources/deployment";
import { replicaSets } from "./resources/replicaset";
import { customResourceDefinitionController } from "./controllers/customResourceDefinitions";
import { scaleAction } from "./subresources/scale";
import { nodeProxyAction, podProxyAction, serviceProxyAction } from "./subresources/proxy";
import { serviceLoadBalancerController, SERVICE_LB } from "./controllers/serviceLoadBalancer";
import { clusterNetwork, connectRequest, type ClusterNetwork, type ConnectRequest, type TrafficSpread } from "./network/dial";
import { dnsQueryOf, resolve, type DnsLookupRequest, type DnsResult } from "./network/dns";
import { iptablesSave } from "./network/kubeProxy";
import { kubeProxyMode } from "./network/view";
import { portMappings } from "./network/ports";
import type { HttpAnswer, HttpRequest, Outcome as Traffic } from "./network/types";
import { newPortKey, sameKey, type PortMapping } from "./network/ports";
import type { Service } from "./resources/service";
import type { Pod } from "./resources/pod";
import { WatchHub } from "./store/watch";
import type { ContainerSessions } from "./container/session";
import { containerSessions } from "./container/sessions";
import { ContainerWorlds } from "./container/world";
import { containerFs } from "./container/fs";
import { volumeSyncController } from "./container/fs/volumeSync";
import { imageOf, runRef } from "./node/runtime";
import { StreamServer, upgradeOf } from "./api/stream";

import type { Outcome } from "./outcome";
import { TasksSchema, type Task, type TaskResult } from "./checks/schema";
import { evaluateTasks, type CheckContext } from "./checks/evaluate";
import { applyObjects, parseObjects } from "./portable/apply";
import { captureObjects } from "./portable/capture";
import type { NetworkView } from "./network/types";
export type { Outcome };

export interface ClockRequest {
  advanceSeconds?: unknown;
  speed?: unknown;
}

/** Bounds of the clock API. */
export const MAX_ADVANCE_SECONDS = 30 * 24 * 3600;
export const MAX_SPEED = 1000;
/** Transitions one advance may replay before it stops (the rest runs on the next alarm). */
const MAX_ADVANCE_STEPS = 200_000;

export interface ClusterInit {
  id: string;
  config: ClusterConfig;
  /** A simulation patch (as PATCH /v1/clusters/{name} takes it) applied once the cluster is made. */
  simulation?: unknown;
  /** Objects to preload, one multi-document YAML string, applied as `kubectl apply -f` would. */
  objects?: string;
}

export interface ClusterInfo {
  id: string;
  name: string;
  /** Next wake-up of the control loop (ISO time; now while a pass runs or work waits), or null when the cluster is idle. */
  alarm: string | null;
  /** A pass of the control loop is under way. */
  running: boolean;
  /** When the cluster's object last started (ISO time): it sleeps when idle and starts again on the next request. */
  awakeSince: string;
  resourceVersion: number;
  objects: number;
  watches: number;
  now: string;
  speed: number;
  /** How far the cluster clock is ahead of the wall clock: the API serves timestamps moved back by it. */
  offsetSeconds: number;
  simulation: SimulationSettings;
  nodes: { name: string; role: string; running: boolean }[];
  /** Bytes the cluster's SQLite database takes. */
  storageBytes: number;
  /** The earliest timers on the cluster clock: what the control loop will do next. */
  timers: { controller: string; key: string; due: string }[];
  /** Kube API requests served (RPC and streams) and alarms run in the last hour, for GET /v1/usage. */
  requestsLastHour: number;
  alarmsLastHour: number;
}

/** Minutes of usage info() sums (requestsLastHour, alarmsLastHour). */
const USAGE_MINUTES = 60;
/** Requests and alarms counted in memory before one write of their counts. */
const USAGE_WRITE_EVERY = 100;

/** Header carrying a stream request's metadata from the Worker (which builds the request itself). */
export const STREAM_REQUEST_HEADER = "x-kubedo-request";

export type StreamRequestMeta = Omit<KubeRequest, "body">;

export class ClusterObject extends DurableObject<Env> {
  private store!: Store;
  private clock!: Clock;
  private machines!: Machines;
  private api!: ApiServer;
  private hub!: WatchHub;
  private loop!: ControlLoop;
  private router!: KubeRouter;
  private network!: ClusterNetwork;
  private containers!: ContainerWorlds;
  /** exec and attach reach containers through this (container/session.ts); set at start-up. */
  sessions!: ContainerSessions;
  private streams!: StreamServer;
  private config: ClusterConfig | null = null;
  private alarmAt: number | null = null;
  private running = false;
  /** When this instance started: a cluster's object sleeps when idle and starts again on the next request. */
  private readonly awakeSince = Date.now();
  private wakeDuringRun: number | null = null;
  /** Kubedo tokens confirmed in D1, so that a request needs no lookup there (for the object's life, across resets). */
  private readonly tokens = new VerifiedTokens();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(() => this.start());
  }

  private async start(): Promise<void> {
    this.store = new Store(this.ctx.storage, () => Date.now(), { maxChanges: LIMITS.changeLogEntries, maxAgeMs: LIMITS.changeLogAgeMs });
    const clockState = this.store.meta("clock");
    this.clock = new Clock(clockState ? (JSON.parse(clockState) as ClockState) : null, (s) => this.store.setMeta("clock", JSON.stringify(s)));
    const config = this.store.meta("config");
    this.config = config ? withNetworkingDefaults(JSON.parse(config) as ClusterConfig) : null;
    if (this.config) signingKey(this.store); // a cluster made before init made it (see makeCluster)
    this.machines = new Machines(this.store);
    // The simulation hands the registry what reads compute from: heartbeats and resource use.
    this.api = new ApiServer(this.store, this.clock, () => this.settings(), heartbeatReader((node) => this.machines.stoppedAt(node)));
    this.api.computeFrom = { usage: usageReader(() => this.simulation()) };
    this.api.authorizer = new RbacAuthorizer(this.store);
    this.hub = new WatchHub();
    this.network = clusterNetwork(this.api, this.store, this.clock, () => this.config!, () => this.simulation(), (req) => inPodKubeRequest((r) => this.router.handle(r), this.store.meta("cluster_id") ?? "", req, wallNow(this.clock)));
    // kube-apiserver runs in the control-plane node's network namespace; its webhook calls leave from there.
    this.api.webhookDialer = (conn) => {
      const view = this.network.view();
      const node = view.nodes().find((n) => (n.metadata.labels ?? {})["node-role.kubernetes.io/control-plane"] !== undefined) ?? view.nodes()[0];
      if (!node) return { ok: false, error: "unreachable" };
      const out = this.network.dial(view, { from: { kind: "node", node: node.metadata.name! }, ...conn });
      if (!out.ok) return { ok: false, error: out.error };
      const pod = view.pod(out.pod.namespace, out.pod.name);
      const image = pod ? view.image(pod, out.container) : null;
      return { ok: true, admission: !!image?.admission?.includes(out.port), http: !!image?.http.includes(out.port) };
    };
    this.containers = new ContainerWorlds({
      store: this.store,
      clock: this.clock,
      network: this.network,
      kubernetesVersion: () => this.settings().kubernetesVersion,
      image: (_pod, spec) => imageOf(spec, this.simulation()),
      baseFs: (pod, spec, run, argv, view) =>
        containerFs(
          { sql: this.store.sqlStorage, view, pod, node: pod.spec?.nodeName ?? "", now: this.clock.now() },
          { name: run.container, spec, kind: run.kind, runId: run.id, imageName: spec.image ?? "", image: imageOf(spec, this.simulation()), argv, tty: !!spec.tty },
        ),
      runsOf: (pod) => (loadRuntime({ store: this.store }, pod)?.containers ?? []).filter((c) => c.stage === "running" && c.run).map(runRef),
      poke: (pod) => this.loop.enqueue(KUBELET, `${pod.metadata.namespace}/${pod.metadata.name}`),
    });
    this.sessions = containerSessions({
      worlds: this.containers,
      clock: this.clock,
      runOf: (pod, container) => {
        const c = loadRuntime({ store: this.store }, pod)?.containers.find((x) => x.name === container);
        return c?.stage === "running" && c.run ? runRef(c) : null;
      },
      reload: (pod) => this.api.peek<Pod>("pods", pod.metadata.namespace!, pod.metadata.name!) ?? null,
    });
    this.loop = new ControlLoop(
      [
        namespaceController,
        serviceAccountController,
        serviceAccountTokenController,
        deploymentController,
        replicaSetController,
        replicationControllerController,
        statefulSetController,
        daemonSetController,
        cronJobController,
        horizontalPodAutoscalerController(),
        jobController,
        schedulerController(),
        kubeletController,
        volumeSyncController,
        staticPodsController(() => this.config!),
        nodeLifecycleController,
        taintEvictionController,
        disruptionController,
        resourceQuotaController,
        persistentVolumeBinderController,
        localPathProvisionerController,
        pvcProtectionController,
        pvProtectionController,
        clusterRoleAggregationController,
        customResourceDefinitionController,
        ...serviceEndpointControllers(),
        garbageCollectorController(),
        serviceLoadBalancerController,
        catalogController,
        ingressStatusController,
      ],
      {
        api: this.api,
        store: this.store,
        clock: this.clock,
        env: this.env,
        clusterId: () => this.store.meta("cluster_id") ?? "",
        machines: this.machines,
        simulation: () => this.simulation(),
        containers: this.containers,
      },
      (t) => this.wake(t),
      { version: this.env.CF_VERSION_METADATA?.id, parked: () => waitingOnQuota(this.api) },
    );
    this.store.onWrite((changes) => {
      for (const c of changes) if (c.resource === "namespaces") this.store.outbox(OUTBOX_TOPIC, catalogEntry(c));
    });
    this.store.onCommit((changes) => {
      this.hub.publish(changes);
      this.loop.onCommit(changes);
    });
    this.router = new KubeRouter(this.api, this.store, this.hub, this.clock, () => this.settings(), {
      "pods/binding": bindingAction(this.api),
      "pods/eviction": evictionAction(this.api),
      "pods/log": logAction(this.api, this.store, this.clock, (pod, run) => this.containers.program(pod, run)),
      "deployments/scale": scaleAction(this.api, deployments),
      "replicasets/scale": scaleAction(this.api, replicaSets),
      "statefulsets/scale": scaleAction(this.api, statefulSets),
      "replicationcontrollers/scale": scaleAction(this.api, replicationControllers),
      "services/proxy": serviceProxyAction(this.network),
      "pods/proxy": podProxyAction(this.network),
      "nodes/proxy": nodeProxyAction(this.network, () => this.settings().kubernetesVersion),
      "serviceaccounts/token": serviceAccountTokenAction(this.api, this.store, () => this.store.meta("cluster_id") ?? ""),
    });
    this.router.serviceAccounts = new ServiceAccountTokens({ store: this.store, now: () => this.clock.now(), get: (storage, ns, name) => this.api.peek(storage, ns, name) });
    this.streams = new StreamServer(this.api, this.network, () => this.sessions);
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS usage_minutes (minute INTEGER PRIMARY KEY, requests INTEGER NOT NULL, alarms INTEGER NOT NULL)");
    this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.config) {
      runPostStart(this.api, this.store, this.clock.now());
      this.loop.start();
    }
  }

  private simulation(): SimulationSettings {
    const raw = this.store.meta("simulation");
    return raw ? { ...DEFAULT_SIMULATION, ...(JSON.parse(raw) as SimulationSettings) } : DEFAULT_SIMULATION;
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
      kubeProxyMode: c.networking.kubeProxyMode,
    };
  }

  /** Asks for the alarm at a real time, unless an earlier one is already set. */
  private wake(realTime: number): void {
    // Always strictly in the future: an alarm set inside the alarm handler for the very
    // millisecond that handler was scheduled for is cleared by the runtime when it returns.
    realTime = Math.max(Math.ceil(realTime), Date.now() + 1);
    if (this.running) {
      this.wakeDuringRun = this.wakeDuringRun === null ? realTime : Math.min(this.wakeDuringRun, realTime);
      return;
    }
    // An alarm still to come, and no later than this one, already covers it. One that should
    // have fired by now is not trusted: it is set again.
    if (this.alarmAt !== null && this.alarmAt <= realTime && this.alarmAt >= Date.now()) return;
    this.alarmAt = realTime;
    void this.ctx.storage.setAlarm(realTime);
  }

  // -------------------------------------------------------------------------------------------
  // RPC

  /**
   * Creates the cluster's first objects, then its simulation settings and preloaded objects.
   * Idempotent: a second call changes nothing. Refused objects are named in the outcome
   * ("objects[2] (Deployment dev/web): …"); the caller then erases the cluster.
   */
  async init(init: ClusterInit): Promise<Outcome<{ objects: number }>> {
    const fresh = !this.store.meta("cluster_id");
    await this.makeCluster(init);
    if (!fresh) return { ok: true, value: { objects: 0 } };
    if (init.simulation !== undefined) {
      const sim = await this.simulate(init.simulation);
      if (!sim.ok) return sim;
    }
    if (!init.objects) return { ok: true, value: { objects: 0 } };
    const parsed = parseObjects(init.objects);
    if (!parsed.ok) return parsed;
    const applied = applyObjects(
      this.api,
      parsed.objects,
      (fn) => this.store.transaction(fn),
      (crd) => void customResourceDefinitionController.reconcile(crd, this.loop.context),
    );
    if (!applied.ok) return applied;
    // One pass now (Namespaces become Active, workloads make their pods); alarms do the rest.
    await this.runLoop();
    return applied;
  }

  /** The user's objects as a multi-document YAML that `kubectl apply -f` takes on a fresh cluster (export, snapshot, template capture). */
  async capture(): Promise<Outcome<{ yaml: string; objects: number }>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    return { ok: true, value: captureObjects(this.api, this.config, this.simulation()) };
  }

  /** Evaluates tasks' checks against the cluster as it is now. */
  async check(tasks: Task[]): Promise<Outcome<TaskResult[]>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    const parsed = TasksSchema.safeParse(tasks);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, status: 400, message: `tasks${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${issue.message}` };
    }
    // Reads only, but the traffic function records access-log lines: one transaction for them.
    return { ok: true, value: this.store.transaction(() => evaluateTasks(this.checkContext(), parsed.data)) };
  }

  private checkContext(): CheckContext {
    return {
      api: this.api,
      network: this.network,
      mappedPort: (view, hostPort) => this.mappedPort(view, hostPort),
    };
  }

  /** Erases the cluster and makes it again from `init` (the same id): a sandbox's reset and restore. */
  async reset(init: ClusterInit): Promise<Outcome<{ objects: number }>> {
    // The usage history outlives the reset: it counts what the cluster cost, not what it holds.
    const usage = this.usageRows();
    const rv = this.store.rv;
    const namespaces = this.config ? [...this.api.scanStored<KObject>("namespaces", "")].map((n) => ({ name: n.metadata.name!, uid: n.metadata.uid ?? "", createdAt: n.metadata.creationTimestamp ?? "" })) : [];
    await this.destroy();
    // resourceVersions go on past the old ones: a client's watch from before gets 410 Gone and
    // relists, and D1's namespace catalog (which keeps the highest version) takes the new rows.
    const next = rv + 1;
    this.store.setMeta("rv", String(next));
    this.store.setMeta("compacted_rv", String(next));
    await this.start();
    this.restoreUsage(usage);
    // The old namespaces leave the catalog; those the init makes again come back after them.
    if (namespaces.length) this.store.transaction(() => {
      for (const n of namespaces) this.store.outbox(OUTBOX_TOPIC, { name: n.name, uid: n.uid, phase: "Deleted", resourceVersion: next, deleted: true, createdAt: n.createdAt } satisfies CatalogEntry);
    });
    return this.init(init);
  }

  private async makeCluster(init: ClusterInit): Promise<void> {
    if (this.store.meta("cluster_id")) {
      // A second call finishes what a first one cut off left undone.
      joinTheRest(this.api, this.machines, this.config!, this.clock.now(), (join) => this.store.transaction(join));
      return;
    }
    this.store.transaction(() => {
      this.store.setMeta("cluster_id", init.id);
      this.store.setMeta("config", JSON.stringify(init.config));
      // Made now: the containers' files sign tokens through the SQL alone (metaOf), which the
      // store's memory of meta would not see make it.
      signingKey(this.store);
      this.config = withNetworkingDefaults(init.config);
      bootstrap(this.api, this.machines, this.config, this.clock.now());
    });
    runPostStart(this.api, this.store, this.clock.now());
    // One pass of the loop on the first control plane (its addons' pods are placed), then the rest join.
    await this.runLoop();
    joinTheRest(this.api, this.machines, this.config!, this.clock.now(), (join) => this.store.transaction(join));
  }

  /**
   * A kube request from the edge with the bearer token's proof (authentication/verifiedTokens.ts):
   * served when the token is known here or the edge has just read it in D1; otherwise the answer
   * asks the edge to confirm it.
   */
  async kubeWithToken(req: KubeRequest, proof: TokenProof): Promise<KubeResponse | VerifyToken> {
    const now = Date.now();
    if (!this.tokens.knows(proof.hash, req.identity, now)) {
      if (proof.verifiedAt === undefined) return { verify: this.tokens.generation };
      if (proof.verifiedAt !== null) this.tokens.remember(proof.hash, req.identity, proof.verifiedAt, now);
    }
    return this.kube(req);
  }

  /** A token of this tenant was revoked: the tokens this object knows of it are confirmed in D1 again. */
  async forgetTokens(tenantId: string): Promise<void> {
    this.tokens.forgetTenant(tenantId);
  }

  async kube(req: KubeRequest): Promise<KubeResponse> {
    this.countUsage("requests");
    if (!this.config) return { status: 404, headers: [["Content-Type", "application/json"]], body: JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "cluster not found", reason: "NotFound", code: 404 }) + "\n" };
    return this.router.handle(req);
  }

  /** Moves the cluster's clock: a jump forward (every timer that falls due fires, in order) or a new speed. */
  async moveClock(req: ClockRequest): Promise<Outcome<{ now: string; speed: number; offsetSeconds: number }>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    const { advanceSeconds, speed } = req;
    if (advanceSeconds === undefined && speed === undefined) return { ok: false, status: 400, message: 'give "advanceSeconds" (a number of seconds to jump ahead) or "speed" (how fast cluster time runs)' };
    if (advanceSeconds !== undefined && (typeof advanceSeconds !== "number" || !Number.isFinite(advanceSeconds) || advanceSeconds < 0 || advanceSeconds > MAX_ADVANCE_SECONDS))
      return { ok: false, status: 400, message: `advanceSeconds must be a number from 0 to ${MAX_ADVANCE_SECONDS} (30 days)` };
    if (speed !== undefined && (typeof speed !== "number" || !Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED))
      return { ok: false, status: 400, message: `speed must be a number greater than 0 and at most ${MAX_SPEED}` };
    if (typeof speed === "number") this.clock.setSpeed(speed);
    if (typeof advanceSeconds === "number" && advanceSeconds > 0) await this.advance(advanceSeconds * 1000);
    this.rearm();
    return { ok: true, value: { now: new Date(this.clock.now()).toISOString(), speed: this.clock.speed, offsetSeconds: this.clock.wallOffset() / 1000 } };
  }

  /** Steps the clock from timer to timer up to now + ms, running the control loop at each. */
  private async advance(ms: number): Promise<void> {
    // The end keeps running while the steps take real time: the clock ends exactly ms ahead.
    const target = this.clock.aheadBy(ms);
    await this.drain();
    for (let steps = 0; steps < MAX_ADVANCE_STEPS; steps++) {
      const next = this.loop.nextTimer();
      if (next === null || next > target()) break;
      this.clock.jumpTo(next);
      await this.drain();
    }
    this.clock.jumpTo(target());
    await this.drain();
  }

  /**
   * Runs the loop until its queues are empty, first letting an alarm that is running finish: a
   * step of an advance must not jump the clock past work still queued (a run cut off by its
   * budget under load, or one the alarm was in the middle of).
   */
  private async drain(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      if (this.running) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      await this.runLoop();
      if (this.loop.pending === 0) return;
    }
  }

  /** Reads or changes the cluster's simulation settings. */
  async simulate(patch: unknown): Promise<Outcome<SimulationSettings>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    if (patch === undefined || patch === null) return { ok: true, value: this.simulation() };
    const parsed = SimulationPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, status: 400, message: `simulation${issue.path.length ? "." + issue.path.join(".") : ""}: ${issue.message}` };
    }
    const next = applySimulationPatch(this.simulation(), parsed.data);
    if (typeof next === "string") return { ok: false, status: 400, message: next };
    const lbChanged = !!next.loadBalancer !== !!this.simulation().loadBalancer;
    if ((next.ingress ?? null) !== (this.simulation().ingress ?? null)) {
      // Installed (or removed) through the API server, as `kubectl apply -f` (or delete) of the manifest would.
      try {
        this.store.transaction(() => (next.ingress ? installIngressNginx(this.api) : uninstallIngressNginx(this.api)));
      } catch (e) {
        if (e instanceof ApiError) return { ok: false, status: e.code, message: `simulation.ingress: ${e.status.message}` };
        throw e;
      }
    }
    this.store.setMeta("simulation", JSON.stringify(next));
    if (lbChanged) for (const key of serviceLoadBalancerController.resync(this.loop.context)) this.loop.enqueue(SERVICE_LB, key);
    return { ok: true, value: next };
  }

  /** Powers a node's machine off or on. */
  async power(node: string, on: boolean): Promise<Outcome<{ name: string; running: boolean }>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    if (!this.api.peek("nodes", "", node)) return { ok: false, status: 404, message: `node ${JSON.stringify(node)} not found` };
    const running = this.machines.isRunning(node);
    if (running !== on) {
      this.machines.set(node, on, this.clock.now());
      this.loop.enqueue(NODE_LIFECYCLE, node);
      // A kubelet that comes back syncs its pods (finishing deletions it missed).
      if (on) for (const p of podsOnNode({ store: this.store }, node)) this.loop.enqueue(KUBELET, `${p.metadata.namespace}/${p.metadata.name}`);
    }
    return { ok: true, value: { name: node, running: on } };
  }

  async addNode(req: NodeRequest): Promise<Outcome<{ name: string; role: string }>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    return this.store.transaction(() => addNode(this.api, this.machines, this.config!, req, this.clock.now()));
  }

  async removeNode(name: string): Promise<Outcome<{ name: string }>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    const out = this.store.transaction(() => removeNode(this.api, name));
    if (out.ok) this.machines.remove(name);
    return out;
  }

  /** One connection through the simulated network (POST /v1/clusters/{name}/connect). */
  async traffic(req: ConnectRequest): Promise<Outcome<Traffic | TrafficSpread>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    return this.store.transaction(() => connectRequest(this.network, req));
  }

  /** A DNS lookup as cluster DNS answers it (GET /v1/clusters/{name}/dns), from a pod's resolver when `from` names one. */
  async dnsLookup(req: DnsLookupRequest): Promise<Outcome<DnsResult>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    const query = dnsQueryOf(req);
    if (typeof query === "string") return { ok: false, status: 400, message: query };
    const view = this.network.view();
    let from: Pod | undefined;
    if (query.from) {
      from = view.pod(query.from.namespace, query.from.name);
      if (!from) return { ok: false, status: 404, message: `pod ${query.from.namespace}/${query.from.name} not found` };
    }
    return { ok: true, value: resolve(view, { name: query.name, type: query.type, ...(from ? { from } : {}) }) };
  }

  /** What iptables-save prints on a node, with kube-proxy's rules (GET /v1/clusters/{name}/nodes/{node}/iptables). */
  async iptables(node: string): Promise<Outcome<string>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    const view = this.network.view();
    if (!view.node(node)) return { ok: false, status: 404, message: `node ${JSON.stringify(node)} not found` };
    return { ok: true, value: iptablesSave(view, node, kubeProxyMode(this.config)) };
  }

  /** The cluster's mapped host ports and load-balancer addresses, with the key their URLs carry. */
  async ports(): Promise<Outcome<PortsInfo>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    return { ok: true, value: this.portsInfo() };
  }

  private portsInfo(withLoadBalancers = true): PortsInfo {
    let key = this.store.meta("ports_key");
    if (!key) {
      key = newPortKey();
      this.store.setMeta("ports_key", key);
    }
    const loadBalancers: PortsInfo["loadBalancers"] = [];
    for (const svc of withLoadBalancers ? this.api.scanStored<Service>("services", null) : []) {
      if (svc.spec?.type !== "LoadBalancer") continue;
      for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip) for (const p of svc.spec.ports ?? []) if ((p.protocol ?? "TCP") === "TCP") loadBalancers.push({ service: `${svc.metadata.namespace}/${svc.metadata.name}`, ip: ing.ip, port: p.port });
    }
    return { key, public: this.store.meta("ports_public") !== "false", mappings: portMappings(this.config!), loadBalancers };
  }

  /** Opens or closes the cluster's public port URLs. */
  async setPortsPublic(open: boolean): Promise<Outcome<{ public: boolean }>> {
    if (!this.config) return { ok: false, status: 404, message: "cluster not found" };
    this.store.setMeta("ports_public", open ? "true" : "false");
    return { ok: true, value: { public: open } };
  }

  /**
   * A request on a public port URL: from outside, to the node's containerPort of a mapped host
   * port, or to a load-balancer address. The key is checked here, in constant time.
   */
  async publicPort(req: PublicPortRequest): Promise<Outcome<HttpAnswer>> {
    if (!this.config) return { ok: false, status: 404, message: "no such port" };
    // Load-balancer addresses are read only for a request to one (a mapped port needs none of them).
    const info = this.portsInfo(!!req.lb);
    if (!sameKey(req.key, info.key)) return { ok: false, status: 404, message: "no such port" };
    if (!info.public) return { ok: false, status: 403, message: 'this cluster\'s ports are closed: an admin may open them with PATCH /v1/clusters/{name} {"ports": {"public": true}}' };
    const view = this.network.view();
    let host: string;
    let port: number;
    if (req.lb) {
      if (!info.loadBalancers.some((l) => l.ip === req.lb!.ip && l.port === req.lb!.port)) return { ok: false, status: 404, message: `no load balancer listens on ${req.lb.ip}:${req.lb.port}` };
      host = req.lb.ip;
      port = req.lb.port;
    } else {
      const target = this.mappedPort(view, req.hostPort ?? 0);
      if (!target.ok) return target;
      ({ host, port } = target.value);
    }
    const out = this.store.transaction(() => this.network.dial(view, { from: { kind: "external" }, host, port, request: req.request }));
    if (!out.ok) return { ok: false, status: out.error === "timeout" ? 504 : 502, message: `curl: ${out.message}` };
    if (!out.answer) return { ok: false, status: 502, message: `the server at ${host}:${port} (${out.pod.namespace}/${out.pod.name}) does not speak HTTP` };
    return { ok: true, value: out.answer };
  }

  /** Where a mapped host port leads (kind's extraPortMappings): the node's address and its containerPort. */
  private mappedPort(view: NetworkView, hostPort: number): Outcome<{ host: string; port: number }> {
    const mappings = portMappings(this.config!);
    const m = mappings.find((x) => x.hostPort === hostPort && x.protocol === "TCP");
    if (!m) return { ok: false, status: 404, message: `host port ${hostPort} is not mapped: the cluster's kind config maps ${mappings.map((x) => x.hostPort).join(", ") || "no ports"} (nodes[].extraPortMappings)` };
    const ip = view.node(m.node)?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    if (!ip) return { ok: false, status: 502, message: `node ${m.node} is gone` };
    return { ok: true, value: { host: ip, port: m.containerPort } };
  }

  async info(): Promise<ClusterInfo> {
    return {
      id: this.store.meta("cluster_id") ?? "",
      name: this.config?.name ?? "",
      // A pass under way (its alarm already spent) or work queued is due now, not idle.
      alarm: this.running || this.loop.pending > 0 ? new Date().toISOString() : this.alarmAt === null ? null : new Date(this.alarmAt).toISOString(),
      running: this.running,
      awakeSince: new Date(this.awakeSince).toISOString(),
      resourceVersion: this.store.rv,
      objects: this.store.objectCount,
      watches: this.hub.size,
      now: new Date(this.clock.now()).toISOString(),
      speed: this.clock.speed,
      offsetSeconds: this.clock.wallOffset() / 1000,
      simulation: this.config ? this.simulation() : DEFAULT_SIMULATION,
      nodes: this.config
        ? [...this.api.scanStored<KObject>("nodes", "")].map((n) => ({
            name: n.metadata.name!,
            role: (n.metadata.labels ?? {})["node-role.kubernetes.io/control-plane"] !== undefined ? "control-plane" : "worker",
            running: this.machines.isRunning(n.metadata.name!),
          }))
        : [],
      storageBytes: this.ctx.storage.sql.databaseSize,
      timers: this.store.sqlStorage
        .exec<{ controller: string; key: string; due: number }>("SELECT controller, key, due FROM timers ORDER BY due LIMIT 10")
        .toArray()
        .map((t) => ({ controller: t.controller, key: t.key, due: new Date(t.due).toISOString() })),
      ...this.usageLastHour(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Usage: kube requests and alarms per minute, for GET /v1/usage. Counted in memory and written
  // in one upsert per USAGE_WRITE_EVERY events or when the minute turns: a statement (and a
  // commit) of its own on every request cost a tenth of a ConfigMap create. Whatever reads the
  // counts writes the pending ones first. No timer and no alarm is involved (an idle cluster
  // stays free); an object evicted with counts pending loses those, fewer than USAGE_WRITE_EVERY.
  // Rows older than the hour are dropped as new minutes begin.

  /** The minute whose old rows were last dropped. */
  private usageMinute = 0;
  /** The minute the pending counts belong to. */
  private pendingMinute = 0;
  private usagePending = { requests: 0, alarms: 0 };

  private countUsage(what: "requests" | "alarms"): void {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.pendingMinute) {
      this.flushUsage();
      this.pendingMinute = minute;
    }
    this.usagePending[what]++;
    if (this.usagePending.requests + this.usagePending.alarms >= USAGE_WRITE_EVERY) this.flushUsage();
  }

  private flushUsage(): void {
    const { requests, alarms } = this.usagePending;
    if (!requests && !alarms) return;
    this.usagePending = { requests: 0, alarms: 0 };
    const minute = this.pendingMinute;
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT INTO usage_minutes (minute, requests, alarms) VALUES (?, ?, ?) ON CONFLICT(minute) DO UPDATE SET requests = requests + excluded.requests, alarms = alarms + excluded.alarms",
      minute,
      requests,
      alarms,
    );
    if (this.usageMinute !== minute) {
      this.usageMinute = minute;
      sql.exec("DELETE FROM usage_minutes WHERE minute < ?", minute - USAGE_MINUTES);
    }
  }

  /** Counts not yet written are forgotten with the rest of the cluster. */
  private dropPendingUsage(): void {
    this.usagePending = { requests: 0, alarms: 0 };
  }

  private usageLastHour(): { requestsLastHour: number; alarmsLastHour: number } {
    this.flushUsage();
    const since = Math.floor(Date.now() / 60_000) - USAGE_MINUTES + 1;
    const row = this.ctx.storage.sql.exec<{ r: number | null; a: number | null }>("SELECT sum(requests) AS r, sum(alarms) AS a FROM usage_minutes WHERE minute >= ?", since).one();
    return { requestsLastHour: Number(row.r ?? 0), alarmsLastHour: Number(row.a ?? 0) };
  }

  private usageRows(): { minute: number; requests: number; alarms: number }[] {
    this.flushUsage();
    return this.ctx.storage.sql.exec<{ minute: number; requests: number; alarms: number }>("SELECT minute, requests, alarms FROM usage_minutes").toArray();
  }

  private restoreUsage(rows: { minute: number; requests: number; alarms: number }[]): void {
    for (const r of rows) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO usage_minutes (minute, requests, alarms) VALUES (?, ?, ?)", r.minute, r.requests, r.alarms);
  }

  /** Erases the cluster: every object, the change log, timers and the alarm. */
  async destroy(): Promise<void> {
    this.dropPendingUsage();
    this.tokens.forgetAll();
    this.hub.closeAll();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // Start over on the empty storage: the object is as if it had never been created.
    await this.start();
  }

  // -------------------------------------------------------------------------------------------
  // Streams (watch): the Worker forwards a request it built, with the metadata in a header.

  override async fetch(request: Request): Promise<Response> {
    this.countUsage("requests");
    const meta = request.headers.get(STREAM_REQUEST_HEADER);
    if (!meta || !this.config) return new Response("not found", { status: 404 });
    const req = { ...(JSON.parse(meta) as StreamRequestMeta), body: null } satisfies KubeRequest;
    // exec, attach, port-forward: a WebSocket upgrade (or a SPDY one, refused with a Status).
    if (KubeRouter.isConnect(req.path)) return this.router.connect(req, (t) => this.streams.connect(req, t, upgradeOf(request.headers)));
    return this.router.stream(req);
  }

  override async alarm(): Promise<void> {
    this.countUsage("alarms");
    this.alarmAt = null;
    if (!this.config) return;
    await this.runLoop();
  }

  /** One pass of the control loop, then the alarm set for what is next (or none). */
  private async runLoop(): Promise<void> {
    if (this.running) return;
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

  /** Sets the alarm for the earliest timer exactly (after the clock's speed or time changed). */
  private rearm(): void {
    if (this.loop.pending > 0) {
      this.wake(Date.now());
      return;
    }
    const next = this.loop.nextTimer();
    const at = next === null ? null : this.clock.realTimeOf(next);
    this.alarmAt = null;
    if (at === null) void this.ctx.storage.deleteAlarm();
    else this.wake(at);
  }
}

export type { Identity };

export interface PortsInfo {
  key: string;
  public: boolean;
  mappings: PortMapping[];
  loadBalancers: { service: string; ip: string; port: number }[];
}

export interface PublicPortRequest {
  key: string;
  hostPort?: number;
  lb?: { ip: string; port: number };
  request: HttpRequest;
}
