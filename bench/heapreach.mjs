#!/usr/bin/env node
// What holds a heap snapshot's data (profile.mjs with KUBEDO_PROFILE_HEAP=file): the MiB reachable
// from each named root, in the order given, each without what an earlier one reached; then what
// is left, by the closure, context or handle that holds it. Code and closures are not counted,
// so a root's figure is its data. A root is a constructor name, or Constructor:property for what
// that property of every such object holds (Snapshot:placed, BodyCache:map, ControlLoop:queues).
//   node bench/heapreach.mjs file Snapshot:placed ObjectCache:objects BodyCache:map ApiServer
import { readFileSync } from "node:fs";

const [file, ...roots] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/heapreach.mjs file.heapsnapshot [Constructor[:property] ...]");
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, "utf8"));
const meta = snap.snapshot.meta;
const W = meta.node_fields.length;
const EW = meta.edge_fields.length;
const [TYPE, NAME, SIZE, EDGES] = ["type", "name", "self_size", "edge_count"].map((f) => meta.node_fields.indexOf(f));
const [ETYPE, ENAME, ETO] = ["type", "name_or_index", "to_node"].map((f) => meta.edge_fields.indexOf(f));
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const N = snap.nodes.length / W;

const firstEdge = new Int32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += snap.nodes[i * W + EDGES];
}
firstEdge[N] = snap.edges.length / EW;
const type = (i) => nodeTypes[snap.nodes[i * W + TYPE]];
const name = (i) => String(snap.strings[snap.nodes[i * W + NAME]]);
const size = (i) => snap.nodes[i * W + SIZE];
const target = (e) => snap.edges[e * EW + ETO] / W;
const weak = (e) => edgeTypes[snap.edges[e * EW + ETYPE]] === "weak";
const edgeName = (e) => {
  const t = edgeTypes[snap.edges[e * EW + ETYPE]];
  return t === "element" || t === "hidden" ? `[${snap.edges[e * EW + ENAME]}]` : String(snap.strings[snap.edges[e * EW + ENAME]]);
};
const holder = (i) => type(i) === "code" || type(i) === "closure" || type(i) === "synthetic" || (type(i) === "object" && name(i).startsWith("system / Context"));

const seen = new Uint8Array(N);
for (let i = 0; i < N; i++) if (holder(i)) seen[i] = 1;
function reach(starts) {
  let bytes = 0;
  const stack = [...starts];
  while (stack.length) {
    const i = stack.pop();
    if (seen[i]) continue;
    seen[i] = 1;
    bytes += size(i);
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) if (!weak(e)) stack.push(target(e));
  }
  return bytes;
}
const mib = (b) => (b / 1048576).toFixed(2).padStart(8);

let total = 0;
for (let i = 0; i < N; i++) total += size(i);
console.log(`${mib(total)} MiB in ${N} objects, code and closures included`);
for (const root of roots) {
  const [ctor, prop] = root.split(":");
  const starts = [];
  for (let i = 0; i < N; i++) {
    if (type(i) !== "object" || name(i) !== ctor) continue;
    if (!prop) starts.push(i);
    else for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) if (edgeName(e) === prop) starts.push(target(e));
  }
  console.log(`${mib(reach(starts))} MiB from ${root} (${starts.length} found)`);
}
// The rest, by what holds it: a closure's context variable, a global handle (a Durable Object's
// instance), a script's source.
const held = new Map();
for (let i = 0; i < N; i++) {
  if (!holder(i)) continue;
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) {
    if (weak(e) || seen[target(e)]) continue;
    const key = `${type(i)} ${name(i).slice(0, 40)} .${edgeName(e)}`;
    held.set(key, (held.get(key) ?? 0) + reach([target(e)]));
  }
}
console.log("the rest, by what holds it:");
for (const [k, b] of [...held].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${mib(b)} MiB ${k}`);
