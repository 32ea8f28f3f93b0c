// What the Pod Security checks read of a pod: the fields of a pod spec (or of a workload's pod
// template) that the baseline and restricted standards look at, as the wire JSON has them, and
// the helpers that word a check's finding the way k8s.io/pod-security-admission does.

export interface SeLinuxOptions {
  type?: string | null;
  user?: string | null;
  role?: string | null;
}

interface Profile {
  type?: string | null;
}

interface CommonSecurityContext {
  runAsNonRoot?: boolean | null;
  runAsUser?: number | null;
  seccompProfile?: Profile | null;
  appArmorProfile?: Profile | null;
  seLinuxOptions?: SeLinuxOptions | null;
  windowsOptions?: { hostProcess?: boolean | null } | null;
}

export interface SecurityContext extends CommonSecurityContext {
  privileged?: boolean | null;
  allowPrivilegeEscalation?: boolean | null;
  capabilities?: { add?: string[] | null; drop?: string[] | null } | null;
  procMount?: string | null;
}

export interface PodSecurityContext extends CommonSecurityContext {
  sysctls?: { name: string }[] | null;
}

interface HostHandler {
  httpGet?: { host?: string | null } | null;
  tcpSocket?: { host?: string | null } | null;
}

export interface Container {
  name: string;
  image?: string | null;
  ports?: { hostPort?: number | null }[] | null;
  securityContext?: SecurityContext | null;
  livenessProbe?: HostHandler | null;
  readinessProbe?: HostHandler | null;
  startupProbe?: HostHandler | null;
  lifecycle?: { postStart?: HostHandler | null; preStop?: HostHandler | null } | null;
}

/** A volume: its name and one source, named by its JSON key (hostPath, emptyDir, …). */
export type Volume = { name: string } & Record<string, unknown>;

export interface PodSpec {
  containers?: Container[] | null;
  initContainers?: Container[] | null;
  ephemeralContainers?: Container[] | null;
  volumes?: Volume[] | null;
  hostNetwork?: boolean | null;
  hostPID?: boolean | null;
  hostIPC?: boolean | null;
  hostUsers?: boolean | null;
  os?: { name?: string | null } | null;
  securityContext?: PodSecurityContext | null;
}

export interface PodMeta {
  name?: string;
  annotations?: Record<string, string> | null;
}

/** Init containers, then containers, then ephemeral containers: upstream's order in every message. */
export function* containersOf(spec: PodSpec): Generator<Container> {
  for (const c of spec.initContainers ?? []) yield c;
  for (const c of spec.containers ?? []) yield c;
  for (const c of spec.ephemeralContainers ?? []) yield c;
}

/** `"a", "b"` */
export function joinQuote(items: readonly string[]): string {
  return items.length ? `"${items.join('", "')}"` : "";
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** `container "a"` or `containers "a", "b"` */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

/** A set's members sorted as Go's sets.List does (byte order). */
export function sortedSet(s: Set<string>): string[] {
  return [...s].sort();
}

/** A pod in its own user namespace (hostUsers: false): 1.35's standards relax some checks for it. */
export function inUserNamespace(spec: PodSpec): boolean {
  return spec.hostUsers === false;
}

export function isWindows(spec: PodSpec): boolean {
  return spec.os?.name === "windows";
}

/** Go's %q for the values the checks quote (annotation values). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
