// Name lookups as the image's tools make them: busybox's nslookup (its own resolver: every search
// domain, A then AAAA, each answer printed), bind's nslookup/dig/host on GNU images, getent.
import type { DnsRecord, DnsResult, RecordType } from "../../../network/dns";
import type { Tool, ToolContext, ToolRun } from "../../types";
import { err, isIPv4, name, padR, readText, say, two } from "./common";

const TYPES = new Set<string>(["A", "AAAA", "CNAME", "SRV", "PTR", "TXT", "NS", "SOA", "MX", "ANY"]);
/** How long a resolver waits for a server that never answers (busybox nslookup: 5 s; bind: 5 s x 3 tries for dig). */
const NO_SERVER_MS = 5000;

interface Resolv {
  nameservers: string[];
  search: string[];
  ndots: number;
}

export function resolvOf(ctx: ToolContext): Resolv {
  const out: Resolv = { nameservers: [], search: [], ndots: 1 };
  for (const line of ctx.world.net.resolvConf().split("\n")) {
    const [k, ...rest] = line.trim().split(/\s+/);
    if (k === "nameserver" && rest[0]) out.nameservers.push(rest[0]);
    else if (k === "search" || k === "domain") out.search = rest;
    else if (k === "options") for (const o of rest) if (o.startsWith("ndots:")) out.ndots = Number(o.slice(6)) || 0;
  }
  return out;
}

export function reverseName(ip: string): string {
  return ip.split(".").reverse().join(".") + ".in-addr.arpa";
}

function lookup(ctx: ToolContext, qname: string, type: RecordType, server?: string): DnsResult {
  return ctx.world.net.lookup(qname.endsWith(".") ? qname : qname + ".", type, { search: false, ...(server ? { server } : {}) });
}

/** The name without its trailing dot, as nslookup prints owners. */
function bare(n: string): string {
  return n.replace(/\.$/, "");
}

// ---------------------------------------------------------------------------------------------
// nslookup

function* busyboxNslookup(ctx: ToolContext, args: string[]): Generator<{ sleep: number }, number, void> {
  let types: RecordType[] = [];
  const rest: string[] = [];
  for (const a of args) {
    if (a.startsWith("-") && rest.length === 0) {
      const [k, v] = a.slice(1).split("=");
      if (k === "type" || k === "querytype" || k === "q" || k === "query") {
        const t = (v ?? "").toUpperCase();
        if (!TYPES.has(t)) {
          err(ctx, `nslookup: invalid query type "${v ?? ""}"`);
          return 1;
        }
        types.push(t as RecordType);
      } else if (!["debug", "port", "retry", "t", "timeout"].includes(k)) return usage(ctx);
    } else rest.push(a);
  }
  if (!rest.length || rest.length > 2) return usage(ctx);
  const host = rest[0];
  const conf = resolvOf(ctx);
  const server = rest[1] ?? conf.nameservers[0] ?? "127.0.0.1";
  // busybox's own query list: a PTR for an address, else each type for each search domain (only for a name without dots).
  const queries: { name: string; type: RecordType }[] = [];
  if (isIPv4(host)) queries.push({ name: reverseName(host), type: "PTR" });
  else {
    if (!types.length) types = ["A", "AAAA"];
    for (const t of types) {
      if (host.includes(".") || !conf.search.length || t === "PTR") queries.push({ name: host, type: t });
      else for (const d of conf.search) queries.push({ name: `${host}.${d}`, type: t });
    }
  }
  const results = queries.map((q) => ({ q, r: lookup(ctx, q.name, q.type, rest[1] ? server : undefined) }));
  if (results.every((x) => x.r.status === "TIMEOUT")) {
    yield { sleep: NO_SERVER_MS };
    say(ctx, ";; connection timed out; no servers could be reached\n\n");
    return 1;
  }
  let out = `Server:\t\t${server}\nAddress:\t${server}:53\n\n`;
  let code = 0;
  for (const { q, r } of results) {
    if (r.status === "TIMEOUT") continue;
    if (r.status !== "NOERROR") {
      out += `** server can't find ${q.name}: ${r.status}\n`;
      code = 1;
    } else {
      // Answers from outside the cluster zone come through CoreDNS's forward plugin: not authoritative.
      if (r.answers.length && !r.answers[0].name.endsWith("cluster.local.") && !r.answers[0].name.endsWith(".in-addr.arpa.")) out += "Non-authoritative answer:\n";
      for (const a of r.answers) out += nslookupRecord(a);
    }
    out += "\n";
  }
  say(ctx, out);
  return code;
}

function nslookupRecord(a: DnsRecord): string {
  switch (a.type) {
    case "A":
    case "AAAA":
      return `Name:\t${bare(a.name)}\nAddress: ${a.data}\n`;
    case "PTR":
      return `${bare(a.name)}\tname = ${a.data}\n`;
    case "CNAME":
      return `${bare(a.name)}\tcanonical name = ${a.data}\n`;
    case "SRV":
      return `${bare(a.name)}\tservice = ${a.data}\n`;
    case "TXT":
      return `${bare(a.name)}\ttext = ${a.data}\n`;
    case "NS":
      return `${bare(a.name)}\tnameserver = ${a.data}\n`;
    case "SOA": {
      const [origin, mail, serial, refresh, retry, expire, minimum] = a.data.split(" ");
      return `${bare(a.name)}\n\torigin = ${origin}\n\tmail addr = ${mail}\n\tserial = ${serial}\n\trefresh = ${refresh}\n\tretry = ${retry}\n\texpire = ${expire}\n\tminimum = ${minimum}\n`;
    }
  }
}

function usage(ctx: ToolContext): number {
  err(ctx, "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n\nQUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,any,srv,ptr");
  return 1;
}

/** busybox 1.28 and older: nslookup through getaddrinfo, with reverse names beside the addresses. */
function* oldBusyboxNslookup(ctx: ToolContext, args: string[]): Generator<{ sleep: number }, number, void> {
  const rest = args.filter((a) => !a.startsWith("-"));
  if (!rest.length) return usage(ctx);
  const conf = resolvOf(ctx);
  const server = rest[1] ?? conf.nameservers[0] ?? "127.0.0.1";
  const ptr = (ip: string) => {
    const r = lookup(ctx, reverseName(ip), "PTR", rest[1]);
    return r.status === "NOERROR" && r.answers[0] ? " " + bare(r.answers[0].data) : "";
  };
  const r = ctx.world.net.lookup(rest[0], "A", { search: true, ...(rest[1] ? { server: rest[1] } : {}) });
  if (r.status === "TIMEOUT") {
    yield { sleep: NO_SERVER_MS };
    err(ctx, `nslookup: can't resolve '${rest[0]}'`);
    return 1;
  }
  let out = `Server:    ${server}\nAddress 1: ${server}${ptr(server)}\n\n`;
  if (r.status !== "NOERROR" || !r.answers.some((a) => a.type === "A")) {
    say(ctx, out);
    err(ctx, `nslookup: can't resolve '${rest[0]}'`);
    return 1;
  }
  out += `Name:      ${rest[0]}\n`;
  r.answers
    .filter((a) => a.type === "A")
    .forEach((a, i) => {
      out += `Address ${i + 1}: ${a.data}${ptr(a.data)}\n`;
    });
  say(ctx, out);
  return 0;
}

/** bind's nslookup: the resolver's search path, the first name that answers. */
function* bindNslookup(ctx: ToolContext, args: string[]): Generator<{ sleep: number }, number, void> {
  let type: RecordType = "A";
  const rest: string[] = [];
  for (const a of args) {
    if (a.startsWith("-")) {
      const [k, v] = a.slice(1).split("=");
      if (["type", "querytype", "q", "query", "ty"].includes(k) && v && TYPES.has(v.toUpperCase())) type = v.toUpperCase() as RecordType;
    } else rest.push(a);
  }
  if (!rest.length) {
    err(ctx, "nslookup: interactive mode is not supported here; give a name to look up");
    return 1;
  }
  const conf = resolvOf(ctx);
  const server = rest[1] ?? conf.nameservers[0] ?? "127.0.0.1";
  const host = rest[0];
  const r = isIPv4(host) ? lookup(ctx, reverseName(host), "PTR", rest[1]) : ctx.world.net.lookup(host, type, { search: true, ...(rest[1] ? { server: rest[1] } : {}) });
  if (r.status === "TIMEOUT") {
    yield { sleep: NO_SERVER_MS * 3 };
    say(ctx, ";; connection timed out; no servers could be reached\n\n");
    return 1;
  }
  let out = `Server:\t\t${server}\nAddress:\t${server}#53\n\n`;
  if (r.status !== "NOERROR") {
    out += `** server can't find ${host}: ${r.status}\n\n`;
    say(ctx, out);
    return 1;
  }
  if (!r.answers.length) {
    out += `*** Can't find ${host}: No answer\n\n`;
    say(ctx, out);
    return 0;
  }
  if (!r.answers[0].name.endsWith("cluster.local.") && !r.answers[0].name.endsWith(".in-addr.arpa.")) out += "Non-authoritative answer:\n";
  for (const a of r.answers) out += a.type === "PTR" ? `${reverseName(host)}\tname = ${a.data}\n` : nslookupRecord(a);
  say(ctx, out + "\n");
  return 0;
}

function busyboxTag(ctx: ToolContext): [number, number] | null {
  const m = /(?:^|\/)busybox(?::(\d+)\.(\d+))?/.exec(ctx.world.imageName);
  return m && m[1] ? [Number(m[1]), Number(m[2])] : null;
}

export const nslookup: Tool = {
  names: ["nslookup"],
  run(ctx): ToolRun {
    const args = ctx.argv.slice(1);
    if (ctx.flavour === "gnu") return bindNslookup(ctx, args);
    const tag = busyboxTag(ctx);
    // busybox's nslookup was rewritten after 1.28 (the version the Kubernetes docs pin for DNS debugging).
    if (tag && (tag[0] < 1 || (tag[0] === 1 && tag[1] <= 28))) return oldBusyboxNslookup(ctx, args);
    return busyboxNslookup(ctx, args);
  },
};

// ---------------------------------------------------------------------------------------------
// dig

/** BIND's text columns: each field starts at its tab stop (tabs of 8), or after one space when past it. */
function tabbed(fields: string[], stops: number[]): string {
  let out = "";
  let col = 0;
  fields.forEach((f, i) => {
    if (i > 0) {
      const target = stops[i];
      if (col < target) {
        while (col < target) {
          out += "\t";
          col = (Math.floor(col / 8) + 1) * 8;
        }
      } else {
        out += " ";
        col++;
      }
    }
    out += f;
    col += f.length;
  });
  return out;
}

function rr(a: DnsRecord): string {
  return tabbed([a.name, String(a.ttl), "IN", a.type, a.data], [0, 24, 32, 40, 48]);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function when(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

const DIG_VERSION = "9.18.33-1~deb12u2-Debian";

export const dig: Tool = {
  names: ["dig"],
  *run(ctx) {
    let server: string | undefined;
    let type: RecordType | undefined;
    let short = false;
    let search = false;
    let reverse: string | undefined;
    let qname: string | undefined;
    const args = ctx.argv.slice(1);
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a.startsWith("@")) server = a.slice(1);
      else if (a === "+short") short = true;
      else if (a === "+search") search = true;
      else if (a === "+nosearch") search = false;
      else if (a.startsWith("+")) continue;
      else if (a === "-x") reverse = args[++i];
      else if (a === "-t") type = (args[++i] ?? "A").toUpperCase() as RecordType;
      else if (a.startsWith("-")) continue;
      else if (TYPES.has(a.toUpperCase()) && qname !== undefined) type = a.toUpperCase() as RecordType;
      else if (a.toUpperCase() === "IN") continue;
      else if (qname === undefined) qname = a;
      else if (TYPES.has(a.toUpperCase())) type = a.toUpperCase() as RecordType;
    }
    if (reverse) {
      if (!isIPv4(reverse)) {
        err(ctx, `dig: '${reverse}' is not a valid IP address`);
        return 10;
      }
      qname = reverseName(reverse) + ".";
      type = "PTR";
    }
    // dig without a name asks for the root's name servers.
    const q = qname ?? ".";
    const t: RecordType = type ?? (qname ? "A" : "NS");
    const conf = resolvOf(ctx);
    const srv = server ?? conf.nameservers[0] ?? "127.0.0.1";
    const r = search && !q.endsWith(".") ? ctx.world.net.lookup(q, t, { search: true, ...(server ? { server } : {}) }) : lookup(ctx, q, t, server);
    if (r.status === "TIMEOUT") {
      yield { sleep: NO_SERVER_MS * 3 };
      say(ctx, short ? `;; communications error to ${srv}#53: timed out\n;; communications error to ${srv}#53: timed out\n;; communications error to ${srv}#53: timed out\n; <<>> DiG ${DIG_VERSION} <<>> ${args.join(" ")}\n;; global options: +cmd\n;; no servers could be reached\n` : `;; communications error to ${srv}#53: timed out\n;; communications error to ${srv}#53: timed out\n;; communications error to ${srv}#53: timed out\n\n; <<>> DiG ${DIG_VERSION} <<>> ${args.join(" ")}\n;; global options: +cmd\n;; no servers could be reached\n`);
      return 9;
    }
    if (short) {
      say(ctx, r.answers.map((a) => a.data + "\n").join(""));
      return 0;
    }
    const asked = r.answered ?? (q.endsWith(".") ? q : q + ".");
    const cluster = asked.endsWith("cluster.local.") || asked.endsWith(".in-addr.arpa.");
    const authority: DnsRecord[] = r.status !== "SERVFAIL" && !r.answers.length && cluster ? [{ name: "cluster.local.", type: "SOA", ttl: 30, data: `ns.dns.cluster.local. hostmaster.cluster.local. ${Math.floor(ctx.now() / 1000)} 7200 1800 86400 30` }] : [];
    const id = (Math.floor(ctx.now() / 7) % 65536) | 0;
    let out = `\n; <<>> DiG ${DIG_VERSION} <<>> ${args.join(" ")}\n;; global options: +cmd\n;; Got answer:\n`;
    out += `;; ->>HEADER<<- opcode: QUERY, status: ${r.status}, id: ${id}\n`;
    out += `;; flags: qr ${cluster ? "aa " : ""}rd${cluster ? "" : " ra"}; QUERY: 1, ANSWER: ${r.answers.length}, AUTHORITY: ${authority.length}, ADDITIONAL: ${r.additional.length + 1}\n`;
    if (cluster) out += ";; WARNING: recursion requested but not available\n";
    out += `\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n;; QUESTION SECTION:\n${tabbed([";" + asked, "IN", t], [0, 32, 40])}\n`;
    if (r.answers.length) out += `\n;; ANSWER SECTION:\n${r.answers.map((a) => rr(a) + "\n").join("")}`;
    if (authority.length) out += `\n;; AUTHORITY SECTION:\n${authority.map((a) => rr(a) + "\n").join("")}`;
    if (r.additional.length) out += `\n;; ADDITIONAL SECTION:\n${r.additional.map((a) => rr(a) + "\n").join("")}`;
    const size = 12 + asked.length + 5 + r.answers.reduce((s, a) => s + a.name.length + 10 + a.data.length, 0) + 11;
    out += `\n;; Query time: 0 msec\n;; SERVER: ${srv}#53(${srv}) (UDP)\n;; WHEN: ${when(ctx.now())}\n;; MSG SIZE  rcvd: ${size}\n\n`;
    say(ctx, out);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// host, getent

export const host: Tool = {
  names: ["host"],
  *run(ctx) {
    let type: RecordType | undefined;
    const rest: string[] = [];
    const args = ctx.argv.slice(1);
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "-t") type = (args[++i] ?? "A").toUpperCase() as RecordType;
      else if (args[i].startsWith("-")) continue;
      else rest.push(args[i]);
    }
    if (!rest.length) {
      err(ctx, "Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n            [-R number] [-m flag] [-p port] hostname [server]");
      return 1;
    }
    const target = rest[0];
    const server = rest[1];
    let out = server ? `Using domain server:\nName: ${server}\nAddress: ${server}#53\nAliases: \n\n` : "";
    if (isIPv4(target)) {
      const r = lookup(ctx, reverseName(target), "PTR", server);
      if (r.status === "TIMEOUT") {
        yield { sleep: NO_SERVER_MS * 2 };
        say(ctx, `;; connection timed out; no servers could be reached\n`);
        return 1;
      }
      if (r.status !== "NOERROR" || !r.answers.length) {
        say(ctx, out + `Host ${reverseName(target)}. not found: ${r.status === "NXDOMAIN" ? "3(NXDOMAIN)" : "2(SERVFAIL)"}\n`);
        return 1;
      }
      say(ctx, out + r.answers.map((a) => `${bare(a.name)} domain name pointer ${a.data}\n`).join(""));
      return 0;
    }
    const types: RecordType[] = type ? [type] : ["A", "AAAA"];
    let found = false;
    for (const t of types) {
      const r = ctx.world.net.lookup(target, t, { search: true, ...(server ? { server } : {}) });
      if (r.status === "TIMEOUT") {
        yield { sleep: NO_SERVER_MS * 2 };
        say(ctx, `;; connection timed out; no servers could be reached\n`);
        return 1;
      }
      if (r.status !== "NOERROR") {
        if (t === types[0]) {
          say(ctx, out + `Host ${target} not found: ${r.status === "NXDOMAIN" ? "3(NXDOMAIN)" : "2(SERVFAIL)"}\n`);
          return 1;
        }
        continue;
      }
      for (const a of r.answers) {
        found = true;
        const n = bare(a.name);
        if (a.type === "A") out += `${n} has address ${a.data}\n`;
        else if (a.type === "AAAA") out += `${n} has IPv6 address ${a.data}\n`;
        else if (a.type === "CNAME") out += `${n} is an alias for ${a.data}\n`;
        else if (a.type === "SRV") out += `${n} has SRV record ${a.data}\n`;
        else if (a.type === "PTR") out += `${n} domain name pointer ${a.data}\n`;
        else if (a.type === "TXT") out += `${n} descriptive text ${a.data}\n`;
        else if (a.type === "NS") out += `${n} name server ${a.data}\n`;
        else out += `${n} has ${a.type} record ${a.data}\n`;
      }
      if (type && !r.answers.length) out += `${bare(r.answered ?? target)} has no ${t} record\n`;
    }
    say(ctx, out);
    return found || type ? 0 : 1;
  },
};

export const getent: Tool = {
  names: ["getent"],
  run(ctx) {
    const [db, ...keys] = ctx.argv.slice(1);
    if (!db) {
      err(ctx, `${name(ctx)}: wrong number of arguments`);
      return 1;
    }
    if (db === "passwd" || db === "group") {
      const lines = (readText(ctx, `/etc/${db}`, true) ?? "").split("\n").filter(Boolean);
      const shown = keys.length ? lines.filter((l) => keys.some((k) => l.split(":")[0] === k || l.split(":")[2] === k)) : lines;
      say(ctx, shown.map((l) => l + "\n").join(""));
      return keys.length && shown.length < keys.length ? 2 : 0;
    }
    if (db !== "hosts" && db !== "ahosts" && db !== "ahostsv4") {
      err(ctx, `Unknown database: ${db}`);
      return 1;
    }
    const hosts = (readText(ctx, "/etc/hosts", true) ?? "")
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim().split(/\s+/))
      .filter((f) => f.length > 1);
    if (!keys.length) {
      say(ctx, hosts.map((f) => `${padR(f[0], 15)} ${f.slice(1).join(" ")}\n`).join(""));
      return 0;
    }
    let code = 0;
    for (const k of keys) {
      const local = hosts.find((f) => f.slice(1).includes(k) || f[0] === k);
      if (local) {
        say(ctx, db === "hosts" ? `${padR(local[0], 15)} ${local.slice(1).join(" ")}\n` : `${padR(local[0], 15)} STREAM ${local[1]}\n${padR(local[0], 15)} DGRAM  \n${padR(local[0], 15)} RAW    \n`);
        continue;
      }
      const r = isIPv4(k) ? lookup(ctx, reverseName(k), "PTR") : ctx.world.net.lookup(k, "A", { search: true });
      const ips = r.answers.filter((a) => a.type === "A" || a.type === "PTR");
      if (r.status !== "NOERROR" || !ips.length) {
        code = 2;
        continue;
      }
      if (isIPv4(k)) say(ctx, `${padR(k, 15)} ${bare(ips[0].data)}\n`);
      else if (db === "hosts") for (const a of ips) say(ctx, `${padR(a.data, 15)} ${bare(a.name)}\n`);
      else for (const a of ips) say(ctx, `${padR(a.data, 15)} STREAM ${bare(a.name)}\n${padR(a.data, 15)} DGRAM  \n${padR(a.data, 15)} RAW    \n`);
    }
    return code;
  },
};
