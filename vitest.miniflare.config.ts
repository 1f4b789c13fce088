import { defineConfig } from "vitest/config";

// The SDK conformance suites again, against `npm start -- --runtime miniflare` (the proxy in workerd).
export default defineConfig({
  test: {
    include: [
      "test/openai-sdk.test.ts",
      "test/anthropic-sdk.test.ts",
      "test/gemini-sdk.test.ts",
      "test/fixtures.test.ts",
      "test/tolerant.test.ts",
    ],
    env: { PROXY_RUNTIME: "miniflare" },
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest-miniflare.json" },
  },
});
