import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, applyOverrides, effectiveAuthMode, parseFileConfig } from "../src/config.js";
import { loadConfig } from "../src/store/config-file.js";
import { VERSION } from "../src/version.js";
import { tempDir } from "./helpers.js";

describe("config", () => {
  it("creates config.json with a generated sk- key once, and keeps it", async () => {
    const dir = await tempDir();
    const first = await loadConfig(dir, {});
    expect(first.created).toBe(true);
    expect(first.config.api_key).toMatch(/^sk-[0-9a-f]{32}$/);
    expect(first.config.port).toBe(8045);
    expect(first.config.auth_mode).toBe("auto");
    expect(first.config.allow_lan_access).toBe(false);
    const saved = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    expect(saved.api_key).toBe(first.config.api_key);
    const second = await loadConfig(dir, {});
    expect(second.created).toBe(false);
    expect(second.config.api_key).toBe(first.config.api_key);
  });

  it("applies defaults < file < env < flags", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ port: 9000, auth_mode: "strict", api_key: "sk-fromfile-1" }),
    );
    const fileOnly = await loadConfig(dir, {});
    expect(fileOnly.config).toMatchObject({ port: 9000, auth_mode: "strict", api_key: "sk-fromfile-1" });
    const env = {
      ANTIGRAVITY_PORT: "9100",
      ANTIGRAVITY_API_KEY: "sk-fromenv-12",
      ANTIGRAVITY_ALLOW_LAN: "yes",
    };
    const withEnv = await loadConfig(dir, env);
    expect(withEnv.config).toMatchObject({ port: 9100, api_key: "sk-fromenv-12", allow_lan_access: true });
    const withFlags = await loadConfig(dir, env, { port: "9200", authMode: "off", apiKey: "sk-fromflag-1" });
    expect(withFlags.config).toMatchObject({ port: 9200, auth_mode: "off", api_key: "sk-fromflag-1" });
    // Environment and flags are not written back to the file.
    expect(JSON.parse(await readFile(join(dir, "config.json"), "utf8")).port).toBe(9000);
  });

  it("rejects API keys that do not start with sk- or are shorter than 10 characters, naming the source", async () => {
    const dir = await tempDir();
    await expect(loadConfig(dir, { ANTIGRAVITY_API_KEY: "hello-world-123" })).rejects.toThrow(
      /ANTIGRAVITY_API_KEY: the API key must start with "sk-" and be at least 10 characters/,
    );
    await expect(loadConfig(dir, {}, { apiKey: "sk-short" })).rejects.toThrow(
      /--api-key: the API key must start/,
    );
    await writeFile(join(dir, "config.json"), JSON.stringify({ api_key: "abc" }));
    await expect(loadConfig(dir, {})).rejects.toThrow(
      /config\.json is invalid:\n {2}field "api_key": API key must start/,
    );
  });

  it("reports a malformed file with its path and field, and never overwrites it", async () => {
    const dir = await tempDir();
    const path = join(dir, "config.json");
    const broken = '{"port": 8045, "zai": {"dispatch_mode": "sometimes"}}';
    await writeFile(path, broken);
    const err = await loadConfig(dir, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('field "zai.dispatch_mode"');
    expect(await readFile(path, "utf8")).toBe(broken);

    const notJson = '{"port": 8045,';
    await writeFile(path, notJson);
    await expect(loadConfig(dir, {})).rejects.toThrow(/config\.json is not valid JSON/);
    expect(await readFile(path, "utf8")).toBe(notJson);
  });

  it("names bad environment values and flags", () => {
    const base = parseFileConfig({}, "x");
    expect(() => applyOverrides(base, { ANTIGRAVITY_PORT: "eighty" }, {})).toThrow(
      /ANTIGRAVITY_PORT="eighty" is not a port/,
    );
    expect(() => applyOverrides(base, {}, { authMode: "sometimes" })).toThrow(
      /--auth-mode="sometimes" is not an auth mode/,
    );
    expect(() => applyOverrides(base, { ANTIGRAVITY_ALLOW_LAN: "maybe" }, {})).toThrow(/not a boolean/);
    expect(() => applyOverrides(base, { ANTIGRAVITY_UPSTREAM_URLS: "http://ok, not a url" }, {})).toThrow(
      /not a URL/,
    );
    const c = applyOverrides(
      base,
      { ANTIGRAVITY_UPSTREAM_URLS: "http://127.0.0.1:1/, http://127.0.0.1:2" },
      {},
    );
    expect(c.upstream.urls).toEqual(["http://127.0.0.1:1", "http://127.0.0.1:2"]);
  });

  it("resolves auto to all_except_health with LAN and off without", () => {
    expect(effectiveAuthMode({ auth_mode: "auto", allow_lan_access: true })).toBe("all_except_health");
    expect(effectiveAuthMode({ auth_mode: "auto", allow_lan_access: false })).toBe("off");
    expect(effectiveAuthMode({ auth_mode: "strict", allow_lan_access: false })).toBe("strict");
  });

  it("keeps VERSION equal to package.json", async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, "..", "package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });
});
