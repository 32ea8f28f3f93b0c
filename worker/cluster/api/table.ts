// Server-side printing: the Table kubectl asks for (Accept: ...;as=Table;v=v1;g=meta.k8s.io)
// with the columns each kind declares in resources/.
import type { Column, KObject, ResourceDef } from "../resources/define";

export type IncludeObject = "None" | "Metadata" | "Object";

export interface TableMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

const DEFAULT_COLUMNS: Column[] = [
  { name: "Name", type: "string", format: "name", description: "Name of the object.", cell: (o) => o.metadata.name ?? "" },
  { name: "Created At", type: "date", description: "When the object was created.", cell: (o) => o.metadata.creationTimestamp ?? null },
];

export function columnsOf(def: ResourceDef): Column[] {
  return (def.columns as Column[] | undefined) ?? DEFAULT_COLUMNS;
}

export function columnDefinitions(def: ResourceDef) {
  return columnsOf(def).map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description, priority: c.priority ?? 0 }));
}

export function tableRow(def: ResourceDef, obj: KObject, include: IncludeObject, now: number) {
  const cells = columnsOf(def).map((c) => c.cell(obj, { now }));
  const row: { cells: unknown[]; object?: unknown } = { cells };
  if (include === "Object") row.object = obj;
  else if (include === "Metadata") row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
  return row;
}

/**
 * A Table of objects as clients are shown them (api/http/wire.ts), with ages measured from `now`,
 * the wall-clock time matching the clock the objects' timestamps were moved to.
 */
export function table(def: ResourceDef, objs: KObject[], include: IncludeObject, meta: TableMeta, now: number, headers = true) {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: meta,
    columnDefinitions: headers ? columnDefinitions(def) : null,
    rows: objs.map((o) => tableRow(def, o, include, now)),
  };
}
