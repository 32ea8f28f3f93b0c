// Encoding answers: JSON (pretty for curl and browsers, as Kubernetes does), YAML, Table and
// PartialObjectMetadata, and Status errors.
import { stringify as toYaml } from "yaml";
import type { ApiError, Status } from "../../machinery/errors";
import type { KubeRequest, KubeResponse } from "./types";

export type Representation = { as: "object" } | { as: "table"; version: "v1" | "v1beta1" } | { as: "metadata" } | { as: "yaml" };

/** What the client's Accept header asks for. */
export function representation(accept: string | null): Representation {
  const types = (accept ?? "").split(",").map((t) => t.replace(/\s+/g, "").toLowerCase());
  for (const t of types) {
    if (t.includes("as=table") && t.includes("g=meta.k8s.io")) return { as: "table", version: t.includes("v=v1beta1") ? "v1beta1" : "v1" };
    if (t.includes("as=partialobjectmetadata")) return { as: "metadata" };
    if (t.startsWith("application/json") || t.startsWith("*/*") || t.startsWith("application/vnd.kubernetes.protobuf")) return { as: "object" };
    if (t.startsWith("application/yaml")) return { as: "yaml" };
  }
  return { as: "object" };
}

function pretty(req: Pick<KubeRequest, "query" | "userAgent">): boolean {
  const p = new URLSearchParams(req.query).get("pretty");
  if (p !== null) return p === "true" || p === "1";
  const ua = req.userAgent ?? "";
  return ua.startsWith("curl") || ua.startsWith("Wget") || ua.startsWith("Mozilla");
}

export function respond(req: Pick<KubeRequest, "query" | "userAgent" | "accept">, status: number, body: unknown, contentType = "application/json", warnings: string[] = []): KubeResponse {
  const headers: [string, string][] = [];
  for (const w of warnings) headers.push(["Warning", `299 - ${JSON.stringify(w)}`]);
  if (representation(req.accept).as === "yaml" && contentType === "application/json") {
    headers.push(["Content-Type", "application/yaml"]);
    return { status, headers, body: toYaml(body) };
  }
  headers.push(["Content-Type", contentType]);
  return { status, headers, body: pretty(req) ? JSON.stringify(body, null, 2) + "\n" : JSON.stringify(body) };
}

export function respondError(req: Pick<KubeRequest, "query" | "userAgent" | "accept">, err: ApiError): KubeResponse {
  const r = respond(req, err.code, err.status satisfies Status);
  if (err.code === 429) r.headers.push(["Retry-After", String(err.status.details?.retryAfterSeconds ?? 1)]);
  return r;
}
