// Shared pieces of the management API: its error shape and the authenticated caller.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Identity } from "../auth/identity";
import type { Env } from "../env";
import type { Outcome } from "../cluster/outcome";
import { jsonDepthProblem } from "../cluster/machinery/json";
import { LIMITS } from "../limits";
import { readBounded } from "../body";

export type AppEnv = { Bindings: Env; Variables: { identity: Identity } };

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  410: "gone",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  500: "internal",
  502: "bad_gateway",
};

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

/** `{"error":{"code","message"}}` with the matching HTTP status. */
export function errorResponse(c: Context, status: ContentfulStatusCode, message: string) {
  return c.json({ error: { code: CODES[status] ?? "error", message } }, status);
}

export const fail = (status: ContentfulStatusCode, message: string): never => {
  throw new HttpError(status, message);
};

/** A cluster object's outcome: its value, or its refusal passed on with the same status and message. */
export function answer<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) fail(outcome.status as ContentfulStatusCode, outcome.message);
  return (outcome as { ok: true; value: T }).value;
}

/** Reads a JSON body, or answers 400 saying what is wrong with it. */
export async function jsonBody(c: Context, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const bytes = await readBounded(c.req.raw, maxBytes);
  if (bytes === null) return fail(413, `request body is larger than the limit of ${maxBytes} bytes`);
  const text = new TextDecoder().decode(bytes);
  if (!text.trim()) return {};
  // Bounded before parsing: a body nested thousands deep would exhaust the stack further on.
  const deep = jsonDepthProblem(text, LIMITS.managementJsonDepth);
  if (deep) fail(400, `request body is not valid: ${deep}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    fail(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(400, "request body must be a JSON object");
  return v as Record<string, unknown>;
}

/**
 * The server a kubeconfig names for a cluster: the cluster's own host when the service has a
 * KUBE_HOST_SUFFIX, else the service's root, where the kubeconfig's cluster-scoped token picks
 * the cluster (clients that build paths from the root, as kubectl proxy does, need a bare host).
 */
export function serverUrl(c: Context<AppEnv>, clusterId: string): string {
  const suffix = c.env.KUBE_HOST_SUFFIX?.replace(/^\./, "");
  return suffix ? `https://${clusterId}.${suffix}` : new URL(c.req.url).origin;
}
