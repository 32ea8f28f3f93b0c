// The RBAC objects as the authorizer reads them: roles' rules and bindings indexed by subject, in
// memory, built from the store on first use and dropped whenever one of the four RBAC kinds is
// written (kube-apiserver's authorizer reads the same objects through informers). A decision
// then touches only the bindings naming the user or one of its groups.
import type { UserInfo } from "../../auth/identity";
import type { Store } from "../store/store";
import type { Rule } from "./rules";

export const RBAC_STORAGE = {
  roles: "rbac.authorization.k8s.io/roles",
  clusterRoles: "rbac.authorization.k8s.io/clusterroles",
  roleBindings: "rbac.authorization.k8s.io/rolebindings",
  clusterRoleBindings: "rbac.authorization.k8s.io/clusterrolebindings",
} as const;
const WATCHED = new Set<string>(Object.values(RBAC_STORAGE));

interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}

interface RoleRef {
  kind?: string;
  name?: string;
}

export interface Binding {
  kind: "RoleBinding" | "ClusterRoleBinding";
  name: string;
  /** "" for a ClusterRoleBinding. */
  namespace: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** Bindings of one scope (the cluster, or one namespace), in name order, with a subject index. */
interface Scope {
  bindings: Binding[];
  /** "u:<user>" or "g:<group>" → positions in `bindings`. */
  bySubject: Map<string, number[]>;
}

interface Snapshot {
  clusterRoles: Map<string, Rule[]>;
  roles: Map<string, Rule[]>;
  cluster: Scope;
  namespaces: Map<string, Scope>;
}

/** Why a rule applies, as kube-apiserver describes it ("ClusterRoleBinding \"x\" of ClusterRole \"y\" to Group \"z\""). */
export function describeSource(b: Binding, s: Subject): string {
  const who = s.kind === "ServiceAccount" ? `${s.kind} ${JSON.stringify(`${s.name ?? ""}/${s.namespace || b.namespace}`)}` : `${s.kind ?? ""} ${JSON.stringify(s.name ?? "")}`;
  const what = b.kind === "ClusterRoleBinding" ? JSON.stringify(b.name) : JSON.stringify(`${b.name}/${b.namespace}`);
  return `${b.kind} ${what} of ${b.roleRef.kind ?? ""} ${JSON.stringify(b.roleRef.name ?? "")} to ${who}`;
}

const SA_PREFIX = "system:serviceaccount:";

/** Whether subject `s` of a binding in `namespace` ("" for cluster bindings) is `user` (appliesToUser). */
function appliesTo(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case "User":
      return user.username === s.name;
    case "Group":
      return user.groups.includes(s.name ?? "");
    case "ServiceAccount": {
      const ns = s.namespace || namespace;
      return !!ns && user.username === `${SA_PREFIX}${ns}:${s.name ?? ""}`;
    }
    default:
      return false;
  }
}

/** The index keys a subject is found under; a ServiceAccount is its user name. */
function subjectKey(s: Subject, namespace: string): string | null {
  switch (s.kind) {
    case "User":
      return `u:${s.name ?? ""}`;
    case "Group":
      return `g:${s.name ?? ""}`;
    case "ServiceAccount": {
      const ns = s.namespace || namespace;
      return ns ? `u:${SA_PREFIX}${ns}:${s.name ?? ""}` : null;
    }
    default:
      return null;
  }
}

function newScope(): Scope {
  return { bindings: [], bySubject: new Map() };
}

function addBinding(scope: Scope, b: Binding) {
  const at = scope.bindings.push(b) - 1;
  const seen = new Set<string>();
  for (const s of b.subjects) {
    const k = subjectKey(s, b.namespace);
    if (k === null || seen.has(k)) continue;
    seen.add(k);
    const list = scope.bySubject.get(k);
    if (list) list.push(at);
    else scope.bySubject.set(k, [at]);
  }
}

/** A rule that applies to a user, with where it came from; or an error resolving a binding's role. */
export type Visit = { source: () => string; rule: Rule } | { error: string };

export class RbacIndex {
  private snapshot: Snapshot | null = null;
  /** How many times the index was built (tests and the bench read it). */
  builds = 0;

  constructor(private readonly store: Store) {
    // Dropped on every RBAC write (inside its transaction, so a rolled-back write is dropped too) and again at commit.
    const drop = (changes: readonly { resource: string }[]) => {
      if (this.snapshot && changes.some((c) => WATCHED.has(c.resource))) this.snapshot = null;
    };
    store.onWrite(drop);
    store.onCommit(drop);
  }

  invalidate(): void {
    this.snapshot = null;
  }

  private build(): Snapshot {
    this.builds++;
    const rulesOf = (body: string) => ((JSON.parse(body) as { rules?: Rule[] }).rules ?? []);
    const clusterRoles = new Map<string, Rule[]>();
    for (const row of this.store.scan(RBAC_STORAGE.clusterRoles, null)) clusterRoles.set(row.name, rulesOf(row.body));
    const roles = new Map<string, Rule[]>();
    for (const row of this.store.scan(RBAC_STORAGE.roles, null)) roles.set(`${row.namespace}/${row.name}`, rulesOf(row.body));
    const binding = (kind: Binding["kind"], namespace: string, name: string, body: string): Binding => {
      const o = JSON.parse(body) as { roleRef?: RoleRef; subjects?: Subject[] };
      return { kind, name, namespace, roleRef: o.roleRef ?? {}, subjects: o.subjects ?? [] };
    };
    const cluster = newScope();
    for (const row of this.store.scan(RBAC_STORAGE.clusterRoleBindings, null)) addBinding(cluster, binding("ClusterRoleBinding", "", row.name, row.body));
    const namespaces = new Map<string, Scope>();
    for (const row of this.store.scan(RBAC_STORAGE.roleBindings, null)) {
      let scope = namespaces.get(row.namespace);
      if (!scope) namespaces.set(row.namespace, (scope = newScope()));
      addBinding(scope, binding("RoleBinding", row.namespace, row.name, row.body));
    }
    return { clusterRoles, roles, cluster, namespaces };
  }

  private current(): Snapshot {
    return (this.snapshot ??= this.build());
  }

  /** The rules of a binding's role, or the error kube-apiserver's rule resolver gives. */
  roleRules(ref: RoleRef, namespace: string): Rule[] | string {
    const snap = this.current();
    if (ref.kind === "ClusterRole") return snap.clusterRoles.get(ref.name ?? "") ?? `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name ?? "")} not found`;
    if (ref.kind === "Role") return snap.roles.get(`${namespace}/${ref.name ?? ""}`) ?? `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name ?? "")} not found`;
    return `unsupported role reference kind: ${JSON.stringify(ref.kind ?? "")}`;
  }

  /**
   * Every rule that applies to `user` in `namespace` (cluster bindings first, then the
   * namespace's), as VisitRulesFor: `visit` returns false to stop.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: (v: Visit) => boolean): void {
    const snap = this.current();
    if (!this.visitScope(snap.cluster, user, "", visit)) return;
    if (namespace) {
      const scope = snap.namespaces.get(namespace);
      if (scope) this.visitScope(scope, user, namespace, visit);
    }
  }

  private visitScope(scope: Scope, user: UserInfo, namespace: string, visit: (v: Visit) => boolean): boolean {
    const found: number[] = [];
    const add = (k: string) => {
      const at = scope.bySubject.get(k);
      if (at) found.push(...at);
    };
    add(`u:${user.username}`);
    for (const g of user.groups) add(`g:${g}`);
    if (!found.length) return true;
    // In the bindings' order, each once.
    found.sort((a, b) => a - b);
    let last = -1;
    for (const at of found) {
      if (at === last) continue;
      last = at;
      const b = scope.bindings[at];
      const subject = b.subjects.find((s) => appliesTo(user, s, namespace));
      if (!subject) continue;
      const rules = this.roleRules(b.roleRef, namespace);
      if (typeof rules === "string") {
        if (!visit({ error: rules })) return false;
        continue;
      }
      const source = () => describeSource(b, subject);
      for (const rule of rules) if (!visit({ source, rule })) return false;
    }
    return true;
  }
}
