// Query parameters as kube-apiserver converts them (runtime.DefaultStringConversions and the
// generated url.Values conversions of ListOptions): the same values mean the same things, and
// the same bad values are refused with the same words.
import { ApiError, errors, type Status, type StatusCause } from "../../machinery/errors";
import { goQuote, type ResourceVersionMatch } from "../../machinery/resourceVersion";

/**
 * A boolean parameter as Kubernetes parses one (Convert_Slice_string_To_bool): absent, "false"
 * or "0" (any case) is false; any other value, the empty string included, is true.
 */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  const lower = v.toLowerCase();
  return lower !== "false" && lower !== "0";
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * An int64 parameter (Convert_Slice_string_To_int64), or null when absent. A value that is not a
 * decimal integer, or overflows, is a 400 in strconv's words, as kube-apiserver answers it.
 */
export function queryInt64(q: URLSearchParams, name: string): number | null {
  const v = q.get(name);
  if (v === null) return null;
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > INT64_MAX || n < INT64_MIN) throw errors.badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: value out of range`);
  return Number(n);
}

export interface ListQuery {
  resourceVersion: string;
  resourceVersionMatch: ResourceVersionMatch;
  /** Items per page; null for all of them (a limit of 0 or less asks for no limit). */
  limit: number | null;
  continue: string;
  timeoutSeconds: number | null;
  /** A watch's sendInitialEvents: null when not asked (the legacy rules decide). */
  sendInitialEvents: boolean | null;
}

/**
 * A list's or a watch's options, decoded and validated as kube-apiserver's ListResource does:
 * conversion errors are 400s, and ValidateListOptions' findings one 422 Invalid ListOptions.
 */
export function listQuery(q: URLSearchParams, watching: boolean): ListQuery {
  const limit = queryInt64(q, "limit");
  const timeoutSeconds = queryInt64(q, "timeoutSeconds");
  const resourceVersion = q.get("resourceVersion") ?? "";
  const match = q.get("resourceVersionMatch") ?? "";
  const cont = q.get("continue") ?? "";
  const sendInitialEvents = q.has("sendInitialEvents") ? queryBool(q, "sendInitialEvents") : null;
  const causes: StatusCause[] = [];
  const forbidden = (field: string, detail: string) => causes.push({ reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field });
  if (watching) {
    // validateWatchOptions with the WatchList feature on (beta and on by default since 1.32):
    // a watch-list asks for sendInitialEvents with resourceVersionMatch=NotOlderThan.
    if (sendInitialEvents !== null && match !== "NotOlderThan") forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
    if (match) {
      if (sendInitialEvents === null) forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
      if (match !== "NotOlderThan") causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${goQuote(match)}: supported values: "NotOlderThan"`, field: "resourceVersionMatch" });
      if (cont) forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
    }
  } else {
    if (match) {
      if (!resourceVersion) forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided");
      if (cont) forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
      if (match !== "Exact" && match !== "NotOlderThan")
        causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${goQuote(match)}: supported values: "Exact", "NotOlderThan", ""`, field: "resourceVersionMatch" });
      if (match === "Exact" && resourceVersion === "0") forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (sendInitialEvents) forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list");
  }
  if (causes.length) throw optionsInvalid("ListOptions", "meta.k8s.io", "", causes);
  return { resourceVersion, resourceVersionMatch: match as ResourceVersionMatch, limit: limit !== null && limit > 0 ? limit : null, continue: cont, timeoutSeconds, sendInitialEvents };
}

/**
 * An options object refused by validation (errors.NewInvalid): `<Kind>.<group> "<name>" is
 * invalid: <field>: <detail>`, several findings in brackets; empty fields left out as Go omits them.
 */
export function optionsInvalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const parts = causes.map((c) => `${c.field ?? ""}: ${c.message}`);
  const message = `${kind}${group ? "." + group : ""} ${goQuote(name)} is invalid: ${parts.length === 1 ? parts[0] : "[" + parts.join(", ") + "]"}`;
  const details: Status["details"] = { ...(name ? { name } : {}), ...(group ? { group } : {}), kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, ...(c.field ? { field: c.field } : {}) })) };
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Invalid", details, code: 422 });
}
