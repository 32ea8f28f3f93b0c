// The system, network and cluster tools, listed for tools/index.ts.
import type { Tool } from "../../types";
import { pingTool, ncTool, telnet, traceroute } from "./connect";
import { curl } from "./curl";
import { df, mount, umount } from "./df";
import { dig, getent, host, nslookup } from "./dns";
import { etcdctlTool } from "./etcdctl";
import { hostname, id, nproc, uname, whoami } from "./identity";
import { iptables, iptablesSave } from "./iptables";
import { kill, killall, pgrep } from "./kill";
import { free, top, uptime } from "./load";
import { arp, ifconfig, ip, netstat, route, ss } from "./netinfo";
import { nginxTool } from "./nginx";
import { crictl, systemctl } from "./node";
import { apkTool, aptTool, pipTool, yumTool } from "./packages";
import { ps } from "./ps";
import { wget } from "./wget";

export const SYSTEM_TOOLS: Tool[] = [
  ps,
  kill,
  killall,
  pgrep,
  hostname,
  id,
  whoami,
  uname,
  nproc,
  df,
  mount,
  umount,
  free,
  uptime,
  top,
  nslookup,
  dig,
  host,
  getent,
  wget,
  curl,
  ncTool,
  telnet,
  pingTool,
  traceroute,
  ip,
  ifconfig,
  route,
  arp,
  netstat,
  ss,
  aptTool,
  apkTool,
  yumTool,
  pipTool,
  nginxTool,
  iptablesSave,
  iptables,
  etcdctlTool,
  crictl,
  systemctl,
];
