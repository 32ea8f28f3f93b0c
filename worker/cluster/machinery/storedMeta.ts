// Reading one field of a stored object's JSON without parsing the whole body: the work queues
// look at every committed change (a pod's body is several kilobytes), and most of them only need
// to know who owns it.

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

function whole(body: string): StoredOwnerRef[] | undefined {
  return (JSON.parse(body) as { metadata?: { ownerReferences?: StoredOwnerRef[] } }).metadata?.ownerReferences;
}
