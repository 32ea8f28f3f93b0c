// Errors as Kubernetes answers them: a Status object with a reason, a code and Kubernetes' words.
import { formatPath, type K8sIssue } from "./schema/dsl";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  /** Empty but for a 410 on a list's continue token, which carries a fresh token. */
  metadata: { continue?: string };
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

function status(code: number, reason: string, message: string, details?: Status["details"]): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code });
}

/** `pods "x"` or `pods.apps "x"`: how Kubernetes names a resource in messages. */
export function qualified(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(group: string, resource: string, name: string) {
    return status(404, "NotFound", `${qualified(group, resource)} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });
  },
  alreadyExists(group: string, resource: string, name: string) {
    return status(409, "AlreadyExists", `${qualified(group, resource)} "${name}" already exists`, { name, ...(group ? { group } : {}), kind: resource });
  },
  conflict(group: string, resource: string, name: string, why: string) {
    return status(409, "Conflict", `Operation cannot be fulfilled on ${qualified(group, resource)} "${name}": ${why}`, { name, ...(group ? { group } : {}), kind: resource });
  },
  staleUpdate(group: string, resource: string, name: string) {
    return errors.conflict(group, resource, name, "the object has been modified; please apply your changes to the latest version and try again");
  },
  invalid(group: string, kind: string, name: string, issues: K8sIssue[]) {
    const causes = issues.map((i) => ({ reason: i.reason, message: i.message, field: formatPath(i.path) }));
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const message = `${kind}${group ? "." + group : ""} "${name}" is invalid: ${parts.length === 1 ? parts[0] : "[" + parts.join(", ") + "]"}`;
    return status(422, "Invalid", message, { name, ...(group ? { group } : {}), kind, causes });
  },
  /**
   * A patch whose result does not fit the kind's types. kube-apiserver reports it against the
   * field "patch" of no kind and no name, so its message starts with ` "" is invalid`.
   */
  invalidPatch(value: string, detail: string) {
    const message = `Invalid value: ${JSON.stringify(value)}: ${detail}`;
    return status(422, "Invalid", ` "" is invalid: patch: ${message}`, { causes: [{ reason: "FieldValueInvalid", message, field: "patch" }] });
  },
  /** A request that parsed but cannot be applied (a patch that does not fit the object). */
  unprocessable(message: string) {
    return status(422, "Invalid", message);
  },
  badRequest(message: string) {
    return status(400, "BadRequest", message);
  },
  forbidden(group: string, resource: string, name: string, why: string) {
    const what = name ? `${qualified(group, resource)} "${name}"` : qualified(group, resource);
    return status(403, "Forbidden", `${what} is forbidden: ${why}`, { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource });
  },
  unauthorized(message = "Unauthorized") {
    return status(401, "Unauthorized", message);
  },
  methodNotAllowed(message: string) {
    return status(405, "MethodNotAllowed", message);
  },
  notAcceptable(message: string) {
    return status(406, "NotAcceptable", message);
  },
  unsupportedMediaType(contentType: string, accepted = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml", "application/strategic-merge-patch+json"]) {
    return status(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")} (got ${contentType})`);
  },
  tooLarge(limit: number) {
    return status(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
  },
  gone(message: string) {
    return status(410, "Expired", message);
  },
  tooManyRequests(message: string, retryAfterSeconds = 1) {
    return status(429, "TooManyRequests", message, { retryAfterSeconds });
  },
  internal(message: string) {
    return status(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] });
  },
  serviceUnavailable(message: string) {
    return status(503, "ServiceUnavailable", message);
  },
  notFoundPath() {
    return status(404, "NotFound", "the server could not find the requested resource", { causes: [{ reason: "UnexpectedServerResponse", message: "404 page not found" }] });
  },
};

export function successStatus(details: Status["details"]): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 } as Status;
}
