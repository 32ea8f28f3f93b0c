// What a container answers over HTTP, from the image catalog's `answers`: nginx's welcome page,
// httpd's "It works!", echoserver and agnhost echoing the request, hello-app's version and
// hostname, a declared image's fixed answer. Also which ports a container listens on (only
// while it runs its image's service) and the access-log line each answered request writes.
import { parseImageRef } from "../node/imageRef";
import type { FixedAnswer, ImageBehaviour } from "../node/images";
import { argvOf } from "../node/program";
import { servesOf } from "../node/runtime";
import type { Pod } from "../resources/pod";
import type { ContainerT } from "../resources/types/core";
import type { HttpAnswer, HttpRequest } from "./types";

export const NGINX_VERSION = "1.27.3";
const APACHE = "Apache/2.4.62 (Unix)";

/** The ports a running container listens on, and which of them speak HTTP. */
export interface Listening {
  tcp: Set<number>;
  http: Set<number>;
}

const NOTHING: Listening = { tcp: new Set(), http: new Set() };

/** The value of `--flag=v` or `--flag v` in argv. */
function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` || argv[i] === `-${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

const argv = (spec: ContainerT, image: ImageBehaviour): string[] => argvOf(image, spec.command, spec.args);

function envValue(spec: ContainerT, name: string): string | undefined {
  return spec.env?.find((e) => e.name === name)?.value ?? undefined;
}

/**
 * What a container listens on: nothing unless its status says it runs and its process is the
 * image's service (an nginx image running `sleep 3600` serves nothing). agnhost listens where
 * its subcommand's flags say; hello-app on $PORT.
 */
export function listening(pod: Pod, spec: ContainerT, image: ImageBehaviour): Listening {
  const status = pod.status?.containerStatuses?.find((s) => s.name === spec.name);
  if (!status?.state?.running) return NOTHING;
  if (!servesOf(spec, image)) return NOTHING;
  if (image.answers === "agnhost") {
    const args = argv(spec, image).slice(1);
    const sub = args.find((a) => !a.startsWith("-"));
    if (sub === "netexec") {
      const http = Number(flag(args, "http-port") ?? 8080);
      return { tcp: new Set([http]), http: new Set([http]) };
    }
    if (sub === "serve-hostname") {
      const port = Number(flag(args, "port") ?? 9376);
      return { tcp: new Set([port]), http: flag(args, "http") === "false" ? new Set() : new Set([port]) };
    }
    return NOTHING; // pause, and subcommands that serve nothing over TCP
  }
  if (image.answers === "hello-app") {
    const port = Number(envValue(spec, "PORT") ?? 8080);
    return { tcp: new Set([port]), http: new Set([port]) };
  }
  return { tcp: new Set(image.ports), http: new Set(image.http) };
}

/** One request to one container. */
export interface Exchange {
  pod: Pod;
  spec: ContainerT;
  image: ImageBehaviour;
  port: number;
  req: HttpRequest;
  /** The address the request came from, as the server sees it. */
  clientIp: string;
  /** The address and port the client dialled (the Host header's default). */
  dialled: string;
  /** The wall clock (ms) for Date headers and log lines. */
  wallNow: number;
  /** The cluster's API server (for a kube-apiserver container); without it, every request is unauthenticated. */
  kubeApi?: (req: HttpRequest) => HttpAnswer;
}

export interface Served {
  answer: HttpAnswer;
  /** The access-log line the server writes for it, or null for servers that log none. */
  log: string | null;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const p2 = (n: number) => String(n).padStart(2, "0");

/** An HTTP Date header: Thu, 03 Dec 2026 12:00:00 GMT. */
export function httpDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

/** The common log format's time: 03/Dec/2026:12:00:00 +0000. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

const encoder = new TextEncoder();
/** UTF-8 lengths of the bodies servers answer again and again (welcome pages, error pages). */
const lengths = new Map<string, number>();

function bytes(s: string): number {
  if (s.length < 256) return encoder.encode(s).length;
  let n = lengths.get(s);
  if (n === undefined) {
    n = encoder.encode(s).length;
    if (lengths.size < 64) lengths.set(s, n);
  }
  return n;
}

function requestLine(req: HttpRequest): string {
  return `${req.method} ${req.path} HTTP/1.1`;
}

/** nginx's "combined" format plus $http_x_forwarded_for, as the official image logs. */
function nginxLog(x: Exchange, a: HttpAnswer): string {
  const h = x.req.headers;
  return `${x.clientIp} - - [${clfTime(x.wallNow)}] "${requestLine(x.req)}" ${a.status} ${x.req.method === "HEAD" ? 0 : bytes(a.body)} "${h["referer"] ?? "-"}" "${h["user-agent"] ?? "-"}" "${h["x-forwarded-for"] ?? "-"}"`;
}

function apacheLog(x: Exchange, a: HttpAnswer): string {
  return `${x.clientIp} - - [${clfTime(x.wallNow)}] "${requestLine(x.req)}" ${a.status} ${x.req.method === "HEAD" ? "-" : bytes(a.body)}`;
}

function goLogTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** klog's header: I1203 12:00:00.000000       1 file.go:123] */
function klog(ms: number, where: string): string {
  const d = new Date(ms);
  return `I${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, "0")}000       1 ${where}]`;
}

export const NGINX_WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

/** nginx's built-in error page for a status (404 Not Found, 405 Not Allowed, 502 Bad Gateway...). */
export function nginxErrorPage(status: number, reason: string, version: string = NGINX_VERSION): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx${version ? "/" + version : ""}</center>\r\n</body>\r\n</html>\r\n`;
}

function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? path : path.slice(0, q);
}

function queryOf(path: string): URLSearchParams {
  const q = path.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : path.slice(q + 1));
}

function answer(status: number, contentType: string, body: string, extra: Record<string, string>, x: Exchange): HttpAnswer {
  const headers: Record<string, string> = { date: httpDate(x.wallNow), "content-type": contentType, "content-length": String(bytes(body)), ...extra };
  return { status, headers, body: x.req.method === "HEAD" ? "" : body };
}

function nginx(x: Exchange): Served {
  const path = pathOnly(x.req.path);
  const server = { server: `nginx/${NGINX_VERSION}` };
  let a: HttpAnswer;
  if (path === "/" || path === "/index.html") {
    if (x.req.method !== "GET" && x.req.method !== "HEAD") a = answer(405, "text/html", nginxErrorPage(405, "Not Allowed"), { ...server, connection: "keep-alive" }, x);
    else a = answer(200, "text/html", NGINX_WELCOME, { ...server, "last-modified": "Tue, 26 Nov 2024 15:55:00 GMT", connection: "keep-alive", etag: '"6745ef54-267"', "accept-ranges": "bytes" }, x);
  } else a = answer(404, "text/html", nginxErrorPage(404, "Not Found"), { ...server, connection: "keep-alive" }, x);
  return { answer: a, log: nginxLog(x, a) };
}

function httpd(x: Exchange): Served {
  const path = pathOnly(x.req.path);
  const server = { server: APACHE };
  let a: HttpAnswer;
  if (path === "/" || path === "/index.html") a = answer(200, "text/html", "<html><body><h1>It works!</h1></body></html>\n", { ...server, "last-modified": "Mon, 11 Jun 2007 18:53:14 GMT", etag: '"2d-432a5e4a73a80"', "accept-ranges": "bytes" }, x);
  else
    a = answer(
      404,
      "text/html; charset=iso-8859-1",
      `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n`,
      server,
      x,
    );
  return { answer: a, log: apacheLog(x, a) };
}

/** registry.k8s.io/echoserver: the request, as its Lua page prints it. */
function echoserver(x: Exchange): Served {
  const q = x.req.path.indexOf("?");
  const headers = Object.entries({ host: x.req.host ?? x.dialled, ...x.req.headers }).sort(([a], [b]) => a.localeCompare(b));
  const body = [
    "",
    "",
    `Hostname: ${x.pod.metadata.name}`,
    "",
    "Pod Information:",
    "\t-no pod information available-",
    "",
    "Server values:",
    "\tserver_version=nginx: 1.13.3 - lua: 10008",
    "",
    "Request Information:",
    `\tclient_address=${x.clientIp}`,
    `\tmethod=${x.req.method}`,
    `\treal path=${pathOnly(x.req.path)}`,
    `\tquery=${q < 0 ? "" : x.req.path.slice(q + 1)}`,
    "\trequest_version=1.1",
    `\trequest_scheme=${x.req.scheme ?? "http"}`,
    `\trequest_uri=${x.req.scheme ?? "http"}://${x.req.host ?? x.dialled}${x.req.path}`,
    "",
    "Request Headers:",
    ...headers.map(([k, v]) => `\t${k}=${v}`),
    "",
    "Request Body:",
    x.req.body ? x.req.body : "\t-no body in request-",
    "",
    "",
  ].join("\n");
  const a = answer(200, "text/plain", body, { server: "echoserver" }, x);
  return { answer: a, log: nginxLog(x, a).replace(/ "[^"]*"$/, "") };
}

/** agnhost netexec's handlers, and serve-hostname's single answer. */
function agnhost(x: Exchange): Served {
  const args = argv(x.spec, x.image).slice(1);
  const sub = args.find((a) => !a.startsWith("-"));
  const name = x.pod.metadata.name!;
  const text = (status: number, body: string) => answer(status, "text/plain; charset=utf-8", body, {}, x);
  if (sub === "serve-hostname") return { answer: text(200, name), log: null };
  const path = pathOnly(x.req.path);
  const q = queryOf(x.req.path);
  let a: HttpAnswer;
  switch (path) {
    case "/":
      a = text(200, `NOW: ${new Date(x.wallNow).toISOString().replace("T", " ").replace("Z", " +0000 UTC")}`);
      break;
    case "/hostname":
      a = text(200, name);
      break;
    case "/echo":
      a = text(200, q.get("msg") ?? "");
      break;
    case "/clientip":
      a = text(200, `${x.clientIp}:${40000 + (x.wallNow % 20000)}`);
      break;
    case "/header":
      a = text(200, x.req.headers[(q.get("key") ?? "").toLowerCase()] ?? "");
      break;
    case "/healthz":
      a = text(200, "");
      break;
    default:
      a = text(404, "404 page not found\n");
  }
  return { answer: a, log: `${klog(x.wallNow, "log.go:245")} ${x.req.method} ${path}` };
}

function imageTag(spec: ContainerT): string {
  return parseImageRef(spec.image ?? "")?.tag ?? "latest";
}

function helloApp(x: Exchange): Served {
  const major = /^(\d+)/.exec(imageTag(x.spec))?.[1] ?? "1";
  const a = answer(200, "text/plain; charset=utf-8", `Hello, world!\nVersion: ${major}.0.0\nHostname: ${x.pod.metadata.name}\n`, {}, x);
  return { answer: a, log: `${goLogTime(x.wallNow)} Serving request: ${pathOnly(x.req.path)}` };
}

function bootcamp(x: Exchange): Served {
  const v = /^v?(\d+)/.exec(imageTag(x.spec))?.[1] ?? "1";
  const a = answer(200, "text/plain", `Hello Kubernetes bootcamp! | Running on: ${x.pod.metadata.name} | v=${v}\n`, {}, x);
  return { answer: a, log: `Running On: ${x.pod.metadata.name} | Log Time: ${new Date(x.wallNow).toISOString()}` };
}

function fixed(x: Exchange, f: FixedAnswer): Served {
  return { answer: answer(f.status, f.contentType, f.body, {}, x), log: null };
}

/** What the container's service answers to one request. */
export function serve(x: Exchange): Served {
  const kind = x.image.answers;
  if (kind && typeof kind === "object") return fixed(x, kind);
  switch (kind) {
    case "nginx":
      return nginx(x);
    case "httpd":
      return httpd(x);
    case "echoserver":
      return echoserver(x);
    case "agnhost":
      return agnhost(x);
    case "hello-app":
      return helloApp(x);
    case "bootcamp":
      return bootcamp(x);
    case "node-hello":
      return { answer: answer(200, "text/plain", "Hello Kubernetes!", {}, x), log: null };
    case "apache-php": {
      const a = answer(200, "text/html; charset=UTF-8", "OK!", { server: "Apache/2.4.10 (Debian)", "x-powered-by": "PHP/5.6.40" }, x);
      return { answer: a, log: `${x.clientIp} - - [${clfTime(x.wallNow)}] "${requestLine(x.req)}" 200 3 "-" "${x.req.headers["user-agent"] ?? "-"}"` };
    }
    case "kube-apiserver": {
      const unauthorized = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 }) + "\n";
      return { answer: x.kubeApi ? x.kubeApi(x.req) : answer(401, "application/json", unauthorized, {}, x), log: null };
    }
    case "traefik":
      return { answer: answer(404, "text/plain; charset=utf-8", "404 page not found\n", { "x-content-type-options": "nosniff" }, x), log: null };
    default:
      return { answer: answer(200, "text/plain; charset=utf-8", "OK", {}, x), log: null };
  }
}
