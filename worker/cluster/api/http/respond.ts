// Encoding answers: JSON (pretty for curl and browsers, as Kubernetes does), YAML, Table and
// PartialObjectMetadata, and Status errors. Bytes as kube-apiserver's serializer writes them:
// compact JSON is json.Encoder's (one line ending in a newline), pretty JSON is MarshalIndent's
// (two spaces, no newline at the end), YAML ends with its last line's newline.
import { stringify as toYaml } from "yaml";
import type { ApiError, Status } from "../../machinery/errors";
import type { KubeRequest, KubeResponse } from "./types";

export type Representation = { as: "object" } | { as: "table"; version: "v1" | "v1beta1" } | { as: "metadata" } | { as: "yaml" };

type Asking = Pick<KubeRequest, "query" | "userAgent" | "accept">;

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

/** strconv.ParseBool's true and false; anything else is an error, which kube-apiserver reads as false. */
const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);

/**
 * Whether to indent (negotiation's isPrettyPrint): a non-empty ?pretty= as strconv.ParseBool reads
 * it, else curl, Wget and browsers get indented JSON.
 */
function pretty(req: Pick<KubeRequest, "query" | "userAgent">): boolean {
  const p = new URLSearchParams(req.query).get("pretty");
  if (p) return GO_TRUE.has(p);
  const ua = req.userAgent ?? "";
  return ua.startsWith("curl") || ua.startsWith("Wget") || ua.startsWith("Mozilla/5.0");
}

type Encoding = "json" | "pretty" | "yaml";

/** Whether an answer goes out as compact JSON (not indented, not YAML). */
export function compactJson(req: Asking): boolean {
  return encodingOf(req, "application/json") === "json";
}

function encodingOf(req: Asking, contentType: string): Encoding {
  if (representation(req.accept).as === "yaml" && contentType === "application/json") return "yaml";
  return pretty(req) ? "pretty" : "json";
}

function encode(body: unknown, enc: Encoding): string {
  if (enc === "yaml") return toYaml(body);
  return enc === "pretty" ? JSON.stringify(body, null, 2) : JSON.stringify(body) + "\n";
}

function headersOf(enc: Encoding, contentType: string, warnings: string[]): [string, string][] {
  const headers: [string, string][] = [];
  for (const w of warnings) headers.push(["Warning", `299 - ${JSON.stringify(w)}`]);
  headers.push(["Content-Type", enc === "yaml" ? "application/yaml" : contentType]);
  return headers;
}

export function respond(req: Asking, status: number, body: unknown, contentType = "application/json", warnings: string[] = []): KubeResponse {
  const enc = encodingOf(req, contentType);
  return { status, headers: headersOf(enc, contentType, warnings), body: encode(body, enc) };
}

export function respondError(req: Asking, err: ApiError): KubeResponse {
  const r = respond(req, err.code, err.status satisfies Status);
  if (err.code === 429) r.headers.push(["Retry-After", String(err.status.details?.retryAfterSeconds ?? 1)]);
  return r;
}

/**
 * A collection (a List, a Table, a PartialObjectMetadataList): `head` holds every field but the
 * array, which comes last under `key`; `first` are its first elements and `more()` gives the next
 * ones, or null when there are none left.
 */
export interface Collection {
  head: Record<string, unknown>;
  key: "items" | "rows";
  first: unknown[];
  more: (() => unknown[] | null) | null;
  /** The elements are JSON texts already (only for a compact JSON answer). */
  encoded?: boolean;
}

const encoder = new TextEncoder();

/**
 * A collection's answer. When everything is in `first` it is one body; otherwise it streams, page
 * by page as the client reads, and never holds more than a page: the same bytes either way.
 */
export function respondCollection(req: Asking, status: number, c: Collection, contentType = "application/json"): KubeResponse {
  const enc = encodingOf(req, contentType);
  const headers = headersOf(enc, contentType, []);
  if (c.encoded && enc !== "json") throw new Error("a collection of JSON texts answers only as compact JSON");
  const w = collectionWriter(c.head, c.key, enc, c.encoded ?? false);
  if (!c.more) {
    if (!c.encoded) return { status, headers, body: encode({ ...c.head, [c.key]: c.first }, enc) };
    let text = w.open();
    for (const x of c.first) text += w.element(x);
    return { status, headers, body: text + w.close() };
  }
  let page: unknown[] | null = c.first;
  let started = false;
  const more = c.more;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let text = "";
        if (!started) {
          text = w.open();
          started = true;
        } else {
          // Each page after the first waits its turn behind what else is queued (requests, the
          // control loop): a reader as fast as the runtime's own pipe otherwise had every page made
          // back to back, and 100,000 pods held the object for seconds with nothing else answered.
          await new Promise((r) => setTimeout(r, 0));
          page = more();
        }
        if (page === null) {
          controller.enqueue(encoder.encode(text + w.close()));
          controller.close();
          return;
        }
        for (const x of page) text += w.element(x);
        controller.enqueue(encoder.encode(text));
      },
    },
    // A page is made when the reader asks for one, not ahead of it: never more than a page held.
    { highWaterMark: 0 },
  );
  return { status, headers, body: "", stream };
}

/** The pieces of a collection's text, byte for byte what encoding it whole gives. */
function collectionWriter(head: Record<string, unknown>, key: string, enc: Encoding, encoded: boolean) {
  let n = 0;
  if (enc === "yaml") {
    const top = toYaml(head);
    return {
      open: () => (top === "{}\n" ? "" : top),
      element: (x: unknown) => (n++ === 0 ? `${key}:\n` : "") + indent(toYaml([x]), "  "),
      close: () => (n === 0 ? `${key}: []\n` : ""),
    };
  }
  if (enc === "pretty") {
    const top = JSON.stringify(head, null, 2);
    const open = top === "{}" ? `{\n  ${JSON.stringify(key)}: [` : `${top.slice(0, -2)},\n  ${JSON.stringify(key)}: [`;
    return {
      open: () => open,
      element: (x: unknown) => (n++ === 0 ? "" : ",") + "\n    " + JSON.stringify(x, null, 2).replace(/\n/g, "\n    "),
      close: () => (n === 0 ? "]\n}" : "\n  ]\n}"),
    };
  }
  const top = JSON.stringify(head);
  const open = top === "{}" ? `{${JSON.stringify(key)}:[` : `${top.slice(0, -1)},${JSON.stringify(key)}:[`;
  return {
    open: () => open,
    element: (x: unknown) => (n++ === 0 ? "" : ",") + (encoded ? (x as string) : JSON.stringify(x)),
    close: () => "]}\n",
  };
}

function indent(text: string, by: string): string {
  return text.replace(/^(?=.)/gm, by);
}
