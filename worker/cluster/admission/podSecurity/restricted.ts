// The restricted Pod Security Standard's own checks (k8s.io/pod-security-admission/policy), with
// their words. Restricted is baseline plus these; some replace a baseline check (`overrides`).
import { badSeccompSetters, CAPABILITIES_BASELINE, HOST_PATH_VOLUMES, PROC_MOUNT, procMountUnmasked, SECCOMP_BASELINE } from "./baseline";
import { ALLOWED, forbidden, type Check, type CheckFn } from "./check";
import { containersOf, containersPhrase, inUserNamespace, isWindows, joinQuote, pluralize, sortedSet } from "./podSpec";

/** Windows pods may not set these Linux fields at all (API validation), so from 1.25 they are let through. */
const exceptWindows =
  (check: CheckFn): CheckFn =>
  (meta, spec) =>
    isWindows(spec) ? ALLOWED : check(meta, spec);

/** From 1.35 a pod in its own user namespace is not root on the host, whatever its user. */
const exceptUserNamespace =
  (check: CheckFn): CheckFn =>
  (meta, spec) =>
    inUserNamespace(spec) ? ALLOWED : check(meta, spec);

/** The volume sources restricted allows: none reaches the host. */
const ALLOWED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
/** The sources upstream names; any other is "unknown". */
const NAMED_VOLUMES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

const restrictedVolumes: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const has = (k: string) => v[k] != null;
    // A volume with no source at all is an emptyDir once defaulted.
    if (ALLOWED_VOLUMES.some(has) || !Object.keys(v).some((k) => k !== "name" && v[k] != null)) continue;
    bad.push(v.name);
    types.add(NAMED_VOLUMES.find(has) ?? "unknown");
  }
  if (!bad.length) return ALLOWED;
  const list = sortedSet(types);
  return forbidden(
    "restricted volume types",
    `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("restricted volume type", "restricted volume types", list.length)} ${joinQuote(list)}`,
  );
};

const allowPrivilegeEscalation: CheckFn = (_meta, spec) => {
  const bad = [...containersOf(spec)].filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
  return bad.length ? forbidden("allowPrivilegeEscalation != false", `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`) : ALLOWED;
};

const runAsNonRoot: CheckFn = (_meta, spec) => {
  const setters: string[] = [];
  const pod = spec.securityContext?.runAsNonRoot;
  if (pod === false) setters.push("pod");
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v != null) {
      if (!v) explicit.push(c.name);
    } else if (pod !== true) implicit.push(c.name);
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length) return forbidden("runAsNonRoot != true", `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length) return forbidden("runAsNonRoot != true", `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
};

const runAsUser: CheckFn = (_meta, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push("pod");
  const bad = [...containersOf(spec)].filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length ? forbidden("runAsUser=0", `${setters.join(" and ")} must not set runAsUser=0`) : ALLOWED;
};

const seccompProfileRestricted: CheckFn = (_meta, spec) => {
  const { setters, values, unset } = badSeccompSetters(spec);
  if (setters.length) return forbidden("seccompProfile", `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`);
  // A container without its own profile takes the pod's, when the pod sets an allowed one.
  const podSet = spec.securityContext?.seccompProfile != null;
  const implicit = podSet ? [] : unset.map((c) => c.name);
  if (implicit.length) return forbidden("seccompProfile", `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  return ALLOWED;
};

const capabilitiesRestricted: CheckFn = (_meta, spec) => {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  for (const c of containersOf(spec)) {
    const k = c.securityContext?.capabilities;
    if (!k) {
      missingDropAll.push(c.name);
      continue;
    }
    if (!(k.drop ?? []).includes("ALL")) missingDropAll.push(c.name);
    const extra = (k.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (extra.length) {
      adding.push(c.name);
      for (const cap of extra) caps.add(cap);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`);
  return details.length ? forbidden("unrestricted capabilities", details.join("; ")) : ALLOWED;
};

export const RESTRICTED_CHECKS: readonly Check[] = [
  { id: "restrictedVolumes", level: "restricted", versions: [{ since: 0, check: restrictedVolumes, overrides: [HOST_PATH_VOLUMES] }] },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [
      { since: 8, check: allowPrivilegeEscalation },
      { since: 25, check: exceptWindows(allowPrivilegeEscalation) },
    ],
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    versions: [
      { since: 0, check: runAsNonRoot },
      { since: 35, check: exceptUserNamespace(runAsNonRoot) },
    ],
  },
  {
    id: "runAsUser",
    level: "restricted",
    versions: [
      { since: 23, check: runAsUser },
      { since: 35, check: exceptUserNamespace(runAsUser) },
    ],
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { since: 19, check: seccompProfileRestricted, overrides: [SECCOMP_BASELINE] },
      { since: 25, check: exceptWindows(seccompProfileRestricted), overrides: [SECCOMP_BASELINE] },
    ],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { since: 22, check: capabilitiesRestricted, overrides: [CAPABILITIES_BASELINE] },
      { since: 25, check: exceptWindows(capabilitiesRestricted), overrides: [CAPABILITIES_BASELINE] },
    ],
  },
  // Until 1.35 baseline's procMount check was this one; from then baseline relaxes it for user namespaces and restricted keeps it.
  { id: "procMount_restricted", level: "restricted", versions: [{ since: 35, check: procMountUnmasked, overrides: [PROC_MOUNT] }] },
];
