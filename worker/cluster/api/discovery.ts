// Discovery: what kubectl reads to learn the cluster's resources. Both the legacy documents
// (/api, /apis, /api/v1, /apis/G/V) and aggregated discovery (apidiscovery.k8s.io v2 and v2beta1).
import { ALL_VERBS, type ResourceDef } from "../resources/define";
import type { Registry } from "../resources/registry";

function verbsOf(def: ResourceDef): string[] {
  return [...(def.verbs ?? ALL_VERBS)].sort();
}

function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function apiVersions(serverAddress: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function apiGroup(group: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: groupVersion(group, v), version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(registry: Registry) {
  return { kind: "APIGroupList", apiVersion: "v1", groups: registry.groups().filter((g) => g.group !== "").map((g) => apiGroup(g.group, g.versions)) };
}

export function apiGroupDoc(registry: Registry, group: string) {
  const g = registry.groups().find((x) => x.group === group);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(g.group, g.versions) } : null;
}

export function apiResourceList(registry: Registry, group: string, version: string) {
  const defs = registry.kindsOf(group, version);
  if (!defs.length) return null;
  const resources: Record<string, unknown>[] = [];
  for (const d of defs) {
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: verbsOf(d),
      ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories?.length ? { categories: d.categories } : {}),
      storageVersionHash: storageVersionHash(d),
    });
    for (const s of d.subresources ?? []) {
      const kind = s.kind ?? { group: d.group, version: d.version, kind: d.kind };
      resources.push({
        name: `${d.plural}/${s.name}`,
        singularName: "",
        namespaced: d.namespaced,
        // A subresource answering with another group's kind names its group and version both.
        ...(kind.group !== d.group || kind.version !== d.version ? { group: kind.group, version: kind.version } : {}),
        kind: kind.kind,
        verbs: [...s.verbs].sort(),
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion(group, version), resources };
}

/** A stable short hash of the storage identity, as Kubernetes publishes (opaque to clients). */
function storageVersionHash(d: ResourceDef): string {
  const s = `${d.group}/${d.version}/${d.kind}`;
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return btoa(String.fromCharCode(...new Uint8Array(new Uint32Array([h >>> 0, Math.imul(h, 31) >>> 0]).buffer))).slice(0, 11);
}

export const DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const DISCOVERY_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/** Which aggregated discovery version the Accept header asks for, if any. */
export function aggregatedVersion(accept: string | null): "v2" | "v2beta1" | null {
  if (!accept) return null;
  const types = accept.split(",").map((t) => t.replace(/\s+/g, ""));
  if (types.some((t) => t.includes("g=apidiscovery.k8s.io") && t.includes("v=v2;") && t.includes("as=APIGroupDiscoveryList"))) return "v2";
  if (types.some((t) => t.includes("g=apidiscovery.k8s.io") && t.includes("v=v2beta1") && t.includes("as=APIGroupDiscoveryList"))) return "v2beta1";
  return null;
}

function resourceDiscovery(d: ResourceDef) {
  return {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs: verbsOf(d),
    ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories?.length ? { categories: d.categories } : {}),
    ...(d.subresources?.length
      ? {
          subresources: d.subresources.map((s) => ({
            subresource: s.name,
            responseKind: s.kind ?? { group: d.group, version: d.version, kind: d.kind },
            verbs: [...s.verbs].sort(),
          })),
        }
      : {}),
  };
}

/** Aggregated discovery: `legacy` is /api (the core group), otherwise /apis (named groups). */
export function aggregated(registry: Registry, version: "v2" | "v2beta1", legacy: boolean) {
  const items = registry.groups()
    .filter((g) => (legacy ? g.group === "" : g.group !== ""))
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({ version: v, resources: registry.kindsOf(g.group, v).map(resourceDiscovery), freshness: "Current" })),
    }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
