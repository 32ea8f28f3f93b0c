// Lease (coordination.k8s.io/v1): leader election and node heartbeats.
import type { z } from "zod";
import { int32, microTime, opt, PTR, str, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const COORD = "io.k8s.api.coordination.v1";

/** Where each node's heartbeat Lease lives. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export const LeaseSchema = objectSchema(`${COORD}.Lease`, "A lease held by one holder at a time; used for leader election and node heartbeats.", { group: "coordination.k8s.io", version: "v1", kind: "Lease" }, {
  spec: opt(
    2,
    struct(`${COORD}.LeaseSpec`, "Who holds the lease and until when.", {
      holderIdentity: opt(1, str, PTR, "The current holder."),
      leaseDurationSeconds: opt(2, int32, PTR, "How long a holder keeps the lease without renewing."),
      acquireTime: opt(3, microTime, PTR, "When the current holder acquired it."),
      renewTime: opt(4, microTime, PTR, "When the holder last renewed it."),
      leaseTransitions: opt(5, int32, PTR, "How many times it changed hands."),
      strategy: opt(6, str, PTR, "Strategy for picking leaders in coordinated election."),
      preferredHolder: opt(7, str, PTR, "Holder the lease should go to next."),
    }),
    "The lease's holder and timing.",
  ),
});
export type Lease = z.infer<typeof LeaseSchema> & KObject;

export const leases = defineKind<Lease>({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  singular: "lease",
  namespaced: true,
  schema: LeaseSchema,
  allowUnconditionalUpdate: true,
  decorate(o, now, read) {
    if (o.metadata.namespace !== NODE_LEASE_NAMESPACE || !o.spec?.renewTime) return o;
    return { ...o, spec: { ...o.spec, renewTime: read.heartbeat(o.metadata.name!, o.spec.renewTime, now, true) } };
  },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the lease.", cell: (o) => o.metadata.name ?? "" },
    { name: "Holder", type: "string", description: "Current holder.", cell: (o) => o.spec?.holderIdentity ?? "" },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
});
