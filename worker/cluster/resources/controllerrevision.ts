// ControllerRevision (apps/v1): an immutable snapshot of a StatefulSet's or DaemonSet's pod
// template, one per revision, which rollouts and `kubectl rollout undo` go back to.
import type { z } from "zod";
import { ALWAYS, anyJson, int64, opt } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

export const ControllerRevisionSchema = objectSchema(
  "io.k8s.api.apps.v1.ControllerRevision",
  "An immutable snapshot of the state a controller rolls out.",
  { group: "apps", version: "v1", kind: "ControllerRevision" },
  {
    data: opt(2, anyJson, "The snapshot (a patch of the owner's template)."),
    revision: opt(3, int64, ALWAYS, "The revision number."),
  },
);
export type ControllerRevision = z.infer<typeof ControllerRevisionSchema> & KObject;

export const controllerRevisions = defineKind<ControllerRevision>({
  group: "apps",
  version: "v1",
  kind: "ControllerRevision",
  plural: "controllerrevisions",
  singular: "controllerrevision",
  namespaced: true,
  schema: ControllerRevisionSchema,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the revision.", cell: (o) => o.metadata.name ?? "" },
    {
      name: "Controller",
      type: "string",
      description: "The controller that owns the revision.",
      cell: (o) => {
        const ref = o.metadata.ownerReferences?.find((r) => r.controller);
        return ref ? `${ref.kind.toLowerCase()}.${ref.apiVersion.split("/")[0]}/${ref.name}` : "<none>";
      },
    },
    { name: "Revision", type: "integer", description: "The revision number.", cell: (o) => o.revision ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  validateUpdate(o, old, p) {
    if (JSON.stringify(o.data ?? null) !== JSON.stringify(old.data ?? null)) p.invalid(["data"], o.data, "field is immutable");
  },
});
