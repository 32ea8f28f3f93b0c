// What selectors see of an object: its labels and its kind's selectable fields.
import type { KObject, ResourceDef } from "../resources/define";
import type { Attrs } from "../store/store";

export function attrsOf(def: ResourceDef, obj: KObject): Attrs {
  const fields: Record<string, string> = {
    "metadata.name": obj.metadata.name ?? "",
    "metadata.namespace": obj.metadata.namespace ?? "",
  };
  for (const [f, get] of Object.entries(def.fieldSelectors ?? {})) fields[f] = get(obj) ?? "";
  return { labels: obj.metadata.labels ?? {}, fields };
}

export function selectableFields(def: ResourceDef): string[] {
  return ["metadata.name", "metadata.namespace", ...Object.keys(def.fieldSelectors ?? {})];
}
