// wget: busybox's (alpine, busybox) and GNU's (debian), over the traffic function.
import type { HttpRequest } from "../../../network/types";
import type { Tool, ToolContext } from "../../types";
import { badOption, clock, err, padL, padR, parse, parseUrl, reason } from "./common";
import { byteLength, exchange, headerLines, resolveName } from "./http";

/** The kernel's SYN retries before a connect gives up (no answer from a dropped address). */
const CONNECT_TIMEOUT_MS = 127_000;

/** busybox's smart_ulltoa5: five characters for any size. */
function size5(n: number): string {
  if (n < 100000) return padL(n, 5);
  const units = "kMGTPE";
  let v = n;
  let i = -1;
  while (v >= 100000 || (i >= 0 && v >= 10000)) {
    v = Math.floor(v / 1024);
    i++;
    if (v < 10000) break;
  }
  return padL(`${v}${units[Math.max(0, i)]}`, 5);
}

function progress(ctx: ToolContext, file: string, total: number) {
  const tty = ctx.stderr.tty;
  const bar = "*".repeat(32);
  ctx.stderr.write(`${tty ? "\r" : ""}${padR(file.slice(0, 20), 20)} 100% |${bar}| ${size5(total)}  0:00:00 ETA\n`);
}

function* busybox(ctx: ToolContext): Generator<{ sleep: number }, number, void> {
  const p = parse(ctx.argv.slice(1), { short: "qcsSFY", withArg: "OoPUTYt", long: ["spider", "quiet", "server-response", "no-check-certificate", "continue"], longArg: ["output-document", "header", "post-data", "user-agent", "timeout", "tries", "method", "body-data"] });
  if (p.bad) return badOption(ctx, p.bad);
  if (!p.args.length) {
    err(ctx, "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...");
    return 1;
  }
  const quiet = p.flags.has("q") || p.flags.has("quiet");
  const spider = p.flags.has("spider");
  const showHeaders = p.flags.has("S") || p.flags.has("server-response");
  const out = (p.flags.get("O") ?? p.flags.get("output-document")) as string | undefined;
  const timeout = Number(p.flags.get("T") ?? p.flags.get("timeout") ?? 0);
  const postData = p.flags.get("post-data") as string | undefined;
  const headers: Record<string, string> = {};
  for (const h of p.all.get("header") ?? []) {
    const i = h.indexOf(":");
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  for (const raw of p.args) {
    let url = parseUrl(raw);
    if (!url || (url.scheme !== "http" && url.scheme !== "https" && url.scheme !== "ftp")) {
      err(ctx, `wget: not an http or ftp url: ${raw}`);
      return 1;
    }
    for (let redirects = 0; ; redirects++) {
      const where = resolveName(ctx, url.host);
      if (!where.ok) {
        if (where.timeout) yield { sleep: 10_000 };
        err(ctx, `wget: bad address '${url.host}'`);
        return 1;
      }
      if (!quiet) ctx.stderr.write(`Connecting to ${url.hostPort} (${where.ip}:${url.port})\n`);
      const req: HttpRequest = {
        method: (p.flags.get("method") as string | undefined) ?? (postData !== undefined ? "POST" : spider ? "HEAD" : "GET"),
        path: url.path,
        headers: { host: url.hostPort, "user-agent": (p.flags.get("U") ?? p.flags.get("user-agent") ?? "Wget") as string, connection: "close", ...(postData !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...headers },
        host: url.hostPort,
        scheme: url.scheme === "https" ? "https" : "http",
        ...(postData !== undefined ? { body: postData } : {}),
      };
      const o = exchange(ctx, where.ip, url.port, req);
      if (!o.ok) {
        if (o.error === "timeout") {
          yield { sleep: timeout ? timeout * 1000 : CONNECT_TIMEOUT_MS };
          err(ctx, timeout ? "wget: download timed out" : `wget: can't connect to remote host (${where.ip}): Connection timed out`);
        } else if (o.error === "reset") err(ctx, "wget: error getting response: Connection reset by peer");
        else err(ctx, `wget: can't connect to remote host (${where.ip}): ${o.error === "unreachable" ? "No route to host" : "Connection refused"}`);
        return 1;
      }
      const a = o.answer;
      if (!a) {
        err(ctx, "wget: error getting response");
        return 1;
      }
      const statusLine = `HTTP/1.1 ${a.status} ${reason(a.status)}`;
      if (showHeaders) ctx.stderr.write([statusLine, ...headerLines(a)].map((l) => `  ${l}\n`).join(""));
      if ([301, 302, 303, 307, 308].includes(a.status) && a.headers.location && redirects < 16) {
        const next = parseUrl(a.headers.location.startsWith("/") ? `${url.scheme}://${url.hostPort}${a.headers.location}` : a.headers.location);
        if (next) {
          url = next;
          continue;
        }
      }
      // busybox takes 200, 204 and 206 (and follows redirects); any other status is an error.
      if (a.status !== 200 && a.status !== 204 && a.status !== 206) {
        err(ctx, `wget: server returned error: ${statusLine}`);
        return 1;
      }
      if (spider) {
        if (!quiet) ctx.stderr.write("remote file exists\n");
        break;
      }
      const toStdout = out === "-";
      const file = out ?? (url.path.replace(/[?#].*$/, "").split("/").pop() || "index.html");
      // The file is opened (O_EXCL unless -O named it) before anything is reported.
      if (!toStdout) {
        const path = ctx.resolve(file);
        if (out === undefined && ctx.fs.stat(path)) {
          err(ctx, `wget: can't open '${file}': File exists`);
          return 1;
        }
        try {
          ctx.fs.write(path, a.body);
        } catch (e) {
          err(ctx, `wget: can't open '${file}': ${(e as Error).message}`);
          return 1;
        }
      }
      if (!quiet) ctx.stderr.write(toStdout ? "writing to stdout\n" : `saving to '${file}'\n`);
      if (toStdout) ctx.stdout.write(a.body);
      if (!quiet) {
        progress(ctx, toStdout ? "-" : (file.split("/").pop() ?? file), byteLength(a.body));
        ctx.stderr.write(toStdout ? "written to stdout\n" : `'${file}' saved\n`);
      }
      break;
    }
  }
  return 0;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10) + " " + clock(ms);
}

function* gnu(ctx: ToolContext): Generator<{ sleep: number }, number, void> {
  const p = parse(ctx.argv.slice(1), { short: "qSvcN", withArg: "OoTUtP", long: ["spider", "quiet", "server-response", "no-check-certificate", "no-verbose"], longArg: ["output-document", "header", "post-data", "user-agent", "timeout", "tries", "method", "body-data"] });
  if (p.bad) return badOption(ctx, p.bad, 2);
  if (!p.args.length) {
    err(ctx, "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.");
    return 1;
  }
  const quiet = p.flags.has("q") || p.flags.has("quiet");
  const log = (s: string) => {
    if (!quiet) ctx.stderr.write(s);
  };
  const out = (p.flags.get("O") ?? p.flags.get("output-document")) as string | undefined;
  const spider = p.flags.has("spider");
  const postData = p.flags.get("post-data") as string | undefined;
  for (const raw of p.args) {
    const url = parseUrl(raw);
    if (!url) {
      err(ctx, `${raw}: Invalid URL ${raw}: Unsupported scheme`);
      return 1;
    }
    const full = `${url.scheme}://${url.hostPort}${url.path}`;
    log(`--${stamp(ctx.now())}--  ${full}\n`);
    const where = resolveName(ctx, url.host);
    if (!where.ok) {
      if (where.timeout) yield { sleep: 10_000 };
      log(`Resolving ${url.host} (${url.host})... failed: ${where.timeout ? "Temporary failure in name resolution" : "Name or service not known"}.\n`);
      if (quiet) err(ctx, "");
      err(ctx, `wget: unable to resolve host address ‘${url.host}’`);
      return 4;
    }
    if (url.host !== where.ip) log(`Resolving ${url.host} (${url.host})... ${where.ip}\n`);
    log(`Connecting to ${url.host} (${url.host})|${where.ip}|:${url.port}... `);
    const o = exchange(ctx, where.ip, url.port, {
      method: postData !== undefined ? "POST" : spider ? "HEAD" : "GET",
      path: url.path,
      headers: { host: url.hostPort, "user-agent": "Wget/1.21.3", accept: "*/*", "accept-encoding": "identity", connection: "Keep-Alive" },
      host: url.hostPort,
      ...(postData !== undefined ? { body: postData } : {}),
    });
    if (!o.ok) {
      if (o.error === "timeout") yield { sleep: Number(p.flags.get("T") ?? 0) * 1000 || CONNECT_TIMEOUT_MS };
      log(`failed: ${o.error === "timeout" ? "Connection timed out" : o.error === "unreachable" ? "No route to host" : o.error === "reset" ? "Connection reset by peer" : "Connection refused"}.\n`);
      return 4;
    }
    log("connected.\n");
    const a = o.answer;
    if (!a) {
      log("HTTP request sent, awaiting response... No data received.\n");
      return 4;
    }
    log(`HTTP request sent, awaiting response... ${a.status} ${reason(a.status)}\n`);
    if (a.status >= 400) {
      log(`${stamp(ctx.now())} ERROR ${a.status}: ${reason(a.status)}.\n\n`);
      return 8;
    }
    const len = byteLength(a.body);
    const type = a.headers["content-type"] ?? "";
    log(`Length: ${len} [${type.split(";")[0]}]\n`);
    if (spider) {
      log("Remote file exists and could contain further links,\nbut recursion is disabled -- not retrieving.\n\n");
      continue;
    }
    const toStdout = out === "-";
    let file = out ?? (url.path.split("/").pop() || "index.html");
    if (out === undefined) for (let n = 1; ctx.fs.stat(ctx.resolve(file)); n++) file = `${url.path.split("/").pop() || "index.html"}.${n}`;
    log(`Saving to: ‘${toStdout ? "STDOUT" : file}’\n\n`);
    if (toStdout) ctx.stdout.write(a.body);
    else
      try {
        ctx.fs.write(ctx.resolve(file), a.body);
      } catch (e) {
        err(ctx, `${file}: ${(e as Error).message}`);
        return 3;
      }
    log(`${padR(toStdout ? "-" : file, 19)} 100%[===================>] ${padL(len, 7)}  --.-KB/s    in 0s      \n\n`);
    log(`${stamp(ctx.now())} (${(len / 1024 / 0.0001 / 1024).toFixed(1)} MB/s) - ${toStdout ? "written to stdout" : `‘${file}’ saved`} [${len}/${len}]\n\n`);
  }
  return 0;
}

export const wget: Tool = {
  names: ["wget"],
  run(ctx) {
    return ctx.flavour === "gnu" ? gnu(ctx) : busybox(ctx);
  },
};
