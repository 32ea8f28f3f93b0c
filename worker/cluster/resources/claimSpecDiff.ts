// The difference of two claim specs as kube-apiserver prints it in the "spec is immutable" error:
// go-cmp's report of core.PersistentVolumeClaimSpec, changed fields as -/+ lines with two
// unchanged fields of context either side and longer runs folded into "... // N identical fields".
// Values are printed the way cmp prints them, with nested structs shortened where cmp shortens them.
import { parseQuantity } from "../machinery/quantity";

type Spec = Record<string, unknown>;

/** Go's field order of PersistentVolumeClaimSpec, with the JSON name of each. */
const FIELDS: [go: string, json: string][] = [
  ["AccessModes", "accessModes"],
  ["Selector", "selector"],
  ["Resources", "resources"],
  ["VolumeName", "volumeName"],
  ["StorageClassName", "storageClassName"],
  ["VolumeMode", "volumeMode"],
  ["DataSource", "dataSource"],
  ["DataSourceRef", "dataSourceRef"],
  ["VolumeAttributesClassName", "volumeAttributesClassName"],
];
const POINTERS = new Set(["storageClassName", "volumeMode", "volumeAttributesClassName"]);
const CONTEXT = 2;

function quantityText(v: unknown): string {
  const text = String(v);
  let format = "DecimalSI";
  try {
    format = parseQuantity(text).format;
  } catch {
    /* printed as given */
  }
  return `{i: {...}, s: ${JSON.stringify(text)}, Format: ${JSON.stringify(format)}}`;
}

function resourceList(list: Record<string, unknown>): string {
  return `{${Object.keys(list)
    .sort()
    .map((k) => `s${JSON.stringify(k)}: ${quantityText(list[k])}`)
    .join(", ")}}`;
}

function valueText(json: string, v: unknown): string {
  if (v === undefined || v === null) return json === "volumeName" ? '""' : json === "resources" ? "{}" : "nil";
  if (POINTERS.has(json)) return `&${JSON.stringify(v)}`;
  if (json === "volumeName") return JSON.stringify(v);
  if (json === "accessModes") return `{${(v as string[]).map((m) => JSON.stringify(m)).join(", ")}}`;
  if (json === "resources") {
    const r = v as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
    const parts = [...(r.limits ? [`Limits: ${resourceList(r.limits)}`] : []), ...(r.requests ? [`Requests: ${resourceList(r.requests)}`] : [])];
    return `{${parts.join(", ")}}`;
  }
  return "&{...}";
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The report, or null when the specs are equal. */
export function claimSpecDiff(prev: Spec, next: Spec): string | null {
  const changed = FIELDS.map(([, json]) => !same(prev[json], next[json]));
  if (!changed.some(Boolean)) return null;
  const shown = FIELDS.map((_, i) => changed.some((c, j) => c && Math.abs(i - j) <= CONTEXT));
  const width = Math.max(...FIELDS.filter((_, i) => shown[i]).map(([go]) => go.length + 1));
  const lines = ["  core.PersistentVolumeClaimSpec{"];
  let hidden = 0;
  const flush = () => {
    if (hidden) lines.push(`  \t... // ${hidden} identical field${hidden === 1 ? "" : "s"}`);
    hidden = 0;
  };
  FIELDS.forEach(([go, json], i) => {
    if (!shown[i]) {
      hidden++;
      return;
    }
    flush();
    const label = `${go}:`.padEnd(width + 1);
    if (changed[i]) {
      lines.push(`- \t${label}${valueText(json, prev[json])},`);
      lines.push(`+ \t${label}${valueText(json, next[json])},`);
    } else lines.push(`  \t${label}${valueText(json, next[json])},`);
  });
  flush();
  lines.push("  }");
  return lines.join("\n") + "\n";
}
