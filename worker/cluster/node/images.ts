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
  /** CPU the service uses at rest, in millicores (1 when not given): what `kubectl top` shows. */
  idleMilli?: number;
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
  /** Programs of the image that do their job and exit 0 (installers, one-shot init steps, health checks). */
  tools?: string[];
  /** What its HTTP service answers (network/answers.ts); without it, a plain 200 "OK". */
  answers?: AnswerKind | FixedAnswer;
  /** Ports where it serves an admission webhook (HTTPS), which allows every review it is sent. */
  admission?: number[];
}

/** Servers whose answers network/answers.ts knows. */
export type AnswerKind = "nginx" | "httpd" | "echoserver" | "agnhost" | "hello-app" | "bootcamp" | "node-hello" | "apache-php" | "traefik" | "kube-apiserver";

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
  "  Release:       v1.12.1",
  "  Repository:    https://github.com/kubernetes/ingress-nginx",
  "  nginx version: nginx/1.25.5",
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

/** etcd's structured log line (zap JSON) without a timestamp. */
const zap = (level: string, caller: string, msg: string, extra = "") => `{"level":"${level}","caller":"${caller}","msg":"${msg}"${extra}}`;

/** A CNI's node agent: runs until stopped; its config makes the node's pod network ready. */
const cniAgent = (name: string, enforcesPolicy: boolean, partial: Partial<ImageBehaviour> & Pick<ImageBehaviour, "entrypoint" | "cmd">): ImageBehaviour =>
  image({ sizeBytes: 150_000_000, pullMs: 3000, startMs: 500, memoryMi: 30, network: { cni: { name, enforcesPolicy } }, ...partial });

/** An installer a CNI's manifest runs as an init container: it does its job and exits 0. */
const installer = (tools: string[], sizeBytes: number): ImageBehaviour => image({ sizeBytes, pullMs: 2000, memoryMi: 5, entrypoint: [tools[0]], cmd: [], tools, shell: true });

const CALICO_NODE = cniAgent("calico", true, {
  entrypoint: ["start_runit"],
  cmd: [],
  servers: ["start_runit", "/usr/bin/start_runit"],
  // calico-node's own subcommands: -init (mount-bpffs), -felix-ready/-bird-ready (probes).
  tools: ["calico-node", "/bin/calico-node"],
  ports: [9099],
  http: [9099],
  memoryMi: 60,
  logs: [
    "2026-01-01 00:00:00.000 [INFO][9] startup/startup.go 431: Early log level set to info",
    "2026-01-01 00:00:00.001 [INFO][9] startup/utils.go 126: Using NODENAME environment for node name",
    "2026-01-01 00:00:00.120 [INFO][9] startup/startup.go 110: Starting Calico node",
    "2026-01-01 00:00:00.300 [INFO][9] startup/startup.go 631: Using autodetected IPv4 address on interface eth0",
    "2026-01-01 00:00:00.500 [INFO][9] startup/startup.go 219: Calico node started successfully",
    "2026-01-01 00:00:01.000 [INFO][52] felix/daemon.go 379: Felix initialised, starting dataplane driver",
    "2026-01-01 00:00:01.500 [INFO][52] felix/int_dataplane.go 1920: Completed first update to dataplane.",
  ],
});
const CALICO_CNI = installer(["/opt/cni/bin/install", "install", "/opt/cni/bin/calico-ipam", "calico-ipam"], 90_000_000);
const CALICO_KUBE_CONTROLLERS = image({
  sizeBytes: 35_000_000,
  pullMs: 1500,
  memoryMi: 20,
  entrypoint: ["/usr/bin/kube-controllers"],
  cmd: [],
  servers: ["/usr/bin/kube-controllers", "kube-controllers"],
  tools: ["/usr/bin/check-status", "check-status"],
  shell: false,
  logs: ['2026-01-01 00:00:00.000 [INFO][1] main.go 99: Loaded configuration from environment config=&config.Config{LogLevel:"info"}', "2026-01-01 00:00:00.300 [INFO][1] main.go 160: Starting status report routine", "2026-01-01 00:00:00.400 [INFO][1] main.go 348: Starting Calico kube-controllers"],
});
const CILIUM = cniAgent("cilium", true, {
  entrypoint: [],
  cmd: ["cilium-agent"],
  servers: ["cilium-agent", "/usr/bin/cilium-agent"],
  // The init containers' steps (build the config, mount bpffs and cgroups, install the plugin).
  tools: ["cilium-dbg", "cilium", "/init-container.sh", "/install-plugin.sh", "nsenter", "mount", "sysctl", "cilium-mount", "cilium-sysctlfix"],
  ports: [9879, 9962, 4240],
  http: [9879, 9962, 4240],
  memoryMi: 120,
  logs: [
    'level=info msg="Memory available for map entries (0.003% of 8343695360B): 20859238B" subsys=config',
    'level=info msg="Started gops server" address="127.0.0.1:9890" subsys=gops',
    'level=info msg="Start hook executed" function="cmd.newDatapath.func1 (daemon_main.go:1566)" subsys=hive',
    'level=info msg="Daemon initialization completed" bootstrapTime=4.2s subsys=daemon',
    'level=info msg="Initializing daemon" subsys=daemon',
  ],
});
const FLANNEL = cniAgent("flannel", false, {
  entrypoint: ["/opt/bin/flanneld"],
  cmd: [],
  servers: ["/opt/bin/flanneld", "flanneld"],
  memoryMi: 15,
  logs: [
    klog("I", "main.go:211", "CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network kubeSubnetMgr:true ipMasq:true}"),
    klog("I", "kube.go:139", "Waiting 10m0s for node controller to sync"),
    klog("I", "kube.go:469", "Starting kube subnet manager"),
    klog("I", "main.go:451", "Found network config - Backend type: vxlan"),
    klog("I", "vxlan.go:141", "VXLAN config: VNI=1 Port=0 GBP=false Learning=false DirectRouting=false"),
    klog("I", "main.go:538", "Running backend."),
  ],
});
const FLANNEL_CNI_PLUGIN = installer(["cp", "/flannel"], 4_000_000);
const WEAVE = cniAgent("weave", true, {
  entrypoint: ["/home/weave/launch.sh"],
  cmd: [],
  servers: ["/home/weave/launch.sh", "launch.sh", "/home/weave/weaver"],
  tools: ["/home/weave/init.sh", "init.sh"],
  ports: [6784],
  http: [6784],
  logs: ["INFO: 2026/01/01 00:00:00.000000 Command line options: map[conn-limit:200 datapath:datapath docker-api: expect-npc:true http-addr:127.0.0.1:6784 ipalloc-init:consensus=1]", "INFO: 2026/01/01 00:00:00.100000 weave  2.8.1", "INFO: 2026/01/01 00:00:00.900000 Listening for HTTP control messages on 127.0.0.1:6784"],
});

/** A Kubernetes component's image: tagged with the cluster's version (v1.x.y), its binary the service. */
const component = (bin: string, partial: Partial<ImageBehaviour> & Pick<ImageBehaviour, "sizeBytes" | "memoryMi" | "ports" | "logs">): ImageBehaviour =>
  image({ tags: [], versions: { major: [1, 1], v: true }, pullMs: 2000, startMs: 300, entrypoint: [], cmd: [bin], servers: [bin, `/usr/local/bin/${bin}`], http: partial.ports, shell: false, ...partial });

/** kubeadm's and kind's components (addons/versions.ts names their tags): preloaded on kind's nodes. */
const KUBE_SYSTEM_IMAGES: Record<string, ImageBehaviour> = {
  "registry.k8s.io/etcd": image({
    tags: [],
    // etcd's images carry a build number: 3.5.16-0.
    versions: { major: [3, 3], builds: true },
    sizeBytes: 57_680_000,
    pullMs: 2500,
    startMs: 300,
    idleMilli: 25,
    memoryMi: 40,
    entrypoint: [],
    cmd: ["/usr/local/bin/etcd"],
    servers: ["etcd", "/usr/local/bin/etcd"],
    ports: [2379, 2380, 2381],
    http: [2381],
    shell: false,
    logs: [
      zap("warn", "embed/config.go:689", "Running http and grpc server on single port. This is not recommended for production."),
      zap("info", "etcdmain/etcd.go:73", "Running: "),
      zap("info", "embed/etcd.go:128", "configuring peer listeners"),
      zap("info", "embed/etcd.go:311", "starting an etcd server", ',"initial-cluster-state":"new","quota-backend-bytes":2147483648'),
      zap("info", "etcdserver/raft.go:495", "starting local member", ',"cluster-id":"6f20f2c4b2fb5f8a"'),
      zap("info", "raft/raft.go:771", "became leader at term 2"),
      zap("info", "etcdserver/server.go:2629", "setting up initial cluster version using v2 API", ',"cluster-version":"3.5"'),
      zap("info", "etcdserver/server.go:2118", "published local member to cluster through raft"),
      zap("info", "embed/serve.go:103", "ready to serve client requests"),
      zap("info", "embed/serve.go:250", "serving client traffic securely", ',"traffic":"grpc+http","address":"127.0.0.1:2379"'),
    ],
  }),
  "registry.k8s.io/kube-apiserver": component("kube-apiserver", {
    sizeBytes: 28_670_000,
    memoryMi: 250,
    idleMilli: 55,
    ports: [6443],
    // The cluster's API server itself answers (object.ts hands the traffic function its router).
    answers: "kube-apiserver",
    logs: [
      klog("I", "options.go:238", "external host was not specified, using the advertise address"),
      klog("I", "server.go:147", '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'),
      klog("I", "shared_informer.go:313", "Waiting for caches to sync for node_authorizer"),
      klog("I", "plugins.go:157", "Loaded 13 mutating admission controller(s) successfully in the following order: NamespaceLifecycle,LimitRanger,ServiceAccount,NodeRestriction,TaintNodesByCondition,Priority,DefaultTolerationSeconds,DefaultStorageClass,StorageObjectInUseProtection,RuntimeClass,DefaultIngressClass,MutatingAdmissionPolicy,MutatingAdmissionWebhook."),
      klog("I", "secure_serving.go:213", "Serving securely on [::]:6443"),
      klog("I", "controller.go:615", "quota admission added evaluator for: namespaces"),
      klog("I", "controller.go:615", "quota admission added evaluator for: leases.coordination.k8s.io"),
      klog("I", "alloc.go:330", '"allocated clusterIPs" service="default/kubernetes" clusterIPs={"IPv4":"10.96.0.1"}'),
      klog("I", "controller.go:615", "quota admission added evaluator for: serviceaccounts"),
      klog("I", "controller.go:615", "quota admission added evaluator for: deployments.apps"),
      klog("I", "alloc.go:330", '"allocated clusterIPs" service="kube-system/kube-dns" clusterIPs={"IPv4":"10.96.0.10"}'),
      klog("I", "controller.go:615", "quota admission added evaluator for: replicasets.apps"),
    ],
  }),
  "registry.k8s.io/kube-controller-manager": component("kube-controller-manager", {
    sizeBytes: 26_260_000,
    memoryMi: 50,
    idleMilli: 15,
    ports: [10257],
    logs: [
      klog("I", "serving.go:386", "Generated self-signed cert in-memory"),
      klog("I", "controllermanager.go:185", '"Starting" controllers=["*","bootstrapsigner","tokencleaner"]'),
      klog("I", "secure_serving.go:213", "Serving securely on 127.0.0.1:10257"),
      klog("I", "leaderelection.go:257", "attempting to acquire leader lease kube-system/kube-controller-manager..."),
      klog("I", "leaderelection.go:271", "successfully acquired lease kube-system/kube-controller-manager"),
      klog("I", "controllermanager.go:765", '"Started controller" controller="serviceaccount-token-controller"'),
      klog("I", "controllermanager.go:765", '"Started controller" controller="endpointslice-controller"'),
      klog("I", "controllermanager.go:765", '"Started controller" controller="replicaset-controller"'),
      klog("I", "controllermanager.go:765", '"Started controller" controller="daemonset-controller"'),
      klog("I", "controllermanager.go:765", '"Started controller" controller="node-lifecycle-controller"'),
      klog("I", "shared_informer.go:320", "Caches are synced for garbage collector"),
    ],
  }),
  "registry.k8s.io/kube-scheduler": component("kube-scheduler", {
    sizeBytes: 20_650_000,
    memoryMi: 25,
    idleMilli: 4,
    ports: [10259],
    logs: [
      klog("I", "serving.go:386", "Generated self-signed cert in-memory"),
      klog("I", "server.go:167", '"Starting Kubernetes Scheduler"'),
      klog("I", "secure_serving.go:213", "Serving securely on 127.0.0.1:10259"),
      klog("I", "leaderelection.go:257", "attempting to acquire leader lease kube-system/kube-scheduler..."),
      klog("I", "leaderelection.go:271", "successfully acquired lease kube-system/kube-scheduler"),
    ],
  }),
  "registry.k8s.io/kube-proxy": component("kube-proxy", {
    sizeBytes: 30_910_000,
    memoryMi: 20,
    ports: [10249, 10256],
    // kube-proxy's image is Debian's, with iptables and a shell.
    cmd: ["/usr/local/bin/kube-proxy"],
    shell: true,
    logs: [
      klog("I", "server_linux.go:66", '"Using iptables proxy"'),
      klog("I", "server.go:698", '"Successfully retrieved node IP(s)"'),
      klog("I", "conntrack.go:60", '"Setting nf_conntrack_max" nfConntrackMax=131072'),
      klog("I", "server_linux.go:170", '"Using iptables Proxier"'),
      klog("I", "config.go:199", '"Starting service config controller"'),
      klog("I", "config.go:105", '"Starting endpoint slice config controller"'),
      klog("I", "config.go:329", '"Starting node config controller"'),
      klog("I", "shared_informer.go:320", "Caches are synced for service config"),
      klog("I", "shared_informer.go:320", "Caches are synced for endpoint slice config"),
      klog("I", "shared_informer.go:320", "Caches are synced for node config"),
    ],
  }),
  "registry.k8s.io/coredns/coredns": image({
    tags: [],
    versions: { major: [1, 1], v: true },
    sizeBytes: 18_560_000,
    pullMs: 1200,
    startMs: 200,
    idleMilli: 3,
    memoryMi: 15,
    entrypoint: ["/coredns"],
    cmd: [],
    servers: ["/coredns", "coredns"],
    ports: [53, 8080, 8181, 9153],
    http: [8080, 8181, 9153],
    shell: false,
    logs: [".:53", "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908", "CoreDNS-1.11.3", "linux/amd64, go1.21.11, a6338e9"],
  }),
  "kindest/kindnetd": cniAgent("kindnet", true, {
    sizeBytes: 39_000_000,
    pullMs: 1500,
    startMs: 200,
    memoryMi: 12,
    entrypoint: [],
    cmd: ["/bin/kindnetd"],
    servers: ["/bin/kindnetd", "kindnetd"],
    shell: false,
    logs: [
      klog("I", "main.go:109", '"kindnetd IP family" ipFamily="ipv4"'),
      klog("I", "main.go:113", '"setting mtu from interface" mtu=1500 interface="eth0"'),
      klog("I", "main.go:139", '"kindnetd running with network policies enabled"'),
      klog("I", "controller.go:365", '"Waiting for informer caches to sync"'),
      klog("I", "shared_informer.go:313", "Waiting for caches to sync for kube-network-policies"),
      klog("I", "shared_informer.go:320", "Caches are synced for kube-network-policies"),
      klog("I", "metrics.go:61", "Registering metrics"),
      klog("I", "main.go:297", "Handling node with IPs: map[]"),
      klog("I", "main.go:301", "handling current node"),
    ],
  }),
  "kindest/local-path-provisioner": image({
    sizeBytes: 22_540_000,
    pullMs: 1200,
    startMs: 200,
    memoryMi: 10,
    entrypoint: [],
    cmd: ["local-path-provisioner"],
    servers: ["local-path-provisioner", "/usr/bin/local-path-provisioner"],
    shell: false,
    logs: [
      'time="2026-01-01T00:00:00Z" level=debug msg="Applied config: {\\"nodePathMap\\":[{\\"node\\":\\"DEFAULT_PATH_FOR_NON_LISTED_NODES\\",\\"paths\\":[\\"/var/local-path-provisioner\\"]}]}"',
      'time="2026-01-01T00:00:00Z" level=debug msg="Provisioner started"',
      klog("I", "controller.go:824", "Starting provisioner controller rancher.io/local-path_local-path-provisioner"),
      klog("I", "controller.go:873", "Started provisioner controller rancher.io/local-path_local-path-provisioner"),
    ],
  }),
  "kindest/local-path-helper": { ...shellOnly(["sh"], 3_000_000, 400) },
  // CNIs a learner installs on a cluster made with disableDefaultCNI, with what their manifests run.
  "calico/node": CALICO_NODE,
  "quay.io/calico/node": CALICO_NODE,
  "calico/cni": CALICO_CNI,
  "quay.io/calico/cni": CALICO_CNI,
  "calico/kube-controllers": CALICO_KUBE_CONTROLLERS,
  "quay.io/calico/kube-controllers": CALICO_KUBE_CONTROLLERS,
  "calico/pod2daemon-flexvol": installer(["/usr/local/bin/flexvol.sh", "flexvol.sh"], 7_000_000),
  "quay.io/cilium/cilium": CILIUM,
  "quay.io/cilium/operator-generic": image({ sizeBytes: 30_000_000, pullMs: 1500, memoryMi: 30, entrypoint: [], cmd: ["cilium-operator-generic"], servers: ["cilium-operator-generic", "cilium-operator"], ports: [9234], http: [9234], shell: false }),
  "flannel/flannel": FLANNEL,
  "ghcr.io/flannel-io/flannel": FLANNEL,
  "flannel/flannel-cni-plugin": FLANNEL_CNI_PLUGIN,
  "ghcr.io/flannel-io/flannel-cni-plugin": FLANNEL_CNI_PLUGIN,
  "weaveworks/weave-kube": WEAVE,
  "weaveworks/weave-npc": image({ sizeBytes: 40_000_000, pullMs: 1500, memoryMi: 15, entrypoint: ["/usr/bin/launch.sh"], cmd: [], servers: ["/usr/bin/launch.sh", "launch.sh", "weave-npc"], logs: ["INFO: 2026/01/01 00:00:00.000000 Starting Weaveworks NPC 2.8.1; node name \"\""] }),
};

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
    admission: [8443],
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
    servers: ["/kube-webhook-certgen"],
    shell: false,
    exits: { code: 0, afterMs: 500, logs: ['{"level":"info","msg":"patching webhook configurations done","source":"k8s/k8s.go","time":"now"}'] },
    logs: ['{"level":"info","msg":"creating new secret","source":"cmd/create.go","time":"now"}', '{"level":"info","msg":"secret ready","source":"cmd/create.go","time":"now"}'],
  }),
  ...KUBE_SYSTEM_IMAGES,
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
