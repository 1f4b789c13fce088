import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedUpstream } from "../src/simulator/server.js";
import { type Launched, freePort, runScript, tempDir } from "./helpers.js";

// The account store under concurrency, as an operator adding a team's accounts at once meets it:
// a real proxy process with a small open-file limit, against the simulated Google.
const KEY = "sk-account-store-test-key";
const N = 200;
const sim = new SimulatedUpstream();

beforeAll(async () => {
  await sim.start();
  for (let i = 0; i < N; i++)
    sim.addAccount({
      email: `member${i}@example.com`,
      refreshToken: `1//rt-member-${i}`,
      projectId: `proj-${i}`,
    });
});
afterAll(() => sim.stop());

async function start(dataDir: string, port: number): Promise<Launched> {
  const p = runScript(
    "start.ts",
    ["--data-dir", dataDir, "--port", String(port), "--auth-mode", "strict", "--api-key", KEY],
    sim.env(),
    { openFileLimit: 256 },
  );
  await p.waitFor("Check it:", 30_000);
  return p;
}

describe("account store", () => {
  it(`${N} concurrent POST /api/accounts under ulimit -n 256: all 2xx, and ${N} accounts after a restart`, async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    let proxy = await start(dataDir, port);
    const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
    try {
      const results = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const res = await fetch(`http://127.0.0.1:${port}/api/accounts`, {
            method: "POST",
            headers,
            body: JSON.stringify({ refreshToken: `1//rt-member-${i}` }),
          });
          return { status: res.status, body: await res.text() };
        }),
      );
      const failed = results.filter((r) => r.status >= 300);
      expect(failed.slice(0, 3)).toEqual([]);
      expect(results.filter((r) => r.status === 201)).toHaveLength(N);
    } finally {
      await proxy.kill();
    }
    proxy = await start(dataDir, port);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/accounts`, { headers });
      const { accounts } = (await res.json()) as { accounts: { email: string }[] };
      expect(accounts).toHaveLength(N);
      expect(new Set(accounts.map((a) => a.email)).size).toBe(N);
    } finally {
      await proxy.kill();
    }
  }, 120_000);
});

describe("account index", () => {
  it("list() reads no account file once loaded; a change by another process is read once", async () => {
    const { AccountRepo } = await import("../src/pool/accounts.js");
    const { FileKv } = await import("../src/store/file-kv.js");
    const dir = `${await tempDir()}/kv`;
    let reads = 0;
    class CountingKv extends FileKv {
      override get(key: string) {
        reads++;
        return super.get(key);
      }
    }
    const repo = new AccountRepo(new CountingKv(dir));
    for (let i = 0; i < 20; i++)
      await repo.upsert({ email: `i${i}@example.com`, refreshToken: `1//rt-i${i}` });
    await repo.list();
    reads = 0;
    for (let i = 0; i < 5; i++) expect((await repo.list()).accounts).toHaveLength(20);
    expect(reads).toBe(0);
    // The CLI, another process, disables one account: its file alone is read again.
    const cli = new AccountRepo(new FileKv(dir));
    const target = (await cli.list()).accounts[3]!;
    await cli.setEnabled(target.id, false, "disabled from the CLI");
    const after = (await repo.list()).accounts.find((a) => a.id === target.id);
    expect(after).toMatchObject({ enabled: false, disabledReason: "disabled from the CLI" });
    expect(reads).toBe(1);
  });
});
