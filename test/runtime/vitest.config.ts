// In-runtime tests: workerd with the real Durable Object, SQLite and a local D1.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: "test-admin-token" } },
      }),
    ],
    test: {
      root,
      // CI asks for a JSON report too (KUBEDO_TEST_REPORT), to print one plain line of totals.
      reporters: process.env.KUBEDO_TEST_REPORT ? ["default", ["json", { outputFile: path.join(process.env.KUBEDO_TEST_REPORT, "runtime.json") }] as ["json", { outputFile: string }]] : ["default"],
      include: ["test/runtime/**/*.test.ts"],
      setupFiles: [path.join(root, "test/runtime/setup.ts")],
      // cron-parser ships CommonJS that requires luxon; pre-bundled, it loads in workerd as it
      // does in wrangler's bundle.
      deps: { optimizer: { ssr: { enabled: true, include: ["cron-parser"] } } },
    },
  };
});
