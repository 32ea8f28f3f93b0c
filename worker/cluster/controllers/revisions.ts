// Pod template identity and history for the workload controllers: comparing templates, the
// hash that names ReplicaSets and revisions, and the ControllerRevisions that StatefulSets and
// DaemonSets keep (one per template, the newest holding the highest revision number).
import { ApiError } from "../machinery/errors";
import type { KObject } from "../resources/define";
import { controllerRevisions, type ControllerRevision } from "../resources/controllerrevision";
import type { PodTemplateSpecT } from "../resources/types/core";
import type { ControllerContext } from "../loop/loop";
import { controllerOf, controllerRef } from "./podControl";

export const HASH_LABEL = "pod-template-hash";
export const REVISION_HASH_LABEL = "controller-revision-hash";

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) if ((v as Record<string, unknown>)[k] !== undefined) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** The template without the labels controllers add, in a canonical key order. */
function normalised(t: PodTemplateSpecT | undefined): unknown {
  const c = structuredClone(t ?? {}) as PodTemplateSpecT;
  if (c.metadata?.labels) {
    delete c.metadata.labels[HASH_LABEL];
    delete c.metadata.labels[REVISION_HASH_LABEL];
    if (!Object.keys(c.metadata.labels).length) delete c.metadata.labels;
  }
  return canonical(c);
}

export function sameTemplate(a: PodTemplateSpecT | undefined, b: PodTemplateSpecT | undefined): boolean {
  return JSON.stringify(normalised(a)) === JSON.stringify(normalised(b));
}

/** FNV-32a of the template (and collision count), spelled in the API's safe alphabet. */
export function templateHash(t: PodTemplateSpecT | undefined, collisionCount = 0): string {
  const text = JSON.stringify(normalised(t)) + (collisionCount ? String(collisionCount) : "");
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return [...String(h)].map((ch) => alphabet[ch.charCodeAt(0) % alphabet.length]).join("");
}

export function templateOfRevision(r: ControllerRevision): PodTemplateSpecT | undefined {
  const t = (r.data as { spec?: { template?: PodTemplateSpecT & { $patch?: string } } } | undefined)?.spec?.template;
  if (!t) return undefined;
  const { $patch: _, ...template } = t;
  return template;
}

export interface Revisions {
  /** The revision of the owner's current template. */
  update: ControllerRevision;
  all: ControllerRevision[];
}

/**
 * Finds or makes the ControllerRevision of `template` for `owner`. A template that comes back
 * (a rollback) takes the next revision number rather than a new object.
 */
export function syncRevision(ctx: ControllerContext, owner: KObject, template: PodTemplateSpecT, collisionCount = 0): Revisions {
  const ns = owner.metadata.namespace!;
  const all: ControllerRevision[] = [];
  for (const r of ctx.api.scanStored<ControllerRevision>("apps/controllerrevisions", ns)) if (controllerOf(r)?.uid === owner.metadata.uid) all.push(r);
  const max = Math.max(0, ...all.map((r) => r.revision ?? 0));
  const same = all.filter((r) => sameTemplate(templateOfRevision(r), template)).sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
  if (same) {
    if ((same.revision ?? 0) < max) {
      const bumped = ctx.api.update(controllerRevisions, ns, same.metadata.name!, { ...same, revision: max + 1 }, { trusted: true }).object as ControllerRevision;
      all.splice(all.indexOf(same), 1, bumped);
      return { update: bumped, all };
    }
    return { update: same, all };
  }
  const hash = templateHash(template, collisionCount);
  const labels = { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash };
  // The owner's annotations travel with the revision, as the DaemonSet and StatefulSet controllers
  // copy them: `rollout history` reads kubernetes.io/change-cause from here.
  const annotations = owner.metadata.annotations && Object.keys(owner.metadata.annotations).length ? { ...owner.metadata.annotations } : undefined;
  try {
    const made = ctx.api.create(controllerRevisions, ns, {
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: { name: `${owner.metadata.name}-${hash}`, labels, ...(annotations ? { annotations } : {}), ownerReferences: [controllerRef(owner)] },
      data: { spec: { template: { ...structuredClone(template), $patch: "replace" } } },
      revision: max + 1,
    }, { trusted: true }).object as ControllerRevision;
    all.push(made);
    return { update: made, all };
  } catch (e) {
    // a revision of that name holding another template: a hash collision, named again one higher
    if (e instanceof ApiError && e.code === 409 && collisionCount < 10) return syncRevision(ctx, owner, template, collisionCount + 1);
    throw e;
  }
}

/** Deletes the oldest revisions beyond `limit` that no pod is at (`live` holds revision names). */
export function pruneRevisions(ctx: ControllerContext, all: ControllerRevision[], live: Set<string>, limit: number): void {
  const idle = all.filter((r) => !live.has(r.metadata.name!)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
    try {
      ctx.api.delete(controllerRevisions, r.metadata.namespace!, r.metadata.name!, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
