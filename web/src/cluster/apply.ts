// `kubectl apply` done client-side, as kubectl did before server-side apply: for each document,
// find its resource by discovery, GET it, then create it or send a JSON merge patch computed from
// the last applied configuration (kept in the same annotation kubectl uses), so fields removed
// from the YAML are removed from the object.
import { parseAllDocuments } from "yaml";
import { ApiError, json, kubePath } from "../api";
import type { KObject } from "./types";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export interface ApplyResult {
  index: number;
  ref: string;
  outcome: "created" | "configured" | "unchanged" | "failed";
  message?: string;
  causes?: string[];
}

interface Resource {
  name: string;
  namespaced: boolean;
  kind: string;
}

export class Discovery {
  private cache = new Map<string, Promise<Resource[]>>();
  constructor(private readonly clusterId: string) {}

  async resource(apiVersion: string, kind: string): Promise<{ base: string; res: Resource }> {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list = this.cache.get(base);
    if (!list) {
      list = json<{ resources: Resource[] }>("GET", kubePath(this.clusterId, base)).then((r) => r.resources.filter((x) => !x.name.includes("/")));
      this.cache.set(base, list);
      list.catch(() => this.cache.delete(base));
    }
    const res = (await list).find((r) => r.kind === kind);
    if (!res) throw new Error(`no kind ${kind} in ${apiVersion} on this cluster`);
    return { base, res };
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON merge patch from last-applied to desired: changed keys, and null for keys removed. */
export function mergePatch(last: Json, desired: Json): Json {
  if (!isObj(last) || !isObj(desired)) return desired;
  const patch: { [k: string]: Json } = {};
  for (const k of Object.keys(last)) if (!(k in desired)) patch[k] = null;
  for (const [k, v] of Object.entries(desired)) {
    if (k in last && JSON.stringify(last[k]) === JSON.stringify(v)) continue;
    patch[k] = k in last && isObj(last[k]) && isObj(v) ? mergePatch(last[k], v) : v;
  }
  return patch;
}
function isObj(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The causes of an Invalid Status as "field: message" lines. */
export function causesOf(e: unknown): string[] {
  if (!(e instanceof ApiError)) return [];
  const body = e.body as { details?: { causes?: { field?: string; message?: string; reason?: string }[] } } | null;
  return (body?.details?.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? c.reason ?? ""}` : c.message ?? c.reason ?? ""));
}

export function parseDocs(text: string): { docs: KObject[]; error?: string } {
  const docs: KObject[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length) return { docs, error: `YAML: ${d.errors[0].message}` };
    const v = d.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== "object" || Array.isArray(v)) return { docs, error: `document ${docs.length + 1} is not an object` };
    const o = v as KObject & { items?: KObject[] };
    if (o.kind?.endsWith("List") && Array.isArray(o.items)) docs.push(...o.items);
    else docs.push(o);
  }
  return { docs };
}

export async function applyAll(clusterId: string, discovery: Discovery, docs: KObject[], defaultNs: string): Promise<ApplyResult[]> {
  const out: ApplyResult[] = [];
  for (let i = 0; i < docs.length; i++) out.push(await applyOne(clusterId, discovery, docs[i], i, defaultNs));
  return out;
}

async function applyOne(clusterId: string, discovery: Discovery, doc: KObject, index: number, defaultNs: string): Promise<ApplyResult> {
  const name = doc.metadata?.name;
  let ref = `${doc.kind ?? "?"} ${name ?? "?"}`;
  try {
    if (!doc.apiVersion || !doc.kind) throw new Error("apiVersion and kind are required");
    if (!name) throw new Error("metadata.name is required");
    const { base, res } = await discovery.resource(doc.apiVersion, doc.kind);
    const ns = res.namespaced ? doc.metadata.namespace || defaultNs : "";
    ref = `${doc.kind.toLowerCase()}/${name}${ns ? ` (${ns})` : ""}`;
    const coll = kubePath(clusterId, `${base}${ns ? `/namespaces/${encodeURIComponent(ns)}` : ""}/${res.name}`);
    const itemPath = `${coll}/${encodeURIComponent(name)}`;

    const desired = structuredClone(doc) as KObject;
    desired.metadata = { ...desired.metadata, ...(ns ? { namespace: ns } : {}) };
    const lastText = JSON.stringify(desired);
    desired.metadata.annotations = { ...(desired.metadata.annotations ?? {}), [LAST_APPLIED]: lastText + "\n" };

    let live: KObject | null = null;
    try {
      live = await json<KObject>("GET", itemPath);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    if (!live) {
      await json("POST", coll, { body: desired });
      return { index, ref, outcome: "created" };
    }
    const prevText = live.metadata.annotations?.[LAST_APPLIED];
    let prev: Json = {};
    try {
      prev = prevText ? (JSON.parse(prevText) as Json) : {};
    } catch {
      prev = {};
    }
    const patch = mergePatch(prev, desired as unknown as Json);
    const after = await json<KObject>("PATCH", itemPath, { body: patch, contentType: "application/merge-patch+json" });
    return { index, ref, outcome: after.metadata.resourceVersion === live.metadata.resourceVersion ? "unchanged" : "configured" };
  } catch (e) {
    return { index, ref, outcome: "failed", message: e instanceof Error ? e.message : String(e), causes: causesOf(e) };
  }
}
