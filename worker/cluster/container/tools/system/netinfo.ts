// The pod's network as its tools print it: ip (addr, route, link, neigh), ifconfig, route, arp,
// netstat and ss. One interface (eth0, a veth from the CNI's ptp plugin) besides lo; the routes
// kindnet's ptp config writes; the listening sockets of the container's service.
import type { Tool, ToolContext } from "../../types";
import { badOption, broadcastOf, err, maskOf, networkOf, padR, parse, say } from "./common";

function hostNetwork(ctx: ToolContext): boolean {
  return !!ctx.world.pod.spec?.hostNetwork;
}

/** The veth peer's index on the node ("eth0@if7"): stable per pod address. */
function peerIndex(ctx: ToolContext): number {
  return (Number(ctx.world.net.iface.ip.split(".")[3]) % 200) + 5;
}

function linkLocal(mac: string): string {
  const b = mac.split(":").map((x) => parseInt(x, 16));
  b[0] ^= 2;
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${hex(b[0], b[1])}:${hex(b[2], 0xff)}:${hex(0xfe, b[3])}:${hex(b[4], b[5])}`;
}

interface Route {
  dst: string;
  via?: string;
  prefix: number;
  scopeLink?: boolean;
  src?: string;
  kernel?: boolean;
}

function routes(ctx: ToolContext): Route[] {
  const i = ctx.world.net.iface;
  const net = networkOf(i.ip, i.prefix);
  if (hostNetwork(ctx)) return [{ dst: "default", via: i.gateway, prefix: 0 }, { dst: net, prefix: i.prefix, scopeLink: true, src: i.ip, kernel: true }];
  // kindnet's ptp plugin: everything goes through the node end of the veth, reached as a host route.
  return [
    { dst: "default", via: i.gateway, prefix: 0 },
    { dst: net, via: i.gateway, prefix: i.prefix, src: i.ip },
    { dst: i.gateway, prefix: 32, scopeLink: true, src: i.ip },
  ];
}

function ipAddr(ctx: ToolContext): string {
  const i = ctx.world.net.iface;
  const gnu = ctx.flavour === "gnu";
  const eth = hostNetwork(ctx) ? "eth0" : `eth0@if${peerIndex(ctx)}`;
  const qdisc = gnu ? " state UNKNOWN group default qlen 1000" : " qlen 1000";
  let out = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue${qdisc}\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n    inet6 ::1/128 scope host ${gnu ? "noprefixroute" : ""}\n       valid_lft forever preferred_lft forever\n`;
  out += `2: ${eth}: <BROADCAST,MULTICAST,UP,LOWER_UP${gnu ? "" : ",M-DOWN"}> mtu ${i.mtu} qdisc noqueue${gnu ? " state UP group default" : ""} \n    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff${hostNetwork(ctx) ? "" : " link-netnsid 0"}\n`;
  out += `    inet ${i.ip}/${i.prefix} brd ${broadcastOf(i.ip, i.prefix)} scope global eth0\n       valid_lft forever preferred_lft forever\n`;
  out += `    inet6 ${linkLocal(i.mac)}/64 scope link \n       valid_lft forever preferred_lft forever\n`;
  return gnu ? out.replace(/ \n/g, "\n") : out;
}

function ipRoute(ctx: ToolContext): string {
  const gnu = ctx.flavour === "gnu";
  return routes(ctx)
    .map((r) => {
      const dst = r.dst === "default" ? "default" : r.prefix === 32 ? r.dst : `${r.dst}/${r.prefix}`;
      let s = dst;
      if (r.via) s += ` via ${r.via}`;
      s += " dev eth0";
      if (r.kernel) s += " proto kernel";
      if (r.scopeLink) s += " scope link";
      if (r.src) s += ` src ${r.src}`;
      return s + (gnu ? "" : " ") + "\n";
    })
    .join("");
}

function ipLink(ctx: ToolContext): string {
  const i = ctx.world.net.iface;
  const gnu = ctx.flavour === "gnu";
  const eth = hostNetwork(ctx) ? "eth0" : `eth0@if${peerIndex(ctx)}`;
  return `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue ${gnu ? "state UNKNOWN mode DEFAULT group default " : ""}qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n2: ${eth}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${i.mtu} qdisc noqueue ${gnu ? "state UP mode DEFAULT group default" : ""}\n    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff${hostNetwork(ctx) ? "" : " link-netnsid 0"}\n`;
}

function gatewayMac(ctx: ToolContext): string {
  const g = ctx.world.net.iface.gateway.split(".").map(Number);
  return ["a2", "5c", ...g.map((x) => x.toString(16).padStart(2, "0"))].join(":");
}

export const ip: Tool = {
  names: ["ip"],
  run(ctx) {
    const args = ctx.argv.slice(1).filter((a) => !/^-(4|6|c|color|br|brief|d|details|s|stats)$/.test(a));
    const obj = args[0] ?? "";
    const sub = args[1] ?? "show";
    const is = (full: string, min: number) => obj.length >= min && full.startsWith(obj);
    const write = ["add", "del", "delete", "change", "replace", "set", "flush", "append"].includes(sub);
    if (write && (is("address", 1) || is("route", 1) || is("link", 1) || is("neighbor", 1))) {
      err(ctx, ctx.flavour === "gnu" ? "RTNETLINK answers: Operation not permitted" : "ip: RTNETLINK answers: Operation not permitted");
      return 2;
    }
    if (!obj) {
      err(ctx, ctx.flavour === "gnu" ? 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { address | addrlabel | fou | help | ila | ioam | l2tp | link |\n                   macsec | maddress | monitor | mptcp | mroute | mrule |\n                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n                   ntbl | route | rule | sr | stats | tap | tcpmetrics |\n                   token | tunnel | tuntap | vrf | xfrm }\n       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n                    -4 | -6 | -M | -B | -0 |\n                    -l[oops] { maximum-addr-flush-attempts } | -echo | -br[ief] |\n                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n                    -c[olor]}' : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]");
      return ctx.flavour === "gnu" ? 255 : 1;
    }
    if (is("address", 1)) say(ctx, ipAddr(ctx));
    else if (is("route", 1)) say(ctx, ipRoute(ctx));
    else if (is("link", 1)) say(ctx, ipLink(ctx));
    else if (is("neighbour", 1) || is("neighbor", 1)) say(ctx, `${ctx.world.net.iface.gateway} dev eth0 lladdr ${gatewayMac(ctx)} ${ctx.flavour === "gnu" ? "REACHABLE" : "used 0/0/0 probes 1 REACHABLE"}\n`);
    else {
      err(ctx, ctx.flavour === "gnu" ? `Object "${obj}" is unknown, try "ip help".` : `ip: unknown object '${obj}'`);
      return ctx.flavour === "gnu" ? 255 : 1;
    }
    return 0;
  },
};

export const ifconfig: Tool = {
  names: ["ifconfig"],
  run(ctx) {
    const args = ctx.argv.slice(1).filter((a) => a !== "-a");
    if (args.length > 1) {
      err(ctx, ctx.flavour === "gnu" ? "SIOCSIFFLAGS: Operation not permitted" : "ifconfig: SIOCSIFFLAGS: Operation not permitted");
      return 1;
    }
    const i = ctx.world.net.iface;
    const want = args[0];
    const blocks: { name: string; text: string }[] = [];
    if (ctx.flavour === "gnu") {
      blocks.push({ name: "eth0", text: `eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu ${i.mtu}\n        inet ${i.ip}  netmask ${maskOf(i.prefix)}  broadcast ${broadcastOf(i.ip, i.prefix)}\n        inet6 ${linkLocal(i.mac)}  prefixlen 64  scopeid 0x20<link>\n        ether ${i.mac}  txqueuelen 0  (Ethernet)\n        RX packets 0  bytes 0 (0.0 B)\n        RX errors 0  dropped 0  overruns 0  frame 0\n        TX packets 0  bytes 0 (0.0 B)\n        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n` });
      blocks.push({ name: "lo", text: "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        inet 127.0.0.1  netmask 255.0.0.0\n        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n        loop  txqueuelen 1000  (Local Loopback)\n        RX packets 0  bytes 0 (0.0 B)\n        RX errors 0  dropped 0  overruns 0  frame 0\n        TX packets 0  bytes 0 (0.0 B)\n        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n" });
    } else {
      blocks.push({ name: "eth0", text: `eth0      Link encap:Ethernet  HWaddr ${i.mac.toUpperCase()}  \n          inet addr:${i.ip}  Bcast:${broadcastOf(i.ip, i.prefix)}  Mask:${maskOf(i.prefix)}\n          inet6 addr: ${linkLocal(i.mac)}/64 Scope:Link\n          UP BROADCAST RUNNING MULTICAST  MTU:${i.mtu}  Metric:1\n          RX packets:0 errors:0 dropped:0 overruns:0 frame:0\n          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0\n          collisions:0 txqueuelen:0 \n          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)\n\n` });
      blocks.push({ name: "lo", text: "lo        Link encap:Local Loopback  \n          inet addr:127.0.0.1  Mask:255.0.0.0\n          inet6 addr: ::1/128 Scope:Host\n          UP LOOPBACK RUNNING  MTU:65536  Metric:1\n          RX packets:0 errors:0 dropped:0 overruns:0 frame:0\n          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0\n          collisions:0 txqueuelen:1000 \n          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)\n\n" });
    }
    const shown = want ? blocks.filter((b) => b.name === want) : blocks;
    if (!shown.length) {
      err(ctx, ctx.flavour === "gnu" ? `${want}: error fetching interface information: Device not found` : `ifconfig: ${want}: error fetching interface information: Device not found`);
      return 1;
    }
    say(ctx, shown.map((b) => b.text).join(""));
    return 0;
  },
};

export const route: Tool = {
  names: ["route"],
  run(ctx) {
    const args = ctx.argv.slice(1).filter((a) => a !== "-n" && a !== "-e");
    if (args.length) {
      err(ctx, "SIOCADDRT: Operation not permitted");
      return 1;
    }
    let out = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n";
    for (const r of routes(ctx)) {
      const dst = r.dst === "default" ? "0.0.0.0" : r.dst;
      const flags = "U" + (r.via ? "G" : "") + (r.prefix === 32 ? "H" : "");
      out += `${padR(dst, 16)}${padR(r.via ?? "0.0.0.0", 16)}${padR(maskOf(r.prefix), 16)}${padR(flags, 6)}0      0        0 eth0\n`;
    }
    say(ctx, out);
    return 0;
  },
};

export const arp: Tool = {
  names: ["arp"],
  run(ctx) {
    const g = ctx.world.net.iface.gateway;
    if (ctx.flavour === "gnu" && !ctx.argv.includes("-a")) say(ctx, `Address                  HWtype  HWaddress           Flags Mask            Iface\n${padR(g, 25)}ether   ${gatewayMac(ctx)}   C                     eth0\n`);
    else say(ctx, `? (${g}) at ${gatewayMac(ctx)} [ether]  on eth0\n`);
    return 0;
  },
};

/** The sockets the container's service listens on, when its process is the image's server. */
function listeners(ctx: ToolContext): { port: number; pid: number; program: string; cmdline: string }[] {
  const image = ctx.world.image;
  if (!image) return [];
  const procs = ctx.world.processes.list();
  // A server may retitle itself ("nginx: master process ..."): its name is what precedes the colon.
  const nameOf = (argv0: string) => (argv0.split("/").pop() ?? "").replace(/:$/, "");
  const server = procs.find((p) => image.servers.some((s) => nameOf(s) === nameOf(p.argv[0] ?? "")));
  if (!server) return [];
  const program = nameOf(server.argv[0] ?? "");
  return image.ports.map((port) => ({ port, pid: server.pid, program, cmdline: server.argv.join(" ") }));
}

export const netstat: Tool = {
  names: ["netstat"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "tulnpaeWrs" });
    if (p.bad) return badOption(ctx, p.bad);
    if (p.flags.has("r")) return route.run({ ...ctx, argv: ["route", "-n"] }) as number;
    const all = p.flags.has("a");
    const listening = p.flags.has("l") || !all;
    const numeric = p.flags.has("n");
    const pids = p.flags.has("p");
    const tcp = p.flags.has("t") || !p.flags.has("u");
    let out = `Active Internet connections (${listening && !all ? "only servers" : "servers and established"})\nProto Recv-Q Send-Q Local Address           Foreign Address         State       ${pids ? "PID/Program name    " : ""}\n`;
    if (tcp && listening)
      for (const l of listeners(ctx)) {
        const local = `0.0.0.0:${numeric ? l.port : l.port === 80 ? "http" : l.port === 443 ? "https" : l.port}`;
        const prog = ctx.flavour === "gnu" ? `${l.pid}/${l.program}` : `${l.pid}/${l.cmdline}`;
        out += `tcp        0      0 ${padR(local, 23)} ${padR("0.0.0.0:*", 23)} ${padR("LISTEN", 11)} ${pids ? prog.slice(0, 19) : ""}\n`;
      }
    say(ctx, ctx.flavour === "gnu" ? out.replace(/ +\n/g, (m) => (m.length > 1 ? " \n" : "\n")) : out);
    return 0;
  },
};

export const ss: Tool = {
  names: ["ss"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "tulnpaexiHsr4" });
    if (p.bad) return badOption(ctx, p.bad);
    const pids = p.flags.has("p");
    const rows = listeners(ctx).map((l) => ["LISTEN", "0", "511", `0.0.0.0:${p.flags.has("n") ? l.port : l.port === 80 ? "http" : l.port}`, "0.0.0.0:*", pids ? `users:(("${l.program}",pid=${l.pid},fd=6))` : ""]);
    const head = ["State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Process"];
    const w = [6, 6, 6, 18, 17];
    let out = p.flags.has("H") ? "" : `${padR(head[0], w[0])} ${padR(head[1], w[1])} ${padR(head[2], w[2])} ${head[3].padStart(w[3])} ${head[4].padStart(w[4])}${head[5]}\n`;
    for (const r of rows) out += `${padR(r[0], w[0])} ${padR(r[1], w[1])} ${padR(r[2], w[2])} ${r[3].padStart(w[3])} ${r[4].padStart(w[4])}${r[5] ? " " + r[5] : ""}\n`;
    say(ctx, out);
    return 0;
  },
};
