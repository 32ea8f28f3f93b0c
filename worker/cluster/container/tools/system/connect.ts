// nc, telnet, ping and traceroute: reachability through the traffic function. ICMP reaches what
// answers at the IP layer (pods, nodes: a closed port still answers with a reset); a Service's
// ClusterIP is only a rule for TCP/UDP ports, so nothing answers a ping there.
import type { HttpRequest } from "../../../network/types";
import type { Effect, Tool, ToolContext } from "../../types";
import { badOption, err, isIPv4, parse, reason, say } from "./common";
import { byteLength, exchange, headerLines, resolveName } from "./http";

/** Whether something at `ip` answers ICMP echo. */
export function answersPing(ctx: ToolContext, ip: string): boolean {
  if (ip.startsWith("127.") || ip === ctx.world.net.iface.ip || ip === ctx.world.net.iface.gateway) return true;
  const o = exchange(ctx, ip, 7);
  if (o.ok) return true;
  return o.error === "refused" || o.error === "reset";
}

/** A round trip that looks like a LAN's: a tenth of a millisecond, varying a little. */
function rtt(seq: number): number {
  return 0.06 + ((seq * 37) % 11) / 100;
}

function* ping(ctx: ToolContext): Generator<Effect, number, void> {
  const gnu = ctx.flavour === "gnu";
  const p = parse(ctx.argv.slice(1), { short: "qn46vfAD", withArg: "cWwisItsQ" });
  if (p.bad) return badOption(ctx, p.bad, 2);
  const target = p.args[0];
  if (!target) {
    err(ctx, gnu ? "ping: usage error: Destination address required" : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: ping [OPTIONS] HOST");
    return gnu ? 1 : 1;
  }
  const count = p.flags.has("c") ? Number(p.flags.get("c")) : Infinity;
  const interval = Math.max(0.2, Number(p.flags.get("i") ?? 1)) * 1000;
  const deadline = p.flags.has("w") ? Number(p.flags.get("w")) * 1000 : Infinity;
  const wait = Number(p.flags.get("W") ?? 10) * 1000;
  const size = Number(p.flags.get("s") ?? 56);
  const quiet = p.flags.has("q");
  const where = resolveName(ctx, target);
  if (!where.ok) {
    if (where.timeout) yield { sleep: 10_000 };
    err(ctx, gnu ? `ping: ${target}: ${where.timeout ? "Temporary failure in name resolution" : "Name or service not known"}` : `ping: bad address '${target}'`);
    return gnu ? 2 : 1;
  }
  const ip = where.ip;
  // iputils shows the canonical name getaddrinfo returned; busybox the name as typed.
  let shown = target;
  if (gnu && !isIPv4(target)) {
    const r = ctx.world.net.lookup(target, "A", { search: true });
    shown = (r.answered ?? target).replace(/\.$/, "");
  }
  say(ctx, gnu ? `PING ${shown} (${ip}) ${size}(${size + 28}) bytes of data.\n` : `PING ${target} (${ip}): ${size} data bytes\n`);
  const up = answersPing(ctx, ip);
  let sent = 0;
  let received = 0;
  const times: number[] = [];
  let elapsed = 0;
  while (sent < count && elapsed < deadline) {
    if (sent > 0) {
      yield { sleep: interval };
      elapsed += interval;
      if (elapsed >= deadline) break;
    }
    sent++;
    if (up) {
      received++;
      const t = rtt(sent);
      times.push(t);
      if (!quiet) say(ctx, gnu ? `${size + 8} bytes from ${ip}: icmp_seq=${sent} ttl=${ttlTo(ctx, ip)} time=${t.toFixed(3)} ms\n` : `${size + 8} bytes from ${ip}: seq=${sent - 1} ttl=${ttlTo(ctx, ip)} time=${t.toFixed(3)} ms\n`);
    }
  }
  // The last probe's answer is awaited before the summary (-W; busybox waits its own interval).
  if (!up && Number.isFinite(count)) yield { sleep: Math.min(wait, gnu ? wait : 1000) };
  const loss = sent ? Math.round(((sent - received) * 100) / sent) : 0;
  if (gnu) {
    say(ctx, `\n--- ${shown} ping statistics ---\n${sent} packets transmitted, ${received} received, ${loss}% packet loss, time ${Math.max(0, (sent - 1) * interval + (sent > 1 ? 3 : 0))}ms\n`);
    if (times.length) {
      const min = Math.min(...times);
      const max = Math.max(...times);
      const avg = times.reduce((a, b) => a + b, 0) / times.length;
      const mdev = Math.sqrt(times.reduce((a, b) => a + (b - avg) ** 2, 0) / times.length);
      say(ctx, `rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms\n`);
    }
    say(ctx, "\n");
  } else {
    say(ctx, `\n--- ${target} ping statistics ---\n${sent} packets transmitted, ${received} packets received, ${loss}% packet loss\n`);
    if (times.length) {
      const avg = times.reduce((a, b) => a + b, 0) / times.length;
      say(ctx, `round-trip min/avg/max = ${Math.min(...times).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...times).toFixed(3)} ms\n`);
    }
  }
  return received ? 0 : 1;
}

/** TTL as it arrives: 64 from this pod's own node, one hop less per router on the way. */
function ttlTo(ctx: ToolContext, ip: string): number {
  const mine = ctx.world.net.iface;
  if (ip.startsWith("127.") || ip === mine.ip) return 64;
  const sameSubnet = ip.split(".").slice(0, 3).join(".") === mine.ip.split(".").slice(0, 3).join(".");
  return sameSubnet ? 64 : 62;
}

export const pingTool: Tool = { names: ["ping"], run: ping };

export const traceroute: Tool = {
  names: ["traceroute"],
  *run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "nIFlrvdT46", withArg: "mqwfp" });
    if (p.bad) return badOption(ctx, p.bad);
    const target = p.args[0];
    if (!target) {
      err(ctx, "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: traceroute [-46FIlnrv] [-f 1ST_TTL] [-m MAXTTL] [-q PROBES] [-p PORT]\n\t[-t TOS] [-w WAIT_SEC] [-s SRC_IP] [-i IFACE]\n\t[-z PAUSE_MSEC] HOST [BYTES]");
      return 1;
    }
    const where = resolveName(ctx, target);
    if (!where.ok) {
      err(ctx, ctx.flavour === "gnu" ? `${target}: Name or service not known\nCannot handle "host" cmdline arg \`${target}' on position 1 (argc 1)` : `traceroute: bad address '${target}'`);
      return ctx.flavour === "gnu" ? 2 : 1;
    }
    const max = Number(p.flags.get("m") ?? 30);
    const ip = where.ip;
    say(ctx, `traceroute to ${target} (${ip}), ${max} hops max, ${ctx.flavour === "gnu" ? 60 : 46} byte packets\n`);
    const up = answersPing(ctx, ip);
    const gw = ctx.world.net.iface.gateway;
    const hop = (n: number, addr: string, base: number) => say(ctx, ` ${n}  ${addr} (${addr})  ${(base + 0.01).toFixed(3)} ms  ${(base + 0.004).toFixed(3)} ms  ${(base + 0.003).toFixed(3)} ms\n`);
    let n = 1;
    if (ip !== gw && ttlTo(ctx, ip) !== 64) hop(n++, gw, 0.01);
    if (up) {
      hop(n, ip, 0.05);
      return 0;
    }
    for (; n <= max; n++) {
      yield { sleep: 3 * 5000 };
      say(ctx, ` ${n}  *  *  *\n`);
    }
    return 0;
  },
};

/** An HTTP request in what was typed to nc or telnet (as curl or a browser would write it), or null. */
function httpRequestIn(text: string, host: string): HttpRequest | null {
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r?\n/.exec(text);
  if (!m) return null;
  const [head, body = ""] = text.split(/\r?\n\r?\n/, 2);
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { method: m[1], path: m[2], headers, host: headers.host ?? host, ...(body ? { body } : {}) };
}

function* readAll(ctx: ToolContext): Generator<Effect, string, void> {
  let s = "";
  const dec = new TextDecoder();
  for (;;) {
    const chunk = ctx.stdin.read();
    if (chunk === null) return s;
    if (chunk === undefined) {
      // An HTTP request is complete at its blank line: nc sends it as it is typed.
      if (/\r?\n\r?\n/.test(s) && /^[A-Z]+ \S+ HTTP\//.test(s)) return s;
      yield { wait: "stdin" };
      continue;
    }
    s += dec.decode(chunk, { stream: true });
  }
}

function* nc(ctx: ToolContext): Generator<Effect, number, void> {
  const gnu = ctx.flavour === "gnu";
  const p = parse(ctx.argv.slice(1), { short: "zvnlukNdt46", withArg: "wpqisW" });
  if (p.bad) return badOption(ctx, p.bad);
  const verbose = p.flags.has("v");
  const scan = p.flags.has("z");
  const wait = p.flags.has("w") ? Number(p.flags.get("w")) * 1000 : null;
  if (p.flags.has("l")) {
    // Listening works, but nothing in the simulated network connects to a port opened this way.
    const port = p.flags.get("p") ?? p.args[0];
    if (verbose) err(ctx, gnu ? `Listening on 0.0.0.0 ${port}` : `listening on [::]:${port} ...`);
    for (;;) {
      const r = ctx.stdin.read();
      if (r === null) yield { sleep: 3_600_000 };
      else if (r === undefined) yield { wait: "stdin" };
    }
  }
  const [host, ...ports] = p.args;
  if (!host || !ports.length) {
    err(ctx, gnu ? "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]" : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen");
    return 1;
  }
  const where = resolveName(ctx, host);
  if (!where.ok) {
    if (where.timeout) yield { sleep: 10_000 };
    err(ctx, gnu ? `nc: getaddrinfo for host "${host}" port ${ports[0]}: ${where.timeout ? "Temporary failure in name resolution" : "Name or service not known"}` : `nc: bad address '${host}'`);
    return 1;
  }
  const protocol = p.flags.has("u") ? "UDP" : "TCP";
  let status = 0;
  for (const portArg of ports.flatMap((x) => {
    const r = /^(\d+)-(\d+)$/.exec(x);
    return r ? Array.from({ length: Math.min(1024, Number(r[2]) - Number(r[1]) + 1) }, (_, i) => String(Number(r[1]) + i)) : [x];
  })) {
    const port = Number(portArg);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      err(ctx, gnu ? `nc: port number invalid: ${portArg}` : `nc: invalid port '${portArg}'`);
      return 1;
    }
    const o = ctx.world.net.connect(where.ip, port, undefined, protocol);
    if (!o.ok) {
      status = 1;
      if (o.error === "timeout") yield { sleep: wait ?? 127_000 };
      const why = o.error === "timeout" ? "Connection timed out" : o.error === "unreachable" ? "No route to host" : "Connection refused";
      if (gnu) err(ctx, o.error === "timeout" && wait !== null ? `nc: connect to ${host} port ${port} (${protocol.toLowerCase()}) timed out: Operation now in progress` : `nc: connect to ${host} port ${port} (${protocol.toLowerCase()}) failed: ${why}`);
      else if (verbose || !scan) err(ctx, o.error === "timeout" && wait !== null ? "nc: timed out" : `nc: ${host} (${where.ip}:${port}): ${why}`);
      continue;
    }
    if (verbose) err(ctx, gnu ? `Connection to ${host} (${where.ip}) ${port} port [${protocol.toLowerCase()}/*] succeeded!` : `${host} (${where.ip}:${port}) open`);
    if (scan) continue;
    // Talk: what is typed goes to the server; an HTTP server answers a request.
    const typed = yield* readAll(ctx);
    const req = httpRequestIn(typed, host);
    if (req) {
      const r = exchange(ctx, where.ip, port, req);
      if (r.ok && r.answer) {
        const a = r.answer;
        say(ctx, [`HTTP/1.1 ${a.status} ${reason(a.status)}`, ...headerLines(a)].join("\r\n") + "\r\n\r\n" + a.body);
      }
    } else if (typed && r400(ctx, where.ip, port)) {
      say(ctx, r400(ctx, where.ip, port)!);
    }
  }
  return status;
}

/** What an HTTP server says to bytes that are not a request: 400 and close. */
function r400(ctx: ToolContext, ip: string, port: number): string | null {
  const r = exchange(ctx, ip, port, { method: "GET", path: "/", headers: {} });
  if (!r.ok || !r.answer) return null;
  const server = r.answer.headers.server;
  const body = `<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>${server ?? "nginx"}</center>\r\n</body>\r\n</html>\r\n`;
  return `HTTP/1.1 400 Bad Request\r\n${server ? `Server: ${server}\r\n` : ""}Content-Type: text/html\r\nContent-Length: ${byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export const ncTool: Tool = { names: ["nc", "netcat"], run: nc };

export const telnet: Tool = {
  names: ["telnet"],
  *run(ctx) {
    const [host, portArg = "23"] = ctx.argv.slice(1).filter((a) => !a.startsWith("-"));
    if (!host) {
      err(ctx, "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: telnet [-a] [-l USER] HOST [PORT]");
      return 1;
    }
    const where = resolveName(ctx, host);
    if (!where.ok) {
      err(ctx, ctx.flavour === "gnu" ? `telnet: could not resolve ${host}/${portArg}: Name or service not known` : `telnet: bad address '${host}'`);
      return 1;
    }
    const port = Number(portArg);
    const o = ctx.world.net.connect(where.ip, port);
    if (!o.ok) {
      if (o.error === "timeout") yield { sleep: 127_000 };
      const why = o.error === "timeout" ? "Connection timed out" : o.error === "unreachable" ? "No route to host" : "Connection refused";
      if (ctx.flavour === "gnu") err(ctx, `Trying ${where.ip}...\ntelnet: Unable to connect to remote host: ${why}`);
      else err(ctx, `telnet: can't connect to remote host (${where.ip}): ${why}`);
      return 1;
    }
    if (ctx.flavour === "gnu") say(ctx, `Trying ${where.ip}...\nConnected to ${host}.\nEscape character is '^]'.\n`);
    const typed = yield* readAll(ctx);
    const req = httpRequestIn(typed, host);
    if (req) {
      const r = exchange(ctx, where.ip, port, req);
      if (r.ok && r.answer) say(ctx, [`HTTP/1.1 ${r.answer.status} ${reason(r.answer.status)}`, ...headerLines(r.answer)].join("\r\n") + "\r\n\r\n" + r.answer.body);
    }
    if (ctx.flavour === "gnu") say(ctx, "Connection closed by foreign host.\n");
    else err(ctx, "Connection closed by foreign host");
    return ctx.flavour === "gnu" ? 1 : 0;
  },
};
