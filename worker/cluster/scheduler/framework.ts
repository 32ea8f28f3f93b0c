// The scheduling framework, shaped like kube-scheduler's: filter plugins say whether a pod may
// run on a node (and why not, in kube-scheduler's words), score plugins rank the nodes that
// may, each score normalized to 0-100 and weighted, and the best node wins.
import type { NodeInfo, PodInfo, Snapshot } from "./snapshot";

export interface Rejection {
  /** The reason, as FailedScheduling prints it ("Insufficient cpu"). */
  reasons: string[];
  /** Preemption cannot help (UnschedulableAndUnresolvable). */
  unresolvable?: boolean;
  /** Refused in PreFilter, for every node at once: FitError prints the reason once, not per node. */
  preFilter?: boolean;
}

/** State a plugin computes once per scheduling cycle (PreFilter / PreScore). */
export type CycleState = Map<string, unknown>;

export interface Plugin {
  name: string;
  /** Weight of its score (kube-scheduler's defaults). */
  weight?: number;
  /** May refuse the pod outright (for every node), as a PreFilter status does. */
  preFilter?(pod: PodInfo, snapshot: Snapshot, state: CycleState): Rejection | null | void;
  filter?(pod: PodInfo, node: NodeInfo, state: CycleState): Rejection | null;
  preScore?(pod: PodInfo, feasible: NodeInfo[], state: CycleState): void;
  score?(pod: PodInfo, node: NodeInfo, state: CycleState): number;
  /** Turns raw scores (one per feasible node, in their order) into 0-100, in place. */
  normalize?(scores: number[], state: CycleState): void;
  /** PreBind: makes what the pod needs on its node (volumes); false while it is not ready, and the pod waits. */
  preBind?(pod: PodInfo, node: string, state: CycleState): boolean;
}

/** The least and greatest of a plugin's raw scores (a loop: a spread of 420 values into Math.min's arguments is not free). */
export function scoreRange(scores: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of scores) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** Runs the PreBind plugins of a decision; true when the pod may be bound now. */
export function preBind(plugins: Plugin[], pod: PodInfo, node: string, decision: Decision): boolean {
  let ready = true;
  for (const p of plugins) if (p.preBind && !p.preBind(pod, node, decision.state ?? new Map())) ready = false;
  return ready;
}

export interface NodeVerdict {
  node: string;
  /** The plugin that filtered the node out, and why. */
  rejectedBy?: { plugin: string; rejection: Rejection };
  /** Weighted scores per plugin, for feasible nodes. */
  scores?: Record<string, number>;
  total?: number;
}

export interface Decision {
  node: string | null;
  verdicts: NodeVerdict[];
  /** The cycle's state, for PreBind. */
  state?: CycleState;
  /** Nodes in the cluster, when the filters stopped before looking at every one. */
  ofNodes?: number;
}

/**
 * A node that fits, its scores per plugin made when first read: explain reads them for the best
 * nodes only, and a record per node of 420 that fit was most of what a cycle allocated.
 */
class Fitting implements NodeVerdict {
  private made?: Record<string, number>;

  constructor(
    readonly node: string,
    readonly total: number,
    private readonly weighted: readonly { plugin: string; scores: readonly number[] }[],
    private readonly at: number,
  ) {}

  get scores(): Record<string, number> {
    if (!this.made) {
      const made: Record<string, number> = {};
      for (const w of this.weighted) made[w.plugin] = w.scores[this.at];
      this.made = made;
    }
    return this.made;
  }

  /** Whether `o` reads the same, compared number by number when both come from one cycle's score columns (no text made). */
  readsAs(o: Fitting): boolean | undefined {
    if (o.weighted !== this.weighted) return undefined;
    if (o.total !== this.total) return false;
    for (const w of this.weighted) if (w.scores[this.at] !== w.scores[o.at]) return false;
    return true;
  }

  /** verdictKey's text, from the cycle's score columns (the same plugins, in the same order, for every node of a cycle). */
  get key(): string {
    let k = `fits\u0000${this.total}`;
    for (const w of this.weighted) k += `\u0000${w.scores[this.at]}`;
    return k;
  }
}

/** Text equal for two verdicts of one cycle exactly when they read the same: filtered by one plugin for the same reasons, or fitting with the same scores. */
function verdictKey(v: NodeVerdict): string {
  if (v.rejectedBy) return `${v.rejectedBy.plugin}\u0000${v.rejectedBy.rejection.reasons.join("\u0000")}`;
  if (v instanceof Fitting) return v.key;
  const scores = v.scores ?? {};
  return `fits\u0000${v.total ?? 0}\u0000${Object.keys(scores)
    .sort()
    .map((p) => `${p}=${scores[p]}`)
    .join("\u0000")}`;
}

/** Where the filters start and how many feasible nodes they look for before they stop. */
export interface NodeSearch {
  start: number;
  find: number;
  /**
   * The pod's signature when the plugins' verdicts on a node depend on nothing but the pod and
   * that node (plugins/index.ts says when): the verdicts are kept on the node for the next pod of
   * the same signature, until a pod is counted there or taken off. A ReplicaSet's pods are alike,
   * and binding one changes one node: judging all 420 nodes again for each was most of a cycle.
   */
  signature?: string;
}

/** The filters' verdict on a node and the plugins' raw scores, for pods of one signature, as of the node's generation. */
export interface NodeMemo {
  /** The signature's number (signatureId). */
  id: number;
  generation: number;
  rejectedBy: NodeVerdict["rejectedBy"] | null;
  /** One per scoring plugin, in the plugins' order, before normalizing; null until the node is scored. */
  raw: number[] | null;
}

/** Signatures kept per node: pods of a few templates at a time, not every template that ever ran. */
const MEMOS_PER_NODE = 8;

/**
 * Signatures as small numbers, looked up once a cycle: a node's memo found by a text of a few
 * hundred characters compared the text again at every node. Never reused (dropping the table
 * only makes a signature seen again a new number, whose memos start empty).
 */
const signatureIds = new Map<string, number>();
let lastSignatureId = 0;
const SIGNATURES_KEPT = 4096;

function signatureId(signature: string): number {
  let id = signatureIds.get(signature);
  if (id === undefined) {
    if (signatureIds.size >= SIGNATURES_KEPT) signatureIds.clear();
    signatureIds.set(signature, (id = ++lastSignatureId));
  }
  return id;
}

// A node's memos in a short array, found by their number: this runs for every node of every
// cycle (4 million times for 10,000 pods on 1,000 nodes), and a Map's lookup was a tenth of it.
function memoOf(node: NodeInfo, id: number): NodeMemo | undefined {
  const all = node.memo;
  for (let i = 0; i < all.length; i++) {
    const m = all[i];
    if (m.id === id) return m.generation === node.generation ? m : undefined;
  }
  return undefined;
}

function remember(node: NodeInfo, memo: NodeMemo): void {
  const all = node.memo;
  for (let i = 0; i < all.length; i++)
    if (all[i].id === memo.id) {
      all[i] = memo;
      return;
    }
  if (all.length >= MEMOS_PER_NODE) all.length = 0;
  all.push(memo);
}

const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;

/**
 * How many feasible nodes the filters look for, as kube-scheduler's numFeasibleNodesToFind with
 * the default percentageOfNodesToScore (adaptive: 50% less 1% per 125 nodes, at least 5% and 100
 * nodes): on a big cluster a pod is placed among the first nodes that fit, not every node.
 */
export function feasibleNodesToFind(nodes: number): number {
  if (nodes < MIN_FEASIBLE_NODES) return nodes;
  const percentage = Math.max(MIN_FEASIBLE_PERCENTAGE, 50 - Math.floor(nodes / 125));
  return Math.max(MIN_FEASIBLE_NODES, Math.floor((nodes * percentage) / 100));
}

export function schedule(pod: PodInfo, snapshot: Snapshot, plugins: Plugin[], pick: (best: string[]) => string, search?: NodeSearch): Decision {
  const state: CycleState = new Map();
  for (const p of plugins) {
    const r = p.preFilter?.(pod, snapshot, state);
    if (r) return { node: null, verdicts: snapshot.list().map((n) => ({ node: n.name, rejectedBy: { plugin: p.name, rejection: { ...r, preFilter: true } } })), state };
  }
  const verdicts: NodeVerdict[] = [];
  const feasible: NodeInfo[] = [];
  const memos: (NodeMemo | undefined)[] = [];
  const signature = search?.signature === undefined ? undefined : signatureId(search.signature);
  const all = snapshot.list();
  const find = search?.find ?? all.length;
  let processed = 0;
  for (let i = 0; i < all.length && feasible.length < find; i++) {
    const node = all[((search?.start ?? 0) + i) % all.length];
    processed++;
    let memo = signature === undefined ? undefined : memoOf(node, signature);
    let rejected: NodeVerdict["rejectedBy"];
    if (memo) rejected = memo.rejectedBy ?? undefined;
    else {
      for (const p of plugins) {
        const r = p.filter?.(pod, node, state);
        if (r) {
          rejected = { plugin: p.name, rejection: r };
          break;
        }
      }
      if (signature !== undefined) remember(node, (memo = { id: signature, generation: node.generation, rejectedBy: rejected ?? null, raw: null }));
    }
    if (rejected) verdicts.push({ node: node.name, rejectedBy: rejected });
    else {
      feasible.push(node);
      memos.push(memo);
    }
  }
  if (!feasible.length) return { node: null, verdicts, state };
  // Scores in arrays by the feasible nodes' order, not maps by name: with 420 nodes that fit of
  // 1,000 the maps' bookkeeping was most of a scheduling cycle.
  const n = feasible.length;
  const totals = new Array<number>(n).fill(0);
  const weighted: { plugin: string; scores: number[] }[] = [];
  if (n > 1) {
    for (const p of plugins) p.preScore?.(pod, feasible, state);
    const scoring = plugins.filter((p) => p.score);
    const columns = scoring.map(() => new Array<number>(n));
    for (let i = 0; i < n; i++) {
      const memo = memos[i];
      let raw = memo?.raw;
      if (!raw) {
        raw = new Array<number>(scoring.length);
        for (let j = 0; j < scoring.length; j++) raw[j] = scoring[j].score!(pod, feasible[i], state);
        if (memo) memo.raw = raw;
      }
      for (let j = 0; j < scoring.length; j++) columns[j][i] = raw[j];
    }
    for (let j = 0; j < scoring.length; j++) {
      const p = scoring[j];
      const scores = columns[j];
      p.normalize?.(scores, state);
      const weight = p.weight ?? 1;
      for (let i = 0; i < n; i++) {
        scores[i] = Math.round(scores[i]) * weight;
        totals[i] += scores[i];
      }
      weighted.push({ plugin: p.name, scores });
    }
  }
  let best = -Infinity;
  let top: string[] = [];
  for (let i = 0; i < n; i++) {
    const total = totals[i];
    if (total > best) {
      best = total;
      top = [feasible[i].name];
    } else if (total === best) top.push(feasible[i].name);
  }
  for (let i = 0; i < n; i++) verdicts.push(new Fitting(feasible[i].name, totals[i], weighted, i));
  return { node: pick(top), verdicts, state, ...(processed < all.length ? { ofNodes: all.length } : {}) };
}

export const NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const NO_VICTIMS = "No preemption victims found for incoming pod";

/** "0/3 nodes are available: 1 ..., 2 ....": a histogram of the nodes' reasons, sorted as kube-scheduler sorts it. */
export function unavailable(total: number, reasonsPerNode: Iterable<readonly string[]>): string {
  const histogram = new Map<string, number>();
  for (const reasons of reasonsPerNode) for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  return `0/${total} nodes are available: ${[...histogram].map(([r, n]) => `${n} ${r}`).sort().join(", ")}.`;
}

/**
 * kube-scheduler's FitError text, then the PostFilter's (preemption's) message: "0/3 nodes are
 * available: 3 Insufficient cpu. preemption: ...". Without a PostFilter message given, the one
 * preemption writes when no node holds a lower-priority pod.
 */
export function fitError(total: number, verdicts: NodeVerdict[], postFilter?: string): string {
  if (total === 0) return "no nodes available to schedule pods";
  const rejected = verdicts.filter((v) => v.rejectedBy).map((v) => v.rejectedBy!.rejection);
  const post = postFilter ?? `preemption: ${unavailable(total, rejected.map((r) => [r.unresolvable ? NOT_HELPFUL : NO_VICTIMS]))}`;
  const preFilter = rejected.length && rejected.every((r) => r.preFilter) ? `0/${total} nodes are available: ${rejected[0].reasons.join(", ")}.` : null;
  return `${preFilter ?? unavailable(total, rejected.map((r) => r.reasons))}${post ? ` ${post}` : ""}`;
}

/** How many nodes, best first, the decision's text groups; past them it counts. */
const GROUPED = 100;

/**
 * The scheduler's reasoning as text a learner can read (kept in an annotation on the pod): the
 * choice, then the nodes best first, those with the same verdict (equal scores, or filtered for
 * the same reasons) on one line. On a cluster of like nodes a line per node made this text a fifth
 * of every pod's stored size, and of what `kubectl get pods` reads.
 */
export function explain(decision: Decision, limit = 12, namesPerLine = 3): string {
  const chosen = decision.node;
  const feasible = bestFirst(decision.verdicts, chosen);
  const rejected = decision.verdicts.filter((v) => v.rejectedBy);
  const checked = decision.ofNodes ? ` (the filters stop at ${feasible.length} that fit, of ${decision.ofNodes} nodes)` : "";
  const lines = [chosen ? `chose ${chosen}: ${feasible.length} of ${decision.verdicts.length} nodes fit${checked}` : `no node fits: ${rejected.length} of ${decision.verdicts.length} nodes filtered out`];
  // Grouped by what each node's verdict reads, so the text is written once a group, not once a
  // node; and only the best GROUPED nodes are looked at (the rest are counted): this runs for
  // every pod bound, with 420 nodes that fit of 1,000. A cycle's fitting nodes are held against
  // the groups of their own total, score by score (a text made per node was most of this
  // function's time); verdicts of other making are grouped by their text (verdictKey).
  type Group = { first: NodeVerdict; nodes: string[] };
  const groups: Group[] = [];
  const ofTotal = new Map<number, Group[]>();
  const ofText = new Map<string, Group>();
  for (const v of feasible.length >= GROUPED ? feasible.slice(0, GROUPED) : [...feasible, ...rejected.slice(0, GROUPED - feasible.length)]) {
    let group: Group | undefined;
    if (v instanceof Fitting) {
      let same = ofTotal.get(v.total);
      if (!same) ofTotal.set(v.total, (same = []));
      group = same.find((g) => (g.first as Fitting).readsAs(v) ?? verdictKey(g.first) === verdictKey(v));
      if (!group) same.push((group = { first: v, nodes: [] }));
    } else {
      const key = verdictKey(v);
      group = ofText.get(key);
      if (!group) ofText.set(key, (group = { first: v, nodes: [] }));
    }
    if (!group.nodes.length) groups.push(group);
    group.nodes.push(v.node);
  }
  let told = 0;
  for (const { first, nodes } of groups.slice(0, limit)) {
    const more = nodes.length - namesPerLine;
    const verdict = first.rejectedBy ? `filtered by ${first.rejectedBy.plugin}: ${first.rejectedBy.rejection.reasons.join(", ")}` : fits(first);
    lines.push(`${nodes.slice(0, namesPerLine).join(", ")}${more > 0 ? ` and ${more} more` : ""}: ${verdict}`);
    told += nodes.length;
  }
  if (told < decision.verdicts.length) lines.push(`... and ${decision.verdicts.length - told} more nodes`);
  return lines.join("\n");
}

/**
 * The nodes that fit, best total first, the chosen one first among its equals, the rest in the
 * order they were looked at: by buckets of equal totals (a few on a cluster of like nodes), not
 * a sort of 420 verdicts for every pod bound.
 */
function bestFirst(verdicts: readonly NodeVerdict[], chosen: string | null): NodeVerdict[] {
  const byTotal = new Map<number, NodeVerdict[]>();
  for (const v of verdicts) {
    if (v.rejectedBy) continue;
    const t = v.total ?? 0;
    const same = byTotal.get(t);
    if (same) same.push(v);
    else byTotal.set(t, [v]);
  }
  const out: NodeVerdict[] = [];
  for (const t of [...byTotal.keys()].sort((a, b) => b - a)) {
    const same = byTotal.get(t)!;
    const at = chosen === null ? -1 : same.findIndex((v) => v.node === chosen);
    if (at > 0) same.unshift(...same.splice(at, 1));
    for (const v of same) out.push(v);
  }
  return out;
}

function fits(v: NodeVerdict): string {
  const parts = Object.entries(v.scores ?? {})
    .filter(([, s]) => s !== 0)
    .map(([p, s]) => `${p} ${s}`);
  return `fits, score ${v.total ?? 0}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}
