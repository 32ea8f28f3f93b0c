// Prints one plain line of totals, "N passed, N failed", from the JSON reports vitest wrote
// (KUBEDO_TEST_REPORT=dir): every CI reader understands it, whatever it makes of vitest's own summary.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")) : []) {
  const r = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
  passed += r.numPassedTests ?? 0;
  // A file that failed to load counts as a failure even when none of its tests ran.
  failed += (r.numFailedTests ?? 0) + (r.testResults ?? []).filter((t) => t.status === "failed" && !(t.assertionResults ?? []).length).length;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
