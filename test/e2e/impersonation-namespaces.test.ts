// Honest answers: Impersonate-* headers are honoured for admins and refused for everyone else,
// never quietly ignored; the namespaces a cluster cannot live without may not be deleted.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, newCluster, ok, request, service, type TestCluster } from "./helpers";

let c: TestCluster;
let viewToken: string;
beforeAll(async () => {
  c = await newCluster("honest");
  const t = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `viewer-${c.name}`, cluster: c.name, role: "view" } });
  expect(t.status).toBe(201);
  viewToken = t.json.token;
});

describe("impersonation", () => {
  it("answers can-i for a service account with that account's rules, not the caller's", async () => {
    const r = await kubectl(c, ["auth", "can-i", "--as=system:serviceaccount:dev:sa", "delete", "pods"]);
    expect(r.stdout.trim()).toBe("no");
    expect(r.code).toBe(1);
    const list = await ok(c, ["auth", "can-i", "--list", "--as=system:serviceaccount:dev:sa"]);
    expect(list).not.toMatch(/^\*\.\*\s/m);
    expect(list).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
    // The caller itself still may.
    expect((await ok(c, ["auth", "can-i", "delete", "pods"])).trim()).toBe("yes");
  });

  it("acts as the impersonated user: whoami, and Forbidden in that user's name", async () => {
    const who = await ok(c, ["auth", "whoami", "--as=jane", "--as-group=devs", "-o", "json"]);
    const info = JSON.parse(who).status.userInfo;
    expect(info.username).toBe("jane");
    expect(info.groups).toEqual(["devs", "system:authenticated"]);
    const sa = JSON.parse(await ok(c, ["auth", "whoami", "--as=system:serviceaccount:dev:sa", "-o", "json"])).status.userInfo;
    expect(sa.groups).toEqual(["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"]);
    const r = await kubectl(c, ["get", "pods", "--as=jane"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it("gives the superuser group everything", async () => {
    const r = await kubectl(c, ["get", "pods", "-A", "--as=root", "--as-group=system:masters"]);
    expect(r.code).toBe(0);
    expect((await ok(c, ["auth", "can-i", "delete", "nodes", "--as=root", "--as-group=system:masters"])).trim()).toBe("yes");
  });

  it("refuses a caller that may not impersonate, with kube-apiserver's Forbidden", async () => {
    const r = await kubectl(c, ["get", "pods", "--as=jane", `--token=${viewToken}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^Error from server \(Forbidden\): users "jane" is forbidden: User "kubedo:[^"]+" cannot impersonate resource "users" in API group "" at the cluster scope$/);
    const s = await kubectl(c, ["get", "pods", "--as=system:serviceaccount:dev:sa", `--token=${viewToken}`]);
    expect(s.stderr.trim()).toMatch(/serviceaccounts "sa" is forbidden: User "kubedo:[^"]+" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "dev"$/);
    // Without impersonation the view token reads as before.
    expect((await kubectl(c, ["get", "pods", `--token=${viewToken}`])).code).toBe(0);
  });
});

describe("protected namespaces", () => {
  it("refuses to delete default, kube-system and kube-public", async () => {
    const r = await kubectl(c, ["delete", "namespace", "default"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted');
    await ok(c, ["create", "namespace", "scratch"]);
    const all = await kubectl(c, ["delete", "namespace", "--all", "--wait=false"]);
    expect(all.stdout).toMatch(/namespace "scratch" deleted/);
    for (const ns of ["default", "kube-system", "kube-public"]) expect(all.stderr).toContain(`namespaces "${ns}" is forbidden: this namespace may not be deleted`);
    const left = await ok(c, ["get", "namespaces", "-o", "name"]);
    for (const ns of ["default", "kube-system", "kube-public"]) expect(left).toContain(`namespace/${ns}\n`);
    expect(await ok(c, ["get", "service", "kubernetes", "-o", "name"])).toBe("service/kubernetes\n");
  });
});
