// The built-in templates: data in manifests/templates/*.yaml (bundled as text), parsed and
// validated once per isolate as a tenant's template is at create, so a broken one fails loudly.
import { parse } from "yaml";
import kindText from "../../../manifests/templates/kind.yaml";
import namespaceQuotaText from "../../../manifests/templates/namespace-quota.yaml";
import nginxNodeportText from "../../../manifests/templates/nginx-nodeport.yaml";
import { SimulationPatchSchema } from "../../cluster/simulation";
import { TasksSchema } from "../../cluster/checks/schema";
import { parseClusterConfig } from "../clusterConfig";
import type { TemplateSpec } from "./spec";
import { zodProblem } from "./validate";

/** In the order GET /v1/templates lists them. */
const SOURCES: readonly string[] = [kindText, nginxNodeportText, namespaceQuotaText];

function builtIn(text: string): TemplateSpec {
  const raw = parse(text) as Record<string, unknown>;
  const name = String(raw.name);
  const where = `built-in template ${JSON.stringify(name)}`;
  try {
    const config = parseClusterConfig(JSON.stringify(raw.config ?? {}), name);
    const tasks = TasksSchema.safeParse(raw.tasks ?? []);
    if (!tasks.success) throw new Error(zodProblem("tasks", tasks.error));
    const simulation = SimulationPatchSchema.safeParse(raw.simulation ?? {});
    if (!simulation.success) throw new Error(zodProblem("simulation", simulation.error));
    if (typeof raw.objects !== "string" && raw.objects !== undefined && raw.objects !== null) throw new Error("objects: must be one multi-document YAML string");
    return {
      name,
      description: String(raw.description ?? ""),
      builtIn: true,
      config,
      objects: typeof raw.objects === "string" ? raw.objects : "",
      simulation: simulation.data as Record<string, unknown>,
      tasks: tasks.data,
      createdAt: null,
    };
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

let parsed: ReadonlyMap<string, TemplateSpec> | undefined;

/** Every built-in template by name (throws if one is invalid: a bug, caught by the tests). */
export function builtInTemplates(): ReadonlyMap<string, TemplateSpec> {
  parsed ??= new Map(SOURCES.map((s) => builtIn(s)).map((t) => [t.name, t]));
  return parsed;
}

export function builtInTemplate(name: string): TemplateSpec | null {
  return builtInTemplates().get(name) ?? null;
}
