// Runs vitest with its arguments, dropping one benign line: workerd's "WebSocket peer
// disconnected" notice when the Workers pool closes its runner's socket at the end of each test
// file. The pool filters it from version 0.16.8 on, which needs Node.js 22; until kubedo moves to
// Node.js 22, this keeps `npm test` free of lines a newcomer would mistake for a failure.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";

const BENIGN = /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected$/;
const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const color = process.stdout.isTTY ? { FORCE_COLOR: "1" } : {};
const child = spawn(process.execPath, [vitest, ...process.argv.slice(2)], { stdio: ["inherit", "pipe", "pipe"], env: { ...process.env, ...color } });

for (const [from, to] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  readline.createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => {
    if (!BENIGN.test(line)) to.write(line + "\n");
  });
}
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
