import { describe, expect, it } from "vitest";
import { hostAllowed, hostName } from "../src/http/host-guard.js";
import { API_KEY, makeServices } from "./app-helpers.js";

// DNS rebinding: with auth off (the loopback default) a page whose name resolves to 127.0.0.1 must
// not be served. Runs on Node and inside workerd (vitest.workers.config.ts).
const ACCOUNT = { refreshToken: "1//rt-host", email: "host@example.com" };
const RULES = {
  keyRequired: false,
  lan: false,
  allowed: ["proxy.home.arpa"],
  ownAddresses: () => ["192.0.2.7"],
};

describe("host names", () => {
  it.each([
    ["localhost:8045", "localhost"],
    ["127.0.0.1", "127.0.0.1"],
    ["[::1]:8045", "::1"],
    ["Evil.Example:8045", "evil.example"],
    ["proxy.home.arpa", "proxy.home.arpa"],
  ])("%s → %s", (authority, name) => expect(hostName(authority)).toBe(name));

  it.each([
    ["localhost", true],
    ["app.localhost", true],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["proxy.home.arpa", true],
    ["evil.example", false],
    ["127.0.0.1.evil.example", false],
    ["192.0.2.7", false], // the machine's own address, but not listening on LAN
  ])("loopback, auth off: %s allowed = %s", (name, ok) => expect(hostAllowed(name, RULES)).toBe(ok));

  it("on LAN the machine's own addresses too; with a key required, any host", () => {
    expect(hostAllowed("192.0.2.7", { ...RULES, lan: true })).toBe(true);
    expect(hostAllowed("evil.example", { ...RULES, lan: true })).toBe(false);
    expect(hostAllowed("evil.example", { ...RULES, keyRequired: true })).toBe(true);
  });
});

describe("the guard in front of every route", () => {
  const get = async (patch: Parameters<typeof makeServices>[0], url: string, init: RequestInit = {}) => {
    const s = await makeServices(patch, [ACCOUNT]);
    return s.app.request(url, init);
  };

  it.each([
    ["/v1/models", { error: { type: "permission_error", code: "host_not_allowed" } }],
    ["/v1/messages", { type: "error", error: { type: "permission_error" } }],
    ["/v1beta/models", { error: { code: 421, status: "PERMISSION_DENIED" } }],
    ["/api/proxy/status", {}],
  ])("a foreign Host with auth off: 421 on %s, in that path's envelope", async (path, envelope) => {
    const method = path === "/v1/messages" ? "POST" : "GET";
    const res = await get({ auth_mode: "off" }, `http://evil.example:8045${path}`, { method });
    expect(res.status).toBe(421);
    const body = await res.json();
    expect(body).toMatchObject(envelope);
    expect(JSON.stringify(body)).toContain("allowed_hosts");
  });

  it.each(["http://localhost:8045", "http://127.0.0.1:8045", "http://[::1]:8045"])(
    "%s is served with auth off",
    async (origin) => {
      const res = await get({ auth_mode: "off" }, `${origin}/healthz`);
      expect(res.status).toBe(200);
    },
  );

  it("a name listed in allowed_hosts is served; with a key required, any name", async () => {
    expect(
      (await get({ auth_mode: "off", allowed_hosts: ["proxy.home.arpa"] }, "http://proxy.home.arpa/healthz"))
        .status,
    ).toBe(200);
    expect((await get({ auth_mode: "all_except_health" }, "http://evil.example/healthz")).status).toBe(200);
  });

  it("a state-changing request from a foreign browser origin is refused; a localhost origin is not", async () => {
    const post = (origin: string) =>
      get({ auth_mode: "off" }, "http://127.0.0.1:8045/api/proxy/stop", {
        method: "POST",
        headers: { origin, authorization: `Bearer ${API_KEY}` },
      });
    const evil = await post("https://evil.example");
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ code: "origin_not_allowed" });
    expect((await post("null")).status).toBe(403);
    expect((await post("http://localhost:5173")).status).toBe(200);
  });
});
