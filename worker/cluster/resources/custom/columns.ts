// A CRD's additionalPrinterColumns as kube-apiserver fills Table cells: the first value the
// column's JSONPath finds, typed by the column's type (a date becomes an age), nil when absent
// or of another type, which kubectl prints as <none>.
import { jsonPath } from "../../machinery/jsonpath";
import { age } from "../../machinery/time";
import type { KObject, TableContext } from "../define";

export interface PrinterColumn {
  type: string;
  jsonPath: string;
}

export function cellOf(column: PrinterColumn, obj: KObject, ctx: TableContext): string | number | boolean | null {
  let value: unknown;
  try {
    value = jsonPath(obj, column.jsonPath)[0];
  } catch {
    return null;
  }
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date":
      return typeof value === "string" ? (Number.isNaN(Date.parse(value)) ? "<invalid>" : age(value, ctx.now)) : null;
    case "string":
      // The JSONPath printer's text: strings as they are, anything else as JSON.
      return typeof value === "string" ? value : JSON.stringify(value);
    default:
      return null;
  }
}
