// A template as the service uses it, built-in or a tenant's: what a cluster is made from.
import type { Task } from "../../cluster/checks/schema";
import type { ClusterConfig } from "../../cluster/config";
import type { Db } from "../../db/queries";

export interface TemplateSpec {
  name: string;
  description: string;
  builtIn: boolean;
  /** The normalized kind config (its `original` is the config as given); its name is replaced by the cluster's. */
  config: ClusterConfig;
  /** Objects to preload: one multi-document YAML string ("" for none). */
  objects: string;
  /** A simulation patch, as PATCH /v1/clusters takes it; {} for none. */
  simulation: Record<string, unknown>;
  tasks: Task[];
  /** ms since the epoch; null for built-ins. */
  createdAt: number | null;
}

/**
 * The template a tenant means by `name`: a built-in or one of its own. Implemented in
 * templates/store.ts.
 */
export type FindTemplate = (d: Db, tenantId: string, name: string) => Promise<TemplateSpec | null>;
