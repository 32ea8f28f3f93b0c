// The image catalog: how each image behaves when a pod runs it. There are no containers; what
// an image does (its size and pull time, the process it runs by default, what that process
// logs, which ports it serves and how it answers HTTP, its memory use) is data here, and the
// kubelet simulation follows it. Users may declare images of their own in the cluster's
// simulation settings (PATCH /v1/clusters/{name} {"simulation":{"images":{...}}}).
import { z } from "zod";

export interface ImageBehaviour {
  /** Tags that exist besides "latest" ("*" = any tag). */
  tags: string[];
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

/** Official images by repository (Docker Hub's library/ namespace). */
export const CATALOG: Record<string, ImageBehaviour> = {
  nginx: image({
    tags: ["1", "1.25", "1.26", "1.27", "1.27.3", "1.28", "alpine", "stable", "mainline", "stable-alpine", "1.27-alpine", "1.14.2", "1.16.1", "1.19", "1.21", "1.23", "1.24"],
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
    accessLog: '10.244.0.1 - - "GET %path% HTTP/1.1" 200 615 "-" "kube-probe"',
  }),
  httpd: image({
    tags: ["2", "2.4", "alpine", "2.4-alpine"],
    sizeBytes: 58_000_000,
    pullMs: 1200,
    memoryMi: 10,
    entrypoint: [],
    cmd: ["httpd-foreground"],
    servers: ["httpd-foreground", "httpd"],
    ports: [80],
    http: [80],
    logs: ["AH00558: httpd: Could not reliably determine the server's fully qualified domain name", "[mpm_event:notice] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations", "[core:notice] AH00094: Command line: 'httpd -D FOREGROUND'"],
    stopsOnTerm: false,
  }),
  redis: image({
    tags: ["6", "7", "7.2", "7.4", "alpine", "7-alpine"],
    sizeBytes: 45_000_000,
    pullMs: 1000,
    memoryMi: 4,
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["redis-server"],
    servers: ["redis-server", "docker-entrypoint.sh"],
    ports: [6379],
    logs: ["1:C oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", "1:M * Running mode=standalone, port=6379.", "1:M * Server initialized", "1:M * Ready to accept connections tcp"],
  }),
  busybox: shellOnly(["sh"], 2_150_000, 400),
  alpine: shellOnly(["/bin/sh"], 3_600_000, 400),
  ubuntu: shellOnly(["/bin/bash"], 29_700_000, 900),
  debian: shellOnly(["bash"], 49_000_000, 1000),
  postgres: image({
    tags: ["13", "14", "15", "16", "17", "alpine", "16-alpine"],
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
  python: image({ tags: ["3", "3.11", "3.12", "3.13", "slim", "3.12-slim", "alpine"], sizeBytes: 380_000_000, pullMs: 4000, memoryMi: 10, entrypoint: [], cmd: ["python3"], servers: [], exits: { code: 0, afterMs: 0 } }),
  node: image({ tags: ["18", "20", "22", "23", "lts", "alpine", "20-alpine", "22-alpine"], sizeBytes: 390_000_000, pullMs: 4000, memoryMi: 10, entrypoint: ["docker-entrypoint.sh"], cmd: ["node"], servers: [], exits: { code: 0, afterMs: 0 } }),
  traefik: image({ sizeBytes: 50_000_000, entrypoint: ["/entrypoint.sh"], cmd: ["traefik"], servers: ["traefik", "/entrypoint.sh"], ports: [80, 8080], http: [80, 8080], memoryMi: 30 }),
  memcached: image({ sizeBytes: 30_000_000, entrypoint: ["docker-entrypoint.sh"], cmd: ["memcached"], servers: ["memcached", "docker-entrypoint.sh"], ports: [11211], memoryMi: 5 }),
  rabbitmq: image({ tags: ["3", "4", "management", "3-management"], sizeBytes: 100_000_000, pullMs: 2000, startMs: 5000, memoryMi: 120, entrypoint: ["docker-entrypoint.sh"], cmd: ["rabbitmq-server"], servers: ["rabbitmq-server", "docker-entrypoint.sh"], ports: [5672, 15672], http: [15672], logs: ["Server startup complete; 0 plugins started."] }),
  "registry.k8s.io/pause": image({ tags: ["3.9", "3.10"], sizeBytes: 320_000, pullMs: 200, memoryMi: 1, entrypoint: ["/pause"], cmd: [], servers: ["/pause"], shell: false }),
  "registry.k8s.io/e2e-test-images/agnhost": image({ tags: ["2.39", "2.43", "2.52", "2.53"], sizeBytes: 52_000_000, entrypoint: ["/agnhost"], cmd: ["pause"], servers: ["/agnhost", "agnhost"], ports: [8080], http: [8080], memoryMi: 5 }),
  "registry.k8s.io/echoserver": image({ tags: ["1.4", "1.10"], sizeBytes: 46_000_000, entrypoint: [], cmd: ["/usr/local/bin/run.sh"], servers: ["/usr/local/bin/run.sh"], ports: [8080], http: [8080], memoryMi: 5 }),
  "gcr.io/google-samples/hello-app": image({ tags: ["1.0", "2.0"], sizeBytes: 10_000_000, pullMs: 600, entrypoint: ["/hello-app"], cmd: [], servers: ["/hello-app"], ports: [8080], http: [8080], logs: ["2026/01/01 00:00:00 Server listening on port 8080"], memoryMi: 5, shell: false }),
  "k8s.gcr.io/echoserver": image({ tags: ["1.4", "1.10"], sizeBytes: 46_000_000, entrypoint: [], cmd: ["/usr/local/bin/run.sh"], servers: ["/usr/local/bin/run.sh"], ports: [8080], http: [8080], memoryMi: 5 }),
  "polinux/stress": image({ sizeBytes: 4_000_000, entrypoint: [], cmd: ["stress"], servers: [], memoryMi: 1 }),
  perl: image({ tags: ["5", "5.34", "5.34.0", "5.40"], sizeBytes: 340_000_000, pullMs: 3500, entrypoint: [], cmd: ["perl5"], servers: [], exits: { code: 0, afterMs: 0 } }),
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
    ...(u.exitCode !== undefined || u.exitAfterSeconds !== undefined ? { exits: { code: u.exitCode ?? 0, afterMs: (u.exitAfterSeconds ?? 0) * 1000 } } : {}),
  });
}
