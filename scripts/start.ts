/**
 * npm start: the launcher. Reads flags and environment, binds the proxy and prints what a user
 * needs to connect. Exit codes: 0 after a clean shutdown, 1 on a bad config or a failed bind.
 */
import { parseArgs } from "node:util";
import { type Config, ConfigError, effectiveAuthMode, maskSecret } from "../src/config.js";
import { consoleLogger } from "../src/monitor/log.js";
import { BindError, startNodeProxy } from "../src/runtime/node.js";
import { NO_ACCOUNTS } from "../src/service.js";
import { resolveDataDir } from "../src/store/config-file.js";
import { VERSION } from "../src/version.js";

const USAGE = `Usage: npm start -- [--port N] [--lan] [--auth-mode off|strict|all_except_health|auto]
                    [--api-key sk-...] [--admin-password P] [--data-dir DIR]
                    [--runtime node|miniflare] [--allow-insecure-lan]`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        port: { type: "string" },
        lan: { type: "boolean" },
        "auth-mode": { type: "string" },
        "api-key": { type: "string" },
        "admin-password": { type: "string" },
        "data-dir": { type: "string" },
        runtime: { type: "string" },
        "allow-insecure-lan": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(1);
  }
}

const AUTH_EXPLAINED: Record<string, string> = {
  off: "off (no key needed)",
  strict: "strict (every path needs the API key, /healthz too)",
  all_except_health: "all_except_health (every path but /healthz needs the API key)",
};

interface Running {
  config: Config;
  host: string;
  port: number;
  configPath: string;
  runtime: string;
  status: { running: boolean; active_accounts: number; reason: string | null };
}

function banner(p: Running, dataDirArg: string): string {
  const c = p.config;
  const mode = effectiveAuthMode(c);
  const shown = p.host === "0.0.0.0" ? "127.0.0.1" : p.host;
  const origin = `http://${shown}:${p.port}`;
  const s = p.status;
  const lines = [
    `Antigravity proxy ${VERSION}: ${s.running ? "running" : "STOPPED"}${p.runtime === "miniflare" ? " (workerd, through Miniflare)" : ""}`,
    `  Listening on  http://${p.host}:${p.port}${p.host === "0.0.0.0" ? "  (all interfaces: reachable from your network)" : "  (this machine only; --lan to share)"}`,
    `  Auth mode     ${AUTH_EXPLAINED[mode]}${c.auth_mode === "auto" ? " [auto]" : ""}`,
    `  API key       ${maskSecret(c.api_key)}  (full key: "api_key" in ${p.configPath})`,
    `  Accounts      ${s.active_accounts} active`,
  ];
  if (!s.running) {
    lines.push(
      "",
      `  ${s.reason ?? NO_ACCOUNTS}`,
      `  Add one:      npm run accounts -- login${dataDirArg}`,
      `           or:  npm run accounts -- add --refresh-token <token>${dataDirArg}`,
      "  The proxy starts serving as soon as an account is added. Until then /healthz answers 503.",
    );
  }
  const keyHeader = mode === "off" ? "" : ` -H "Authorization: Bearer $ANTIGRAVITY_API_KEY"`;
  lines.push(
    "",
    "  Base URLs",
    `    OpenAI      ${origin}/v1`,
    `    Anthropic   ${origin}        (ANTHROPIC_BASE_URL, no /v1)`,
    `    Gemini      ${origin}        (no /v1)`,
    `  Check it:     curl ${origin}/healthz${mode === "strict" ? keyHeader : ""}`,
  );
  return lines.join("\n");
}

async function main() {
  const f = parseFlags();
  if (f.help) {
    console.log(USAGE);
    return;
  }
  const runtime = f.runtime ?? "node";
  if (runtime !== "node" && runtime !== "miniflare") {
    console.error(`--runtime must be node or miniflare (got "${runtime}")`);
    process.exit(1);
  }
  const dataDir = resolveDataDir(f["data-dir"], process.env);
  const dataDirArg = f["data-dir"] ? ` --data-dir ${f["data-dir"]}` : "";
  const flags = {
    port: f.port,
    lan: f.lan,
    authMode: f["auth-mode"],
    apiKey: f["api-key"],
    adminPassword: f["admin-password"],
  };
  let running: Running;
  let close: () => Promise<void>;
  try {
    const opts = {
      dataDir,
      env: process.env,
      flags,
      logger: consoleLogger,
      allowInsecureLan: f["allow-insecure-lan"],
    };
    // Miniflare is loaded only when asked for: it is heavy and the Node runtime does not need it.
    const p =
      runtime === "miniflare"
        ? await (await import("../src/runtime/miniflare.js")).startMiniflareProxy(opts)
        : await startNodeProxy(opts);
    const status = "mf" in p ? await p.status() : p.service.status();
    running = { config: p.config(), host: p.host, port: p.port, configPath: p.loaded.path, runtime, status };
    close = p.close;
    if (p.loaded.created) console.log(`Created ${p.loaded.path} with a new API key.`);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof BindError) {
      console.error(err instanceof BindError ? err.message : `Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  if (running.host === "0.0.0.0" && effectiveAuthMode(running.config) === "off") {
    console.warn(
      "WARNING: listening on all interfaces with auth off (--allow-insecure-lan): anyone on your network can use your accounts.",
    );
  }
  console.log(banner(running, dataDirArg));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received: finishing in-flight requests…`);
    await close();
    console.log("Stopped.");
    process.exit(0);
  };
  // Miniflare's own hooks would exit at once (143) and skip the flush of accounts back to the
  // data dir; ours close it in order. Its "exit" hook stays, so workerd never outlives us.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

await main();
