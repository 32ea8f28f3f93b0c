// Package managers in a container without internet (which is what a simulated one is): each
// prints what it really prints when its mirror's name does not resolve, and fails the same way.
import type { Effect, Tool, ToolContext } from "../../types";
import { err, name, readText, say } from "./common";

function osRelease(ctx: ToolContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (readText(ctx, "/etc/os-release", true) ?? "").split("\n")) {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    if (m) out[m[1]] = m[3];
  }
  return out;
}

/** Resolver retries before apt gives a mirror up. */
const RESOLVE_MS = 2000;

function aptSources(ctx: ToolContext): { uri: string; suite: string; host: string }[] {
  const os = osRelease(ctx);
  const code = os.VERSION_CODENAME || "bookworm";
  if (os.ID === "ubuntu") {
    return [
      { uri: "http://archive.ubuntu.com/ubuntu", suite: code, host: "archive.ubuntu.com" },
      { uri: "http://archive.ubuntu.com/ubuntu", suite: `${code}-updates`, host: "archive.ubuntu.com" },
      { uri: "http://archive.ubuntu.com/ubuntu", suite: `${code}-backports`, host: "archive.ubuntu.com" },
      { uri: "http://security.ubuntu.com/ubuntu", suite: `${code}-security`, host: "security.ubuntu.com" },
    ];
  }
  return [
    { uri: "http://deb.debian.org/debian", suite: code, host: "deb.debian.org" },
    { uri: "http://deb.debian.org/debian", suite: `${code}-updates`, host: "deb.debian.org" },
    { uri: "http://deb.debian.org/debian-security", suite: `${code}-security`, host: "deb.debian.org" },
  ];
}

function* aptUpdate(ctx: ToolContext): Generator<Effect, number, void> {
  const src = aptSources(ctx);
  src.forEach((s, i) => say(ctx, `Ign:${i + 1} ${s.uri} ${s.suite} InRelease\n`));
  yield { sleep: RESOLVE_MS };
  src.forEach((s, i) => say(ctx, `Ign:${i + 1} ${s.uri} ${s.suite} InRelease\n`));
  yield { sleep: RESOLVE_MS };
  src.forEach((s, i) => say(ctx, `Err:${i + 1} ${s.uri} ${s.suite} InRelease\n  Temporary failure resolving '${s.host}'\n`));
  say(ctx, "Reading package lists... Done\n");
  for (const s of src) err(ctx, `W: Failed to fetch ${s.uri}/dists/${s.suite}/InRelease  Temporary failure resolving '${s.host}'`);
  err(ctx, "W: Some index files failed to download. They have been ignored, or old ones used instead.");
  return 0;
}

function aptInstall(ctx: ToolContext, pkgs: string[]): number {
  say(ctx, "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n");
  if (!pkgs.length) {
    say(ctx, "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n");
    return 0;
  }
  // A slim image ships without package lists: nothing can be located until an update succeeds.
  err(ctx, `E: Unable to locate package ${pkgs[0]}`);
  return 100;
}

function* apt(ctx: ToolContext): Generator<Effect, number, void> {
  const args = ctx.argv.slice(1);
  const cmd = args.find((a) => !a.startsWith("-"));
  const pkgs = args.filter((a) => !a.startsWith("-") && a !== cmd);
  if (name(ctx) === "apt" && ctx.stdout.tty === false) err(ctx, "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n");
  if (cmd === "update") return yield* aptUpdate(ctx);
  if (cmd === "install" || cmd === "upgrade" || cmd === "dist-upgrade" || cmd === "full-upgrade") return aptInstall(ctx, cmd === "install" ? pkgs : []);
  if (!cmd) {
    say(ctx, `apt 2.6.1 (amd64)\nUsage: ${name(ctx)} [options] command\n`);
    return name(ctx) === "apt" ? 1 : 0;
  }
  err(ctx, `E: Invalid operation ${cmd}`);
  return 100;
}

function* apk(ctx: ToolContext): Generator<Effect, number, void> {
  const args = ctx.argv.slice(1);
  const cmd = args.find((a) => !a.startsWith("-"));
  const pkgs = args.filter((a) => !a.startsWith("-") && a !== cmd);
  const version = /^(\d+\.\d+)/.exec(osRelease(ctx).VERSION_ID ?? "")?.[1] ?? "3.20";
  const repos = ["main", "community"].map((r) => `https://dl-cdn.alpinelinux.org/alpine/v${version}/${r}`);
  const fetchIndexes = function* () {
    for (const r of repos) {
      say(ctx, `fetch ${r}/x86_64/APKINDEX.tar.gz\n`);
      yield { sleep: RESOLVE_MS };
      err(ctx, `WARNING: updating and opening ${r}: temporary error (try again later)`);
    }
  };
  if (cmd === "update") {
    yield* fetchIndexes();
    say(ctx, `2 unavailable, 0 stale; 15 distinct packages available\n`);
    return 2;
  }
  if (cmd === "add") {
    if (!pkgs.length) return 0;
    yield* fetchIndexes();
    err(ctx, `ERROR: unable to select packages:\n${pkgs.map((p) => `  ${p} (no such package):\n    required by: world[${p}]`).join("\n")}`);
    return pkgs.length;
  }
  if (!cmd) {
    say(ctx, `apk-tools 2.14.4, compiled for x86_64.\n\nusage: apk [<OPTIONS>...] COMMAND [<ARGUMENTS>...]\n`);
    return 1;
  }
  return 0;
}

function* yum(ctx: ToolContext): Generator<Effect, number, void> {
  const cmd = ctx.argv.slice(1).find((a) => !a.startsWith("-"));
  if (cmd === "install" || cmd === "update" || cmd === "makecache" || cmd === "upgrade") {
    yield { sleep: RESOLVE_MS };
    const os = osRelease(ctx);
    const repo = os.ID === "fedora" ? "fedora" : "appstream";
    err(ctx, `Errors during downloading metadata for repository '${repo}':\n  - Curl error (6): Couldn't resolve host name for https://mirrors.${os.ID === "fedora" ? "fedoraproject.org/metalink?repo=fedora" : "rockylinux.org/mirrorlist?repo=AppStream"} [Could not resolve host: mirrors.${os.ID === "fedora" ? "fedoraproject" : "rockylinux"}.org]`);
    err(ctx, `Error: Failed to download metadata for repo '${repo}': Cannot prepare internal mirrorlist: Curl error (6): Couldn't resolve host name for the mirror list`);
    return 1;
  }
  return 0;
}

function* pip(ctx: ToolContext): Generator<Effect, number, void> {
  const args = ctx.argv.slice(1);
  const cmd = args.find((a) => !a.startsWith("-"));
  const pkgs = args.filter((a) => !a.startsWith("-") && a !== cmd);
  if (cmd !== "install" || !pkgs.length) {
    if (cmd === "list" || cmd === "freeze") {
      if (cmd === "list") say(ctx, "Package    Version\n---------- -------\npip        24.0\nsetuptools 69.5.1\nwheel      0.43.0\n");
      return 0;
    }
    return 0;
  }
  const pkg = pkgs[0];
  for (let i = 4; i >= 0; i--) {
    yield { sleep: 250 * 2 ** (4 - i) };
    err(ctx, `WARNING: Retrying (Retry(total=${i}, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f3c2a1b5d90>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/${pkg}/`);
  }
  err(ctx, `ERROR: Could not find a version that satisfies the requirement ${pkg} (from versions: none)\nERROR: No matching distribution found for ${pkg}`);
  return 1;
}

export const aptTool: Tool = { names: ["apt", "apt-get"], run: apt };
export const apkTool: Tool = { names: ["apk"], run: apk };
export const yumTool: Tool = { names: ["yum", "dnf", "microdnf"], run: yum };
export const pipTool: Tool = { names: ["pip", "pip3"], run: pip };
