// Adding and removing nodes after the cluster exists (POST/DELETE /v1/clusters/{name}/nodes):
// a new node is named and addressed the way kind would have named it, and joins at once; a
// removed node's Node and Lease go, and pod GC removes the pods bound to it.
import type { ApiServer } from "../api/apiserver";
import { ApiError } from "../machinery/errors";
import { dns1123Subdomain } from "../machinery/validation";
import type { ClusterConfig, NodeRole } from "../config";
import { LIMITS } from "../../limits";
import { leases } from "../resources/lease";
import { nodes, type Node } from "../resources/node";
import { NODE_LEASE_NAMESPACE } from "./heartbeat";
import { freeNodeIndex, joinNode } from "./join";
import type { Machines } from "./machines";
import type { Outcome } from "../outcome";

export interface NodeRequest {
  role?: unknown;
  name?: unknown;
  labels?: unknown;
  capacity?: unknown;
}

function nextName(cluster: string, role: NodeRole, taken: Set<string>): string {
  for (let i = 1; ; i++) {
    const name = `${cluster}-${role}${i === 1 ? "" : i}`;
    if (!taken.has(name)) return name;
  }
}

export function addNode(api: ApiServer, machines: Machines, config: ClusterConfig, req: NodeRequest, now: number): Outcome<{ name: string; role: string }> {
  const role = req.role ?? "worker";
  if (role !== "worker" && role !== "control-plane") return { ok: false, status: 400, message: 'role must be "control-plane" or "worker"' };
  const existing = [...api.scanStored<Node>("nodes", "")];
  if (existing.length >= LIMITS.nodesPerCluster) return { ok: false, status: 403, message: `this cluster already has the maximum of ${LIMITS.nodesPerCluster} nodes` };
  const taken = new Set(existing.map((n) => n.metadata.name!));
  let name: string;
  if (req.name !== undefined) {
    if (typeof req.name !== "string") return { ok: false, status: 400, message: "name must be a string" };
    const problems = dns1123Subdomain(req.name);
    if (problems.length) return { ok: false, status: 400, message: `name ${JSON.stringify(req.name)}: ${problems.join("; ")}` };
    if (taken.has(req.name)) return { ok: false, status: 409, message: `node ${JSON.stringify(req.name)} already exists` };
    name = req.name;
  } else name = nextName(config.name, role, taken);
  let labels: Record<string, string> | undefined;
  if (req.labels !== undefined) {
    if (typeof req.labels !== "object" || req.labels === null || Array.isArray(req.labels) || Object.values(req.labels).some((v) => typeof v !== "string"))
      return { ok: false, status: 400, message: "labels must be an object of string values" };
    labels = req.labels as Record<string, string>;
  }
  let capacity: Record<string, string> | undefined;
  if (req.capacity !== undefined) {
    if (typeof req.capacity !== "object" || req.capacity === null || Array.isArray(req.capacity)) return { ok: false, status: 400, message: 'capacity must be an object such as {"cpu": "8", "memory": "16Gi", "pods": "110"}' };
    capacity = {};
    for (const [k, v] of Object.entries(req.capacity)) {
      if (!["cpu", "memory", "pods", "ephemeral-storage"].includes(k)) return { ok: false, status: 400, message: `capacity.${k}: only cpu, memory, pods and ephemeral-storage may be set` };
      const text = typeof v === "number" ? String(v) : v;
      if (typeof text !== "string" || !/^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.test(text)) return { ok: false, status: 400, message: `capacity.${k}: ${JSON.stringify(v)} is not a quantity` };
      capacity[k] = text;
    }
  }
  const index = freeNodeIndex(config, existing);
  if (index < 0) return { ok: false, status: 403, message: `the pod subnet ${config.networking.podSubnet} has no /24 left for another node` };
  const hasWorkers = role === "worker" || existing.some((n) => (n.metadata.labels ?? {})["node-role.kubernetes.io/control-plane"] === undefined);
  try {
    joinNode(api, machines, config, { name, role, labels, capacity, index, taintControlPlane: hasWorkers }, now);
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, status: e.code, message: e.status.message ?? "invalid node" };
    throw e;
  }
  return { ok: true, value: { name, role } };
}

export function removeNode(api: ApiServer, name: string): Outcome<{ name: string }> {
  if (!api.peek("nodes", "", name)) return { ok: false, status: 404, message: `node ${JSON.stringify(name)} not found` };
  api.delete(nodes, "", name, { gracePeriodSeconds: 0 });
  try {
    api.delete(leases, NODE_LEASE_NAMESPACE, name, { gracePeriodSeconds: 0 });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  return { ok: true, value: { name } };
}
