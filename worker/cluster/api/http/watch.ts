// Opening a watch: newline-delimited events, replayed from the requested resourceVersion (or the
// current state), then followed live through the hub. Headers go out at once, before any event,
// so clients that wait for them (kubectl delete, wait, rollout status) proceed.
import { LIMITS } from "../../../limits";
import type { Clock } from "../../clock";
import { apiVersionOf, storageOf, type KObject, type ResourceDef } from "../../resources/define";
import type { Store } from "../../store/store";
import { eventFor, type ChangeMemo, type EventType, type WatchFilter, type WatchHub, type WatchSink } from "../../store/watch";
import type { ApiServer } from "../apiserver";
import { attrsOf } from "../attrs";
import { errors } from "../../machinery/errors";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "../../machinery/selectors";
import { table, type IncludeObject } from "../table";
import { parseResourceVersion } from "../../machinery/resourceVersion";
import { listQuery, queryBool } from "./query";
import { representation } from "./respond";
import type { KubeRequest } from "./types";
import { outbound, wallNow } from "./wire";

const encoder = new TextEncoder();
const BOOKMARK_EVERY_MS = 60_000;

/**
 * How often a watch that allows bookmarks gets one. The watch cache sends one every minute and
 * one 2 s before the watch's deadline, so the client can resume from there. One period serves:
 * a watch shorter than a minute gets one bookmark, 2 s before it ends (half way through one of
 * under 4 s; none in one of 2 s or less), and the period is over half the watch, so no second comes before the end.
 */
function bookmarkEvery(timeoutMs: number): number | undefined {
  if (timeoutMs > BOOKMARK_EVERY_MS + 2_000) return BOOKMARK_EVERY_MS;
  if (timeoutMs <= 2_000) return undefined;
  return Math.max(timeoutMs - 2_000, Math.floor(timeoutMs / 2) + 1);
}

function line(v: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(v) + "\n");
}

export function openWatch(api: ApiServer, store: Store, hub: WatchHub, clock: Clock, req: KubeRequest, def: ResourceDef, namespace: string | null, name: string | undefined, q: URLSearchParams): Response {
  // Refused before anything else, as ListResource decodes and validates its options first.
  const options = listQuery(q, true);
  if (hub.size >= LIMITS.watchesPerCluster) throw errors.tooManyRequests(`too many watches open on this cluster: the limit is ${LIMITS.watchesPerCluster}`);
  const labelSelector = parseLabelSelector(q.get("labelSelector") ?? "");
  const fieldSelector = parseFieldSelector(q.get("fieldSelector") ?? "");
  if (name) fieldSelector.push({ field: "metadata.name", op: "=", value: name });
  api.checkFieldSelector(def, fieldSelector);
  const storedDef = api.storedDef(def);
  const storage = storageOf(def);
  const ns = def.namespaced ? namespace : null;

  const filter: WatchFilter = {
    storage,
    namespace: ns,
    matches: (a) => matchesLabels(labelSelector, a.labels) && matchesFields(fieldSelector, a.fields),
    attrsOf: (body) => attrsOf(storedDef, JSON.parse(body) as KObject),
  };

  const rep = representation(req.accept);
  const asTable = rep.as === "table";
  const include: IncludeObject = q.get("includeObject") === "Object" ? "Object" : q.get("includeObject") === "None" ? "None" : "Metadata";
  let headersSent = false;
  // A watch from a revision the cluster has not reached yet is opened all the same and sends only
  // what comes after that revision (the watch cache's "only send events newer than
  // resourceVersion"), as kube-apiserver does.
  const asked = options.resourceVersion === "" ? 0 : parseResourceVersion(options.resourceVersion);
  const skipUpTo = asked > store.rv ? asked : 0;
  const sink: WatchSink = {
    encode(type: EventType, body: string, memo?: ChangeMemo) {
      const remember = <T>(key: string, make: () => T): T => (memo ? memo.get(key, make) : make());
      if (skipUpTo && remember("rv", () => Number((JSON.parse(body) as KObject).metadata.resourceVersion)) <= skipUpTo) return null;
      // A fresh parse for the wire form: toWire and outbound may reuse what they are given.
      const wire = () => outbound(def, api.toWire(def, JSON.parse(body) as KObject), clock);
      // Every plain watch of this kind and version sends the same line for a change.
      if (!asTable) return remember(`json ${apiVersionOf(def)} ${def.kind} ${type}`, () => line({ type, object: wire() }));
      const obj = wire();
      const t = table(def, [obj], include, { resourceVersion: obj.metadata.resourceVersion }, wallNow(clock), !headersSent);
      headersSent = true;
      return line({ type, object: t });
    },
    bookmark(rv: number) {
      if (asTable || rv <= skipUpTo) return null;
      return line({ type: "BOOKMARK", object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(rv) } } });
    },
  };

  const contentType = asTable ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json";
  // identity: a compressing proxy would hold events back until its buffer fills.
  const headers = { "Content-Type": contentType, "Cache-Control": "no-cache, private", "X-Content-Type-Options": "nosniff", "Content-Encoding": "identity" };
  const bookmarks = queryBool(q, "allowWatchBookmarks");
  const rvParam = options.resourceVersion;
  const backlog: Uint8Array[] = [];
  // The current state first, as ADDED events: a watch-list (sendInitialEvents=true, from any
  // resourceVersion: ours is never older than asked), or a legacy watch from "" or "0" that did
  // not say sendInitialEvents=false.
  const initialEvents = options.sendInitialEvents ?? (rvParam === "" || rvParam === "0");

  if (initialEvents) {
    for (const row of store.scan(storage, ns)) {
      const obj = JSON.parse(row.body) as KObject;
      const chunk = filter.matches(attrsOf(storedDef, obj)) ? sink.encode("ADDED", row.body) : null;
      if (chunk) backlog.push(chunk);
    }
    // client-go's watch-list waits for this bookmark to know the initial list is complete.
    if (bookmarks && options.sendInitialEvents && !asTable) {
      backlog.push(
        line({ type: "BOOKMARK", object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(store.rv), annotations: { "k8s.io/initial-events-end": "true" } } } }),
      );
    }
  } else if (rvParam !== "" && rvParam !== "0") {
    const rv = asked;
    if (rv < store.compactedRv) {
      const expired = { type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${rv} (${store.compactedRv + 1})`, reason: "Expired", code: 410 } };
      return new Response(hub.fail(line(expired)), { status: 200, headers });
    }
    for (const c of store.changesSince(rv, storage)) {
      const chunk = eventFor({ filter, sink }, c);
      if (chunk) backlog.push(chunk);
    }
  }

  const timeoutSeconds = options.timeoutSeconds ?? 0;
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : LIMITS.watchDefaultSeconds * 1000;
  const body = hub.open(filter, sink, backlog, {
    timeoutMs,
    bookmarkEveryMs: bookmarks ? bookmarkEvery(timeoutMs) : undefined,
    currentRv: () => store.rv,
  });
  return new Response(body, { status: 200, headers });
}
