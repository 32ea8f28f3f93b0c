// An exec probe runs its command with the container's environment (the variables the pod sets,
// read when the probe needs them): a readiness probe that tests a variable passes or fails on it.
import { describe, expect, it } from "vitest";
import { kube, newSettledCluster, settle } from "./helpers";

const NS = "/api/v1/namespaces/default";

function pod(name: string, mode: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      containers: [
        {
          name: "c",
          image: "busybox:1.36",
          command: ["sleep", "3600"],
          env: [{ name: "MODE", value: mode }],
          readinessProbe: { exec: { command: ["sh", "-c", 'test "$MODE" = ready'] }, periodSeconds: 1 },
        },
      ],
    },
  };
}

describe("exec probes", () => {
  it("see the container's environment", async () => {
    const { stub } = await newSettledCluster({ name: "probe-env" });
    for (const [name, mode] of [["set", "ready"], ["unset", "waiting"]]) expect((await kube(stub, "POST", `${NS}/pods`, pod(name, mode))).status).toBe(201);
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 10 });
    await settle(stub);
    const ready = async (name: string) => (await kube(stub, "GET", `${NS}/pods/${name}`)).json.status.conditions.find((c: { type: string }) => c.type === "Ready").status;
    expect(await ready("set")).toBe("True");
    expect(await ready("unset")).toBe("False");
  });
});
