// The image catalog: how each image behaves when a pod runs it. There are no containers; what
// an image does (its size and pull time, the process it runs by default, what that process
// logs, which ports it serves and how it answers HTTP, its memory use) is data here, and the
// kubelet simulation follows it. Users may declare images of their own in the cluster's
// simulation settings (PATCH /v1/clusters/{name} {"simulation":{"images":{...}}}).
import { z } from "zod";
import { LOG_KLOG } from "./logs";

export interface ImageBehaviour {
  /** Tags that exist besides "latest" ("*" = any tag). */
  tags: string[];
  /** Version tags that exist without being listed: see `hasTag`. */
  versions?: VersionRule;
  /** Compressed size, for the Pulled event. */
  sizeBytes: number;
  /** Pull time on the realistic profile. */
  pullMs: number;
  /** Time from "Started" to serving (readiness of the process itself). */
  startMs: number;
  /** Memory the process uses: a limit below it is OOMKilled. */
  memoryMi: number;
  /** The image's ENTRYPOINT and CMD. */
  entrypoint: string[];
  cmd: string[];
  /** Programs that run the image's service (exec them and the service runs). */
  servers: string[];
  /** TCP ports the service listens on. */
  ports: number[];
  /** HTTP: ports that answer, and paths with a non-200 answer (everything else is 200). */
  http: number[];
  httpStatus?: Record<string, number>;
  /** What the service logs when it starts. */
  logs: string[];
  /** A line the service logs for each HTTP request it answers (%path% is replaced). */
  accessLog?: string;
  /** Whether the service exits promptly on SIGTERM (otherwise it is killed at the grace period's end). */
  stopsOnTerm: boolean;
  /** What the service does when run: run until stopped, or exit with a code after some time. */
  exits?: { code: number; afterMs: number; logs?: string[] };
  /** Whether the image has a shell (sh -c works). */
  shell: boolean;
  /** The image's part in the cluster's network, when it has one. */
  network?: NetworkRole;
  /** What its HTTP service answers (network/answers.ts); without it, a plain 200 "OK". */
  answers?: AnswerKind | FixedAnswer;
}

/** Servers whose answers network/answers.ts knows. */
export type AnswerKind = "nginx" | "httpd" | "echoserver" | "agnhost" | "hello-app" | "bootcamp" | "node-hello" | "apache-php" | "traefik";

/** A fixed answer to every request (a declared image's). */
export interface FixedAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** What an image does for the cluster's network (read by node readiness, network policy and traffic). */
export interface NetworkRole {
  /** A CNI plugin's node agent: once it runs on a node, that node's pod network is ready. */
  cni?: { name: string; enforcesPolicy: boolean };
  /** An ingress controller: HTTP it receives is routed by the cluster's Ingresses of its class. */
  ingressController?: "nginx";
}

/**
 * Which version tags of an image exist. A manifest copied from a tutorial or a test suite names
 * tags no list keeps up with (nginx:1.15.4, busybox:1.29); any version whose major is in range
 * exists, optionally followed by known variants (1.27-alpine, 3.12-slim-bookworm, alpine3.20)
 * or, for images built for Kubernetes' tests, a build number (1.29-4). Anything else
 * (nginx:doesnotexist, nginx:99) does not, and the pull fails as it would.
 */
export interface VersionRule {
  major: [number, number];
  variants?: string[];
  /** Tags end in a build number (registry.k8s.io/e2e-test-images: 1.29-4, 2.4.38-4). */
  builds?: boolean;
  /** Tags start with "v" (v1.2.3). */
  v?: boolean;
}

const VERSION_TAG = /^(v?)(\d+)(?:\.\d+){0,3}(?:-(.+))?$/;

/** Whether `tag` exists for the image: listed, or a version its rule admits. */
export function hasTag(image: ImageBehaviour, tag: string): boolean {
  if (image.tags.includes("*") || image.tags.includes(tag)) return true;
  const rule = image.versions;
  if (!rule) return false;
  const m = VERSION_TAG.exec(tag);
  if (m) {
    if (!!m[1] !== !!rule.v) return false;
    const major = Number(m[2]);
    if (major < rule.major[0] || major > rule.major[1]) return false;
    return m[3] === undefined || suffixExists(rule, m[3]);
  }
  // A variant alone (alpine, slim-bookworm, alpine3.20).
  return suffixExists({ ...rule, builds: false }, tag);
}

function suffixExists(rule: VersionRule, suffix: string): boolean {
  if (rule.builds && /^\d+$/.test(suffix)) return true;
  const variants = rule.variants ?? [];
  return suffix.split("-").every((part) => variants.some((v) => part === v || (part.startsWith(v) && /^\d+(\.\d+)*$/.test(part.slice(v.length)))));
}

/** Registries and paths that serve the same images under another name. */
const ALIASES: [string, string][] = [
  ["k8s.gcr.io/", "registry.k8s.io/"],
  ["gcr.io/google_samples/", "gcr.io/google-samples/"],
  ["us-docker.pkg.dev/google-samples/containers/gke/", "gcr.io/google-samples/"],
];

/** The catalog entry of a repository (as ImageRef.repo spells it), through registry aliases. */
export function catalogImage(repo: string): ImageBehaviour | undefined {
  if (Object.hasOwn(CATALOG, repo)) return CATALOG[repo];
  for (const [from, to] of ALIASES) if (repo.startsWith(from) && Object.hasOwn(CATALOG, to + repo.slice(from.length))) return CATALOG[to + repo.slice(from.length)];
  return undefined;
}

const nginxLogs = [
  "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
  "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
  "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
  "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
  "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
  "/docker-entrypoint.sh: Configuration complete; ready for start up",
  "[notice] 1#1: using the \"epoll\" event method",
  "[notice] 1#1: nginx/1.27.3",
  "[notice] 1#1: start worker processes",
];

function image(partial: Partial<ImageBehaviour> & Pick<ImageBehaviour, "entrypoint" | "cmd">): ImageBehaviour {
  return { tags: ["*"], sizeBytes: 50_000_000, pullMs: 1500, startMs: 200, memoryMi: 20, servers: [], ports: [], http: [], logs: [], stopsOnTerm: true, shell: true, ...partial };
}

const shellOnly = (cmd: string[], sizeBytes: number, pullMs: number) => image({ entrypoint: [], cmd, sizeBytes, pullMs, memoryMi: 1 });

const NGINX = image({
    tags: ["1", "1.25", "1.26", "1.27", "1.27.3", "1.28", "alpine", "stable", "mainline", "stable-alpine", "1.27-alpine", "1.14.2", "1.16.1", "1.19", "1.21", "1.23", "1.24"],
    versions: { major: [1, 1], variants: ["alpine", "slim", "perl", "bookworm", "bullseye", "buster", "otel", "mainline", "stable"] },
    sizeBytes: 72_950_000,
    pullMs: 1200,
    startMs: 100,
    memoryMi: 8,
    entrypoint: ["/docker-entrypoint.sh"],
    cmd: ["nginx", "-g", "daemon off;"],
    servers: ["nginx", "/docker-entrypoint.sh", "/usr/sbin/nginx"],
    ports: [80],
    http: [80],
    httpStatus: { "/healthz": 404, "/notfound": 404 },
    logs: nginxLogs,
    answers: "nginx",
    accessLog: '10.244.0.1 - - "GET %path% HTTP/1.1" 200 615 "-" "kube-probe"',
  });

const HTTPD = image({
    tags: ["2", "2.4", "alpine", "2.4-alpine"],
    versions: { major: [2, 2], variants: ["alpine", "bookworm", "bullseye", "buster"] },
    sizeBytes: 58_000_000,
    pullMs: 1200,
    memoryMi: 10,
    entrypoint: [],
    cmd: ["httpd-foreground"],
    servers: ["httpd-foreground", "httpd"],
    ports: [80],
    http: [80],
    answers: "httpd",
    logs: ["AH00558: httpd: Could not reliably determine the server's fully qualified domain name", "[mpm_event:notice] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations", "[core:notice] AH00094: Command line: 'httpd -D FOREGROUND'"],
    stopsOnTerm: false,
  });

/** klog's line: severity, header (filled in when written), source and message. */
const klog = (severity: "I" | "W" | "E", source: string, message: string) => `${severity}${LOG_KLOG}${source}] ${message}`;

const INGRESS_NGINX_LOGS = [
  "-------------------------------------------------------------------------------",
  "NGINX Ingress controller",
  "  Release:       v1.15.1",
  "  Repository:    https://github.com/kubernetes/ingress-nginx",
  "  nginx version: nginx/1.27.1",
  "",
  "-------------------------------------------------------------------------------",
  "",
  klog("W", "client_config.go:667", "Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work."),
  klog("I", "main.go:205", '"Creating API client" host="https://10.96.0.1:443"'),
  klog("I", "main.go:101", '"SSL fake certificate created" file="/etc/ingress-controller/ssl/default-fake-certificate.pem"'),
  klog("I", "ssl.go:535", '"loading tls certificate" path="/usr/local/certificates/cert" key="/usr/local/certificates/key"'),
  klog("I", "nginx.go:271", '"Starting NGINX Ingress controller"'),
  klog("I", "nginx.go:317", '"Starting NGINX process"'),
  klog("I", "leaderelection.go:257", "attempting to acquire leader lease ingress-nginx/ingress-nginx-leader..."),
  klog("I", "nginx.go:337", '"Starting validation webhook" address=":8443" certPath="/usr/local/certificates/cert" keyPath="/usr/local/certificates/key"'),
  klog("I", "controller.go:196", '"Configuration changes detected, backend reload required"'),
  klog("I", "leaderelection.go:271", "successfully acquired lease ingress-nginx/ingress-nginx-leader"),
  klog("I", "controller.go:216", '"Backend successfully reloaded"'),
  klog("I", "controller.go:227", '"Initial sync, sleeping for 1 second"'),
];

const BUSYBOX = { ...shellOnly(["sh"], 2_150_000, 400), tags: ["stable", "musl", "glibc", "uclibc"], versions: { major: [1, 1], variants: ["glibc", "musl", "uclibc", "stable"] } } satisfies ImageBehaviour;

/** An HTTP service on 8080 that logs one line when it starts (the Kubernetes tutorials' sample apps). */
const sampleApp = (tags: string[], logs: string[], answers: AnswerKind, v = true): ImageBehaviour =>
  image({ tags, ...(v ? { versions: { major: [1, 9], v: true } } : {}), sizeBytes: 70_000_000, pullMs: 900, entrypoint: [], cmd: ["/app"], servers: ["/app", "node", "server.js"], ports: [8080], http: [8080], logs, memoryMi: 10, answers });

/** Official images by repository (Docker Hub's library/ namespace). */
export const CATALOG: Record<string, ImageBehaviour> = {
  nginx: NGINX,
  httpd: HTTPD,
  redis: image({
    tags: ["6", "7", "7.2", "7.4", "alpine", "7-alpine"],
    versions: { major: [2, 8], variants: ["alpine", "bookworm", "bullseye", "buster"] },
    sizeBytes: 45_000_000,
    pullMs: 1000,
    memoryMi: 4,
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["redis-server"],
    servers: ["redis-server", "docker-entrypoint.sh"],
    ports: [6379],
    logs: ["1:C oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", "1:M * Running mode=standalone, port=6379.", "1:M * Server initialized", "1:M * Ready to accept connections tcp"],
  }),
  busybox: BUSYBOX,
  alpine: { ...shellOnly(["/bin/sh"], 3_600_000, 400), tags: ["edge"], versions: { major: [3, 3] } },
  ubuntu: { ...shellOnly(["/bin/bash"], 29_700_000, 900), tags: ["jammy", "noble", "focal", "bionic", "xenial", "oracular", "plucky", "rolling"], versions: { major: [12, 25] } },
  debian: { ...shellOnly(["bash"], 49_000_000, 1000), tags: ["bookworm", "bullseye", "buster", "trixie", "bookworm-slim", "bullseye-slim", "buster-slim", "stable", "stable-slim"], versions: { major: [7, 13], variants: ["slim"] } },
  postgres: image({
    tags: ["13", "14", "15", "16", "17", "alpine", "16-alpine"],
    versions: { major: [9, 18], variants: ["alpine", "bookworm", "bullseye"] },
    sizeBytes: 158_000_000,
    pullMs: 2500,
    startMs: 1500,
    memoryMi: 40,
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["postgres"],
    servers: ["postgres", "docker-entrypoint.sh"],
    ports: [5432],
    logs: ["PostgreSQL init process complete; ready for start up.", "LOG:  starting PostgreSQL 17.2 on x86_64-pc-linux-gnu", "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432", "LOG:  database system is ready to accept connections"],
    stopsOnTerm: true,
  }),
  mysql: image({
    tags: ["5.7", "8", "8.0", "8.4", "9"],
    versions: { major: [5, 9], variants: ["debian", "oracle", "oraclelinux"] },
    sizeBytes: 170_000_000,
    pullMs: 3000,
    startMs: 4000,
    memoryMi: 360,
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["mysqld"],
    servers: ["mysqld", "docker-entrypoint.sh"],
    ports: [3306, 33060],
    logs: ["[Note] [Entrypoint]: Entrypoint script for MySQL Server started.", "[System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL."],
  }),
  mongo: image({
    tags: ["5", "6", "7", "8"],
    versions: { major: [3, 8], variants: ["jammy", "focal", "noble"] },
    sizeBytes: 290_000_000,
    pullMs: 3500,
    startMs: 1500,
    memoryMi: 150,
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["mongod"],
    servers: ["mongod", "docker-entrypoint.sh"],
    ports: [27017],
    logs: ['{"t":{"$date":"now"},"s":"I","c":"NETWORK","id":23016,"ctx":"listener","msg":"Waiting for connections","attr":{"port":27017,"ssl":"off"}}'],
  }),
  python: image({ tags: ["3", "3.11", "3.12", "3.13", "slim", "3.12-slim", "alpine"], versions: { major: [2, 3], variants: ["slim", "alpine", "bookworm", "bullseye", "buster"] }, sizeBytes: 380_000_000, pullMs: 4000, memoryMi: 10, entrypoint: [], cmd: ["python3"], servers: [], exits: { code: 0, afterMs: 0 } }),
  node: image({ tags: ["18", "20", "22", "23", "lts", "alpine", "20-alpine", "22-alpine"], versions: { major: [4, 24], variants: ["alpine", "slim", "bookworm", "bullseye", "buster"] }, sizeBytes: 390_000_000, pullMs: 4000, memoryMi: 10, entrypoint: ["docker-entrypoint.sh"], cmd: ["node"], servers: [], exits: { code: 0, afterMs: 0 } }),
  traefik: image({ sizeBytes: 50_000_000, entrypoint: ["/entrypoint.sh"], cmd: ["traefik"], servers: ["traefik", "/entrypoint.sh"], ports: [80, 8080], http: [80, 8080], memoryMi: 30, answers: "traefik" }),
  memcached: image({ sizeBytes: 30_000_000, entrypoint: ["docker-entrypoint.sh"], cmd: ["memcached"], servers: ["memcached", "docker-entrypoint.sh"], ports: [11211], memoryMi: 5 }),
  rabbitmq: image({ tags: ["3", "4", "management", "3-management"], versions: { major: [3, 4], variants: ["management", "alpine"] }, sizeBytes: 100_000_000, pullMs: 2000, startMs: 5000, memoryMi: 120, entrypoint: ["docker-entrypoint.sh"], cmd: ["rabbitmq-server"], servers: ["rabbitmq-server", "docker-entrypoint.sh"], ports: [5672, 15672], http: [15672], logs: ["Server startup complete; 0 plugins started."] }),
  "registry.k8s.io/pause": image({ tags: ["3.9", "3.10"], versions: { major: [2, 3] }, sizeBytes: 320_000, pullMs: 200, memoryMi: 1, entrypoint: ["/pause"], cmd: [], servers: ["/pause"], shell: false }),
  "registry.k8s.io/e2e-test-images/agnhost": image({ tags: ["2.39", "2.43", "2.52", "2.53"], versions: { major: [2, 2] }, sizeBytes: 52_000_000, entrypoint: ["/agnhost"], cmd: ["pause"], servers: ["/agnhost", "agnhost"], ports: [8080], http: [8080], memoryMi: 5, answers: "agnhost" }),
  "registry.k8s.io/echoserver": image({ tags: ["1.4", "1.10"], versions: { major: [1, 1] }, sizeBytes: 46_000_000, entrypoint: [], cmd: ["/usr/local/bin/run.sh"], servers: ["/usr/local/bin/run.sh"], ports: [8080], http: [8080], memoryMi: 5, answers: "echoserver" }),
  "gcr.io/google-samples/hello-app": image({ tags: ["1.0", "2.0"], versions: { major: [1, 2] }, sizeBytes: 10_000_000, pullMs: 600, entrypoint: ["/hello-app"], cmd: [], servers: ["/hello-app"], ports: [8080], http: [8080], logs: ["2026/01/01 00:00:00 Server listening on port 8080"], memoryMi: 5, shell: false, answers: "hello-app" }),
  "polinux/stress": image({ sizeBytes: 4_000_000, entrypoint: [], cmd: ["stress"], servers: [], memoryMi: 1 }),
  perl: image({ tags: ["5", "5.34", "5.34.0", "5.40"], versions: { major: [5, 5], variants: ["slim", "threaded", "bookworm", "bullseye"] }, sizeBytes: 340_000_000, pullMs: 3500, entrypoint: [], cmd: ["perl5"], servers: [], exits: { code: 0, afterMs: 0 } }),
  // The images Kubernetes' own test suites run (test/utils/image/manifest.go): tags end in a build number.
  "registry.k8s.io/e2e-test-images/busybox": { ...BUSYBOX, tags: [], versions: { major: [1, 1], builds: true } },
  "registry.k8s.io/e2e-test-images/nginx": { ...NGINX, tags: [], versions: { major: [1, 1], builds: true } },
  "registry.k8s.io/e2e-test-images/httpd": { ...HTTPD, tags: [], versions: { major: [2, 2], builds: true } },
  "registry.k8s.io/e2e-test-images/jessie-dnsutils": { ...shellOnly(["sh"], 90_000_000, 1500), tags: [], versions: { major: [1, 1] } },
  "registry.k8s.io/e2e-test-images/resource-consumer": image({ tags: [], versions: { major: [1, 1] }, sizeBytes: 10_000_000, entrypoint: ["/consumer"], cmd: ["--port=8080"], servers: ["/consumer"], ports: [8080], http: [8080], memoryMi: 5, shell: false }),
  "registry.k8s.io/busybox": { ...BUSYBOX, tags: ["1.24", "1.27", "1.27.2"] },
  // The StatefulSet and autoscaling tutorials.
  "registry.k8s.io/nginx-slim": { ...NGINX, tags: [], versions: { major: [0, 0] }, sizeBytes: 23_000_000 },
  "registry.k8s.io/hpa-example": image({ tags: [], sizeBytes: 180_000_000, pullMs: 2500, entrypoint: ["docker-php-entrypoint"], cmd: ["apache2-foreground"], servers: ["apache2-foreground", "apache2"], ports: [80], http: [80], memoryMi: 20, stopsOnTerm: false, answers: "apache-php" }),
  // Samples the Kubernetes and GKE tutorials use (also under gcr.io/google_samples and us-docker.pkg.dev).
  "gcr.io/google-samples/kubernetes-bootcamp": sampleApp(["v1", "v2"], ["Kubernetes Bootcamp App Started At: 2026-01-01T00:00:00.000Z | Running On:  kubernetes-bootcamp"], "bootcamp"),
  "gcr.io/google-samples/node-hello": sampleApp(["1.0"], [], "node-hello", false),
  "gcr.io/google-samples/gb-frontend": image({ tags: [], versions: { major: [1, 9], v: true }, sizeBytes: 140_000_000, pullMs: 2000, entrypoint: [], cmd: ["apache2-foreground"], servers: ["apache2-foreground", "apache2"], ports: [80], http: [80], memoryMi: 20, stopsOnTerm: false }),
  "gcr.io/google-samples/gb-redis-follower": image({ tags: [], versions: { major: [1, 9], v: true }, sizeBytes: 40_000_000, entrypoint: [], cmd: ["/run.sh"], servers: ["/run.sh", "redis-server"], ports: [6379], logs: ["1:S * Ready to accept connections tcp"], memoryMi: 4 }),
  "gcr.io/google-samples/gb-redisslave": image({ tags: [], versions: { major: [1, 9], v: true }, sizeBytes: 40_000_000, entrypoint: [], cmd: ["/run.sh"], servers: ["/run.sh", "redis-server"], ports: [6379], memoryMi: 4 }),
  "gcr.io/google-samples/xtrabackup": { ...shellOnly(["bash"], 80_000_000, 1500), tags: ["1.0"] },
  // ingress-nginx, as kind's ingress guide deploys it: the controller serves HTTP on 80 and 443
  // by the cluster's Ingresses of its class (network/ingress.ts), its health on 10254, its
  // admission webhook on 8443; the certgen Jobs write the webhook's certificate and exit.
  "registry.k8s.io/ingress-nginx/controller": image({
    tags: [],
    versions: { major: [0, 1], v: true },
    sizeBytes: 105_000_000,
    pullMs: 3000,
    startMs: 1500,
    memoryMi: 90,
    entrypoint: ["/usr/bin/dumb-init", "--"],
    cmd: ["/nginx-ingress-controller"],
    servers: ["/nginx-ingress-controller", "/usr/bin/dumb-init"],
    ports: [80, 443, 8443, 10254],
    http: [80, 443, 10254],
    logs: INGRESS_NGINX_LOGS,
    network: { ingressController: "nginx" },
  }),
  "registry.k8s.io/ingress-nginx/kube-webhook-certgen": image({
    tags: [],
    versions: { major: [1, 1], v: true },
    sizeBytes: 28_000_000,
    pullMs: 900,
    memoryMi: 5,
    entrypoint: ["/kube-webhook-certgen"],
    cmd: [],
    servers: [],
    shell: false,
    exits: { code: 0, afterMs: 500, logs: ['{"level":"info","msg":"patching webhook configurations done","source":"k8s/k8s.go","time":"now"}'] },
    logs: ['{"level":"info","msg":"creating new secret","source":"cmd/create.go","time":"now"}', '{"level":"info","msg":"secret ready","source":"cmd/create.go","time":"now"}'],
  }),
};

/** An image a user declares in the cluster's simulation settings. */
export const UserImageSchema = z
  .object({
    tags: z.array(z.string().max(128)).max(100).optional(),
    sizeBytes: z.number().int().min(0).max(100_000_000_000).optional(),
    pullSeconds: z.number().min(0).max(3600).optional(),
    startSeconds: z.number().min(0).max(3600).optional(),
    memoryMi: z.number().min(0).max(1_000_000).optional(),
    command: z.array(z.string().max(1024)).max(64).optional(),
    ports: z.array(z.number().int().min(1).max(65535)).max(64).optional(),
    http: z.array(z.number().int().min(1).max(65535)).max(64).optional(),
    logs: z.array(z.string().max(4096)).max(200).optional(),
    exitCode: z.number().int().min(0).max(255).optional(),
    exitAfterSeconds: z.number().min(0).max(1e7).optional(),
    shell: z.boolean().optional(),
    /** What its HTTP ports answer to every request (default: 200 "OK"). */
    answer: z
      .object({
        status: z.number().int().min(100).max(599).optional(),
        body: z.string().max(65_536).optional(),
        contentType: z.string().max(256).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type UserImage = z.infer<typeof UserImageSchema>;

/** A user's image as catalog data: it runs its service unless it declares an exit. */
export function fromUserImage(u: UserImage): ImageBehaviour {
  const command = u.command ?? ["/app"];
  return image({
    tags: u.tags ?? ["*"],
    sizeBytes: u.sizeBytes ?? 20_000_000,
    pullMs: (u.pullSeconds ?? 1) * 1000,
    startMs: (u.startSeconds ?? 0.2) * 1000,
    memoryMi: u.memoryMi ?? 10,
    entrypoint: command,
    cmd: [],
    servers: [command[0]],
    ports: u.ports ?? [],
    http: u.http ?? [],
    logs: u.logs ?? [],
    shell: u.shell ?? true,
    ...(u.answer ? { answers: { status: u.answer.status ?? 200, body: u.answer.body ?? "OK", contentType: u.answer.contentType ?? "text/plain; charset=utf-8" } } : {}),
    ...(u.exitCode !== undefined || u.exitAfterSeconds !== undefined ? { exits: { code: u.exitCode ?? 0, afterMs: (u.exitAfterSeconds ?? 0) * 1000 } } : {}),
  });
}
