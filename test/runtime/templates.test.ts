// The built-in templates: every one parses (kind config, simulation settings, tasks by their
// schema) and lists its nodes as the contract says.
import { describe, expect, it } from "vitest";
import { builtInTemplate, builtInTemplates } from "../../worker/service/templates/builtin";
import { countDocuments } from "../../worker/service/templates/routes";
import { issuePath } from "../../worker/service/templates/validate";

describe("built-in templates", () => {
  it("are kind, nginx-nodeport and namespace-quota, in that order, each valid", () => {
    const all = [...builtInTemplates().values()];
    expect(all.map((t) => t.name)).toEqual(["kind", "nginx-nodeport", "namespace-quota"]);
    for (const t of all) {
      expect(t.builtIn).toBe(true);
      expect(t.createdAt).toBeNull();
      expect(t.description.length).toBeGreaterThan(10);
      expect(t.config.nodes.map((n) => n.role)).toEqual(["control-plane", "worker", "worker"]);
      expect(t.config.nodes[0].extraPortMappings).toMatchObject([{ containerPort: 30080, hostPort: 30080 }]);
      expect(t.simulation).toEqual({ profile: "instant" });
      for (const task of t.tasks) {
        expect(task.title.length).toBeGreaterThan(0);
        expect(task.description?.length ?? 0).toBeGreaterThan(0);
      }
    }
  });

  it("nginx-nodeport asks for the Deployment, the NodePort Service and the page from outside", () => {
    const t = builtInTemplate("nginx-nodeport")!;
    expect(t.tasks.map((x) => x.name)).toEqual(["deploy-nginx", "expose-nodeport", "open-from-outside"]);
    expect(t.tasks[2].checks[0]).toMatchObject({ type: "http", to: "localhost:30080", bodyMatches: "Welcome to nginx" });
  });

  it("namespace-quota asks for namespace dev, compute-quota and Ready pods in dev", () => {
    const t = builtInTemplate("namespace-quota")!;
    expect(t.tasks.map((x) => x.name)).toEqual(["create-namespace", "cap-with-quota", "run-in-dev"]);
    expect(t.tasks[1].checks.every((c) => c.type === "field" && c.object.kind === "ResourceQuota" && c.object.name === "compute-quota")).toBe(true);
  });

  it("an unknown name is no built-in", () => {
    expect(builtInTemplate("nope")).toBeNull();
  });
});

describe("template helpers", () => {
  it("counts the documents of a multi-document YAML, skipping empty ones and comments", () => {
    expect(countDocuments("")).toBe(0);
    expect(countDocuments("# nothing\n---\n")).toBe(0);
    expect(countDocuments("a: 1\n---\nb: 2\n--- # x\n\n---\nc: |\n  ---\n  x\n...\n")).toBe(3);
  });

  it("writes a zod path as the JSON is written", () => {
    expect(issuePath("tasks", [0, "checks", 1, "count"])).toBe("tasks[0].checks[1].count");
  });
});
