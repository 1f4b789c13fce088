import { MemoryLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { startNodeProxy } from "../src/runtime/node.js";
import { type SimAccount, SimulatedUpstream } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";
import { freePort, runScript, tempDir } from "./helpers.js";

/** Which runtime the SDK conformance suites run against: `npm test` runs them on both. */
export const RUNTIME = (process.env.PROXY_RUNTIME ?? "node") as "node" | "miniflare";

export interface Harness {
  sim: SimulatedUpstream;
  proxy: { port: number };
  /** The proxy's log lines (Node runtime only: workerd logs to its own console). */
  logs: MemoryLogger | null;
  stop(): Promise<void>;
}

/**
 * The simulated upstream and a real proxy on loopback in front of it (in-process on Node, or
 * `npm start -- --runtime miniflare` in workerd), with `accounts` known to the simulator and
 * stored in the proxy's data dir the way `accounts add` leaves them.
 */
export async function startHarness(
  accounts: SimAccount[],
  env: Record<string, string> = {},
): Promise<Harness> {
  const sim = new SimulatedUpstream();
  await sim.start();
  const dataDir = await tempDir();
  const repo = new AccountRepo(new FileKv(`${dataDir}/kv`));
  for (const a of accounts) {
    sim.addAccount(a);
    await repo.upsert({ email: a.email, refreshToken: a.refreshToken });
  }
  const port = await freePort();
  if (RUNTIME === "miniflare") {
    const launched = runScript(
      "start.ts",
      ["--runtime", "miniflare", "--data-dir", dataDir, "--port", String(port)],
      { ...sim.env(), ...env },
    );
    await launched.waitFor("Check it:", 60_000);
    return {
      sim,
      proxy: { port },
      logs: null,
      stop: async () => {
        await launched.kill();
        await sim.stop();
      },
    };
  }
  const logs = new MemoryLogger();
  const proxy = await startNodeProxy({
    dataDir,
    env: { ...sim.env(), ...env },
    flags: { port },
    logger: logs,
  });
  return {
    sim,
    proxy,
    logs,
    stop: async () => {
      await proxy.close();
      await sim.stop();
    },
  };
}
