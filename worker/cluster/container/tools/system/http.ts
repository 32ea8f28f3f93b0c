// What wget, curl and nc share: finding the address a name has (the container's /etc/hosts,
// then DNS through its resolv.conf) and one exchange through the cluster's traffic function.
import type { HttpAnswer, HttpRequest, Outcome } from "../../../network/types";
import type { ToolContext } from "../../types";
import { isIPv4, readText } from "./common";

export type Resolved = { ok: true; ip: string } | { ok: false; timeout: boolean };

/** An address for a host: itself, /etc/hosts, then an A record through the search path. */
export function resolveName(ctx: ToolContext, host: string): Resolved {
  const h = host.replace(/^\[|\]$/g, "");
  if (isIPv4(h)) return { ok: true, ip: h };
  if (h === "localhost") return { ok: true, ip: "127.0.0.1" };
  for (const line of (readText(ctx, "/etc/hosts", true) ?? "").split("\n")) {
    const f = line.replace(/#.*/, "").trim().split(/\s+/);
    if (f.length > 1 && isIPv4(f[0]) && f.slice(1).includes(h)) return { ok: true, ip: f[0] };
  }
  const r = ctx.world.net.lookup(h, "A", { search: true });
  const a = r.answers.find((x) => x.type === "A");
  if (r.status === "NOERROR" && a) return { ok: true, ip: a.data };
  return { ok: false, timeout: r.status === "TIMEOUT" };
}

/** One request to an address (the name kept for Host). */
export function exchange(ctx: ToolContext, ip: string, port: number, req?: HttpRequest): Outcome {
  return ctx.world.net.connect(ip, port, req, "TCP");
}

/** Header names as servers send them ("content-type" -> "Content-Type", "etag" -> "ETag"). */
export function headerName(n: string): string {
  if (n.toLowerCase() === "etag") return "ETag";
  return n.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** The answer's headers in the order a server writes them (Server, Date first). */
export function headerLines(a: HttpAnswer): string[] {
  const keys = Object.keys(a.headers);
  const first = ["server", "date"].filter((k) => keys.includes(k));
  return [...first, ...keys.filter((k) => !first.includes(k))].map((k) => `${headerName(k)}: ${a.headers[k]}`);
}

export function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}
