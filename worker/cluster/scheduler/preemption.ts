// DefaultPreemption, kube-scheduler's PostFilter: when a pod fits nowhere, find the nodes where
// removing lower-priority pods would let it fit, keep as many of those pods as can stay (the
// most important first, PodDisruptionBudgets respected where possible), and pick the node whose
// victims cost least. Pure: the scheduler does the writes (nomination, DisruptionTarget,
// deletion, events).
import { matchesLabels, type LabelSelector } from "../machinery/selectors";
import { parseTime } from "../machinery/time";
import { NOT_HELPFUL, NO_VICTIMS, unavailable, type CycleState, type NodeVerdict, type Plugin, type Rejection } from "./framework";
import { addPod, removePod, type NodeInfo, type PodInfo, type Snapshot } from "./snapshot";

/** What the scheduler needs of a PodDisruptionBudget. */
export interface Budget {
  namespace: string;
  /** null: the budget selects nothing (no or empty selector). */
  selector: LabelSelector | null;
  disruptionsAllowed: number;
  /** Pods the API server already counted as disrupted (status.disruptedPods). */
  disrupted: ReadonlySet<string>;
}

export interface Candidate {
  node: string;
  /** Most important first. */
  victims: PodInfo[];
  pdbViolations: number;
}

export interface PreemptionOutcome {
  candidate: Candidate | null;
  /** The PostFilter status message FailedScheduling ends with ("preemption: ..."); "" when a node was found. */
  message: string;
  /** Preemption can help nowhere: a nomination the pod holds is cleared. */
  clearNomination: boolean;
}

export function priorityOf(p: PodInfo): number {
  return p.pod.spec?.priority ?? 0;
}

function startOf(p: PodInfo, now: number): number {
  return parseTime(p.pod.status?.startTime ?? "") ?? now;
}

/** kube-scheduler's MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo, now: number): number {
  return priorityOf(b) - priorityOf(a) || startOf(a, now) - startOf(b, now);
}

/** A pod on its way out because the scheduler preempted it (DisruptionTarget by PreemptionByScheduler). */
function terminatingByPreemption(p: PodInfo): boolean {
  return !!p.pod.metadata.deletionTimestamp && !!p.pod.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True" && c.reason === "PreemptionByScheduler");
}


/** Whether the plugins' cycle state depends on where other pods are (affinity, spreading), so it must be computed again as pods come and go. */
function stateFollowsPods(pod: PodInfo, snapshot: Snapshot): boolean {
  const spec = pod.pod.spec;
  if (spec?.affinity?.podAffinity || spec?.affinity?.podAntiAffinity || spec?.topologySpreadConstraints?.length) return true;
  for (const node of snapshot.withRequiredAntiAffinity()) if (node.withRequiredAntiAffinity.length) return true;
  return false;
}

/** The filter plugins for one pod, run against a node as preemption changes it. */
export class NodeFilters {
  private state: CycleState | null = null;
  private refused: Rejection | null = null;
  constructor(
    private readonly pod: PodInfo,
    private readonly snapshot: Snapshot,
    private readonly plugins: Plugin[],
    private readonly followsPods: boolean,
  ) {}

  /** Runs the filters for the pod on one node as it stands now; null when it fits. */
  run(node: NodeInfo): Rejection | null {
    if (!this.state || this.followsPods) {
      this.state = new Map();
      this.refused = null;
      for (const p of this.plugins) {
        // A PreFilter may refuse the pod for every node at once.
        const r = p.preFilter?.(this.pod, this.snapshot, this.state) as Rejection | null | undefined | void;
        if (r) {
          this.refused = r;
          break;
        }
      }
    }
    if (this.refused) return this.refused;
    for (const p of this.plugins) {
      const r = p.filter?.(this.pod, node, this.state);
      if (r) return r;
    }
    return null;
  }
}

/** Splits pods (most important first) into those whose removal would break a budget and the rest (filterPodsWithPDBViolation). */
function splitByBudget(pods: PodInfo[], budgets: Budget[]): { violating: PodInfo[]; fine: PodInfo[] } {
  const allowed = budgets.map((b) => b.disruptionsAllowed);
  const violating: PodInfo[] = [];
  const fine: PodInfo[] = [];
  for (const p of pods) {
    let violated = false;
    if (Object.keys(p.labels).length) {
      budgets.forEach((b, i) => {
        if (b.namespace !== p.namespace || !b.selector?.length || !matchesLabels(b.selector, p.labels)) return;
        if (b.disrupted.has(p.pod.metadata.name!)) return;
        if (--allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : fine).push(p);
  }
  return { violating, fine };
}

type NodeResult = { victims: PodInfo[]; pdbViolations: number } | { rejection: Rejection };

/** SelectVictimsOnNode: the fewest, least important pods whose removal lets the pod fit; the node is left as it was. */
export function selectVictims(pod: PodInfo, node: NodeInfo, filters: NodeFilters, budgets: Budget[], now: number): NodeResult {
  const potential = node.pods.filter((p) => priorityOf(p) < priorityOf(pod));
  if (!potential.length) return { rejection: { reasons: [NO_VICTIMS], unresolvable: true } };
  const order = node.pods.slice();
  for (const p of potential) removePod(node, p);
  const victims: PodInfo[] = [];
  try {
    const without = filters.run(node);
    if (without) {
      victims.push(...potential);
      return { rejection: without };
    }
    potential.sort((a, b) => moreImportant(a, b, now));
    const { violating, fine } = splitByBudget(potential, budgets);
    let pdbViolations = 0;
    // Reprieve as many as possible: budget-breaking ones first, each group most important first.
    const reprieve = (p: PodInfo): boolean => {
      addPod(node, p);
      if (!filters.run(node)) return true;
      removePod(node, p);
      victims.push(p);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) pdbViolations++;
    for (const p of fine) reprieve(p);
    if (violating.length && fine.length) victims.sort((a, b) => moreImportant(a, b, now));
    return { victims: [...victims], pdbViolations };
  } finally {
    for (const p of victims) addPod(node, p);
    node.pods.splice(0, node.pods.length, ...order);
  }
}

/** pickOneNodeForPreemption: fewest budget violations, then the lowest highest-victim priority, the
 * smallest sum of priorities, the fewest victims, the latest start among the most important
 * victims, then the first. */
export function pickCandidate(candidates: Candidate[], now: number): Candidate | null {
  if (!candidates.length) return null;
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.pdbViolations,
    (c) => -(c.victims.length ? priorityOf(c.victims[0]) : -Infinity),
    // Shifted by 2^31 as kube-scheduler does, so that negative priorities still add up.
    (c) => -c.victims.reduce((s, v) => s + priorityOf(v) + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => {
      if (!c.victims.length) return Infinity;
      const top = priorityOf(c.victims[0]);
      return Math.min(...c.victims.filter((v) => priorityOf(v) === top).map((v) => startOf(v, now)));
    },
  ];
  const empty = candidates.find((c) => !c.victims.length);
  if (empty) return empty;
  let left = candidates;
  for (const score of criteria) {
    const best = Math.max(...left.map(score));
    left = left.filter((c) => score(c) === best);
    if (left.length === 1) break;
  }
  return left[0];
}

/**
 * The PostFilter: whether and where the pod may preempt. `verdicts` are the failed cycle's,
 * one per node. The snapshot is used as scratch space and left as it was.
 */
/** `budgets` is read only when some node may need victims. */
export function preempt(pod: PodInfo, snapshot: Snapshot, plugins: Plugin[], verdicts: NodeVerdict[], budgets: () => Budget[], now: number): PreemptionOutcome {
  const total = snapshot.nodes.size;
  if (pod.pod.spec?.preemptionPolicy === "Never") return { candidate: null, message: "preemption: not eligible due to preemptionPolicy=Never.", clearNomination: false };
  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const verdict = verdicts.find((v) => v.node === nominated);
    const node = snapshot.nodes.get(nominated);
    // Victims of an earlier preemption still leaving: wait for them rather than preempt again.
    if (!verdict?.rejectedBy?.rejection.unresolvable && node?.pods.some((p) => priorityOf(p) < priorityOf(pod) && terminatingByPreemption(p)))
      return { candidate: null, message: "preemption: not eligible due to a terminating pod on the nominated node.", clearNomination: false };
  }
  const potential = verdicts.filter((v) => v.rejectedBy && !v.rejectedBy.rejection.unresolvable);
  if (!potential.length) return { candidate: null, message: `preemption: ${unavailable(total, Array.from({ length: total }, () => [NOT_HELPFUL]))}`, clearNomination: true };
  const filters = new NodeFilters(pod, snapshot, plugins, stateFollowsPods(pod, snapshot));
  let pdbs: Budget[] | null = null;
  const candidates: Candidate[] = [];
  const statuses: string[][] = [];
  for (const v of potential) {
    const node = snapshot.nodes.get(v.node);
    if (!node) continue;
    if (!pdbs && node.pods.some((p) => priorityOf(p) < priorityOf(pod))) pdbs = budgets();
    const result = selectVictims(pod, node, filters, pdbs ?? [], now);
    if ("victims" in result) candidates.push({ node: v.node, victims: result.victims, pdbViolations: result.pdbViolations });
    else statuses.push(result.rejection.reasons);
  }
  const best = pickCandidate(candidates, now);
  if (!best) {
    for (let i = potential.length; i < total; i++) statuses.push([NOT_HELPFUL]);
    return { candidate: null, message: `preemption: ${unavailable(total, statuses)}`, clearNomination: false };
  }
  return { candidate: best, message: "", clearNomination: false };
}
