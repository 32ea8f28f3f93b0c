// Same-origin calls: the management API (/v1) and a cluster's kube API (/k8s/<id>), both with the
// token from session storage as a bearer token (never in a URL).
const KEY = "kubedo.token";

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}
export function setToken(t: string | null): void {
  if (t === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, t);
}

/** An error answer: the management API's {"error":{message}} or a kube Status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

function messageOf(status: number, body: unknown, fallback: string): string {
  if (body && typeof body === "object") {
    const b = body as { error?: { message?: string }; message?: string; kind?: string };
    if (b.error?.message) return b.error.message;
    if (typeof b.message === "string" && b.message) return b.message;
  }
  return fallback || `HTTP ${status}`;
}

export interface CallOptions {
  body?: unknown;
  contentType?: string;
  raw?: boolean;
  signal?: AbortSignal;
}

export async function call(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = opts.contentType ?? "application/json";
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method, headers, body, signal: opts.signal });
  if (!res.ok) {
    const textBody = await res.text();
    let parsed: unknown = textBody;
    try {
      parsed = JSON.parse(textBody);
    } catch {
      // a plain text answer
    }
    throw new ApiError(res.status, messageOf(res.status, parsed, textBody.trim()), parsed);
  }
  return res;
}

export async function json<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const res = await call(method, path, opts);
  return (await res.json()) as T;
}

export const v1 = {
  get: <T>(path: string) => json<T>("GET", `/v1${path}`),
  post: <T>(path: string, body?: unknown) => json<T>("POST", `/v1${path}`, { body: body ?? {} }),
  del: <T>(path: string) => json<T>("DELETE", `/v1${path}`),
};

export function kubePath(clusterId: string, path: string): string {
  return `/k8s/${encodeURIComponent(clusterId)}${path}`;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
