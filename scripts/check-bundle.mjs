#!/usr/bin/env node
// `npm run check:bundle`: would Cloudflare take this Worker? Bundles it as `wrangler deploy`
// does (--dry-run: offline, no account) and checks what a deploy would otherwise refuse late:
// the compressed size, APIs workerd forbids in production, and the static assets' bounds.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { parse } from "acorn";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const KiB = 1024;
const MiB = 1024 * KiB;
/** Workers' limits on the compressed script (Free plan; Paid), and on static assets. */
const FREE_GZIP = 3 * MiB;
const PAID_GZIP = 10 * MiB;
const MAX_ASSET_BYTES = 25 * MiB;
const MAX_ASSET_FILES = 20_000;

const problems = [];
const fmt = (n) => (n >= MiB ? `${(n / MiB).toFixed(2)} MiB` : `${(n / KiB).toFixed(1)} KiB`);

// ---- the dashboard's assets are built first, so what is measured is what a deploy uploads ----
// (--no-build: web/ was built just before.)
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
if (pkg.scripts?.["build:web"] && !process.argv.includes("--no-build")) {
  const built = spawnSync("npm", ["run", "--silent", "build:web"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) {
    console.error("check-bundle: npm run build:web failed");
    process.exit(1);
  }
}

// ---- the Worker's bundle, as wrangler deploy would upload it ----
const out = mkdtempSync(join(tmpdir(), "kubedo-bundle-"));
const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
// No account is needed for a dry run; none is used even if the shell has one.
for (const k of Object.keys(env)) if (k.startsWith("CLOUDFLARE_") && k !== "CLOUDFLARE_CF_FETCH_ENABLED") delete env[k];
const dry = spawnSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", out], { cwd: root, env, encoding: "utf8" });
if (dry.status !== 0) {
  console.error(`check-bundle: wrangler deploy --dry-run failed (${dry.status}):\n${dry.stdout}${dry.stderr}`);
  rmSync(out, { recursive: true, force: true });
  process.exit(1);
}
const wranglerSays = /Total Upload: (.*)/.exec(dry.stdout)?.[1]?.trim();

// The modules the upload holds (source maps and wrangler's README are not uploaded as modules).
const modules = readdirSync(out, { recursive: true })
  .map(String)
  .filter((f) => statSync(join(out, f)).isFile() && !f.endsWith(".map") && f !== "README.md");
const main = modules.find((f) => f === "index.js");
if (!main) problems.push(`wrangler wrote no index.js in ${out}`);
// Measured as wrangler measures it: one gzip over every module, the main one last.
const ordered = [...modules.filter((f) => f !== main), ...(main ? [main] : [])];
const contents = ordered.map((f) => readFileSync(join(out, f)));
const rawBytes = contents.reduce((n, b) => n + b.length, 0);
const gzipBytes = gzipSync(Buffer.concat(contents)).length;
console.log(`Worker bundle: ${modules.length} modules, ${fmt(rawBytes)}, gzip ${fmt(gzipBytes)} (${((gzipBytes / FREE_GZIP) * 100).toFixed(1)}% of the Free plan's ${fmt(FREE_GZIP)}; the Paid plan allows ${fmt(PAID_GZIP)})${wranglerSays ? `; wrangler: ${wranglerSays}` : ""}`);
if (gzipBytes > FREE_GZIP) problems.push(`the Worker is ${fmt(gzipBytes)} compressed, over the Free plan's ${fmt(FREE_GZIP)} (Paid allows ${fmt(PAID_GZIP)})`);

// ---- APIs workerd refuses in production ----
const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
const nodeCompat = /compatibility_flags\s*=\s*\[[^\]]*"nodejs_compat(_v2)?"/.test(toml);
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (s) => builtins.has(s) || s.startsWith("node:");

/**
 * Known code generation that never runs on Workers, each with the reason. zod's JIT builds
 * validators with `new Function` only when its allowsEval() probe says it may: that probe answers
 * false on Workers (navigator.userAgent is "Cloudflare-Workers", and the probe itself is in a try).
 */
const ALLOWED = [{ where: /^Doc\d*\.compile$/, why: "zod's JIT, used only when allowsEval() is true, which it is not on Workers" }];

for (const file of ordered.filter((f) => /\.(m?js|cjs)$/.test(f))) {
  const code = readFileSync(join(out, file), "utf8");
  let ast;
  try {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true });
  } catch (e) {
    problems.push(`${file}: cannot be parsed: ${e.message}`);
    continue;
  }
  for (const f of scan(ast)) {
    const allowed = ALLOWED.find((a) => f.where && a.where.test(f.where));
    const at = `${file}:${f.line}${f.where ? ` (in ${f.where})` : ""}`;
    if (f.kind === "codegen" && f.guarded) console.log(`  allowed: ${f.what} at ${at}: inside a try, so workerd's refusal is caught`);
    else if (f.kind === "codegen" && allowed) console.log(`  allowed: ${f.what} at ${at}: ${allowed.why}`);
    else if (f.kind === "builtin" && nodeCompat) continue;
    else problems.push(`${f.what} at ${at}: ${f.kind === "builtin" ? "a Node.js built-in, and wrangler.toml does not enable nodejs_compat" : "workerd forbids generating code at run time"}`);
  }
}

/**
 * Finds, in one module's syntax tree: eval and the Function constructor (called, constructed, or
 * taken as a value and so aliased), string-bodied timers, importScripts, runtime WebAssembly
 * compilation, and imports or requires of Node.js built-ins. Words in strings and comments are
 * not code, so they never count.
 */
function scan(program) {
  const found = [];
  /** Names bound to the Function constructor or eval ("const F = Function"), per function scope. */
  const walk = (node, ctx) => {
    if (!node || typeof node.type !== "string") return;
    const line = node.loc?.start.line;
    const push = (kind, what, c = ctx) => found.push({ kind, what, line, where: c.where, guarded: c.inTry });
    const globalRef = (n) => n?.type === "Identifier" && (n.name === "Function" || n.name === "eval") && !ctx.shadowed.has(n.name);
    const viaGlobal = (n) =>
      n?.type === "MemberExpression" && !n.computed && ["globalThis", "self", "window", "global"].includes(n.object?.name) && (n.property.name === "Function" || n.property.name === "eval");
    switch (node.type) {
      case "CallExpression":
      case "NewExpression": {
        const callee = node.callee.type === "SequenceExpression" ? node.callee.expressions.at(-1) : node.callee;
        const name = callee.type === "Identifier" ? callee.name : callee.type === "MemberExpression" && !callee.computed ? `${callee.object.name ?? "…"}.${callee.property.name}` : "";
        const codegenCallee = globalRef(callee) || viaGlobal(callee) || (callee.type === "Identifier" && ctx.aliases.has(callee.name));
        if (codegenCallee)
          push("codegen", `${node.type === "NewExpression" ? "new " : ""}${name}(…)${ctx.aliases.has(callee.name) ? ` (${callee.name} is ${ctx.aliases.get(callee.name)})` : ""}`);
        else if ((name === "setTimeout" || name === "setInterval") && (node.arguments[0]?.type === "Literal" && typeof node.arguments[0].value === "string" || node.arguments[0]?.type === "TemplateLiteral"))
          push("codegen", `${name} with a string of code`);
        else if (name === "importScripts") push("codegen", "importScripts(…)");
        else if (["WebAssembly.compile", "WebAssembly.compileStreaming", "WebAssembly.instantiateStreaming", "WebAssembly.Module"].includes(name)) push("codegen", `${node.type === "NewExpression" ? "new " : ""}${name}(…) (compiling WebAssembly from bytes at run time)`);
        else if ((name === "require" || name === "__require") && node.arguments[0]?.type === "Literal" && isBuiltin(node.arguments[0].value)) push("builtin", `${name}(${JSON.stringify(node.arguments[0].value)})`);
        // A callee already reported is not reported again as a value taken.
        if (!codegenCallee) walk(node.callee, ctx);
        else if (node.callee.type === "SequenceExpression") for (const e of node.callee.expressions.slice(0, -1)) walk(e, ctx);
        for (const a of node.arguments) walk(a, ctx);
        return;
      }
      case "ImportDeclaration":
      case "ExportNamedDeclaration":
      case "ExportAllDeclaration":
        if (node.source && isBuiltin(node.source.value)) push("builtin", `import from ${JSON.stringify(node.source.value)}`);
        break;
      case "ImportExpression":
        if (node.source.type === "Literal" && isBuiltin(node.source.value)) push("builtin", `import(${JSON.stringify(node.source.value)})`);
        break;
      case "VariableDeclarator":
        if (node.id.type === "Identifier" && node.init && (globalRef(node.init) || viaGlobal(node.init))) {
          ctx.aliases.set(node.id.name, node.init.type === "Identifier" ? node.init.name : `${node.init.object.name}.${node.init.property.name}`);
          walk(node.init, { ...ctx, aliasing: true });
          return;
        }
        if (node.id.type === "Identifier" && (node.id.name === "Function" || node.id.name === "eval")) ctx.shadowed.add(node.id.name);
        // esbuild writes classes as `var Doc = class { … }`: the class is named by its variable.
        if (node.id.type === "Identifier" && node.init?.type === "ClassExpression" && !node.init.id) {
          walk(node.init, { ...ctx, className: node.id.name });
          return;
        }
        break;
      case "Identifier":
        // Taken as a value some other way (passed, stored in an object): it may be called anywhere.
        if (!ctx.aliasing && (node.name === "Function" || node.name === "eval") && !ctx.shadowed.has(node.name) && ctx.valuePosition) push("codegen", `${node.name} taken as a value`);
        else if (!ctx.aliasing && ctx.aliases.has(node.name) && ctx.valuePosition) push("codegen", `${node.name} (${ctx.aliases.get(node.name)}) taken as a value`);
        return;
      case "ExportSpecifier":
        walk(node.local, ctx);
        return;
      case "TryStatement":
        walk(node.block, { ...ctx, inTry: true });
        walk(node.handler, ctx);
        walk(node.finalizer, ctx);
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression": {
        // A function body is a new scope for aliases, and a try around its definition does not guard its calls.
        const inner = { ...ctx, inTry: false, aliases: new Map(ctx.aliases), shadowed: new Set(ctx.shadowed), where: node.id?.name ?? ctx.where };
        for (const p of node.params) walk(p, { ...inner, valuePosition: false });
        walk(node.body, inner);
        return;
      }
      case "MethodDefinition":
      case "PropertyDefinition": {
        const key = node.key.type === "Identifier" ? node.key.name : node.key.type === "Literal" ? String(node.key.value) : "[computed]";
        if (node.computed) walk(node.key, ctx);
        walk(node.value, { ...ctx, where: ctx.className ? `${ctx.className}.${key}` : key });
        return;
      }
      case "ClassDeclaration":
      case "ClassExpression":
        walk(node.superClass, ctx);
        walk(node.body, { ...ctx, className: node.id?.name ?? (node.type === "ClassExpression" ? ctx.className : undefined) });
        return;
      case "MemberExpression":
        if (viaGlobal(node) && !ctx.aliasing) {
          push("codegen", `${node.object.name}.${node.property.name} taken as a value`);
          return;
        }
        walk(node.object, ctx);
        if (node.computed) walk(node.property, ctx);
        return;
      case "Property":
        if (node.computed) walk(node.key, ctx);
        walk(node.value, ctx);
        return;
      case "LabeledStatement":
      case "BreakStatement":
      case "ContinueStatement":
        if (node.type === "LabeledStatement") walk(node.body, ctx);
        return;
      case "UnaryExpression":
        // `typeof Function` looks, it does not call.
        if (node.operator === "typeof") return;
        break;
      case "BinaryExpression":
        // `x instanceof Function` looks too.
        if (node.operator === "instanceof" && node.right.type === "Identifier") {
          walk(node.left, ctx);
          return;
        }
        break;
    }
    for (const key of Object.keys(node)) {
      if (key === "loc" || key === "type" || key === "start" || key === "end") continue;
      const v = node[key];
      if (Array.isArray(v)) for (const x of v) walk(x, ctx);
      else if (v && typeof v.type === "string") walk(v, ctx);
    }
  };
  walk(program, { inTry: false, aliases: new Map(), shadowed: new Set(), where: undefined, className: undefined, valuePosition: true, aliasing: false });
  return found;
}

rmSync(out, { recursive: true, force: true });

// ---- static assets ----
const assetsDir = /\[assets\][^[]*?directory\s*=\s*"([^"]+)"/.exec(toml)?.[1];
if (assetsDir) {
  const dir = resolve(root, assetsDir);
  const ignored = assetsIgnore(dir);
  let count = 0;
  let total = 0;
  let largest = { file: "", bytes: 0 };
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    const rel = relative(dir, join(dir, f)).split("\\").join("/");
    const st = statSync(join(dir, f));
    if (!st.isFile() || ignored(rel)) continue;
    count++;
    total += st.size;
    if (st.size > largest.bytes) largest = { file: rel, bytes: st.size };
    if (st.size > MAX_ASSET_BYTES) problems.push(`the asset ${assetsDir}/${rel} is ${fmt(st.size)}, over the ${fmt(MAX_ASSET_BYTES)} a static asset may be`);
  }
  console.log(`Static assets (${assetsDir}/, less .assetsignore): ${count} files (limit ${MAX_ASSET_FILES.toLocaleString("en")}), ${fmt(total)} in all, largest ${largest.file || "none"} ${fmt(largest.bytes)} (limit ${fmt(MAX_ASSET_BYTES)} each)`);
  if (count >= MAX_ASSET_FILES) problems.push(`${count} static assets, and Workers takes fewer than ${MAX_ASSET_FILES.toLocaleString("en")}`);
}

/** .assetsignore (gitignore syntax) as wrangler applies it; the file itself is never uploaded. */
function assetsIgnore(dir) {
  let text = "";
  try {
    text = readFileSync(join(dir, ".assetsignore"), "utf8");
  } catch {
    // no ignore file: only the metafiles below are left out
  }
  const rules = ["/.assetsignore", "/_redirects", "/_headers", ...text.split("\n")]
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      let p = negate ? l.slice(1) : l;
      const dirOnly = p.endsWith("/");
      if (dirOnly) p = p.slice(0, -1);
      const anchored = p.startsWith("/") || p.includes("/");
      p = p.replace(/^\//, "");
      const re = p
        .split(/(\*\*\/|\/\*\*|\*\*|\*|\?)/)
        .map((t) => (t === "**/" ? "(?:.*/)?" : t === "/**" ? "/.*" : t === "**" ? ".*" : t === "*" ? "[^/]*" : t === "?" ? "[^/]" : t.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
      return { negate, dirOnly, matcher: new RegExp(anchored ? `^${re}$` : `(?:^|/)${re}$`) };
    });
  return (rel) => {
    const parts = rel.split("/");
    let out = false;
    for (const r of rules) {
      // A pattern matches the path itself or one of the folders it is in.
      for (let i = 1; i <= parts.length; i++) {
        const isDir = i < parts.length;
        if (r.dirOnly && !isDir) continue;
        if (r.matcher.test(parts.slice(0, i).join("/"))) out = !r.negate;
      }
    }
    return out;
  };
}

problems.splice(0, problems.length, ...new Set(problems));
if (problems.length) {
  console.error(`\ncheck-bundle: ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n${problems.map((p) => `- ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("check-bundle: the Worker and its assets are within Cloudflare's limits and use no API workerd forbids");
