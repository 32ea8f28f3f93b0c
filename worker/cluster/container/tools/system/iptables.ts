// iptables-save and iptables -S/-L over the node's rules (kube-proxy's pod reads them; anywhere
// else the container lacks CAP_NET_ADMIN and iptables says so).
import type { Tool, ToolContext } from "../../types";
import { err, padR, say } from "./common";

const VERSION = "v1.8.9 (nf_tables)";

function denied(ctx: ToolContext, tool: string): number {
  err(ctx, tool === "iptables-save" ? `iptables-save ${VERSION}: Could not fetch rule set generation id: Permission denied (you must be root)` : `iptables ${VERSION}: Could not fetch rule set generation id: Permission denied (you must be root)\n`);
  return tool === "iptables-save" ? 1 : 4;
}

interface Table {
  name: string;
  policies: { chain: string; policy: string }[];
  rules: string[];
}

function tables(save: string): Table[] {
  const out: Table[] = [];
  let cur: Table | null = null;
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) out.push((cur = { name: line.slice(1), policies: [], rules: [] }));
    else if (line.startsWith(":") && cur) {
      const [chain, policy] = line.slice(1).split(" ");
      cur.policies.push({ chain, policy });
    } else if (line.startsWith("-A ") && cur) cur.rules.push(line);
  }
  return out;
}

export const iptablesSave: Tool = {
  names: ["iptables-save", "iptables-nft-save", "iptables-legacy-save"],
  run(ctx) {
    const save = ctx.world.cluster.iptablesSave();
    if (save === null) return denied(ctx, "iptables-save");
    const args = ctx.argv.slice(1);
    const ti = args.findIndex((a) => a === "-t" || a === "--table");
    const only = ti >= 0 ? args[ti + 1] : undefined;
    if (!only) {
      say(ctx, save);
      return 0;
    }
    // One table's block, from its "# Generated" line to its "# Completed" line.
    const lines = save.split("\n");
    const start = lines.findIndex((l) => l === `*${only}`);
    if (start < 0) return 0;
    const end = lines.findIndex((l, i) => i > start && l.startsWith("# Completed"));
    say(ctx, lines.slice(Math.max(0, start - 1), end + 1).join("\n") + "\n");
    return 0;
  },
};

/** A rule's match part as -L prints it (a short rendering of the common matches). */
function listRule(rule: string, numeric: boolean): string {
  const words = rule.match(/"[^"]*"|\S+/g) ?? [];
  let target = "";
  let prot = "all";
  let src = numeric ? "0.0.0.0/0" : "anywhere";
  let dst = numeric ? "0.0.0.0/0" : "anywhere";
  const extra: string[] = [];
  for (let i = 2; i < words.length; i++) {
    const w = words[i];
    const next = () => (words[++i] ?? "").replace(/^"|"$/g, "");
    if (w === "-j" || w === "-g") target = next();
    else if (w === "-p") prot = next();
    else if (w === "-s") src = next();
    else if (w === "-d") dst = next();
    else if (w === "--comment") extra.push(`/* ${next()} */`);
    else if (w === "--dport") extra.push(`${prot} dpt:${next()}`);
    else if (w === "--to-destination") extra.push(`to:${next()}`);
    else if (w === "--probability") extra.push(`statistic mode random probability ${next()}`);
    else if (w === "--mark") extra.push(`mark match ${next()}`);
    else if (w === "--dst-type") extra.push(`ADDRTYPE match dst-type ${next()}`);
  }
  return `${padR(target, 10)} ${padR(prot, 4)} --  ${padR(src, 20)} ${padR(dst, 20)} ${extra.join(" ")}`.trimEnd();
}

export const iptables: Tool = {
  names: ["iptables", "iptables-nft", "iptables-legacy"],
  run(ctx) {
    const save = ctx.world.cluster.iptablesSave();
    const args = ctx.argv.slice(1);
    if (args.includes("--version") || args.includes("-V")) {
      say(ctx, `iptables ${VERSION}\n`);
      return 0;
    }
    if (save === null) return denied(ctx, "iptables");
    const ti = args.findIndex((a) => a === "-t" || a === "--table");
    const table = ti >= 0 ? args[ti + 1] : "filter";
    const flags = args.filter((a, i) => a.startsWith("-") && i !== ti && !(ti >= 0 && i === ti + 1)).join("");
    const chain = args.find((a, i) => !a.startsWith("-") && !(ti >= 0 && i === ti + 1));
    const t = tables(save).find((x) => x.name === table);
    if (!t) {
      err(ctx, `iptables ${VERSION}: can't initialize iptables table \`${table}': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded.`);
      return 3;
    }
    const chains = t.policies.filter((p) => !chain || p.chain === chain);
    if (chain && !chains.length) {
      err(ctx, `iptables: No chain/target/match by that name.`);
      return 1;
    }
    if (/S/.test(flags)) {
      let out = "";
      for (const c of chains) out += c.policy === "-" ? `-N ${c.chain}\n` : `-P ${c.chain} ${c.policy}\n`;
      for (const r of t.rules) if (!chain || r.startsWith(`-A ${chain} `)) out += r + "\n";
      say(ctx, out);
      return 0;
    }
    if (/L/.test(flags)) {
      const numeric = /n/.test(flags);
      const blocks = chains.map((c) => {
        const rules = t.rules.filter((r) => r.startsWith(`-A ${c.chain} `));
        const head = c.policy === "-" ? `Chain ${c.chain} (${t.rules.filter((r) => / -[jg] /.test(r) && r.endsWith(` ${c.chain}`)).length} references)` : `Chain ${c.chain} (policy ${c.policy})`;
        return `${head}\ntarget     prot opt source               destination         \n${rules.map((r) => listRule(r, numeric) + "\n").join("")}`;
      });
      say(ctx, blocks.join("\n"));
      return 0;
    }
    err(ctx, `iptables ${VERSION}: Permission denied (you must be root)`);
    return 4;
  },
};
