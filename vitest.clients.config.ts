import { defineConfig } from "vitest/config";

// npm run test:clients: the real CLIs against the proxy (scripts/test-clients.ts installs them).
export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts"],
    exclude: ["e2e/clients/node_modules/**"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest-clients.json" },
  },
});
