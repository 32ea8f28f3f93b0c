// curl over the traffic function: its options people type, its progress meter (on stderr when
// the output is not a terminal), its exact error lines and exit codes.
import type { HttpAnswer, HttpRequest } from "../../../network/types";
import type { Tool, ToolContext } from "../../types";
import { padL, parseUrl, reason } from "./common";
import { byteLength, exchange, headerLines, resolveName } from "./http";

const VERSION = { gnu: "7.88.1", busybox: "8.11.1" };
/** What the kernel waits for an unanswered SYN before connect() fails. */
const SYN_TIMEOUT_MS = 134_000;

interface Opts {
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  include: boolean;
  head: boolean;
  output?: string;
  write?: string;
  follow: boolean;
  method?: string;
  headers: [string, string][];
  data?: string;
  maxTime?: number;
  connectTimeout?: number;
  fail: boolean;
  userAgent?: string;
  urls: string[];
}

const WITH_ARG = new Set(["-o", "--output", "-w", "--write-out", "-X", "--request", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "-m", "--max-time", "--connect-timeout", "-A", "--user-agent", "-u", "--user", "-e", "--referer", "--retry", "-x", "--proxy", "--resolve", "-b", "--cookie", "-c", "--cookie-jar", "-T", "--upload-file", "--cacert", "--cert", "--key", "-r", "--range", "-F", "--form"]);

/** Exit codes and messages: curl's own words. */
function fail(ctx: ToolContext, o: Opts, code: number, msg: string): number {
  if (!o.silent || o.showError) ctx.stderr.write(`curl: (${code}) ${msg}\n`);
  return code;
}

function parseOpts(ctx: ToolContext): Opts | number {
  const o: Opts = { silent: false, showError: false, verbose: false, include: false, head: false, follow: false, headers: [], fail: false, urls: [] };
  const args = ctx.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let key = a;
    let val: string | undefined;
    if (a.startsWith("--") && a.includes("=") && WITH_ARG.has(a.slice(0, a.indexOf("=")))) {
      key = a.slice(0, a.indexOf("="));
      val = a.slice(a.indexOf("=") + 1);
    } else if (/^-[a-zA-Z]{2,}$/.test(a)) {
      // Bundled short flags: "-sSL", "-sS -o f", "-XPOST".
      const letters = a.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const f = `-${letters[j]}`;
        if (WITH_ARG.has(f)) {
          const rest = letters.slice(j + 1) || args[++i];
          if (rest === undefined) return missing(ctx, f);
          apply(o, f, rest);
          break;
        }
        const r = applyFlag(ctx, o, f);
        if (r !== null) return r;
      }
      continue;
    }
    if (WITH_ARG.has(key)) {
      if (val === undefined) val = args[++i];
      if (val === undefined) return missing(ctx, key);
      apply(o, key, val);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      const r = applyFlag(ctx, o, a);
      if (r !== null) return r;
      continue;
    }
    o.urls.push(a);
  }
  return o;
}

function missing(ctx: ToolContext, f: string): number {
  ctx.stderr.write(`curl: option ${f}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
  return 2;
}

function apply(o: Opts, f: string, v: string) {
  switch (f) {
    case "-o":
    case "--output":
      o.output = v;
      break;
    case "-w":
    case "--write-out":
      o.write = v;
      break;
    case "-X":
    case "--request":
      o.method = v;
      break;
    case "-H":
    case "--header": {
      const i = v.indexOf(":");
      if (i > 0) o.headers.push([v.slice(0, i).trim(), v.slice(i + 1).trim()]);
      break;
    }
    case "-d":
    case "--data":
    case "--data-raw":
    case "--data-binary":
    case "--data-urlencode":
      o.data = o.data === undefined ? v : `${o.data}&${v}`;
      break;
    case "-m":
    case "--max-time":
      o.maxTime = Number(v);
      break;
    case "--connect-timeout":
      o.connectTimeout = Number(v);
      break;
    case "-A":
    case "--user-agent":
      o.userAgent = v;
      break;
  }
}

function applyFlag(ctx: ToolContext, o: Opts, f: string): number | null {
  switch (f) {
    case "-s":
    case "--silent":
      o.silent = true;
      break;
    case "-S":
    case "--show-error":
      o.showError = true;
      break;
    case "-v":
    case "--verbose":
      o.verbose = true;
      break;
    case "-i":
    case "--include":
      o.include = true;
      break;
    case "-I":
    case "--head":
      o.head = true;
      break;
    case "-L":
    case "--location":
      o.follow = true;
      break;
    case "-f":
    case "--fail":
      o.fail = true;
      break;
    case "-k":
    case "--insecure":
    case "-4":
    case "--ipv4":
    case "-N":
    case "--no-buffer":
    case "--compressed":
    case "-#":
    case "--progress-bar":
    case "--http1.1":
      break;
    case "-V":
    case "--version":
      ctx.stdout.write(`curl ${VERSION[ctx.flavour]} (x86_64-pc-linux-gnu) libcurl/${VERSION[ctx.flavour]}\nProtocols: dict file ftp ftps gopher gophers http https imap imaps mqtt pop3 pop3s rtsp smb smbs smtp smtps telnet tftp\n`);
      return 0;
    default:
      ctx.stderr.write(`curl: option ${f}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
      return 2;
  }
  return null;
}

function meterHead(ctx: ToolContext) {
  ctx.stderr.write("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n");
}

function meterLine(ctx: ToolContext, total: number, done: boolean) {
  const size = (n: number) => padL(n < 100000 ? String(n) : `${Math.round(n / 1024)}k`, 5);
  const pct = done && total ? "100" : "  0";
  const speed = done && total ? size(total * 1000) : size(0);
  ctx.stderr.write(`\r${pct} ${size(total)}  ${pct} ${size(total)}    0     0 ${padL(speed, 6)}      0 --:--:-- --:--:-- --:--:-- ${padL(speed, 5)}\n`);
}

/** -w's variables and escapes. */
function writeOut(fmt: string, v: Record<string, string>): string {
  return fmt
    .replace(/%\{([a-z_]+)\}/g, (m, k: string) => v[k] ?? "")
    .replace(/\\n/g, "\n")
    .replace(/\\t/g, "\t")
    .replace(/\\r/g, "\r");
}

export const curl: Tool = {
  names: ["curl"],
  *run(ctx) {
    const parsed = parseOpts(ctx);
    if (typeof parsed === "number") return parsed;
    const o = parsed;
    if (!o.urls.length) {
      ctx.stderr.write("curl: try 'curl --help' or 'curl --manual' for more information\n");
      return 2;
    }
    // The meter shows when the body goes somewhere other than a terminal, unless -s.
    const meter = !o.silent && !o.verbose && (o.output !== undefined || !ctx.stdout.tty);
    let code = 0;
    for (const raw of o.urls) {
      let url = parseUrl(raw);
      if (!url) return fail(ctx, o, 3, `URL rejected: Malformed input to a URL function`);
      if (url.scheme !== "http" && url.scheme !== "https") return fail(ctx, o, 1, `Protocol "${url.scheme}" not supported`);
      if (meter) meterHead(ctx);
      let answer: HttpAnswer | null = null;
      let ip = "";
      for (let hops = 0; ; hops++) {
        const where = resolveName(ctx, url.host);
        if (!where.ok) {
          if (where.timeout) yield { sleep: Math.min(10_000, (o.maxTime ?? 1e9) * 1000) };
          if (meter) meterLine(ctx, 0, false);
          return fail(ctx, o, 6, `Could not resolve host: ${url.host}`);
        }
        ip = where.ip;
        const method = o.method ?? (o.head ? "HEAD" : o.data !== undefined ? "POST" : "GET");
        const headers: Record<string, string> = { host: url.hostPort, "user-agent": o.userAgent ?? `curl/${VERSION[ctx.flavour]}`, accept: "*/*" };
        if (o.data !== undefined) {
          headers["content-length"] = String(byteLength(o.data));
          headers["content-type"] = "application/x-www-form-urlencoded";
        }
        for (const [k, v] of o.headers) headers[k.toLowerCase()] = v;
        if (o.verbose) ctx.stderr.write(`*   Trying ${ip}:${url.port}...\n`);
        const req: HttpRequest = { method, path: url.path, headers, host: url.hostPort, scheme: url.scheme === "https" ? "https" : "http", ...(o.data !== undefined ? { body: o.data } : {}) };
        const r = exchange(ctx, ip, url.port, req);
        if (!r.ok) {
          if (meter) meterLine(ctx, 0, false);
          if (r.error === "timeout") {
            const limit = Math.min(o.connectTimeout ?? Infinity, o.maxTime ?? Infinity);
            if (Number.isFinite(limit)) {
              yield { sleep: limit * 1000 };
              const ms = Math.round(limit * 1000);
              return fail(ctx, o, 28, o.connectTimeout !== undefined && o.connectTimeout <= (o.maxTime ?? Infinity) ? `Connection timed out after ${ms + 1} milliseconds` : `Operation timed out after ${ms + 1} milliseconds with 0 bytes received`);
            }
            yield { sleep: SYN_TIMEOUT_MS };
            return fail(ctx, o, 28, `Failed to connect to ${url.host} port ${url.port} after ${SYN_TIMEOUT_MS} ms: Couldn't connect to server`);
          }
          if (r.error === "reset") return fail(ctx, o, 56, "Recv failure: Connection reset by peer");
          return fail(ctx, o, 7, `Failed to connect to ${url.host} port ${url.port} after 0 ms: Couldn't connect to server`);
        }
        if (o.verbose) {
          ctx.stderr.write(`* Connected to ${url.host} (${ip}) port ${url.port}\n`);
          ctx.stderr.write(`> ${method} ${url.path} HTTP/1.1\n${Object.entries(headers).map(([k, v]) => `> ${k === "host" ? "Host" : k === "user-agent" ? "User-Agent" : k === "accept" ? "Accept" : k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())}: ${v}\n`).join("")}> \n`);
        }
        answer = r.answer;
        if (!answer) {
          if (meter) meterLine(ctx, 0, false);
          return fail(ctx, o, 52, "Empty reply from server");
        }
        if (o.verbose) ctx.stderr.write([`HTTP/1.1 ${answer.status} ${reason(answer.status)}`, ...headerLines(answer)].map((l) => `< ${l}\n`).join("") + "< \n");
        const loc = answer.headers.location;
        if (o.follow && loc && answer.status >= 300 && answer.status < 400 && hops < 50) {
          const next = parseUrl(loc.startsWith("/") ? `${url.scheme}://${url.hostPort}${loc}` : loc);
          if (next) {
            if (o.include) ctx.stdout.write([`HTTP/1.1 ${answer.status} ${reason(answer.status)}`, ...headerLines(answer)].join("\r\n") + "\r\n\r\n");
            url = next;
            continue;
          }
        }
        break;
      }
      const a = answer!;
      if (o.fail && a.status >= 400) {
        if (meter) meterLine(ctx, 0, false);
        code = fail(ctx, o, 22, `The requested URL returned error: ${a.status}`);
        continue;
      }
      const head = [`HTTP/1.1 ${a.status} ${reason(a.status)}`, ...headerLines(a)].join("\r\n") + "\r\n\r\n";
      let body = "";
      if (o.include || o.head) body += head;
      if (!o.head) body += a.body;
      if (o.output !== undefined && o.output !== "-") {
        try {
          ctx.fs.write(ctx.resolve(o.output), body);
        } catch {
          if (meter) meterLine(ctx, 0, false);
          return fail(ctx, o, 23, `Failure writing output to destination, passed ${byteLength(body)} returned 0`);
        }
      } else ctx.stdout.write(body);
      if (meter) meterLine(ctx, o.head ? 0 : byteLength(a.body), true);
      if (o.verbose) ctx.stderr.write(`* Connection #0 to host ${url.host} left intact\n`);
      if (o.write !== undefined)
        ctx.stdout.write(
          writeOut(o.write, {
            http_code: String(a.status),
            response_code: String(a.status),
            size_download: String(o.head ? 0 : byteLength(a.body)),
            content_type: a.headers["content-type"] ?? "",
            remote_ip: ip,
            remote_port: String(url.port),
            url_effective: `${url.scheme}://${url.hostPort}${url.path}`,
            time_total: "0.001000",
            time_connect: "0.000500",
            time_namelookup: "0.000200",
            num_redirects: "0",
          }),
        );
    }
    return code;
  },
};
