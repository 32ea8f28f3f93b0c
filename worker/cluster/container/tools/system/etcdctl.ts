// etcdctl (v3 API) in the etcd pod: get over the cluster's store under kube-apiserver's keys
// (etcd.ts), member list, endpoint status/health, version. kind's etcd serves TLS with client
// certificates only: without --cacert/--cert/--key (or ETCDCTL_* variables) the client cannot
// connect and, as the real one, gives up after its command timeout. Writes are refused with
// etcd's permission error rather than let a learner's put corrupt the API server's objects.
import type { Etcd, EtcdKeyValue, Effect, Tool, ToolContext } from "../../types";
import { err, say } from "./common";

const API = "3.5";

interface Global {
  endpoints: string[];
  cacert?: string;
  cert?: string;
  key?: string;
  insecureSkipVerify: boolean;
  format: string;
  timeoutMs: number;
  hex: boolean;
  user?: string;
}

/** Go's strconv.Quote: printable UTF-8 kept, the rest escaped. */
export function goQuote(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else if (c === 0x07) out += "\\a";
      else if (c === 0x08) out += "\\b";
      else if (c === 0x0c) out += "\\f";
      else if (c === 0x0a) out += "\\n";
      else if (c === 0x0d) out += "\\r";
      else if (c === 0x09) out += "\\t";
      else if (c === 0x0b) out += "\\v";
      else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
      else out += String.fromCharCode(c);
      i++;
      continue;
    }
    const len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    const seq = b.subarray(i, i + len);
    const ok = len > 0 && seq.length === len && [...seq.subarray(1)].every((x) => (x & 0xc0) === 0x80);
    if (ok) {
      const ch = new TextDecoder().decode(seq);
      out += /\p{L}|\p{M}|\p{N}|\p{P}|\p{S}/u.test(ch) ? ch : "\\u" + ch.codePointAt(0)!.toString(16).padStart(4, "0");
      i += len;
    } else {
      out += "\\x" + c.toString(16).padStart(2, "0");
      i++;
    }
  }
  return out + '"';
}

function b64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A key's range end for --prefix: the prefix with its last byte incremented ("\0" for everything). */
export function prefixEnd(key: string): string {
  const b = new TextEncoder().encode(key);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      const end = b.slice(0, i + 1);
      end[i]++;
      return new TextDecoder().decode(end);
    }
  }
  return "\0";
}

/** go-humanize's Bytes: SI units, one decimal under 10. */
function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ["B", "kB", "MB", "GB", "TB"];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const v = n / 1000 ** e;
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[e]}`;
}

/** tablewriter as etcdctl sets it up: centered headers, right-aligned cells. */
function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = "+" + w.map((x) => "-".repeat(x + 2)).join("+") + "+\n";
  const center = (s: string, n: number) => {
    const pad = n - s.length;
    const left = Math.floor(pad / 2);
    return " ".repeat(left) + s + " ".repeat(pad - left);
  };
  let out = line + "|" + head.map((h, i) => ` ${center(h, w[i])} `).join("|") + "|\n" + line;
  for (const r of rows) out += "|" + r.map((c, i) => ` ${c.padStart(w[i])} `).join("|") + "|\n";
  return out + line;
}

function decimalId(hex: string): string {
  return BigInt("0x" + hex).toString();
}

function parseGlobal(ctx: ToolContext, args: string[]): { g: Global; rest: string[]; flags: Map<string, string | true> } | string {
  const env = ctx.env;
  const g: Global = {
    endpoints: (env.ETCDCTL_ENDPOINTS ?? "127.0.0.1:2379").split(","),
    cacert: env.ETCDCTL_CACERT,
    cert: env.ETCDCTL_CERT,
    key: env.ETCDCTL_KEY,
    insecureSkipVerify: env.ETCDCTL_INSECURE_SKIP_TLS_VERIFY === "true",
    format: env.ETCDCTL_WRITE_OUT ?? "simple",
    timeoutMs: 5000,
    hex: false,
  };
  const rest: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(["endpoints", "cacert", "cert", "key", "write-out", "w", "command-timeout", "dial-timeout", "user", "limit", "rev", "sort-order", "sort-target", "password", "consistency", "keepalive-time", "keepalive-timeout", "discovery-srv"]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-") || a === "-") {
      rest.push(a);
      continue;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const k = eq >= 0 ? body.slice(0, eq) : body;
    let v: string | true = true;
    if (eq >= 0) v = body.slice(eq + 1);
    else if (valued.has(k)) {
      if (i + 1 >= args.length) return `flag needs an argument: --${k}`;
      v = args[++i];
    }
    switch (k) {
      case "endpoints":
        g.endpoints = String(v).split(",");
        break;
      case "cacert":
        g.cacert = String(v);
        break;
      case "cert":
        g.cert = String(v);
        break;
      case "key":
        g.key = String(v);
        break;
      case "insecure-skip-tls-verify":
        g.insecureSkipVerify = v === true || v === "true";
        break;
      case "w":
      case "write-out":
        g.format = String(v);
        break;
      case "command-timeout":
        g.timeoutMs = goDurationMs(String(v)) ?? 5000;
        break;
      case "hex":
        g.hex = true;
        break;
      case "user":
        g.user = String(v);
        break;
      default:
        flags.set(k, v);
    }
  }
  return { g, rest, flags };
}

function goDurationMs(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60000);
}

/** Why the client cannot talk to the server, or null when it can (the gRPC error a warn line carries). */
function connectionError(ctx: ToolContext, g: Global, etcd: Etcd | null): string | null {
  const ep = g.endpoints[0] ?? "";
  const m = /^(?:(https?|unix):\/\/)?([^:/]+)(?::(\d+))?/.exec(ep);
  const scheme = m?.[1] ?? (g.cacert || g.cert ? "https" : "http");
  const host = m?.[2] ?? "";
  const port = m?.[3] ?? "2379";
  const local = ["127.0.0.1", "localhost"].includes(host) || host === ctx.world.net.iface.ip;
  if (!etcd || !local || port !== "2379") return `connection error: desc = "transport: Error while dialing: dial tcp ${host}:${port}: connect: connection refused"`;
  // kind's etcd: TLS with client-certificate authentication on 2379.
  if (scheme === "http" && !g.cacert && !g.cert) return 'connection error: desc = "error reading server preface: EOF"';
  for (const f of [g.cacert, g.cert, g.key]) if (f && !ctx.fs.stat(ctx.resolve(f)) && !f.startsWith("/etc/kubernetes/pki/")) return `open ${f}: no such file or directory`;
  if (!g.cacert && !g.insecureSkipVerify) return 'connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"';
  if (!g.cert || !g.key) return 'connection error: desc = "error reading server preface: remote error: tls: certificate required"';
  return null;
}

function header(etcd: Etcd): { cluster_id: string; member_id: string; revision: number; raft_term: number } {
  return { cluster_id: decimalId(etcd.clusterId), member_id: decimalId(etcd.member.id), revision: etcd.revision(), raft_term: 2 };
}

/** JSON with the header's 64-bit ids as bare numbers, as Go writes uint64. */
function headerJson(etcd: Etcd): string {
  const h = header(etcd);
  return `{"cluster_id":${h.cluster_id},"member_id":${h.member_id},"revision":${h.revision},"raft_term":${h.raft_term}}`;
}

function get(ctx: ToolContext, etcd: Etcd, g: Global, rest: string[], flags: Map<string, string | true>): number {
  const key = rest[0];
  if (key === undefined) {
    err(ctx, "Error: get command needs one argument as key and an optional argument as range_end");
    return 1;
  }
  const keysOnly = flags.has("keys-only");
  const countOnly = flags.has("count-only");
  const valueOnly = flags.has("print-value-only");
  const limit = Number(flags.get("limit") ?? 0) || 0;
  let end: string | null = rest[1] ?? null;
  if (flags.has("prefix")) end = key === "" ? "\0" : prefixEnd(key);
  if (flags.has("from-key")) end = "\0";
  const r = etcd.range(key, end, { limit, keysOnly: keysOnly || countOnly });
  let kvs: EtcdKeyValue[] = countOnly ? [] : r.kvs;
  if (String(flags.get("sort-order") ?? "").toUpperCase() === "DESCEND") kvs = [...kvs].reverse();
  switch (g.format) {
    case "simple": {
      if (countOnly) {
        say(ctx, `${r.count}\n`);
        return 0;
      }
      const parts: (string | Uint8Array)[] = [];
      for (const kv of kvs) {
        if (!valueOnly) parts.push(kv.key + "\n");
        if (!(valueOnly && keysOnly)) {
          parts.push(kv.value);
          parts.push("\n");
        }
      }
      for (const p of parts) ctx.stdout.write(p);
      return 0;
    }
    case "json": {
      const items = kvs.map((kv) => `{"key":"${b64(new TextEncoder().encode(kv.key))}","create_revision":${kv.createRevision},"mod_revision":${kv.modRevision},"version":${kv.version}${kv.value.length ? `,"value":"${b64(kv.value)}"` : ""}}`);
      say(ctx, `{"header":${headerJson(etcd)}${items.length ? `,"kvs":[${items.join(",")}]` : ""}${r.more && !countOnly ? ',"more":true' : ""},"count":${r.count}}\n`);
      return 0;
    }
    case "fields": {
      const h = header(etcd);
      let out = `"ClusterID" : ${h.cluster_id}\n"MemberID" : ${h.member_id}\n"Revision" : ${h.revision}\n"RaftTerm" : ${h.raft_term}\n`;
      for (const kv of kvs) out += `"Key" : ${goQuote(new TextEncoder().encode(kv.key))}\n"CreateRevision" : ${kv.createRevision}\n"ModRevision" : ${kv.modRevision}\n"Version" : ${kv.version}\n"Value" : ${goQuote(kv.value)}\n"Lease" : 0\n\n`;
      out += `"More" : ${r.more && !countOnly}\n"Count" : ${r.count}\n`;
      say(ctx, out);
      return 0;
    }
    case "protobuf":
      err(ctx, "Error: protobuf output is not supported here");
      return 1;
    default:
      err(ctx, `Error: unsupported output format ${g.format}`);
      return 1;
  }
}

function memberList(ctx: ToolContext, etcd: Etcd, g: Global): number {
  const m = etcd.member;
  const row = [m.id, "started", m.name, m.peerURL, m.clientURL, "false"];
  if (g.format === "table") say(ctx, table(["ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"], [row]));
  else if (g.format === "json") say(ctx, `{"header":{"cluster_id":${decimalId(etcd.clusterId)},"member_id":${decimalId(m.id)},"raft_term":2},"members":[{"ID":${decimalId(m.id)},"name":"${m.name}","peerURLs":["${m.peerURL}"],"clientURLs":["${m.clientURL}"]}]}\n`);
  else say(ctx, row.join(", ") + "\n");
  return 0;
}

function endpointStatus(ctx: ToolContext, etcd: Etcd, g: Global): number {
  const ep = g.endpoints[0];
  const rev = etcd.revision();
  const row = [ep, etcd.member.id, etcd.version, humanBytes(etcd.dbSizeBytes), "true", "false", "2", String(rev + 4), String(rev + 4), ""];
  if (g.format === "table") say(ctx, table(["ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"], [row]));
  else if (g.format === "json")
    say(ctx, `[{"Endpoint":"${ep}","Status":{"header":${headerJson(etcd)},"version":"${etcd.version}","dbSize":${etcd.dbSizeBytes},"leader":${decimalId(etcd.member.id)},"raftIndex":${rev + 4},"raftTerm":2,"raftAppliedIndex":${rev + 4},"dbSizeInUse":${etcd.dbSizeBytes}}}]\n`);
  else say(ctx, row.join(", ") + "\n");
  return 0;
}

function endpointHealth(ctx: ToolContext, g: Global): number {
  const ep = g.endpoints[0];
  if (g.format === "table") say(ctx, table(["ENDPOINT", "HEALTH", "TOOK", "ERROR"], [[ep, "true", "9.613271ms", ""]]));
  else if (g.format === "json") say(ctx, `[{"endpoint":"${ep}","health":true,"took":"9.613271ms"}]\n`);
  else say(ctx, `${ep} is healthy: successfully committed proposal: took = 9.613271ms\n`);
  return 0;
}

const USAGE = `NAME:
	etcdctl - A simple command line client for etcd3.

USAGE:
	etcdctl [flags]

VERSION:
	%V

API VERSION:
	${API}

COMMANDS:
	del			Removes the specified key or range of keys [key, range_end)
	endpoint health		Checks the healthiness of endpoints specified in \`--endpoints\` flag
	endpoint status		Prints out the status of endpoints specified in \`--endpoints\` flag
	get			Gets the key or a range of keys
	member list		Lists all members in the cluster
	put			Puts the given key into the store
	version			Prints the version of etcdctl
`;

function* etcdctl(ctx: ToolContext): Generator<Effect, number, void> {
  const etcd = ctx.world.cluster.etcd();
  const version = etcd?.version ?? "3.5.21";
  if (ctx.env.ETCDCTL_API && ctx.env.ETCDCTL_API !== "3") {
    err(ctx, `Error: unsupported API version "${ctx.env.ETCDCTL_API}" (etcdctl ${version} only speaks API 3)`);
    return 1;
  }
  const parsed = parseGlobal(ctx, ctx.argv.slice(1));
  if (typeof parsed === "string") {
    err(ctx, `Error: ${parsed}`);
    return 1;
  }
  const { g, rest, flags } = parsed;
  const cmd = rest[0];
  if (!cmd) {
    say(ctx, USAGE.replace("%V", version));
    return 0;
  }
  if (cmd === "version") {
    say(ctx, `etcdctl version: ${version}\nAPI version: ${API}\n`);
    return 0;
  }
  const sub = rest[1];
  const known = cmd === "get" || cmd === "put" || cmd === "del" || cmd === "txn" || cmd === "compaction" || cmd === "defrag" || cmd === "watch" || (cmd === "member" && sub === "list") || (cmd === "endpoint" && (sub === "status" || sub === "health"));
  if (!known) {
    err(ctx, cmd === "member" || cmd === "endpoint" ? `Error: unknown command "${sub ?? ""}" for "etcdctl ${cmd}"` : `Error: unknown command "${cmd}" for "etcdctl"\nRun 'etcdctl --help' for usage.`);
    return 1;
  }
  const problem = connectionError(ctx, g, etcd);
  // A certificate file that does not open fails at once, before any connection.
  if (problem?.startsWith("open ")) {
    err(ctx, `Error: ${problem}`);
    return 1;
  }
  if (problem || !etcd) {
    // The client retries until its command timeout, logging gRPC's last error.
    yield { sleep: g.timeoutMs };
    const ts = new Date(ctx.now()).toISOString();
    const target = g.endpoints[0].replace(/^https?:\/\//, "");
    if (cmd === "endpoint" && sub === "health") {
      err(ctx, `{"level":"warn","ts":"${ts}","logger":"client","caller":"v3@v${version}/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc000402000/${target}","attempt":0,"error":${JSON.stringify(`rpc error: code = DeadlineExceeded desc = latest balancer error: last ${problem}`)}}`);
      err(ctx, `${g.endpoints[0]} is unhealthy: failed to commit proposal: context deadline exceeded\nError: unhealthy cluster`);
      return 1;
    }
    err(ctx, `{"level":"warn","ts":"${ts}","logger":"etcd-client","caller":"v3@v${version}/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc000402000/${target}","attempt":0,"error":${JSON.stringify(`rpc error: code = DeadlineExceeded desc = latest balancer error: last ${problem}`)}}`);
    err(ctx, "Error: context deadline exceeded");
    return 1;
  }
  if (g.user) {
    err(ctx, "Error: etcdserver: authentication is not enabled");
    return 1;
  }
  switch (cmd) {
    case "get":
      return get(ctx, etcd, g, rest.slice(1), flags);
    case "member":
      return memberList(ctx, etcd, g);
    case "endpoint":
      return sub === "status" ? endpointStatus(ctx, etcd, g) : endpointHealth(ctx, g);
    case "watch":
      // Nothing changes the store from here that a watch would see in this session; it waits.
      for (;;) yield { sleep: 3_600_000 };
    default:
      // put, del, txn, compaction, defrag: the simulation's etcd is the API server's store; a
      // write behind its back would corrupt objects, so it answers as an etcd with auth would.
      err(ctx, "Error: etcdserver: permission denied");
      return 1;
  }
}

export const etcdctlTool: Tool = { names: ["etcdctl"], run: etcdctl };
