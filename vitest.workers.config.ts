import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The suites about the HTTP surface, run inside workerd (the Workers runtime) instead of Node.
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/runtime/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ANTIGRAVITY_API_KEY: "sk-workerd-test-key",
          ANTIGRAVITY_UPSTREAM_URLS: "http://127.0.0.1:9",
        },
      },
    }),
  ],
  test: {
    include: [
      "test/workerd/**/*.test.ts",
      "test/auth.test.ts",
      "test/bad-input.test.ts",
      "test/host-guard.test.ts",
      "src/adapters/**/*.test.ts",
    ],
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest-workerd.json" },
  },
});
