// kubectl logs: what the image and its command wrote, with -c, --tail, --timestamps,
// --previous, --since and -f (streamed as written, ending when the container ends).
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, kubectl, manage, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("logs");
  await simulate(c, { profile: "instant" });
});

describe("kubectl logs", () => {
  it("shows a loop's lines as cluster time passes, with --tail and --timestamps", async () => {
    await ok(c, ["run", "ticker", "--image=busybox", "--", "sh", "-c", "echo starting; while true; do echo tick; sleep 5; done"]);
    await advance(c, 1);
    expect(await ok(c, ["logs", "ticker"])).toBe("starting\ntick\n");
    await advance(c, 20);
    const all = (await ok(c, ["logs", "ticker"])).trim().split("\n");
    expect(all[0]).toBe("starting");
    expect(all.filter((l) => l === "tick")).toHaveLength(5);
    expect(await ok(c, ["logs", "ticker", "--tail=2"])).toBe("tick\ntick\n");
    const stamped = (await ok(c, ["logs", "ticker", "--timestamps", "--tail=2"])).trim().split("\n");
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick$/);
    const gap = Date.parse(stamped[1].split(" ")[0]) - Date.parse(stamped[0].split(" ")[0]);
    expect(gap).toBe(5000);
    expect((await ok(c, ["logs", "ticker", "--since=6s"])).trim().split("\n").length).toBeLessThanOrEqual(2);
  });

  it("picks a container with -c and names the choices without it", async () => {
    await ok(c, ["apply", "-f", "-"], stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "two" },
      spec: {
        containers: [
          { name: "a", image: "busybox", command: ["sh", "-c", "echo from a; sleep 3600"] },
          { name: "b", image: "busybox", command: ["sh", "-c", "echo from b; echo $HOSTNAME; sleep 3600"], env: [{ name: "GREETING", value: "hi" }] },
        ],
      },
    }));
    await advance(c, 1);
    expect(await ok(c, ["logs", "two", "-c", "b"])).toBe("from b\ntwo\n");
    const defaulted = await kubectl(c, ["logs", "two"]);
    expect(defaulted.stdout).toBe("from a\n");
    expect(defaulted.stderr).toContain('Defaulted container "a" out of: a, b');
    const wrong = await kubectl(c, ["logs", "two", "-c", "zzz"]);
    expect(wrong.stderr).toContain("container zzz is not valid for pod two");
  });

  it("shows the previous run of a restarted container with --previous", async () => {
    await ok(c, ["run", "crasher", "--image=busybox", "--", "sh", "-c", "echo run at $(date); echo failing; exit 3"]);
    await advance(c, 1);
    await advance(c, 15);
    const prev = await ok(c, ["logs", "crasher", "--previous"]);
    expect(prev).toMatch(/^run at \w{3} \w{3} \d{1,2} \d\d:\d\d:\d\d UTC \d{4}\nfailing\n$/);
    const none = await kubectl(c, ["logs", "two", "-c", "a", "--previous"]);
    expect(none.stderr).toContain('previous terminated container "a" in pod "two" not found');
  });

  it("follows with -f until the container ends", async () => {
    await ok(c, ["run", "counter", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo one; sleep 3; echo two; sleep 3; echo three"]);
    await advance(c, 1);
    // cluster time runs 10x faster, so 6 cluster seconds pass in 0.6 s
    expect((await manage("POST", c, "/clock", { speed: 10 })).status).toBe(200);
    const followed = await kubectl(c, ["logs", "-f", "counter"]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe("one\ntwo\nthree\n");
    await manage("POST", c, "/clock", { speed: 1 });
  });
});
