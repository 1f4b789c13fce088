// npm test: the Node, Miniflare and workerd runs, each run whatever the others did, so one failing
// suite never hides another. Exits non-zero if any run failed; each run writes its JSON report.
import { spawnSync } from "node:child_process";

const runs: [string, string[]][] = [
  ["node", []],
  ["miniflare", ["--config", "vitest.miniflare.config.ts"]],
  ["workerd", ["--config", "vitest.workers.config.ts"]],
];
const extra = process.argv.slice(2);
const failed: string[] = [];
for (const [name, args] of runs) {
  console.log(`\n=== vitest (${name}) ===`);
  const r = spawnSync("npx", ["vitest", "run", ...args, ...extra], { stdio: "inherit" });
  if (r.status !== 0) failed.push(name);
}
console.log(
  failed.length ? `\nfailed runs: ${failed.join(", ")}` : "\nall runs passed (node, miniflare, workerd)",
);
process.exit(failed.length ? 1 : 0);
