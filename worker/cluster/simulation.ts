// How a cluster's simulation behaves, set per cluster (PATCH /v1/clusters/{name}
// {"simulation": {...}}): the timing profile and any images the user declares.
//   realistic: pulls, starts and kills take about as long as on a real kind cluster.
//   instant:   every delay the simulation adds is zero (tests, benchmarks); Kubernetes' own
//              timers (back-offs, grace periods, the node monitor's 40 s) still apply.
import { z } from "zod";
import { catalogImage, fromUserImage, hasTag, UserImageSchema, type ImageBehaviour } from "./node/images";
import { parseImageRef, type ImageRef } from "./node/imageRef";

export const PROFILES = ["realistic", "instant"] as const;
export type Profile = (typeof PROFILES)[number];

export const MAX_USER_IMAGES = 100;

/** Ingress controllers the simulation can install. */
export const INGRESS_ADDONS = ["nginx"] as const;
export type IngressAddon = (typeof INGRESS_ADDONS)[number];

export const SimulationPatchSchema = z
  .object({
    profile: z.enum(PROFILES).optional(),
    images: z.record(z.string().min(1).max(255), UserImageSchema.nullable()).optional(),
    /** A load-balancer provider (as cloud-provider-kind): LoadBalancer Services get an address. */
    loadBalancer: z.boolean().optional(),
    /** An ingress controller installed as kind's ingress guide installs it ("nginx": ingress-nginx's kind manifest); null removes it. */
    ingress: z.enum(INGRESS_ADDONS).nullable().optional(),
  })
  .strict();
export type SimulationPatch = z.infer<typeof SimulationPatchSchema>;

export interface SimulationSettings {
  profile: Profile;
  images: Record<string, z.infer<typeof UserImageSchema>>;
  loadBalancer?: boolean;
  /** The ingress controller the setting installed, if any. */
  ingress?: IngressAddon | null;
}

export const DEFAULT_SIMULATION: SimulationSettings = { profile: "realistic", images: {} };

export interface Timing {
  pullMs(image: ImageBehaviour): number;
  /** A pull of an image that does not exist fails after this long. */
  pullFailMs: number;
  /** Create + start of a container. */
  createMs: number;
  startMs(image: ImageBehaviour): number;
  /** A process that handles SIGTERM exits after this long. */
  termMs: number;
}

export function timingOf(profile: Profile): Timing {
  if (profile === "instant") return { pullMs: () => 0, pullFailMs: 0, createMs: 0, startMs: () => 0, termMs: 0 };
  return { pullMs: (i) => i.pullMs, pullFailMs: 800, createMs: 150, startMs: (i) => i.startMs, termMs: 200 };
}

/** The image a reference names, or null when no such image (or tag) exists. */
export function lookupImage(ref: ImageRef, settings: SimulationSettings): ImageBehaviour | null {
  const user = settings.images[ref.repo] ?? settings.images[ref.full];
  const behaviour = user ? fromUserImage(user) : catalogImage(ref.repo);
  if (!behaviour) return null;
  if (ref.digest || ref.tag === null || ref.tag === "latest") return behaviour;
  return hasTag(behaviour, ref.tag) ? behaviour : null;
}

export function applySimulationPatch(current: SimulationSettings, patch: SimulationPatch): SimulationSettings | string {
  const next: SimulationSettings = { ...current, profile: patch.profile ?? current.profile, images: { ...current.images } };
  if (patch.loadBalancer !== undefined) next.loadBalancer = patch.loadBalancer;
  if (patch.ingress !== undefined) next.ingress = patch.ingress;
  for (const [name, img] of Object.entries(patch.images ?? {})) {
    if (img === null) delete next.images[name];
    else {
      // A declared image is found by the reference a pod names: a name no pod could name is a mistake.
      const bad = imageNameProblem(name);
      if (bad) return `simulation.images: ${JSON.stringify(name)} is not a valid image reference: ${bad}`;
      next.images[name] = img;
    }
  }
  if (Object.keys(next.images).length > MAX_USER_IMAGES) return `at most ${MAX_USER_IMAGES} images may be declared per cluster`;
  return next;
}

/** Why a declared image's name is not an image reference, in the container runtime's words; null if it is one. */
function imageNameProblem(name: string): string | null {
  if (parseImageRef(name)) return null;
  const path = name.split("@")[0].replace(/:[\w][\w.-]*$/, "");
  if (path !== path.toLowerCase() && parseImageRef(name.toLowerCase())) return "invalid reference format: repository name must be lowercase";
  return "invalid reference format";
}
