/**
 * npm run demo: the real proxy in front of the simulated upstream, with one demo account, fully
 * offline. Every answer is simulated; nothing reaches Google.
 */
import { rm } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { consoleLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { BindError, startNodeProxy } from "../src/runtime/node.js";
import { SimulatedUpstream } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";

const { values } = parseArgs({ options: { port: { type: "string" } }, strict: true });
const DEMO = { email: "demo@example.com", refreshToken: "1//demo-refresh-token" };

const sim = new SimulatedUpstream();
await sim.start();
sim.addAccount({ ...DEMO, projectId: "demo-project" });
const dataDir = await mkdtemp(join(tmpdir(), "antigravity-demo-"));
await new AccountRepo(new FileKv(join(dataDir, "kv"))).upsert(DEMO);

let proxy: Awaited<ReturnType<typeof startNodeProxy>>;
try {
  proxy = await startNodeProxy({
    dataDir,
    env: { ...sim.env(), ANTIGRAVITY_AUTH_MODE: "off" },
    flags: { port: values.port ?? "8045", apiKey: "sk-demo-key-0000" },
    logger: consoleLogger,
  });
} catch (err) {
  console.error(err instanceof BindError ? err.message : err);
  await sim.stop();
  process.exit(1);
}
const origin = `http://127.0.0.1:${proxy.port}`;
const line = "=".repeat(78);
console.log(`${line}
  DEMO MODE: answers are SIMULATED. Nothing is sent to Google; no account is used.
${line}
  Proxy            ${origin}   (auth off; any API key works, e.g. sk-demo-key-0000)
  Simulated Google ${sim.url}
  OpenAI SDKs      base_url="${origin}/v1"
  Anthropic SDKs   ANTHROPIC_BASE_URL=${origin}
  Gemini SDKs      baseUrl "${origin}"
  Try:             curl ${origin}/v1beta/models/gemini-3-flash:generateContent \\
                     -H 'content-type: application/json' \\
                     -d '{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}'
  Stop with Ctrl-C.
${line}`);

const shutdown = async () => {
  await proxy.close();
  await sim.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
