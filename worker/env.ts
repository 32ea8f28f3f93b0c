// Bindings and variables of the Worker and of every cluster object (wrangler.toml).
import type { ClusterObject } from "./cluster/object";
import type { SandboxReaper } from "./service/reaper";

export interface Env {
  DB: D1Database;
  CLUSTER: DurableObjectNamespace<ClusterObject>;
  /** One per tenant (named by its id): the expiries of its sandboxes, on one alarm. */
  REAPER: DurableObjectNamespace<SandboxReaper>;
  ASSETS: Fetcher;
  /** The operator's bootstrap token: may create tenants. */
  ADMIN_TOKEN?: string;
  /** Base64 PEM of the CA that signs the serving certificate, put into kubeconfigs (local HTTPS). */
  CA_DATA?: string;
  /** Requests per second per token (default in limits.ts; "0" turns the limit off). */
  RATE_LIMIT_RPS?: string;
  /** When set, `<cluster-id>.<KUBE_HOST_SUFFIX>` is each cluster's own host and kubeconfigs name it. */
  KUBE_HOST_SUFFIX?: string;
  /** The deployed version (wrangler's version_metadata binding): a cluster that starts under new code resyncs every controller. */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
}
