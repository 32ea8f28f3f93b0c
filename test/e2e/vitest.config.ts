// End-to-end tests: the local service started as `npm start` starts it, driven by real kubectl,
// @kubernetes/client-node and curl.
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig({
  test: {
    root,
    // CI asks for a JSON report too (KUBEDO_TEST_REPORT), to print one plain line of totals.
    reporters: process.env.KUBEDO_TEST_REPORT ? ["default", ["json", { outputFile: path.join(process.env.KUBEDO_TEST_REPORT, "e2e.json") }] as ["json", { outputFile: string }]] : ["default"],
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    globalSetup: [path.join(root, "test/e2e/server.ts")],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One service for all files; two files at a time keeps a 2-core machine responsive.
    maxWorkers: 2,
  },
});
