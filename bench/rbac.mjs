// Issue 13's figure: RBAC decisions per second with 1,000 RoleBindings in the cluster.
//  - through HTTP: SubjectAccessReviews about a bound ServiceAccount (the question `kubectl auth
//    can-i --as` asks), 16 in flight, each a full request through the edge, the object and the router;
//  - in process: the authorizer itself (worker/cluster/authorization, bundled by esbuild and run in
//    node's V8) over the same cluster's RBAC objects, read back from the cluster, one decision
//    after another for a mix of allowed and denied questions. Median of 3, with the load average.
import { buildSync } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cluster, loadRow, median, must, pool, report, RUNS } from "./lib.mjs";

const NAMESPACES = 10;
const BINDINGS = 1000;
const REVIEWS = 1000;
const DECISIONS = 200_000;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";

export default async function rbacBench(http, tenantToken) {
  const c = await cluster(http, tenantToken, "bench-rbac");
  const req = (method, path, body, extra = {}) => must(http.request(method, `${c.base}${path}`, { token: c.token, body, ...extra }));
  for (let n = 0; n < NAMESPACES; n++) {
    await req("POST", "/api/v1/namespaces", { metadata: { name: `ns-${n}` } });
    await req("POST", `${RBAC}/namespaces/ns-${n}/roles`, { metadata: { name: "reader" }, rules: [{ apiGroups: [""], resources: ["pods", "configmaps"], verbs: ["get", "list", "watch"] }] });
  }
  // 1,000 RoleBindings: users, groups and service accounts, spread over the namespaces.
  await pool(BINDINGS, 16, (i) => {
    const ns = `ns-${i % NAMESPACES}`;
    const subject = i % 3 === 0 ? { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: `user-${i}` } : i % 3 === 1 ? { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: `group-${i}` } : { kind: "ServiceAccount", name: `sa-${i}`, namespace: ns };
    return req("POST", `${RBAC}/namespaces/${ns}/rolebindings`, { metadata: { name: `b-${i}` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: i % 2 ? "Role" : "ClusterRole", name: i % 2 ? "reader" : "view" }, subjects: [subject] });
  });

  // Through HTTP: about a ServiceAccount bound in ns-2 (b-2), in ns-2 (allowed) and ns-3 (denied).
  const ssar = (i) =>
    must(
      http.request("POST", `${c.base}/apis/authorization.k8s.io/v1/subjectaccessreviews`, {
        token: c.token,
        body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec: { user: "system:serviceaccount:ns-2:sa-2", groups: ["system:serviceaccounts", "system:authenticated"], resourceAttributes: { verb: "list", resource: "pods", namespace: i % 2 ? "ns-2" : "ns-3" } } },
      }),
      [201],
    );
  await pool(50, 8, ssar); // warm
  const httpRates = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await pool(REVIEWS, 16, ssar);
    httpRates.push(REVIEWS / ((performance.now() - t) / 1000));
  }

  // In process: the same objects, the same authorizer code.
  const objects = {};
  for (const [key, path] of [["rbac.authorization.k8s.io/roles", "/roles"], ["rbac.authorization.k8s.io/clusterroles", "/clusterroles"], ["rbac.authorization.k8s.io/rolebindings", "/rolebindings"], ["rbac.authorization.k8s.io/clusterrolebindings", "/clusterrolebindings"]]) {
    objects[key] = (await req("GET", `${RBAC}${path}`)).json.items;
  }
  const dir = mkdtempSync(join(tmpdir(), "kubedo-rbac-bench-"));
  const out = join(dir, "authorizer.mjs");
  buildSync({ entryPoints: [new URL("../worker/cluster/authorization/authorizer.ts", import.meta.url).pathname], bundle: true, format: "esm", platform: "neutral", outfile: out, logLevel: "error" });
  const { RbacAuthorizer } = await import(out);
  rmSync(dir, { recursive: true, force: true });
  // A store that answers the authorizer's scans from the lists read above.
  const store = {
    onWrite() {},
    onCommit() {},
    *scan(resource) {
      for (const o of objects[resource] ?? []) yield { namespace: o.metadata.namespace ?? "", name: o.metadata.name, body: JSON.stringify(o) };
    },
  };
  const authorizer = new RbacAuthorizer(store);
  const questions = [];
  for (let i = 0; i < 64; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const user = i % 4 === 0 ? { username: `user-${i * 3}`, groups: ["system:authenticated"] } : i % 4 === 1 ? { username: "someone", groups: [`group-${i * 3 + 1}`, "system:authenticated"] } : i % 4 === 2 ? { username: `system:serviceaccount:${ns}:sa-${i}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"] } : { username: "nobody", groups: ["system:authenticated"] };
    questions.push({ user, verb: i % 3 ? "list" : "delete", resourceRequest: true, namespace: ns, apiGroup: "", resource: "pods", subresource: "", name: "", path: "" });
  }
  authorizer.authorize(questions[0]); // builds the index
  let allowed = 0;
  const inRates = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    for (let i = 0; i < DECISIONS; i++) if (authorizer.authorize(questions[i & 63]).allowed) allowed++;
    inRates.push(DECISIONS / ((performance.now() - t) / 1000));
  }
  const t = performance.now();
  authorizer.index.invalidate();
  authorizer.authorize(questions[0]);
  const rebuild = performance.now() - t;

  report(`RBAC decisions with ${BINDINGS} RoleBindings in ${NAMESPACES} namespaces (median of ${RUNS})`, [
    ["SubjectAccessReviews over HTTP (16 in flight)", `${median(httpRates).toFixed(0)} /s`],
    ["authorizer in process (node V8, one at a time)", `${Math.round(median(inRates)).toLocaleString("en")} decisions/s (${((allowed / (DECISIONS * RUNS)) * 100).toFixed(0)}% allowed)`],
    ["index rebuilt after an RBAC write", `${rebuild.toFixed(1)} ms`],
    await loadRow(),
  ]);
}
