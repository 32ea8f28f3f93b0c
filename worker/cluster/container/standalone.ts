// A process run apart from any pod: the image's files in memory (its writes kept only as
// effects), no network, no other containers. What an exec probe's command does, judged ahead of
// time for the kubelet's plan, and what tests of a program read.
import { staticProgram, type Program } from "../node/program";
import type { ImageBehaviour } from "../node/images";
import { EffectsFs } from "./effects";
import { imageLower, imageProfile } from "./fs/skeletons";
import { SYSTEM } from "./fs/system";
import { spawn } from "./spawn";
import { Timeline } from "./timeline";
import type { ContainerWorld } from "./types";
import type { Pod } from "../resources/pod";

/** How far a standalone program is computed at once (a probe's command, a test's). */
const AHEAD_MS = 24 * 3_600_000;

function isolatedWorld(hostname: string, image: ImageBehaviour, imageName: string): ContainerWorld {
  return {
    pod: { apiVersion: "v1", kind: "Pod", metadata: { name: hostname, namespace: "default" }, spec: { containers: [] } } as unknown as Pod,
    container: "",
    node: "",
    imageName,
    image,
    hostname,
    net: {
      lookup: (name, type) => ({ status: "TIMEOUT", name, type, server: null, tried: [name], answered: null, answers: [], additional: [], message: ";; connection timed out; no servers could be reached" }),
      connect: () => ({ ok: false, error: "unreachable", message: "Network is unreachable", trail: [] }),
      resolvConf: () => "",
      iface: { name: "lo", ip: "127.0.0.1", prefix: 8, mac: "00:00:00:00:00:00", gateway: "", mtu: 65536 },
    },
    processes: { self: 1, list: () => [], kill: () => "ESRCH" },
    cluster: { etcd: () => null, iptablesSave: () => null },
    system: { ...SYSTEM, cpus: 8, memoryKb: 16_384_000, bootTime: 0 },
  };
}

/** The program `argv` runs in `image`, from time 0, computed a day ahead (or to its end). */
export function programOf(image: ImageBehaviour, argv: string[], env: Record<string, string>, imageName = image.shell ? "busybox" : "gcr.io/distroless/static"): Program {
  const fixed = staticProgram(image, argv);
  if (fixed) return fixed;
  const profile = imageProfile(imageName, image);
  const lower = imageLower(profile);
  const world = isolatedWorld(env.HOSTNAME ?? "localhost", image, imageName);
  const timeline = new Timeline({
    start: 0,
    stdin: false,
    stdinOnce: false,
    tty: false,
    typed: [],
    stdinClosedAt: null,
    realNow: () => Infinity,
    run: (io) => {
      const fs = new EffectsFs(lower, (path) => ({ layer: "root", inner: path, readOnly: false, passThrough: false }), io.now, () => [], io.record);
      const started = spawn(argv, { env: { ...profile.env, ...env }, cwd: profile.workingDir || "/", fs, now: io.now, flavour: profile.flavour ?? "busybox", world, io: { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr } });
      return "error" in started ? { startError: started.message } : started;
    },
  });
  timeline.extend(AHEAD_MS);
  return timeline;
}
