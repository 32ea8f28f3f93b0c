#!/usr/bin/env node
// What fills a heap snapshot (profile.mjs with KUBEDO_PROFILE_HEAP=file): the self size of its
// objects by kind and constructor, largest first, for finding what a cluster keeps in memory.
//   node bench/heapsnapshot.mjs file [rows]
import { readFileSync } from "node:fs";

const [file, rows = "40"] = process.argv.slice(2);
const snap = JSON.parse(readFileSync(file, "utf8"));
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const width = fields.length;
const at = (f) => fields.indexOf(f);
const [TYPE, NAME, SIZE] = [at("type"), at("name"), at("self_size")];
const by = new Map();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += width) {
  const type = types[snap.nodes[i + TYPE]];
  const size = snap.nodes[i + SIZE];
  // Strings are grouped by kind, not by their text.
  const name = type === "object" || type === "closure" || type === "native" ? snap.strings[snap.nodes[i + NAME]] : "";
  const key = `${type}${name ? ` ${name.slice(0, 60)}` : ""}`;
  const e = by.get(key) ?? { count: 0, size: 0 };
  e.count++;
  e.size += size;
  by.set(key, e);
  total += size;
}
console.log(`${(total / 1024 / 1024).toFixed(1)} MiB in ${snap.nodes.length / width} objects`);
for (const [k, e] of [...by].sort((a, b) => b[1].size - a[1].size).slice(0, Number(rows)))
  console.log(`${(e.size / 1024 / 1024).toFixed(2).padStart(9)} MiB ${String(e.count).padStart(9)}  ${k}`);
