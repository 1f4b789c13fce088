/**
 * npm run test:clients: the real CLIs (Claude Code, Gemini CLI, Codex, OpenCode, Qwen Code) run
 * headless against the proxy and the simulated upstream. They live in e2e/clients, a package of
 * their own (~1.3 GB), installed here on first use and again when its lockfile changes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "..", "e2e", "clients");
const lock = readFileSync(join(dir, "package-lock.json"), "utf8");
const stamp = join(dir, "node_modules", ".installed-lock");
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lock) {
  console.log("Installing the CLIs under test into e2e/clients (first run only) …");
  // Exact versions from the lockfile. `install`, not `ci`: the registry here lacks some other-platform
  // optional packages the lockfile would name. Claude Code and OpenCode pick their platform binary
  // in an install script.
  const r = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund"], {
    cwd: dir,
    stdio: "inherit",
  });
  if (r.status !== 0) {
    console.error("npm install in e2e/clients failed: the client tests cannot run.");
    process.exit(1);
  }
  writeFileSync(stamp, lock);
}
const r = spawnSync(
  "npx",
  ["vitest", "run", "--config", "vitest.clients.config.ts", ...process.argv.slice(2)],
  {
    stdio: "inherit",
  },
);
process.exit(r.status ?? 1);
