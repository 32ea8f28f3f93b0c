// Who and where the container is: hostname, id, whoami, uname, nproc.
import type { Tool, ToolContext } from "../../types";
import { badOption, currentGid, currentUid, err, groups, parse, passwd, readText, say } from "./common";

function hostsNames(ctx: ToolContext): string[][] {
  return (readText(ctx, "/etc/hosts", true) ?? "")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim().split(/\s+/))
    .filter((f) => f.length > 1 && f[0]);
}

export const hostname: Tool = {
  names: ["hostname"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "ifsdIFAabhvy", withArg: "F", long: ["fqdn", "long", "ip-address", "all-ip-addresses", "short", "domain"] });
    if (p.bad) return badOption(ctx, p.bad);
    const host = ctx.world.hostname;
    if (p.args.length) {
      // Changing the UTS name needs CAP_SYS_ADMIN, which a container does not have.
      err(ctx, ctx.flavour === "gnu" ? "hostname: you must be root to change the host name" : "hostname: sethostname: Operation not permitted");
      return 1;
    }
    const entry = hostsNames(ctx).find((f) => f.slice(1).includes(host) || f.slice(1).some((n) => n.startsWith(host + ".")));
    if (p.flags.has("i") || p.flags.has("ip-address")) {
      say(ctx, (entry ? entry[0] : ctx.world.net.iface.ip) + "\n");
    } else if (p.flags.has("I") || p.flags.has("all-ip-addresses")) {
      say(ctx, ctx.world.net.iface.ip + " \n");
    } else if (p.flags.has("f") || p.flags.has("fqdn") || p.flags.has("long")) {
      say(ctx, (entry?.slice(1).find((n) => n.startsWith(host + ".")) ?? host) + "\n");
    } else if (p.flags.has("d") || p.flags.has("domain")) {
      const fq = entry?.slice(1).find((n) => n.startsWith(host + "."));
      say(ctx, (fq ? fq.slice(host.length + 1) : "") + "\n");
    } else if (p.flags.has("s") || p.flags.has("short")) {
      say(ctx, host.split(".")[0] + "\n");
    } else say(ctx, host + "\n");
    return 0;
  },
};

function userName(ctx: ToolContext, uid: number): string | undefined {
  return passwd(ctx).find((a) => a.uid === uid)?.name;
}

function groupName(ctx: ToolContext, gid: number): string | undefined {
  return groups(ctx).find((g) => g.gid === gid)?.name;
}

export const id: Tool = {
  names: ["id"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "ugGnrZa" });
    if (p.bad) return badOption(ctx, p.bad);
    let uid = currentUid(ctx);
    let gid = currentGid(ctx);
    let user = userName(ctx, uid);
    if (p.args.length) {
      const who = passwd(ctx).find((a) => a.name === p.args[0] || String(a.uid) === p.args[0]);
      if (!who) {
        err(ctx, ctx.flavour === "gnu" ? `id: '${p.args[0]}': no such user` : `id: unknown user ${p.args[0]}`);
        return 1;
      }
      uid = who.uid;
      gid = who.gid;
      user = who.name;
    }
    const supplementary = [gid, ...groups(ctx).filter((g) => user && g.members.includes(user)).map((g) => g.gid)].filter((g, i, a) => a.indexOf(g) === i);
    const named = p.flags.has("n");
    const show = (n: number, nm: string | undefined) => (named ? (nm ?? String(n)) : String(n));
    if (p.flags.has("u")) say(ctx, show(uid, user) + "\n");
    else if (p.flags.has("g")) say(ctx, show(gid, groupName(ctx, gid)) + "\n");
    else if (p.flags.has("G")) say(ctx, supplementary.map((g) => show(g, groupName(ctx, g))).join(" ") + "\n");
    else {
      const fmt = (n: number, nm: string | undefined) => (nm ? `${n}(${nm})` : String(n));
      say(ctx, `uid=${fmt(uid, user)} gid=${fmt(gid, groupName(ctx, gid))} groups=${supplementary.map((g) => fmt(g, groupName(ctx, g))).join(",")}\n`);
    }
    return 0;
  },
};

export const whoami: Tool = {
  names: ["whoami"],
  run(ctx) {
    if (ctx.argv.length > 1) {
      err(ctx, ctx.flavour === "gnu" ? `whoami: extra operand '${ctx.argv[1]}'\nTry 'whoami --help' for more information.` : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: whoami");
      return 1;
    }
    const uid = currentUid(ctx);
    const user = userName(ctx, uid);
    if (!user) {
      err(ctx, ctx.flavour === "gnu" ? `whoami: cannot find name for user ID ${uid}` : `whoami: unknown uid ${uid}`);
      return 1;
    }
    say(ctx, user + "\n");
    return 0;
  },
};

export const uname: Tool = {
  names: ["uname"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "asnrvmpio", long: ["all", "kernel-name", "nodename", "kernel-release", "kernel-version", "machine", "processor", "hardware-platform", "operating-system"] });
    if (p.bad) return badOption(ctx, p.bad);
    const s = ctx.world.system;
    const gnu = ctx.flavour === "gnu";
    const has = (c: string, l: string) => p.flags.has(c) || p.flags.has(l);
    const all = has("a", "all");
    const parts: string[] = [];
    if (all || has("s", "kernel-name")) parts.push(s.kernel);
    if (all || has("n", "nodename")) parts.push(ctx.world.hostname);
    if (all || has("r", "kernel-release")) parts.push(s.release);
    if (all || has("v", "kernel-version")) parts.push(s.version);
    if (all || has("m", "machine")) parts.push(s.machine);
    // GNU -a leaves out -p and -i when they are "unknown"; busybox prints them as the machine.
    if (!all && has("p", "processor")) parts.push(gnu ? "unknown" : s.machine);
    if (!all && has("i", "hardware-platform")) parts.push(gnu ? "unknown" : s.machine);
    if (all || has("o", "operating-system")) parts.push(gnu ? "GNU/Linux" : "Linux");
    if (!parts.length) parts.push(s.kernel);
    say(ctx, parts.join(" ") + "\n");
    return 0;
  },
};

export const nproc: Tool = {
  names: ["nproc"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { long: ["all"], longArg: ["ignore"] });
    if (p.bad) return badOption(ctx, p.bad);
    const ignore = Number(p.flags.get("ignore") ?? 0) || 0;
    say(ctx, Math.max(1, ctx.world.system.cpus - ignore) + "\n");
    return 0;
  },
};
