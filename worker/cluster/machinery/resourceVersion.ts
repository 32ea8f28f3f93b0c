// resourceVersions clients send, as kube-apiserver's storage reads them: an unsigned decimal
// (strconv.ParseUint), and refused in storage's words when malformed or not reached yet.
import { ApiError, errors } from "./errors";

export type ResourceVersionMatch = "" | "Exact" | "NotOlderThan";

/** Go's %q for the strings clients send. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** A resourceVersion parameter: "" and "0" are 0 (any); anything but a uint64 is a 400. */
export function parseResourceVersion(v: string): number {
  if (v === "" || v === "0") return 0;
  const invalid = (why: string) => errors.badRequest(`invalid resource version: resourceVersion: Invalid value: ${goQuote(v)}: strconv.ParseUint: parsing ${goQuote(v)}: ${why}`);
  if (!/^\d+$/.test(v)) throw invalid("invalid syntax");
  if (BigInt(v) > 18446744073709551615n) throw invalid("value out of range");
  return Number(v);
}

/**
 * A read that asks for a resourceVersion the cluster has not reached (storage's
 * NewTooLargeResourceVersionError): 504 Timeout, with the ResourceVersionTooLarge cause that
 * client-go's reflector looks for before it relists.
 */
export function tooLargeResourceVersion(asked: number, current: number): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `Timeout: Too large resource version: ${asked}, current: ${current}`,
    reason: "Timeout",
    details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 },
    code: 504,
  });
}
