// Finding a template by name: a built-in, or one of the tenant's own (D1).
import type { ClusterConfig } from "../../cluster/config";
import type { Task } from "../../cluster/checks/schema";
import { templateByName, type TemplateRow } from "../../db/queries";
import { builtInTemplate } from "./builtin";
import type { FindTemplate, TemplateSpec } from "./spec";

/** A stored template as the service uses it (its columns hold JSON validated at create). */
export function fromRow(row: TemplateRow): TemplateSpec {
  return {
    name: row.name,
    description: row.description,
    builtIn: false,
    config: JSON.parse(row.config) as ClusterConfig,
    objects: row.objects,
    simulation: JSON.parse(row.simulation) as Record<string, unknown>,
    tasks: JSON.parse(row.tasks) as Task[],
    createdAt: row.createdAt,
  };
}

/** Built-ins win: a tenant cannot store one under a built-in's name. */
export const findTemplate: FindTemplate = async (d, tenantId, name) => {
  const builtIn = builtInTemplate(name);
  if (builtIn) return builtIn;
  const row = await templateByName(d, tenantId, name);
  return row ? fromRow(row) : null;
};
