import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../test/harness.js";
import { ROOT, tempDir } from "../test/helpers.js";

// Each CLI as a user runs it from the README: an isolated HOME, only the variables and files the
// recipe names, headless, against the proxy in front of the simulated upstream.
const KEY = "sk-clients-e2e-key-0001";
const ANSWER = "Hello from the simulated upstream.";
const BIN = join(ROOT, "e2e", "clients", "node_modules", ".bin");
let h: Harness;

beforeAll(async () => {
  h = await startHarness([{ email: "cli@example.com", refreshToken: "1//rt-cli", projectId: "proj-cli" }], {
    ANTIGRAVITY_AUTH_MODE: "strict",
    ANTIGRAVITY_API_KEY: KEY,
  });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.sim.reset();
  // A plain answer to every call (agents declare tools; the default answer would call one).
  h.sim.enqueue({ times: Number.POSITIVE_INFINITY, reply: { kind: "text", text: ANSWER } });
});

interface Recipe {
  name: string;
  /** Files written under HOME, as the README shows them ({port} and {key} filled in). */
  files?: Record<string, string>;
  env: Record<string, string>;
  argv: string[];
}

/** The README's recipes, with the README's port and key placeholder. */
const RECIPES: Recipe[] = [
  {
    name: "Claude Code",
    env: { ANTHROPIC_BASE_URL: "http://127.0.0.1:{port}", ANTHROPIC_API_KEY: "{key}" },
    argv: ["claude", "-p", "say hi"],
  },
  {
    name: "Gemini CLI",
    files: { ".gemini/settings.json": '{ "security": { "auth": { "selectedType": "gemini-api-key" } } }\n' },
    env: { GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:{port}", GEMINI_API_KEY: "{key}" },
    argv: ["gemini", "--skip-trust", "-p", "say hi"],
  },
  {
    name: "Codex CLI",
    files: {
      ".codex/config.toml": `model_provider = "antigravity"

[model_providers.antigravity]
name = "Antigravity proxy"
base_url = "http://127.0.0.1:{port}/v1"
env_key = "ANTIGRAVITY_API_KEY"
wire_api = "responses"
`,
    },
    env: { ANTIGRAVITY_API_KEY: "{key}" },
    argv: ["codex", "exec", "--skip-git-repo-check", "say hi"],
  },
  {
    name: "OpenCode",
    files: {
      ".config/opencode/opencode.json": `{
  "$schema": "https://opencode.ai/config.json",
  "provider": {
    "antigravity": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "Antigravity proxy",
      "options": { "baseURL": "http://127.0.0.1:{port}/v1", "apiKey": "{env:ANTIGRAVITY_API_KEY}" },
      "models": { "gemini-3-flash": { "name": "Gemini 3 Flash" } }
    }
  },
  "model": "antigravity/gemini-3-flash"
}
`,
    },
    env: { ANTIGRAVITY_API_KEY: "{key}" },
    argv: ["opencode", "run", "say hi"],
  },
  {
    name: "Qwen Code",
    env: {
      OPENAI_BASE_URL: "http://127.0.0.1:{port}/v1",
      OPENAI_API_KEY: "{key}",
      OPENAI_MODEL: "gemini-3-flash",
    },
    argv: ["qwen", "-p", "say hi"],
  },
];

const fill = (s: string, port: number | string, key: string) =>
  s.replaceAll("{port}", String(port)).replaceAll("{key}", key);

function run(argv: string[], env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(join(BIN, argv[0]!), argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("real CLIs, headless, exactly as the README runs them", () => {
  for (const r of RECIPES) {
    it(`${r.name}: ${r.argv.join(" ")}`, async () => {
      const home = await tempDir();
      for (const [path, text] of Object.entries(r.files ?? {})) {
        await mkdir(dirname(join(home, path)), { recursive: true });
        await writeFile(join(home, path), fill(text, h.proxy.port, KEY));
      }
      const work = join(home, "project");
      await mkdir(work);
      const env: Record<string, string> = { PATH: `${BIN}:${process.env.PATH}`, HOME: home, TERM: "dumb" };
      for (const [k, v] of Object.entries(r.env)) env[k] = fill(v, h.proxy.port, KEY);
      const out = await run(r.argv, env, work);
      expect(out.stdout, `${r.name} printed on stderr:\n${out.stderr.slice(-3000)}`).toContain(ANSWER);
      expect(out.code).toBe(0);
      // It went through the proxy to the upstream, with this proxy's key (auth is strict).
      expect(h.sim.generateCalls().length).toBeGreaterThan(0);
    });
  }

  it("the README shows each recipe as the tests run it", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    for (const r of RECIPES) {
      for (const text of Object.values(r.files ?? {}))
        expect(readme, r.name).toContain(fill(text, 8045, "<your proxy key>"));
      const exports = Object.entries(r.env)
        .map(([k, v]) => `${k}=${fill(v, 8045, "<your proxy key>")}`)
        .join(" ");
      expect(readme, r.name).toContain(`export ${exports}`);
      expect(readme, r.name).toContain(r.argv.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" "));
    }
  });
});
