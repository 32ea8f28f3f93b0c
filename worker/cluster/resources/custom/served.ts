// Which custom kinds a cluster serves: those of its CRDs whose names are accepted (the CRD
// controller sets the conditions), rebuilt only when one of those CRDs changes.
import { Registry } from "../registry";
import type { ResourceDef } from "../define";
import { conditionOf, type CustomResourceDefinition } from "../customresourcedefinition";
import { customKinds } from "./customKind";

function served(crd: CustomResourceDefinition): boolean {
  return conditionOf(crd, "Established")?.status === "True" || conditionOf(crd, "NamesAccepted")?.status === "True";
}

/** The kinds each registry made per CRD (name@resourceVersion), so a change of one CRD rebuilds only its kinds. */
const made = new WeakMap<Registry, Map<string, ResourceDef[]>>();

/** The registry for these CRDs: `previous` itself when nothing it serves changed. */
export function servedRegistry(crds: Iterable<CustomResourceDefinition>, previous: Registry): Registry {
  const list = [...crds].filter(served).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const signature = list.map((c) => `${c.metadata.name}@${c.metadata.resourceVersion}`).join(",");
  if (signature === previous.signature) return previous;
  const before = made.get(previous);
  const now = new Map<string, ResourceDef[]>();
  for (const crd of list) {
    const key = `${crd.metadata.name}@${crd.metadata.resourceVersion}`;
    let kinds = before?.get(key);
    if (!kinds) {
      try {
        kinds = customKinds(crd);
      } catch (e) {
        // A definition that passed validation but cannot be served is left out, not the cluster.
        console.error("custom resource definition not served", crd.metadata.name, e);
        kinds = [];
      }
    }
    now.set(key, kinds);
  }
  const registry = new Registry([...now.values()].flat(), signature);
  made.set(registry, now);
  return registry;
}
