import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimulatedUpstream, textChunks } from "../src/simulator/server.js";
import { API_KEY, makeSimServices, postJson } from "./app-helpers.js";

const sim = new SimulatedUpstream();
const ACCOUNT = { email: "mon@example.com", refreshToken: "1//rt-monitor-secret" };
beforeAll(async () => {
  await sim.start();
  sim.addAccount({ ...ACCOUNT, projectId: "proj-mon" });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const admin = { authorization: `Bearer ${API_KEY}` };
const settle = () => new Promise((r) => setTimeout(r, 30));

describe("monitor, usage and metrics", () => {
  it("records each proxy request with model, mapped model, account, status, tokens; bodies redacted", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "strict" }, [ACCOUNT]);
    await postJson(
      s.app,
      "/v1/chat/completions",
      { model: "gpt-4o", messages: [{ role: "user", content: "my key is sk-leaked-1234567890 ok" }] },
      admin,
    );
    sim.enqueue({ reply: { kind: "chunks", chunks: textChunks("streamed", { pieces: 2 }) } });
    const streamed = await postJson(
      s.app,
      "/v1/messages",
      {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      },
      admin,
    );
    await streamed.text();
    await postJson(
      s.app,
      "/v1/chat/completions",
      { model: "nope-model", messages: [{ role: "user", content: "x" }] },
      admin,
    );
    await settle();
    const logs = (await (await s.app.request("/api/logs", { headers: admin })).json()) as {
      logs: Record<string, unknown>[];
    };
    expect(logs.logs).toHaveLength(3);
    const [bad, stream, chat] = logs.logs;
    expect(chat).toMatchObject({
      protocol: "openai",
      path: "/v1/chat/completions",
      model: "gpt-4o",
      mappedModel: "gemini-2.5-flash",
      account: "mo***@example.com",
      status: 200,
      inputTokens: 12,
      stream: false,
    });
    expect(stream).toMatchObject({
      protocol: "anthropic",
      model: "claude-sonnet-4-6",
      status: 200,
      stream: true,
      inputTokens: 12,
      error: null,
    });
    expect((stream!.outputTokens as number) > 0).toBe(true);
    expect(bad).toMatchObject({ status: 400, error: expect.stringContaining("Unknown model") });
    const errorsOnly = (await (await s.app.request("/api/logs?errors=1", { headers: admin })).json()) as {
      logs: unknown[];
    };
    expect(errorsOnly.logs).toHaveLength(1);
    const detail = (await (await s.app.request(`/api/logs/${chat!.id}`, { headers: admin })).json()) as {
      requestBody: string;
      responseBody: string;
    };
    expect(detail.requestBody).toContain("my key is [redacted] ok");
    expect(detail.responseBody).toContain("Simulated answer");
    const everything = JSON.stringify(logs) + JSON.stringify(detail);
    for (const secret of ["sk-leaked-1234567890", API_KEY, ACCOUNT.refreshToken, "ya29."])
      expect(everything).not.toContain(secret);
    // Usage per account, model and hour.
    const usage = (await (await s.app.request("/api/stats/usage", { headers: admin })).json()) as {
      usage: { account: string; model: string; requests: number; inputTokens: number }[];
    };
    expect(usage.usage).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          account: "mo***@example.com",
          model: "gemini-2.5-flash",
          requests: 1,
          inputTokens: 12,
        }),
      ]),
    );
  });

  it("recording can be switched off; clear empties the log", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "off" }, [ACCOUNT]);
    const toggle = await postJson(s.app, "/api/proxy/monitor/toggle", { enabled: false }, admin);
    expect(await toggle.json()).toEqual({ enabled: false });
    await postJson(s.app, "/v1beta/models/gemini-3-flash:generateContent", {
      contents: [{ role: "user", parts: [{ text: "not recorded" }] }],
    });
    await settle();
    expect(
      ((await (await s.app.request("/api/logs", { headers: admin })).json()) as { logs: unknown[] }).logs,
    ).toHaveLength(0);
    await postJson(s.app, "/api/proxy/monitor/toggle", { enabled: true }, admin);
    await postJson(s.app, "/v1beta/models/gemini-3-flash:generateContent", {
      contents: [{ role: "user", parts: [{ text: "recorded" }] }],
    });
    await settle();
    expect(
      ((await (await s.app.request("/api/logs", { headers: admin })).json()) as { logs: unknown[] }).logs,
    ).toHaveLength(1);
    await s.app.request("/api/logs/clear", { method: "POST", headers: admin });
    expect(
      ((await (await s.app.request("/api/logs", { headers: admin })).json()) as { logs: unknown[] }).logs,
    ).toHaveLength(0);
  });

  it("persists the log and usage to the store and reads them back", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "off" }, [ACCOUNT]);
    await postJson(s.app, "/v1beta/models/gemini-3-flash:generateContent", {
      contents: [{ role: "user", parts: [{ text: "persist me" }] }],
    });
    await settle();
    await s.monitor.flush();
    expect((await s.kv.list("log:")).length).toBe(1);
    expect((await s.kv.list("usage:")).length).toBe(1);
    const { Monitor } = await import("../src/monitor/monitor.js");
    const again = new Monitor(s.kv);
    await again.load();
    expect(again.list()).toHaveLength(1);
    expect(again.usageRows()[0]).toMatchObject({ model: "gemini-3-flash", requests: 1 });
  });

  it("/metrics speaks Prometheus text and needs the admin credential", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "off", admin_password: "console-pass" }, [ACCOUNT]);
    await postJson(s.app, "/v1beta/models/gemini-3-flash:generateContent", {
      contents: [{ role: "user", parts: [{ text: "count me" }] }],
    });
    expect((await s.app.request("/metrics")).status).toBe(401);
    const res = await s.app.request("/metrics", { headers: { authorization: "Bearer console-pass" } });
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('antigravity_requests_total{protocol="gemini",status="200"} 1');
    expect(text).toMatch(/antigravity_upstream_latency_seconds_count [1-9]/);
    expect(text).toContain('antigravity_upstream_latency_seconds_bucket{le="+Inf"}');
    expect(text).toContain("antigravity_active_streams 0");
    expect(text).toContain('antigravity_accounts{state="enabled"} 1');
    expect(text).toContain("antigravity_cooldowns 0");
  });
});

describe("settings and admin routes", () => {
  it("every admin route refuses requests without the admin credential", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "off", admin_password: "console-pass" }, [ACCOUNT]);
    const routes: [string, string][] = [
      ["GET", "/api/proxy/status"],
      ["POST", "/api/proxy/start"],
      ["POST", "/api/proxy/stop"],
      ["GET", "/api/accounts"],
      ["POST", "/api/accounts"],
      ["DELETE", "/api/accounts/x"],
      ["POST", "/api/accounts/x/enable"],
      ["POST", "/api/accounts/x/quota"],
      ["GET", "/api/config"],
      ["POST", "/api/config"],
      ["POST", "/api/proxy/api-key/generate"],
      ["GET", "/api/logs"],
      ["GET", "/api/logs/x"],
      ["POST", "/api/logs/clear"],
      ["POST", "/api/proxy/monitor/toggle"],
      ["GET", "/api/stats/usage"],
      ["GET", "/metrics"],
    ];
    for (const [method, path] of routes) {
      const variants: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${API_KEY}` },
        { authorization: "Bearer wrong-pass" },
      ];
      for (const headers of variants) {
        const res = await s.app.request(path, { method, headers });
        expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 401`);
      }
    }
  });

  it("a new auth mode applies at once; port and LAN changes ask for a restart; bad keys are refused", async () => {
    const saved: Record<string, unknown>[] = [];
    const { testConfig } = await import("./app-helpers.js");
    const { buildServices } = await import("../src/runtime/services.js");
    const { MemoryKv } = await import("../src/store/kv.js");
    const { MemoryLogger } = await import("../src/monitor/log.js");
    const cfg = testConfig({
      auth_mode: "off",
      upstream: { urls: [sim.url], oauth_token_url: `${sim.url}/token` },
    });
    const s = buildServices({
      config: () => cfg,
      kv: new MemoryKv(),
      logger: new MemoryLogger(),
      port: () => 8045,
      saveSettings: async (p) => void saved.push(p),
      bound: { port: 8045, allow_lan_access: false },
    });
    await s.repo.upsert(ACCOUNT);
    await s.service.start();
    expect((await s.app.request("/v1beta/models")).status).toBe(200);
    const bad = await postJson(s.app, "/api/config", { api_key: "nope" }, admin);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('must start with "sk-" and be at least 10 characters');
    const r = await postJson(s.app, "/api/config", { auth_mode: "strict", port: 9999 }, admin);
    const body = (await r.json()) as { config: { effective_auth_mode: string }; restart_required: string[] };
    expect(body.config.effective_auth_mode).toBe("strict");
    expect(body.restart_required).toEqual(["port"]);
    expect(saved).toEqual([{ auth_mode: "strict", port: 9999 }]);
    expect((await s.app.request("/v1beta/models")).status).toBe(401);
    const lanOff = await postJson(s.app, "/api/config", { allow_lan_access: true, auth_mode: "off" }, admin);
    expect(lanOff.status).toBe(400);
    const gen = (await (
      await s.app.request("/api/proxy/api-key/generate", { method: "POST", headers: admin })
    ).json()) as { api_key: string };
    expect(gen.api_key).toMatch(/^sk-[0-9a-f]{32}$/);
  });

  it("the console page is served; the browser is sent there from /", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "strict" }, [ACCOUNT]);
    const page = await s.app.request("/console");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Antigravity proxy console");
    const root = await s.app.request("/", { headers: { accept: "text/html" } });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console");
    expect((await s.app.request("/", { method: "HEAD" })).status).toBe(200);
  });
});
