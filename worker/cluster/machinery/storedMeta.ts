// Reading one field of a stored object's JSON without parsing the whole body: the work queues
// look at every committed change (a pod's body is several kilobytes), and most of them only need
// to know who owns it.
import type { Change } from "../store/store";

export interface StoredOwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

const KEY = '"ownerReferences":[';

/**
 * metadata.ownerReferences of a stored body (as the store writes it: apiVersion, kind and
 * metadata before spec). Falls back to parsing the whole body when the list is not plainly the
 * object's own (say, only a template inside spec names one).
 */
export function ownerReferencesIn(body: string): StoredOwnerRef[] | undefined {
  const at = body.indexOf(KEY);
  if (at < 0) return undefined;
  const spec = body.indexOf('"spec":');
  const metadata = body.indexOf('"metadata":{');
  if (metadata < 0 || metadata > at || (spec >= 0 && spec < at)) return whole(body);
  // Owner references hold strings and booleans only: the list ends at the first "]" outside a string.
  let inString = false;
  for (let i = at + KEY.length; i < body.length; i++) {
    const ch = body[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "]") return JSON.parse(body.slice(at + KEY.length - 1, i + 1)) as StoredOwnerRef[];
  }
  return whole(body);
}

/** The controlling owner reference of a stored body, if any. */
export function controllerRefIn(body: string): StoredOwnerRef | undefined {
  return ownerReferencesIn(body)?.find((r) => r.controller);
}

/** metadata.ownerReferences of a change's object: as its write copied them, else read out of the body. */
export function ownerReferencesOf(c: Change): readonly StoredOwnerRef[] | undefined {
  return c.meta ? c.meta.ownerReferences : ownerReferencesIn(c.body);
}

/** The controlling owner reference of a change's object, if any. */
export function controllerRefOf(c: Change): StoredOwnerRef | undefined {
  return ownerReferencesOf(c)?.find((r) => r.controller);
}

/** Whether a change's object has the finalizer (for a change read back from the log, a search of its body that may say yes wrongly). */
export function mayHaveFinalizer(c: Change, finalizer: string): boolean {
  return c.meta ? !!c.meta.finalizers?.includes(finalizer) : c.body.includes(`"${finalizer}"`);
}

function whole(body: string): StoredOwnerRef[] | undefined {
  return (JSON.parse(body) as { metadata?: { ownerReferences?: StoredOwnerRef[] } }).metadata?.ownerReferences;
}

/** Whether a change's pod is bound to a node: its selectable spec.nodeName, else a search of its body. */
export function podIsBound(c: Change): boolean {
  return c.attrs ? (c.attrs.fields["spec.nodeName"] ?? "") !== "" : c.body.includes('"nodeName"');
}

/** Whether a change's pod has finished (Succeeded or Failed): its selectable status.phase, else a search of its body. */
export function podHasFinished(c: Change): boolean {
  if (c.attrs) {
    const phase = c.attrs.fields["status.phase"];
    return phase === "Succeeded" || phase === "Failed";
  }
  return c.body.includes('"phase":"Succeeded"') || c.body.includes('"phase":"Failed"');
}
