/**
 * `npm start -- --runtime miniflare`: the Workers bundle in workerd, through the Miniflare API, on
 * the same host/port rules as the Node runtime. Accounts are the data dir's: copied into the
 * runtime's KV (persisted under <data-dir>/miniflare) at start, and copied back at shutdown, so
 * tokens refreshed in one runtime are there for the other.
 */
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import {
  type Config,
  type ConfigFlags,
  type Env,
  assertLanSafe,
  bindHost,
  effectiveAuthMode,
} from "../config.js";
import { ACCOUNT_PREFIX } from "../pool/accounts.js";
import { type LoadedConfig, loadConfig } from "../store/config-file.js";
import { FileKv } from "../store/file-kv.js";
import { BindError } from "./node.js";

const ROOT = join(import.meta.dirname, "..", "..");

export interface MiniflareProxy {
  loaded: LoadedConfig;
  config: () => Config;
  host: string;
  port: number;
  mf: Miniflare;
  /** The proxy service state, asked of the worker. */
  status(): Promise<{ running: boolean; active_accounts: number; reason: string | null }>;
  close(): Promise<void>;
}

/** Bundles src/runtime/worker.ts with wrangler (the bundler Workers deploys use). */
async function buildWorker(outdir: string): Promise<string> {
  await mkdir(outdir, { recursive: true });
  const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
  const child = spawn(
    wrangler,
    ["deploy", "--dry-run", "--outdir", outdir, "--config", join(ROOT, "wrangler.toml")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_LOG: "error",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (b) => (out += b));
  child.stderr.on("data", (b) => (out += b));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`bundling the worker failed:\n${out}`);
  return join(outdir, "worker.js");
}

function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new BindError(
          host,
          port,
          err.code === "EADDRINUSE"
            ? "address already in use (another process listens on this port; stop it or pick another with --port)"
            : err.message,
        ),
      ),
    );
    s.listen(port, host, () => s.close(() => resolve()));
  });
}

export async function startMiniflareProxy(opts: {
  dataDir: string;
  env: Env;
  flags: ConfigFlags;
  allowInsecureLan?: boolean;
}): Promise<MiniflareProxy> {
  const loaded = await loadConfig(opts.dataDir, opts.env, opts.flags);
  const config = loaded.config;
  assertLanSafe(config, opts.allowInsecureLan ?? false);
  const host = bindHost(config);
  await assertPortFree(host, config.port);
  const scriptPath = await buildWorker(join(opts.dataDir, "miniflare", "build"));
  const files = new FileKv(join(opts.dataDir, "kv"));
  const u = config.upstream;
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: join(opts.dataDir, "miniflare", "build"),
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["ACCOUNTS"],
    kvPersist: join(opts.dataDir, "miniflare", "kv"),
    durableObjects: { POOL: "PoolState" },
    durableObjectsPersist: join(opts.dataDir, "miniflare", "do"),
    host,
    port: config.port,
    bindings: {
      ANTIGRAVITY_API_KEY: config.api_key,
      ...(config.admin_password ? { ANTIGRAVITY_ADMIN_PASSWORD: config.admin_password } : {}),
      ANTIGRAVITY_AUTH_MODE: effectiveAuthMode(config),
      // The launcher already refused unsafe LAN setups; on loopback `off` is the user's choice.
      ANTIGRAVITY_ALLOW_AUTH_OFF: "true",
      ANTIGRAVITY_UPSTREAM_URLS: u.urls.join(","),
      ANTIGRAVITY_OAUTH_TOKEN_URL: u.oauth_token_url,
      ANTIGRAVITY_USERINFO_URL: u.userinfo_url,
      ANTIGRAVITY_OAUTH_CLIENT_ID: u.oauth_client_id,
      ANTIGRAVITY_OAUTH_CLIENT_SECRET: u.oauth_client_secret,
    },
  });
  const kv = await mf.getKVNamespace("ACCOUNTS");
  // The data dir is the source of truth at start: what `accounts add` wrote replaces the runtime's copy.
  const inRuntime = (await kv.list({ prefix: ACCOUNT_PREFIX })).keys.map((k) => k.name);
  const onDisk = await files.list(ACCOUNT_PREFIX);
  for (const key of inRuntime) if (!onDisk.includes(key)) await kv.delete(key);
  for (const key of onDisk) await kv.put(key, (await files.get(key))!);
  const url = await mf.ready;
  const admin = { authorization: `Bearer ${config.admin_password || config.api_key}` };
  const status = async () => {
    const r = await mf.dispatchFetch(new URL("/api/proxy/status", url), { headers: admin });
    return (await r.json()) as { running: boolean; active_accounts: number; reason: string | null };
  };
  return {
    loaded,
    config: () => config,
    host,
    port: config.port,
    mf,
    status,
    close: async () => {
      // Tokens refreshed inside workerd go back to the data dir for the Node runtime.
      for (const k of (await kv.list({ prefix: ACCOUNT_PREFIX })).keys) {
        const v = await kv.get(k.name);
        if (v !== null) await files.put(k.name, v);
      }
      await mf.dispose();
    },
  };
}
