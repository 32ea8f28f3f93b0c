// Image references as containerd reads them: [registry/]path[:tag][@digest], Docker Hub's
// library/ namespace for bare names, "latest" when no tag is given.
import { Memo } from "../machinery/memo";

export interface ImageRef {
  /** As written in the pod spec. */
  raw: string;
  /** Fully qualified: docker.io/library/nginx:latest. */
  full: string;
  /** The catalog key: "nginx" for official images, else registry/path or path. */
  repo: string;
  tag: string | null;
  digest: string | null;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;

/**
 * References already parsed, frozen: a cluster names a few images many times (every status of
 * every pod of a Deployment parses its containers' images), and the regular expressions were a
 * percent of a 1,000-pod Deployment.
 */
const parsed = new Memo((raw: string): Readonly<ImageRef> | null => {
  const ref = parse(raw);
  return ref && Object.freeze(ref);
}, 1024);

/** Parses a reference; null when it is not one (the kubelet's InvalidImageName). The answer is shared: read it, never change it. */
export function parseImageRef(raw: string): Readonly<ImageRef> | null {
  return parsed.get(raw);
}

function parse(raw: string): ImageRef | null {
  if (!raw || raw.length > 255 || raw !== raw.trim()) return null;
  let rest = raw;
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return null;
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return null;
  }
  const parts = rest.split("/");
  let domain = "docker.io";
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) return null;
  }
  if (!parts.length || parts.some((p) => !COMPONENT.test(p))) return null;
  if (domain === "docker.io" && parts.length === 1) parts.unshift("library");
  const path = parts.join("/");
  const repo = domain === "docker.io" ? (path.startsWith("library/") ? path.slice(8) : path) : `${domain}/${path}`;
  const full = `${domain}/${path}${tag || !digest ? `:${tag ?? "latest"}` : ""}${digest ? `@${digest}` : ""}`;
  return { raw, full, repo, tag: tag ?? (digest ? null : "latest"), digest };
}
