// ingress-nginx as kind's ingress guide installs it: the project's copy of its kind manifest
// (manifests/ingress-nginx-kind.yaml), applied through the API server as `kubectl apply -f` would
// create it (validated, with kubectl's last-applied annotation and field manager), or removed as
// `kubectl delete -f` would. The simulation setting {"ingress": "nginx"} calls these.
import { parseAllDocuments } from "yaml";
import manifest from "../../../manifests/ingress-nginx-kind.yaml";
import type { ApiServer } from "../api/apiserver";
import { ApiError } from "../machinery/errors";
import { storageOf, type KObject, type ResourceDef } from "../resources/define";
import { BUILT_IN } from "../resources/registry";
import { APPLY_MANAGER, withLastApplied } from "../portable/apply";


interface ManifestObject {
  def: ResourceDef;
  namespace: string;
  object: KObject;
}

/** The manifest's objects with their kinds, in the manifest's order. */
export function ingressNginxObjects(): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    if (!("toJS" in doc)) throw new Error("ingress-nginx manifest: a document does not parse");
    const object = doc.toJS() as KObject | null;
    if (!object) continue;
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
    const def = BUILT_IN.findKind(group, version, object.kind);
    if (!def) throw new Error(`ingress-nginx manifest: ${object.apiVersion} ${object.kind} is not served`);
    out.push({ def, namespace: def.namespaced ? object.metadata.namespace ?? "default" : "", object });
  }
  return out;
}

/** Creates what is missing, as a first `kubectl apply -f` does; returns "kind/name" of what it created. */
export function installIngressNginx(api: ApiServer): string[] {
  const created: string[] = [];
  for (const { def, namespace, object } of ingressNginxObjects()) {
    if (api.peek(storageOf(def), namespace, object.metadata.name!)) continue;
    api.create(def, namespace, withLastApplied(object), { manager: APPLY_MANAGER });
    created.push(`${def.kind.toLowerCase()}/${object.metadata.name}`);
  }
  return created;
}

/** Deletes the manifest's objects, last first, as `kubectl delete -f` does. */
export function uninstallIngressNginx(api: ApiServer): void {
  for (const { def, namespace, object } of ingressNginxObjects().reverse()) {
    try {
      api.delete(def, namespace, object.metadata.name!, { propagationPolicy: "Background" });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
