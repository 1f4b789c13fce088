import { MemoryLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { type NodeProxy, startNodeProxy } from "../src/runtime/node.js";
import { type SimAccount, SimulatedUpstream } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";
import { freePort, tempDir } from "./helpers.js";

export interface Harness {
  sim: SimulatedUpstream;
  proxy: NodeProxy;
  logs: MemoryLogger;
  stop(): Promise<void>;
}

/**
 * The simulated upstream and a real Node proxy on loopback in front of it, with `accounts` known
 * to the simulator and stored in the proxy's data dir (the way `accounts add` leaves them).
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
  const logs = new MemoryLogger();
  const proxy = await startNodeProxy({
    dataDir,
    env: { ...sim.env(), ...env },
    flags: { port: await freePort() },
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
