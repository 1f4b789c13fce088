import { describe, expect, it } from "vitest";
import { workerConfig } from "../src/runtime/worker.js";

const kv = {
  get: async () => null,
  put: async () => {},
  delete: async () => {},
  list: async () => ({ keys: [], list_complete: true }),
};

describe("Workers configuration", () => {
  it("refuses to serve without an API key, saying how to set one", () => {
    expect(() => workerConfig({ ACCOUNTS: kv })).toThrow(/wrangler secret put ANTIGRAVITY_API_KEY/);
  });

  it("refuses auth off on a deployment", () => {
    expect(() =>
      workerConfig({ ACCOUNTS: kv, ANTIGRAVITY_API_KEY: "sk-deployed-123", ANTIGRAVITY_AUTH_MODE: "off" }),
    ).toThrow(/Auth mode off is refused on Workers/);
  });

  it("auto means a key is required (a Worker is reachable from the internet)", () => {
    const c = workerConfig({ ACCOUNTS: kv, ANTIGRAVITY_API_KEY: "sk-deployed-123" });
    expect(c).toMatchObject({ api_key: "sk-deployed-123", auth_mode: "auto", allow_lan_access: true });
  });

  it("rejects a malformed key", () => {
    expect(() => workerConfig({ ACCOUNTS: kv, ANTIGRAVITY_API_KEY: "hunter2" })).toThrow(
      /must start with "sk-"/,
    );
  });
});
