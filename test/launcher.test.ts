import { readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { startNodeProxy } from "../src/runtime/node.js";
import { FileKv } from "../src/store/file-kv.js";
import { freePort, runScript, tempDir } from "./helpers.js";

async function seedAccount(dataDir: string) {
  const repo = new AccountRepo(new FileKv(`${dataDir}/kv`));
  await repo.upsert({ refreshToken: "1//launcher", email: "launcher@example.com" });
}

describe("launcher (npm start)", () => {
  it("with one account: binds 127.0.0.1, prints the banner, /healthz is ok, SIGTERM exits 0", async () => {
    const dataDir = await tempDir();
    await seedAccount(dataDir);
    const port = await freePort();
    const p = runScript("start.ts", ["--data-dir", dataDir, "--port", String(port)]);
    await p.waitFor("Check it:");
    const out = p.output();
    expect(out).toContain("running");
    expect(out).toContain(`Listening on  http://127.0.0.1:${port}`);
    expect(out).toContain(`OpenAI      http://127.0.0.1:${port}/v1`);
    expect(out).toMatch(new RegExp(`Anthropic   http://127\\.0\\.0\\.1:${port} `));
    expect(out).toContain(`curl http://127.0.0.1:${port}/healthz`);
    expect(out).toContain("Accounts      1 active");
    expect(out).toMatch(/API key {7}sk-[0-9a-f]{2}…[0-9a-f]{4}/);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", version: "0.1.0" });
    expect(await p.kill("SIGTERM")).toBe(0);
    expect(p.output()).toContain("Stopped.");
  });

  it("SIGTERM lets an in-flight request finish before exiting", async () => {
    const { SimulatedUpstream, textChunks } = await import("../src/simulator/server.js");
    const sim = new SimulatedUpstream();
    await sim.start();
    sim.addAccount({ email: "launcher@example.com", refreshToken: "1//launcher", projectId: "p" });
    sim.enqueue({
      latencyMs: 1500,
      reply: { kind: "chunks", chunks: textChunks("finished despite the signal") },
    });
    const dataDir = await tempDir();
    await seedAccount(dataDir);
    const port = await freePort();
    const p = runScript("start.ts", ["--data-dir", dataDir, "--port", String(port)], sim.env());
    await p.waitFor("Check it:");
    const pending = fetch(`http://127.0.0.1:${port}/v1beta/models/gemini-3-flash:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "slow one" }] }] }),
    });
    await new Promise((r) => setTimeout(r, 500));
    p.child.kill("SIGTERM");
    const res = await pending;
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain("finished despite the signal");
    expect(await p.exited).toBe(0);
    await sim.stop();
  });

  it("with no account: the banner says so with the command to add one, /healthz answers 503", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const p = runScript("start.ts", ["--data-dir", dataDir, "--port", String(port)]);
    await p.waitFor("Check it:");
    expect(p.output()).toContain("STOPPED");
    expect(p.output()).toContain("No available accounts, please add an account first");
    expect(p.output()).toContain(`npm run accounts -- add --refresh-token <token> --data-dir ${dataDir}`);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "stopped",
      reason: "No available accounts, please add an account first",
    });
    // A proxy route answers 503 in its protocol's envelope.
    const gem = await fetch(`http://127.0.0.1:${port}/v1beta/models`);
    expect(gem.status).toBe(503);
    expect(await gem.json()).toMatchObject({ error: { code: 503, status: "UNAVAILABLE" } });
    // Adding an account (another process, as `npm run accounts -- add` does) starts the service.
    await seedAccount(dataDir);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await p.kill();
  });

  it("a second start on the same port exits 1 with the bind message", async () => {
    const dataDir = await tempDir();
    await seedAccount(dataDir);
    const port = await freePort();
    const first = runScript("start.ts", ["--data-dir", dataDir, "--port", String(port)]);
    await first.waitFor("Check it:");
    const second = runScript("start.ts", ["--data-dir", dataDir, "--port", String(port)]);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(
      `Failed to start server: failed to bind address 127.0.0.1:${port}: address already in use`,
    );
    await first.kill();
  });

  it("refuses LAN with auth off; starts and warns with --allow-insecure-lan", async () => {
    const dataDir = await tempDir();
    await seedAccount(dataDir);
    const port = await freePort("0.0.0.0");
    const refused = runScript("start.ts", [
      "--data-dir",
      dataDir,
      "--port",
      String(port),
      "--lan",
      "--auth-mode",
      "off",
    ]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain("Refusing to listen on 0.0.0.0 with auth mode off");
    const allowed = runScript("start.ts", [
      "--data-dir",
      dataDir,
      "--port",
      String(port),
      "--lan",
      "--auth-mode",
      "off",
      "--allow-insecure-lan",
    ]);
    await allowed.waitFor("Check it:");
    expect(allowed.output()).toContain("WARNING: listening on all interfaces with auth off");
    expect(allowed.output()).toContain(`Listening on  http://0.0.0.0:${port}`);
    await allowed.kill();
  });

  it("rejects an invalid API key and a malformed config file with exit 1", async () => {
    const dataDir = await tempDir();
    const bad = runScript("start.ts", ["--data-dir", dataDir, "--api-key", "not-a-key"]);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain(
      '--api-key: the API key must start with "sk-" and be at least 10 characters',
    );
    const unknownFlag = runScript("start.ts", ["--data-dir", dataDir, "--prot", "1"]);
    expect(await unknownFlag.exited).toBe(1);
    expect(unknownFlag.output()).toContain("Usage: npm start");
    const broken = '{"port": "eighty"}';
    await writeFile(join(dataDir, "config.json"), broken);
    const malformed = runScript("start.ts", ["--data-dir", dataDir]);
    expect(await malformed.exited).toBe(1);
    expect(malformed.output()).toContain(`${join(dataDir, "config.json")} is invalid`);
    expect(malformed.output()).toContain('field "port"');
    expect(await readFile(join(dataDir, "config.json"), "utf8")).toBe(broken);
  });

  it("binds 127.0.0.1 by default and 0.0.0.0 with LAN (checked on the socket)", async () => {
    const local = await startNodeProxy({
      dataDir: await tempDir(),
      env: {},
      flags: { port: await freePort() },
      logger: silentLogger,
    });
    expect((local.server.address() as AddressInfo).address).toBe("127.0.0.1");
    await local.close();
    const lan = await startNodeProxy({
      dataDir: await tempDir(),
      env: {},
      flags: { port: await freePort("0.0.0.0"), lan: true },
      logger: silentLogger,
    });
    expect((lan.server.address() as AddressInfo).address).toBe("0.0.0.0");
    // auto + LAN resolves to all_except_health: health is open, proxy routes need the key.
    expect((await fetch(`http://127.0.0.1:${lan.port}/healthz`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${lan.port}/v1beta/models`)).status).toBe(401);
    await lan.close();
  });
});
