#!/usr/bin/env node
// `npm run build:web`: bundles the dashboard (web/src/main.ts and the CSS it imports, xterm.js's
// included) into web/app.js and web/app.css, which the Worker serves as static assets. Everything
// comes from npm at build time: the page loads nothing from another origin.
import { build } from "esbuild";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const main = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
const watch = main && process.argv.includes("--watch");

const options = {
  absWorkingDir: root,
  entryPoints: { app: "web/src/main.ts" },
  outdir: "web",
  bundle: true,
  format: "esm",
  target: "es2022",
  platform: "browser",
  minify: !watch,
  sourcemap: watch ? "linked" : false,
  legalComments: "none",
  logLevel: "warning",
};

/** Bundles the dashboard once (`npm start` and the end-to-end tests call this before serving). */
export async function buildWeb() {
  // Files are rewritten only when their bytes change: a running dev server reloads on a write.
  const out = await build({ ...options, write: false });
  for (const f of out.outputFiles) {
    if (existsSync(f.path) && Buffer.compare(readFileSync(f.path), Buffer.from(f.contents)) === 0) continue;
    writeFileSync(f.path, f.contents);
  }
}

if (!main) {
  // imported: the caller builds
} else if (watch) {
  const { context } = await import("esbuild");
  const ctx = await context(options);
  await ctx.watch();
  console.log("build:web watching web/src");
} else {
  await buildWeb();
}
