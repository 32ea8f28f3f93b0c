// apiextensions-apiserver's controllers for CustomResourceDefinitions, as one reconcile per CRD:
// naming (accepted names, NamesAccepted, conflicts with other CRDs of the group), establishing
// (Established once the names are accepted, which makes the kind served), storedVersions, and the
// finalizer's cleanup: a CRD being deleted first deletes every object of its kind.
import type { Controller, ControllerContext } from "../loop/loop";
import { ApiError } from "../machinery/errors";
import { customResourceDefinitions as crdKind, CLEANUP_FINALIZER, CRD_STORAGE, conditionOf, setCondition, type CrdNames, type CustomResourceDefinition } from "../resources/customresourcedefinition";
import { customStorage } from "../resources/custom/customKind";
import type { ResourceDef } from "../resources/define";

// The kind is typed by its object; the API server takes any kind.
const customResourceDefinitions = crdKind as unknown as ResourceDef;

/** How soon a CRD whose objects are still going away is looked at again (cluster time). */
const CLEANUP_RECHECK_MS = 1000;

export const customResourceDefinitionController: Controller = {
  name: "customresourcedefinition",
  keysFor(c) {
    if (c.resource !== CRD_STORAGE) return [];
    // A conflict may clear when another CRD of the group changes or goes: look at the group's others too.
    const group = c.name.slice(c.name.indexOf(".") + 1);
    return [c.name, `group:${group}`];
  },
  resync(ctx) {
    return [...ctx.store.scan(CRD_STORAGE, null)].map((r) => r.name);
  },
  reconcile(key, ctx) {
    if (key.startsWith("group:")) {
      const group = key.slice(6);
      for (const crd of ctx.api.scanStored<CustomResourceDefinition>(CRD_STORAGE, null)) if (crd.spec.group === group) reconcileNames(crd, ctx);
      return;
    }
    const crd = ctx.api.peek<CustomResourceDefinition>(CRD_STORAGE, "", key);
    if (!crd) return;
    if (crd.metadata.deletionTimestamp) cleanUp(crd, ctx);
    else reconcileNames(crd, ctx);
  },
  regarding(key) {
    return key.startsWith("group:") ? null : { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: key, namespace: "" };
  },
};

type NameField = "plural" | "singular" | "kind" | "listKind" | "shortNames";

/** Which of `crd`'s names another CRD of its group already serves, as the naming controller reports them. */
function conflicts(crd: CustomResourceDefinition, others: CustomResourceDefinition[]): { reason: string; message: string } | null {
  const names = crd.spec.names;
  const taken = (field: NameField, value: string | undefined) =>
    !!value &&
    others.some((o) => {
      const a = o.status?.acceptedNames;
      if (!a) return false;
      const theirs = [a.plural, a.singular, ...(a.shortNames ?? [])];
      if (field === "kind" || field === "listKind") return value === a.kind || value === a.listKind;
      return theirs.includes(value);
    });
  if (taken("plural", names.plural)) return { reason: "PluralConflict", message: `"${names.plural}" is already in use` };
  if (taken("singular", names.singular)) return { reason: "SingularConflict", message: `"${names.singular}" is already in use` };
  for (const s of names.shortNames ?? []) if (taken("shortNames", s)) return { reason: "ShortNamesConflict", message: `"${s}" is already in use` };
  if (taken("kind", names.kind)) return { reason: "KindConflict", message: `"${names.kind}" is already in use` };
  if (taken("listKind", names.listKind)) return { reason: "ListKindConflict", message: `"${names.listKind}" is already in use` };
  return null;
}

function reconcileNames(crd: CustomResourceDefinition, ctx: ControllerContext) {
  const others = [...ctx.api.scanStored<CustomResourceDefinition>(CRD_STORAGE, null)].filter((o) => o.metadata.name !== crd.metadata.name && o.spec.group === crd.spec.group && !!o.status?.acceptedNames?.plural);
  const now = ctx.clock.now();
  const next = structuredClone(crd);
  const conflict = conflicts(crd, others);
  let changed = false;
  if (conflict) {
    changed = setCondition(next, { type: "NamesAccepted", status: "False", ...conflict }, now) || changed;
    if (conditionOf(crd, "Established")?.status !== "True") changed = setCondition(next, { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" }, now) || changed;
  } else {
    const accepted: CrdNames = { ...crd.spec.names };
    if (JSON.stringify(next.status?.acceptedNames) !== JSON.stringify(accepted)) {
      next.status = { ...(next.status ?? {}), acceptedNames: accepted };
      changed = true;
    }
    changed = setCondition(next, { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" }, now) || changed;
    changed = setCondition(next, { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" }, now) || changed;
  }
  const storageVersion = crd.spec.versions.find((v) => v.storage)?.name;
  const stored = next.status?.storedVersions ?? [];
  if (storageVersion && !stored.includes(storageVersion)) {
    next.status = { ...(next.status ?? {}), storedVersions: [...stored, storageVersion] };
    changed = true;
  }
  if (changed) write(ctx, next);
}

function cleanUp(crd: CustomResourceDefinition, ctx: ControllerContext) {
  if (!crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) return;
  const now = ctx.clock.now();
  const storage = customStorage(crd);
  const def = ctx.api.registry.storageKind(storage);
  let remaining = 0;
  if (def) {
    for (const row of [...ctx.store.scan(storage, null)]) {
      remaining++;
      if (row.body.includes('"deletionTimestamp"')) continue;
      try {
        ctx.api.delete(def, row.namespace, row.name, {});
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    remaining = ctx.store.countOf(storage, null);
  }
  const next = structuredClone(crd);
  if (remaining > 0) {
    if (setCondition(next, { type: "Terminating", status: "True", reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" }, now)) write(ctx, next);
    ctx.schedule(customResourceDefinitionController.name, crd.metadata.name!, now + CLEANUP_RECHECK_MS);
    return;
  }
  setCondition(next, { type: "Terminating", status: "False", reason: "InstanceDeletionCompleted", message: `removed all instances` }, now);
  next.metadata.finalizers = next.metadata.finalizers!.filter((f) => f !== CLEANUP_FINALIZER);
  // The status first (the object is then removed by the finalizer's removal).
  write(ctx, next);
  const latest = ctx.api.peek<CustomResourceDefinition>(CRD_STORAGE, "", crd.metadata.name!);
  if (latest?.metadata.finalizers?.includes(CLEANUP_FINALIZER))
    ctx.api.update(customResourceDefinitions, "", crd.metadata.name!, { ...latest, metadata: { ...latest.metadata, finalizers: latest.metadata.finalizers.filter((f) => f !== CLEANUP_FINALIZER) } }, { trusted: true });
}

function write(ctx: ControllerContext, crd: CustomResourceDefinition) {
  ctx.api.update(customResourceDefinitions, "", crd.metadata.name!, crd, { subresource: "status", trusted: true });
}
