// nginx run by hand in its container: -v/-V, -t over the config files, -s signals to the master,
// and a second nginx that cannot bind the ports the running one holds.
import { NGINX_VERSION } from "../../../network/answers";
import type { Effect, Tool, ToolContext } from "../../types";
import { clock, err, readText } from "./common";
import { signalOf } from "./kill";

const CONF = "/etc/nginx/nginx.conf";

function stamp(ctx: ToolContext): string {
  const d = new Date(ctx.now());
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")} ${clock(ctx.now())}`;
}

/** A syntax check deep enough for what people break by hand: the file opens, braces balance. */
function check(ctx: ToolContext, path: string): string | null {
  const text = readText(ctx, path, true);
  if (text === null) return `open() "${path}" failed (2: No such file or directory)`;
  let depth = 0;
  let line = 1;
  for (const ch of text.replace(/#[^\n]*/g, "")) {
    if (ch === "\n") line++;
    else if (ch === "{") depth++;
    else if (ch === "}") {
      depth--;
      if (depth < 0) return `unexpected "}" in ${path}:${line}`;
    }
  }
  if (depth > 0) return `unexpected end of file, expecting "}" in ${path}:${line}`;
  for (const m of text.matchAll(/^\s*include\s+([^;\s]+);/gm)) {
    const pattern = m[1].startsWith("/") ? m[1] : `/etc/nginx/${m[1]}`;
    const dir = pattern.slice(0, pattern.lastIndexOf("/"));
    if (!pattern.includes("*")) {
      const e = check(ctx, pattern);
      if (e) return e;
      continue;
    }
    let names: string[] = [];
    try {
      names = ctx.fs.readdir(dir);
    } catch {
      continue;
    }
    const re = new RegExp("^" + pattern.slice(dir.length + 1).replace(/\./g, "\\.").replace(/\*/g, ".*") + "$");
    for (const n of names) if (re.test(n)) {
      const e = check(ctx, `${dir}/${n}`);
      if (e) return e;
    }
  }
  return null;
}

function master(ctx: ToolContext) {
  return ctx.world.processes.list().find((p) => p.argv[0] === "nginx:" || p.argv.join(" ").startsWith("nginx: master") || ((p.argv[0] ?? "").endsWith("nginx") && p.ppid === 0));
}

function* nginx(ctx: ToolContext): Generator<Effect, number, void> {
  const args = ctx.argv.slice(1);
  const self = ctx.world.processes.self;
  const pid = `${self}#${self}`;
  if (args.includes("-h") || args.includes("-?")) {
    err(ctx, `nginx version: nginx/${NGINX_VERSION}\nUsage: nginx [-?hvVtTq] [-s signal] [-p prefix]\n             [-e filename] [-c filename] [-g directives]`);
    return 0;
  }
  if (args.includes("-V")) {
    err(ctx, `nginx version: nginx/${NGINX_VERSION}\nbuilt by gcc 12.2.0 (Debian 12.2.0-14)\nbuilt with OpenSSL 3.0.14 4 Jun 2024\nTLS SNI support enabled\nconfigure arguments: --prefix=/etc/nginx --sbin-path=/usr/sbin/nginx --modules-path=/usr/lib/nginx/modules --conf-path=/etc/nginx/nginx.conf --error-log-path=/var/log/nginx/error.log --http-log-path=/var/log/nginx/access.log --pid-path=/var/run/nginx.pid --lock-path=/var/run/nginx.lock --with-http_ssl_module --with-http_v2_module --with-http_realip_module --with-http_stub_status_module --with-stream --with-stream_ssl_module`);
    return 0;
  }
  if (args.includes("-v")) {
    err(ctx, `nginx version: nginx/${NGINX_VERSION}`);
    return 0;
  }
  const ci = args.indexOf("-c");
  const conf = ci >= 0 && args[ci + 1] ? ctx.resolve(args[ci + 1]) : CONF;
  if (args.includes("-t") || args.includes("-T")) {
    const e = check(ctx, conf);
    if (e) {
      err(ctx, `nginx: [emerg] ${e}\nnginx: configuration file ${conf} test failed`);
      return 1;
    }
    err(ctx, `nginx: the configuration file ${conf} syntax is ok\nnginx: configuration file ${conf} test is successful`);
    if (args.includes("-T")) ctx.stdout.write(`# configuration file ${conf}:\n${readText(ctx, conf, true) ?? ""}\n`);
    return 0;
  }
  const si = args.indexOf("-s");
  if (si >= 0) {
    const what = args[si + 1];
    const signals: Record<string, string> = { stop: "TERM", quit: "QUIT", reopen: "USR1", reload: "HUP" };
    if (!what || !signals[what]) {
      err(ctx, `nginx: invalid option: "-s${what ? " " + what : ""}"`);
      return 1;
    }
    const m = master(ctx);
    if (!m) {
      err(ctx, `nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)`);
      return 1;
    }
    if (what === "reload") {
      const e = check(ctx, conf);
      if (e) {
        err(ctx, `nginx: [emerg] ${e}`);
        return 1;
      }
    }
    err(ctx, `${stamp(ctx)} [notice] ${pid}: signal process started`);
    ctx.world.processes.kill(m.pid, signalOf(signals[what])!);
    return 0;
  }
  // Another nginx: the running master holds the ports.
  if (master(ctx)) {
    const ports = ctx.world.image?.ports.length ? ctx.world.image.ports : [80];
    for (let attempt = 0; attempt < 5; attempt++) {
      for (const port of ports)
        for (const addr of [`0.0.0.0:${port}`, `[::]:${port}`]) {
          err(ctx, `${stamp(ctx)} [emerg] ${pid}: bind() to ${addr} failed (98: Address already in use)`);
          err(ctx, `nginx: [emerg] bind() to ${addr} failed (98: Address already in use)`);
        }
      yield { sleep: 500 };
    }
    err(ctx, `${stamp(ctx)} [emerg] ${pid}: still could not bind()`);
    err(ctx, "nginx: [emerg] still could not bind()");
    return 1;
  }
  return 0;
}

export const nginxTool: Tool = { names: ["nginx"], run: nginx };
