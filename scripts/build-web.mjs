#!/usr/bin/env node
// `npm run build:web`: bundles the dashboard (web/src/main.ts and the CSS it imports, xterm.js's
// included) into web/app.js and web/app.css, which the Worker serves as static assets. Everything
// comes from npm at build time: the page loads nothing from another origin.
import { build } from "esbuild";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const watch = process.argv.includes("--watch");

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

if (watch) {
  const { context } = await import("esbuild");
  const ctx = await context(options);
  await ctx.watch();
  console.log("build:web watching web/src");
} else {
  await build(options);
}
