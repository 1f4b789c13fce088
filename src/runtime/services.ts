/**
 * Builds everything the app needs from a config and a KV store: the same wiring for Node,
 * workerd and tests. No sockets are opened here.
 */
import type { Hono } from "hono";
import { createApp } from "../app.js";
import { type Config, zaiDispatchOn } from "../config.js";
import type { Logger } from "../monitor/log.js";
import { Monitor } from "../monitor/monitor.js";
import { type Settings, createSettings } from "../settings.js";
import { AccountRepo } from "../pool/accounts.js";
import { type PoolApi, localPool } from "../pool/api.js";
import { AccountPool } from "../pool/pool.js";
import { SignatureStore } from "../adapters/signatures.js";
import { geminiRoutes } from "../routes/gemini.js";
import { openaiRoutes } from "../routes/openai.js";
import { anthropicRoutes } from "../routes/anthropic.js";
import { ProxyService } from "../service.js";
import type { KvStore } from "../store/kv.js";
import { type FetchLike, UpstreamClient } from "../upstream/client.js";
import { checkRefreshToken } from "../upstream/google.js";
import { OAuthClient } from "../upstream/oauth.js";

export interface Services {
  config: () => Config;
  repo: AccountRepo;
  oauth: OAuthClient;
  upstream: UpstreamClient;
  /** The in-process pool (on Workers with a Durable Object, the DO owns the real one). */
  pool: AccountPool;
  /** What routes and dispatch use: the local pool, or the Durable Object. */
  poolApi: PoolApi;
  service: ProxyService;
  app: Hono;
  logger: Logger;
  monitor: Monitor;
  settings: Settings;
}

export interface ServicesOptions {
  config: () => Config;
  kv: KvStore;
  logger: Logger;
  port: () => number;
  fetch?: FetchLike;
  now?: () => number;
  /** How the request path waits when the upstream asks it to (tests pass one that moves their clock). */
  sleep?: (ms: number) => Promise<void>;
  /** Where console changes are saved (the config file on Node); absent: read-only settings. */
  saveSettings?: (patch: Record<string, unknown>) => Promise<void>;
  /** Keep the monitor's log and usage in the KV store (default true; off on Workers, where KV writes are billed and per-isolate logs would pile up). */
  persistMonitor?: boolean;
  /** A pool that lives elsewhere (the Workers Durable Object); default: the in-process one. */
  pool?: PoolApi;
  /** The machine's own addresses, which the host guard serves on LAN. */
  ownAddresses?: () => readonly string[];
  /** The binding of the running server. */
  bound?: { port: number; allow_lan_access: boolean };
}

export function buildServices(opts: ServicesOptions): Services {
  const { logger } = opts;
  const initial = opts.config();
  const settings = createSettings(
    initial,
    opts.bound ?? { port: initial.port, allow_lan_access: initial.allow_lan_access },
    opts.saveSettings ?? null,
  );
  const config = settings.current;
  const monitor = new Monitor(
    opts.persistMonitor === false ? null : opts.kv,
    initial.monitor.max_logs,
    initial.monitor.enabled,
  );
  const repo = new AccountRepo(opts.kv, opts.now);
  const oauth = new OAuthClient(config, opts.fetch, opts.now);
  const upstream = new UpstreamClient(config, opts.fetch, (s) => monitor.observeUpstream(s));
  const pool = new AccountPool({ repo, oauth, upstream, config, logger, now: opts.now });
  const poolApi = opts.pool ?? localPool(pool);
  const service = new ProxyService({
    reloadAccounts: () => poolApi.reload(),
    zaiDispatchOn: () => zaiDispatchOn(config()),
  });
  const proxy = {
    pool: poolApi,
    upstream,
    config,
    logger,
    now: opts.now,
    sleep: opts.sleep,
    signatures: new SignatureStore(),
    fetch: opts.fetch,
  };
  const app = createApp({
    config,
    repo,
    service,
    logger,
    port: opts.port,
    ownAddresses: opts.ownAddresses,
    validateRefreshToken: (token) => checkRefreshToken(oauth, upstream, token),
    pool: poolApi,
    monitor,
    settings,
    settingsWritable: !!opts.saveSettings,
    poolOwner: opts.pool ? "durable-object" : "process",
    // Gemini first: it claims /v1/models only for Google's SDKs and passes the rest on.
    proxyRoutes: [geminiRoutes(proxy), openaiRoutes(proxy), anthropicRoutes(proxy)],
  });
  return { config, repo, oauth, upstream, pool, poolApi, service, app, logger, monitor, settings };
}
