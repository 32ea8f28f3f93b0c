// The kubeconfig for a cluster, named the way kind names its own (cluster <name>, context and
// user kubedo-<name>).
import { stringify } from "yaml";

export function kubeconfig(opts: { cluster: string; server: string; token: string; caData?: string }): string {
  const ctx = `kubedo-${opts.cluster}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ cluster: { ...(opts.caData ? { "certificate-authority-data": opts.caData } : {}), server: opts.server }, name: opts.cluster }],
    contexts: [{ context: { cluster: opts.cluster, user: ctx }, name: ctx }],
    "current-context": ctx,
    preferences: {},
    users: [{ name: ctx, user: { token: opts.token } }],
  });
}
