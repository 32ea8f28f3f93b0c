// The baseline Pod Security Standard's checks (k8s.io/pod-security-admission/policy), with their
// words. Each looks at one aspect of a pod spec; a restricted check may replace one of them.
import { ALLOWED, forbidden, type Check, type CheckFn } from "./check";
import { containersOf, containersPhrase, goQuote, inUserNamespace, joinQuote, pluralize, sortedSet, type Container, type PodSpec, type SeLinuxOptions } from "./podSpec";

const windowsHostProcess: CheckFn = (_meta, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push("pod");
  const bad = [...containersOf(spec)].filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length ? forbidden("hostProcess", `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`) : ALLOWED;
};

const hostNamespaces: CheckFn = (_meta, spec) => {
  const on = [spec.hostNetwork && "hostNetwork=true", spec.hostPID && "hostPID=true", spec.hostIPC && "hostIPC=true"].filter((x): x is string => !!x);
  return on.length ? forbidden("host namespaces", on.join(", ")) : ALLOWED;
};

const privileged: CheckFn = (_meta, spec) => {
  const bad = [...containersOf(spec)].filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
  return bad.length ? forbidden("privileged", `${containersPhrase(bad)} must not set securityContext.privileged=true`) : ALLOWED;
};

/** The capabilities a container runtime grants by default, which baseline lets a container add. */
const DEFAULT_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);

export const CAPABILITIES_BASELINE = "capabilities_baseline";
const capabilitiesBaseline: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const extra = new Set<string>();
  for (const c of containersOf(spec)) {
    const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !DEFAULT_CAPABILITIES.has(cap));
    if (!added.length) continue;
    bad.push(c.name);
    for (const cap of added) extra.add(cap);
  }
  return bad.length ? forbidden("non-default capabilities", `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(extra))} in securityContext.capabilities.add`) : ALLOWED;
};

export const HOST_PATH_VOLUMES = "hostPathVolumes";
const hostPathVolumes: CheckFn = (_meta, spec) => {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => v.name);
  return bad.length ? forbidden("hostPath volumes", `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)}`) : ALLOWED;
};

const hostPorts: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  for (const c of containersOf(spec)) {
    const used = (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0);
    if (!used.length) continue;
    bad.push(c.name);
    for (const p of used) ports.add(String(p.hostPort));
  }
  if (!bad.length) return ALLOWED;
  const list = sortedSet(ports);
  return forbidden("hostPort", `${containersPhrase(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("hostPort", "hostPorts", list.length)} ${list.join(", ")}`);
};

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const appArmorTypeAllowed = (t: string | null | undefined) => t === "RuntimeDefault" || t === "Localhost";
const appArmorAnnotationAllowed = (v: string) => v === "" || v === "runtime/default" || v.startsWith("localhost/");

const appArmorProfile: CheckFn = (meta, spec) => {
  const setters: string[] = [];
  const values = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !appArmorTypeAllowed(podProfile.type)) {
    setters.push("pod");
    values.add(podProfile.type ?? "");
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    const p = c.securityContext?.appArmorProfile;
    if (p && !appArmorTypeAllowed(p.type)) {
      bad.push(c.name);
      values.add(p.type ?? "");
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  const annotations = Object.entries(meta.annotations ?? {})
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && !appArmorAnnotationAllowed(v))
    .map(([k, v]) => `${k}=${goQuote(v)}`)
    .sort();
  const all = [...sortedSet(values), ...annotations];
  if (annotations.length) setters.push(pluralize("annotation", "annotations", annotations.length));
  if (!setters.length) return ALLOWED;
  return forbidden(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", all.length), `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(all)}`);
};

function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckFn {
  return (_meta, spec) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: SeLinuxOptions) => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? "")) {
        ok = false;
        badTypes.add(o.type ?? "");
      }
      if (o.user) (ok = false), (setUser = true);
      if (o.role) (ok = false), (setRole = true);
      return ok;
    };
    const setters: string[] = [];
    const podOptions = spec.securityContext?.seLinuxOptions;
    if (podOptions && !valid(podOptions)) setters.push("pod");
    const bad = [...containersOf(spec)].filter((c) => c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions)).map((c) => c.name);
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize("type", "types", badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
    if (setUser) data.push("user may not be set");
    if (setRole) data.push("role may not be set");
    return forbidden("seLinuxOptions", `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`);
  };
}
const SELINUX_TYPES_1_0 = new Set(["", "container_t", "container_init_t", "container_kvm_t"]);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, "container_engine_t"]);

export const PROC_MOUNT = "procMount";
export const procMountUnmasked: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of containersOf(spec)) {
    const m = c.securityContext?.procMount;
    if (m == null || m === "Default") continue;
    bad.push(c.name);
    types.add(m);
  }
  return bad.length ? forbidden("procMount", `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`) : ALLOWED;
};
const procMountRelaxed: CheckFn = (meta, spec) => (inUserNamespace(spec) ? ALLOWED : procMountUnmasked(meta, spec));

export const SECCOMP_BASELINE = "seccompProfile_baseline";
export const seccompTypeAllowed = (t: string | null | undefined) => t === "Localhost" || t === "RuntimeDefault";
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/";
const seccompAnnotationAllowed = (v: string) => v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");

/** Before 1.19 seccomp was set by alpha annotations. */
const seccompBaseline_1_0: CheckFn = (meta, spec) => {
  const bad = new Set<string>();
  const annotations = meta.annotations ?? {};
  const look = (key: string) => {
    const v = annotations[key];
    if (v !== undefined && !seccompAnnotationAllowed(v)) bad.add(`${key}=${goQuote(v)}`);
  };
  look(SECCOMP_POD_ANNOTATION);
  for (const c of containersOf(spec)) look(SECCOMP_CONTAINER_ANNOTATION + c.name);
  return bad.size ? forbidden("seccompProfile", `forbidden ${pluralize("annotation", "annotations", bad.size)} ${sortedSet(bad).join(", ")}`) : ALLOWED;
};

/** Who explicitly sets a seccomp profile type other than RuntimeDefault or Localhost, and which. */
export function badSeccompSetters(spec: PodSpec): { setters: string[]; values: Set<string>; unset: Container[] } {
  const setters: string[] = [];
  const values = new Set<string>();
  const pod = spec.securityContext?.seccompProfile;
  if (pod && !seccompTypeAllowed(pod.type)) {
    setters.push("pod");
    values.add(pod.type ?? "");
  }
  const bad: string[] = [];
  const unset: Container[] = [];
  for (const c of containersOf(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (!p) unset.push(c);
    else if (!seccompTypeAllowed(p.type)) {
      bad.push(c.name);
      values.add(p.type ?? "");
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  return { setters, values, unset };
}

const seccompBaseline_1_19: CheckFn = (_meta, spec) => {
  const { setters, values } = badSeccompSetters(spec);
  return setters.length ? forbidden("seccompProfile", `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`) : ALLOWED;
};

const SYSCTLS_1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

function sysctls(allowedList: readonly string[]): CheckFn {
  const allowed = new Set(allowedList);
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowed.has(n));
    return bad.length ? forbidden("forbidden sysctls", bad.join(", ")) : ALLOWED;
  };
}

function forbiddenHosts(h: { httpGet?: { host?: string | null } | null; tcpSocket?: { host?: string | null } | null } | null | undefined): string[] {
  if (!h) return [];
  return [h.httpGet?.host, h.tcpSocket?.host].filter((x): x is string => !!x);
}

const hostProbesAndHostLifecycle: CheckFn = (_meta, spec) => {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  for (const c of containersOf(spec)) {
    for (const h of [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop]) {
      const found = forbiddenHosts(h);
      if (!found.length) continue;
      bad.add(c.name);
      for (const x of found) hosts.add(x);
    }
  }
  if (!bad.size) return ALLOWED;
  return forbidden(
    "probe or lifecycle host",
    `${containersPhrase(sortedSet(bad))} ${pluralize("uses", "use", bad.size)} ${pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.size)} ${joinQuote(sortedSet(hosts))}`,
  );
};

export const BASELINE_CHECKS: readonly Check[] = [
  { id: "windowsHostProcess", level: "baseline", versions: [{ since: 0, check: windowsHostProcess }] },
  { id: "hostNamespaces", level: "baseline", versions: [{ since: 0, check: hostNamespaces }] },
  { id: "privileged", level: "baseline", versions: [{ since: 0, check: privileged }] },
  { id: CAPABILITIES_BASELINE, level: "baseline", versions: [{ since: 0, check: capabilitiesBaseline }] },
  { id: HOST_PATH_VOLUMES, level: "baseline", versions: [{ since: 0, check: hostPathVolumes }] },
  { id: "hostPorts", level: "baseline", versions: [{ since: 0, check: hostPorts }] },
  { id: "appArmorProfile", level: "baseline", versions: [{ since: 0, check: appArmorProfile }] },
  {
    id: "seLinuxOptions",
    level: "baseline",
    versions: [
      { since: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) },
      { since: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: PROC_MOUNT,
    level: "baseline",
    versions: [
      { since: 0, check: procMountUnmasked },
      { since: 35, check: procMountRelaxed },
    ],
  },
  {
    id: SECCOMP_BASELINE,
    level: "baseline",
    versions: [
      { since: 0, check: seccompBaseline_1_0 },
      { since: 19, check: seccompBaseline_1_19 },
    ],
  },
  {
    id: "sysctls",
    level: "baseline",
    versions: [
      { since: 0, check: sysctls(SYSCTLS_1_0) },
      { since: 27, check: sysctls(SYSCTLS_1_27) },
      { since: 29, check: sysctls(SYSCTLS_1_29) },
      { since: 32, check: sysctls(SYSCTLS_1_32) },
      { since: 37, check: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: "hostProbesAndHostLifecycle", level: "baseline", versions: [{ since: 34, check: hostProbesAndHostLifecycle }] },
];
