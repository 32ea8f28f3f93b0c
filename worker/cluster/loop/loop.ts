// The control loop. Committed changes put keys on the queues of the controllers that care; the
// object's alarm drains the queues and fires due timers, then sets the next alarm for the
// earliest timer, or none. Queues live in memory and are rebuilt from the store after an
// eviction; timers live in the store.
//
// Rebuilding: whenever a run leaves every queue empty, the store records the revision it had
// (the settled mark). A start that finds the mark replays only the changes after it through
// keysFor, as if they had just committed; one that does not (a run cut off, a timer fired and
// not yet worked, a log compacted past the mark, other code) asks every controller for its
// full resync. So a cluster that went to sleep idle wakes without reading its objects.
import type { ContainerWorlds } from "../container/world";
import type { Env } from "../../env";
import type { ApiServer } from "../api/apiserver";
import type { Clock } from "../clock";
import type { Machines } from "../node/machines";
import type { SimulationSettings } from "../simulation";
import { ObjectBoundError, type Change, type Store } from "../store/store";
import { recordEvent, recordEventOnce, type EventReport } from "../events";

export interface ControllerContext {
  api: ApiServer;
  store: Store;
  clock: Clock;
  env: Env;
  clusterId: () => string;
  machines: Machines;
  simulation: () => SimulationSettings;
  /** The pods' containers' worlds: their processes, files and sessions. */
  containers: ContainerWorlds;
  /** Runs `key` of `controller` again at cluster time `at` (ms). */
  schedule(controller: string, key: string, at: number): void;
  /** Drops `key`'s timer (nothing left to wait for). */
  cancel(controller: string, key: string): void;
  /**
   * Parks `key` until objects are deleted: the cluster's object bound refused a create, and
   * trying again before anything is freed would only fail again.
   */
  waitForRoom(controller: string, key: string): void;
}

export interface Controller {
  name: string;
  /**
   * Keys a committed change puts on this controller's queue. `ctx` is for the few that must read
   * the store to tell (the garbage collector builds its owner index from it).
   */
  keysFor(change: Change, ctx: ControllerContext): string[];
  /** Keys to work on after the object starts when the loop's last state is not known (queues are not persisted). */
  resync(ctx: ControllerContext): string[];
  /**
   * Memory the controller keeps beside the store (an index of Services, say), rebuilt when the
   * object starts, before any change is replayed. Cheap: it runs on every start.
   */
  restore?(ctx: ControllerContext): void;
  /** Brings `key` to its desired state. Idempotent: it may run twice, or be cut off. */
  reconcile(key: string, ctx: ControllerContext): void | Promise<void>;
  /** The object a key stands for, so a failing reconcile can be reported as an Event on it. */
  regarding?(key: string): EventReport["regarding"] | null;
}

/** "namespace/name" keys, split at the first slash. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Retry delays for failing reconciles: 1 s doubling to 5 min (cluster time). */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60 * 1000;
/** Real milliseconds of reconciling between yields to waiting requests. */
const YIELD_EVERY_MS = 50;
/**
 * The same bounds counted in reconciles. Deployed, Date.now() moves only after I/O, so during a
 * pass of pure work the times above never run out: without a count, one alarm would drain every
 * queue (thousands of pods) with requests held and no end but the platform's CPU limit.
 */
export const YIELD_EVERY_RECONCILES = 64;
export const RUN_RECONCILES = 2_000;
/**
 * And in writes, since one reconcile may write hundreds (a collector's batch of 500 deletions, a
 * ReplicaSet's sync of 500 pods): counted in reconciles alone, several such batches ran back to
 * back with nothing answered between them.
 */
export const YIELD_EVERY_WRITES = 256;
/**
 * Keys one controller works before the next gets its turn. kube-controller-manager's controllers
 * and the kubelets run side by side: without turns, the first controller with a long queue (a
 * ReplicaSet creating 100,000 pods) would hold back the scheduler and the kubelets until it was
 * done, and no pod would run for minutes. Large enough that a sync that reads many pods (a
 * ReplicaSet's status) still runs once for many changes.
 */
export const TURN_RECONCILES = 512;
/**
 * A turn also ends once it has written this many objects (Events not counted). A key of the
 * scheduler or a kubelet writes one pod; a ReplicaSet's sync writes up to 500. Counted in keys
 * alone, the ReplicaSets of 20 Deployments made 10,000 pods in one turn while the scheduler then
 * took 512: the backlog grew each round, and its bodies had left the cache when they were read.
 */
export const TURN_WRITES = 500;

/** The meta row of the settled mark: "revision|stamp". */
export const SETTLED_META = "loop_settled";

export interface LoopOptions {
  /** The code's version (a deploy's id): a mark left by other code is not trusted. */
  version?: string;
  /** Whether work waits in memory outside the queues (a quota's refusals), which a mark would lose. */
  parked?: () => boolean;
}

export class ControlLoop {
  private readonly queues = new Map<string, Set<string>>();
  /** What the mark says besides the revision: these controllers, this code. */
  private readonly stamp: string;
  /** The revision of the mark standing in the store, null when there is none. */
  private settledAt: number | null = null;
  /** The controller whose turn a run starts with (where the last one that ran out stopped). */
  private turn = 0;
  private readonly failures = new Map<string, number>();
  /** Keys parked by waitForRoom, per controller (memory only: a resync tries them all again). */
  private readonly waitingForRoom = new Map<string, Set<string>>();

  constructor(
    private readonly controllers: Controller[],
    private readonly ctx: Omit<ControllerContext, "schedule" | "cancel" | "waitForRoom">,
    /** Asks for the object's alarm at a real (wall-clock) time. */
    private readonly wake: (realTime: number) => void,
    private readonly options: LoopOptions = {},
  ) {
    for (const c of controllers) this.queues.set(c.name, new Set());
    this.stamp = `${controllers.map((c) => c.name).join(",")};${options.version ?? ""}`;
  }

  get context(): ControllerContext {
    return {
      ...this.ctx,
      schedule: (controller, key, at) => this.schedule(controller, key, at),
      cancel: (controller, key) => this.ctx.store.sqlStorage.exec("DELETE FROM timers WHERE controller = ? AND key = ?", controller, key),
      waitForRoom: (controller, key) => {
        const parked = this.waitingForRoom.get(controller) ?? new Set<string>();
        parked.add(key);
        this.waitingForRoom.set(controller, parked);
      },
    };
  }

  /** Called for every committed batch of changes. */
  onCommit(changes: readonly Change[]): void {
    if (this.queueKeys(changes)) this.wake(Date.now());
  }

  /** Puts the keys of committed changes on the queues; whether there were any. */
  private queueKeys(changes: readonly Change[]): boolean {
    let any = false;
    if (this.waitingForRoom.size && changes.some((c) => c.type === "DELETED") && this.ctx.store.hasRoomFor("")) {
      for (const [controller, keys] of this.waitingForRoom) for (const k of keys) this.queues.get(controller)?.add(k);
      this.waitingForRoom.clear();
      any = true;
    }
    const ctx = this.context;
    for (const c of this.controllers) {
      const q = this.queues.get(c.name)!;
      for (const ch of changes) {
        for (const k of c.keysFor(ch, ctx)) {
          q.add(k);
          any = true;
        }
      }
    }
    return any;
  }

  /**
   * After the object starts: controllers' memory restored, then the queues rebuilt from the
   * store (from the settled mark when it holds, else by every controller's resync), and the
   * alarm asked for if there is work or a timer.
   */
  start(): void {
    const store = this.ctx.store;
    for (const c of this.controllers) c.restore?.(this.context);
    const mark = store.meta(SETTLED_META);
    const at = mark ? Number(mark.slice(0, mark.indexOf("|"))) : NaN;
    if (mark && mark.slice(mark.indexOf("|") + 1) === this.stamp && Number.isSafeInteger(at) && at <= store.rv && at >= store.compactedRv) {
      this.settledAt = at;
      let any = false;
      for (const c of store.changesSince(at)) any = this.queueKeys([c]) || any;
      if (any) this.wake(Date.now());
      else this.wakeForTimers();
      return;
    }
    this.resync();
  }

  /** Rebuilds the queues from every controller's resync and wakes if there is work. */
  resync(): void {
    let any = false;
    for (const c of this.controllers) {
      for (const k of c.resync(this.context)) {
        this.queues.get(c.name)!.add(k);
        any = true;
      }
    }
    if (any) this.wake(Date.now());
    else this.wakeForTimers();
  }

  enqueue(controller: string, key: string): void {
    this.unsettle();
    this.queues.get(controller)?.add(key);
    this.wake(Date.now());
  }

  schedule(controller: string, key: string, at: number): void {
    const sql = this.ctx.store.sqlStorage;
    sql.exec(
      "INSERT INTO timers (controller, key, due) VALUES (?, ?, ?) ON CONFLICT(controller, key) DO UPDATE SET due = min(due, excluded.due)",
      controller,
      key,
      Math.floor(at),
    );
    this.wake(this.ctx.clock.realTimeOf(at));
  }

  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /** Earliest timer on the cluster clock, or null. */
  nextTimer(): number | null {
    const row = this.ctx.store.sqlStorage.exec<{ due: number | null }>("SELECT min(due) AS due FROM timers").one();
    return row.due ?? null;
  }

  /**
   * One alarm's worth of work: due timers onto the queues, then drain the queues (until the
   * budget runs out). Returns when the next alarm should be, in real time, or null for none.
   */
  async run(budgetMs = 2_000): Promise<number | null> {
    const started = Date.now();
    let slice = started;
    let done = 0;
    let sinceYield = 0;
    let rvAtYield = this.ctx.store.rv;
    this.fireDueTimers();
    const n = this.controllers.length;
    for (;;) {
      let worked = false;
      for (let i = 0; i < n; i++) {
        const at = (this.turn + i) % n;
        const c = this.controllers[at];
        const q = this.queues.get(c.name)!;
        // The keys queued when its turn began: one its own writes queue again (a ReplicaSet's
        // pods, created 500 a sync) waits for its next turn, after the scheduler and kubelets
        // have had theirs. Otherwise one turn made all 10,000 pods of a Deployment before any
        // was scheduled, and their bodies had left the cache by the time the scheduler read them.
        const turns = Math.min(q.size, TURN_RECONCILES);
        const writtenBefore = this.ctx.store.objectWrites;
        for (let turn = 0; q.size && turn < turns && this.ctx.store.objectWrites - writtenBefore < TURN_WRITES; turn++) {
          if (Date.now() - started > budgetMs || done >= RUN_RECONCILES) {
            // The next run goes on from here: the controllers after this one are not starved.
            this.turn = at;
            return Date.now();
          }
          // Let requests in between slices of work: a long reconcile burst (a rollout of
          // thousands of pods) must not hold kubectl's requests for the whole budget.
          if (Date.now() - slice > YIELD_EVERY_MS || sinceYield >= YIELD_EVERY_RECONCILES || this.ctx.store.rv - rvAtYield >= YIELD_EVERY_WRITES) {
            await new Promise((r) => setTimeout(r, 0));
            slice = Date.now();
            sinceYield = 0;
            rvAtYield = this.ctx.store.rv;
          }
          const key = q.values().next().value as string;
          q.delete(key);
          worked = true;
          done++;
          sinceYield++;
          await this.reconcileOne(c, key);
        }
      }
      this.fireDueTimers();
      if (!worked && this.pending === 0) break;
    }
    this.settle();
    const next = this.nextTimer();
    return next === null ? null : this.ctx.clock.realTimeOf(next);
  }

  private async reconcileOne(c: Controller, key: string) {
    const id = `${c.name}/${key}`;
    // The controller's writes are recorded under its field manager (kube-controller-manager, ...).
    this.ctx.api.writer = c.name;
    try {
      await c.reconcile(key, this.context);
      this.failures.delete(id);
    } catch (e) {
      if (e instanceof ObjectBoundError) {
        this.metBound(c, key, e);
        return;
      }
      const n = (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, n);
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (n - 1));
      const message = e instanceof Error ? e.message : String(e);
      // The retry is stored before anything is logged: when the object itself is going away
      // (reset, evicted mid-run) storage throws here and the alarm ends without a word, as a
      // log line from a broken object can never be delivered (the test pool waited on one forever).
      this.schedule(c.name, key, this.ctx.clock.now() + delay);
      console.warn(`reconcile ${id} failed (attempt ${n}), retrying in ${delay} ms:`, message);
      const regarding = c.regarding?.(key);
      if (regarding) {
        try {
          this.ctx.store.transaction(() =>
            // One message per failure, whatever the attempt: the recorder counts repeats on one Event.
            recordEvent(this.ctx.api, { regarding, type: "Warning", reason: "ReconcileFailed", message: `${c.name}: ${message}`, component: c.name, at: this.ctx.clock.now() }),
          );
        } catch {
          // reporting is best effort
        }
      }
    } finally {
      this.ctx.api.writer = null;
    }
  }

  /**
   * A reconcile refused by the object bound is not retried on a timer (it would only fail again
   * and write another report): it is reported once and waits until objects are deleted.
   */
  private metBound(c: Controller, key: string, e: ObjectBoundError) {
    this.failures.delete(`${c.name}/${key}`);
    this.context.waitForRoom(c.name, key);
    const regarding = c.regarding?.(key);
    if (!regarding) return;
    try {
      this.ctx.store.transaction(() => recordEventOnce(this.ctx.api, { regarding, type: "Warning", reason: "ReconcileFailed", message: `${c.name}: ${e.message}`, component: c.name, at: this.ctx.clock.now() }));
    } catch {
      // reporting is best effort
    }
  }

  /** Records that every queue is empty at this revision (unless work is parked in memory). */
  private settle(): void {
    const rv = this.ctx.store.rv;
    if (this.settledAt === rv || this.waitingForRoom.size || this.options.parked?.()) return;
    this.ctx.store.setMeta(SETTLED_META, `${rv}|${this.stamp}`);
    this.settledAt = rv;
  }

  /** Keys are queued that no change records (a timer fired, a poke): the mark no longer holds. */
  private unsettle(): void {
    if (this.settledAt === null) return;
    this.ctx.store.deleteMeta(SETTLED_META);
    this.settledAt = null;
  }

  private fireDueTimers() {
    const sql = this.ctx.store.sqlStorage;
    const now = this.ctx.clock.now();
    const due = sql.exec<{ controller: string; key: string }>("SELECT controller, key FROM timers WHERE due <= ? ORDER BY due", now).toArray();
    if (!due.length) return;
    this.unsettle();
    sql.exec("DELETE FROM timers WHERE due <= ?", now);
    for (const t of due) this.queues.get(t.controller)?.add(t.key);
  }

  private wakeForTimers() {
    const next = this.nextTimer();
    if (next !== null) this.wake(this.ctx.clock.realTimeOf(next));
  }
}
