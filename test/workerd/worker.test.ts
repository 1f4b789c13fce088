import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

// The deployed entry itself (src/runtime/worker.ts), inside workerd, with the KV and Durable Object bindings of wrangler.toml.
const KEY = "sk-workerd-test-key";

describe("the Workers entry in workerd", () => {
  it("answers /healthz: stopped (503) with no account, naming the reason", async () => {
    const res = await SELF.fetch("https://proxy.example/healthz");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "stopped",
      reason: "No available accounts, please add an account first",
    });
  });

  it("requires the key on proxy routes (auto means LAN-like on Workers) and accepts it", async () => {
    const none = await SELF.fetch("https://proxy.example/v1/models");
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      error: { type: "authentication_error", code: "missing_api_key" },
    });
    const admin = await SELF.fetch("https://proxy.example/api/proxy/status", {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toMatchObject({ running: false, pool: "durable-object" });
  });

  it("serves once an account is in the ACCOUNTS namespace", async () => {
    const kv = (env as { ACCOUNTS: { put(k: string, v: string): Promise<void> } }).ACCOUNTS;
    await kv.put(
      "account:w1",
      JSON.stringify({
        id: "w1",
        email: "w@example.com",
        refreshToken: "1//w",
        enabled: true,
        validated: false,
        createdAt: 1,
        updatedAt: 1,
      }),
    );
    const start = await SELF.fetch("https://proxy.example/api/proxy/start", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(await start.json()).toMatchObject({ running: true, active_accounts: 1 });
    const models = await SELF.fetch("https://proxy.example/v1/models", {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain(
      "gemini-3-flash",
    );
  });

  it("serves the console page and its sign-in check", async () => {
    const page = await SELF.fetch("https://proxy.example/console");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Antigravity proxy console");
    const login = await SELF.fetch("https://proxy.example/console/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: KEY }),
    });
    expect(await login.json()).toEqual({ ok: true });
  });
});
