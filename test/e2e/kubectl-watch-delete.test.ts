// Watches and deletion: get -w sees later changes; delete returns (and --wait works); deleting
// a namespace removes its contents.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, kubectlBackground, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("watch");
  await ok(c, ["create", "namespace", "temp"]);
});

describe("watch", () => {
  it("get -w prints later changes as they happen", async () => {
    await ok(c, ["create", "configmap", "first", "-n", "temp"]);
    const w = kubectlBackground(c, ["get", "configmaps", "-n", "temp", "-w"]);
    await w.waitFor(/^first\s+0\s+/m);
    await ok(c, ["create", "configmap", "second", "-n", "temp", "--from-literal=a=b"]);
    await w.waitFor(/^second\s+1\s+/m);
    await ok(c, ["label", "configmap", "first", "-n", "temp", "seen=yes"]);
    await ok(c, ["delete", "configmap", "second", "-n", "temp"]);
    await w.waitFor(/^second\s+1\s+\S+\n[\s\S]*^second\s+1\s+/m);
    const out = w.stop();
    expect(out.split("\n")[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(out.match(/^NAME\s/gm)).toHaveLength(1);
  });

  it("get -w --output-watch-events names the event types", async () => {
    await ok(c, ["run", "already", "--image=nginx", "-n", "temp"]);
    const w = kubectlBackground(c, ["get", "pods", "-n", "temp", "-w", "--output-watch-events"]);
    await w.waitFor(/^ADDED\s+already\s/m);
    await ok(c, ["run", "watched", "--image=nginx", "-n", "temp"]);
    await w.waitFor(/^ADDED\s+watched\s/m);
    await ok(c, ["label", "pod", "watched", "-n", "temp", "x=1"]);
    await w.waitFor(/^MODIFIED\s+watched\s/m);
    await ok(c, ["delete", "pod", "watched", "-n", "temp"]);
    await w.waitFor(/^DELETED\s+watched\s/m);
    w.stop();
  });
});

describe("delete", () => {
  it("deletes and returns; --wait waits for the object to be gone", async () => {
    await ok(c, ["run", "doomed", "--image=nginx", "-n", "temp"]);
    const started = Date.now();
    expect(await ok(c, ["delete", "pod", "doomed", "-n", "temp", "--wait=true"])).toBe('pod "doomed" deleted\n');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await kubectl(c, ["get", "pod", "doomed", "-n", "temp"])).stderr).toMatch(/NotFound/);
  });

  it("deletes by label selector", async () => {
    await ok(c, ["create", "configmap", "l1", "-n", "temp"]);
    await ok(c, ["label", "configmap", "l1", "-n", "temp", "group=x"]);
    await ok(c, ["create", "configmap", "l2", "-n", "temp"]);
    await ok(c, ["label", "configmap", "l2", "-n", "temp", "group=x"]);
    expect(await ok(c, ["delete", "configmaps", "-n", "temp", "-l", "group=x"])).toBe('configmap "l1" deleted\nconfigmap "l2" deleted\n');
  });

  it("deleting a namespace removes everything in it, then the namespace", async () => {
    await ok(c, ["create", "namespace", "scratch"]);
    await ok(c, ["create", "configmap", "c1", "-n", "scratch"]);
    await ok(c, ["create", "secret", "generic", "s1", "-n", "scratch", "--from-literal=k=v"]);
    await ok(c, ["run", "p1", "--image=nginx", "-n", "scratch"]);
    expect(await ok(c, ["delete", "namespace", "scratch"])).toBe('namespace "scratch" deleted\n');
    expect((await kubectl(c, ["get", "namespace", "scratch"])).stderr).toMatch(/NotFound/);
    const left = await kubectl(c, ["get", "configmaps,secrets,pods", "-n", "scratch", "-o", "name"]);
    expect(left.stdout).toBe("");
  });
});
