// Picking the default among classes (IngressClass, StorageClass) as kube-apiserver does when
// several are marked: the newest, then the first by name.
import type { KObject } from "../define";

export function newestMarked<T extends KObject>(classes: Iterable<T>, marked: (c: T) => boolean): T | null {
  let best: T | null = null;
  for (const c of classes) {
    if (!marked(c)) continue;
    if (!best) best = c;
    else {
      const a = c.metadata.creationTimestamp ?? "";
      const b = best.metadata.creationTimestamp ?? "";
      if (a > b || (a === b && (c.metadata.name ?? "") < (best.metadata.name ?? ""))) best = c;
    }
  }
  return best;
}
