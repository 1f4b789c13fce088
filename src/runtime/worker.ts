/**
 * The Cloudflare Workers entry: the same createApp, with accounts in the ACCOUNTS KV namespace and
 * configuration from vars and secrets. A deployment without an API key does not serve: it answers
 * 503 saying how to set one (a public URL with auth off would hand the accounts to anyone).
 */
import type { Hono } from "hono";
import { type Config, ConfigError, applyOverrides, effectiveAuthMode, parseFileConfig } from "../config.js";
import { consoleLogger } from "../monitor/log.js";
import { AccountRepo } from "../pool/accounts.js";
import { AccountPool } from "../pool/pool.js";
import { type FetcherLike, PoolHost, RemotePool } from "../pool/remote.js";
import { type KvNamespaceLike, WorkersKv } from "../store/kv.js";
import { UpstreamClient } from "../upstream/client.js";
import { OAuthClient } from "../upstream/oauth.js";
import { type Services, buildServices } from "./services.js";

interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): FetcherLike;
}

export interface WorkerEnv {
  ACCOUNTS: KvNamespaceLike;
  /** The Durable Object that owns the pool's hot state for every isolate (optional: without it each isolate keeps its own). */
  POOL?: DurableObjectNamespaceLike;
  ANTIGRAVITY_API_KEY?: string;
  ANTIGRAVITY_ADMIN_PASSWORD?: string;
  ANTIGRAVITY_AUTH_MODE?: string;
  ANTIGRAVITY_UPSTREAM_URLS?: string;
  ANTIGRAVITY_OAUTH_TOKEN_URL?: string;
  ANTIGRAVITY_USERINFO_URL?: string;
  ANTIGRAVITY_OAUTH_CLIENT_ID?: string;
  ANTIGRAVITY_OAUTH_CLIENT_SECRET?: string;
  /** Only the local launcher sets this, for `--runtime miniflare --auth-mode off` on loopback. */
  ANTIGRAVITY_ALLOW_AUTH_OFF?: string;
  [k: string]: unknown;
}

/** A Worker is reachable from the internet: `auto` means a key is required. */
export function workerConfig(env: WorkerEnv): Config {
  const strings = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string")) as Record<
    string,
    string
  >;
  const base = parseFileConfig({ allow_lan_access: true }, "worker configuration");
  const c = applyOverrides(base, strings, {});
  if (!c.api_key)
    throw new ConfigError(
      "This deployment has no API key. Set one: wrangler secret put ANTIGRAVITY_API_KEY (it must start with sk-).",
    );
  if (effectiveAuthMode(c) === "off" && env.ANTIGRAVITY_ALLOW_AUTH_OFF !== "true") {
    throw new ConfigError(
      "Auth mode off is refused on Workers: a deployed proxy must require its API key. Unset ANTIGRAVITY_AUTH_MODE or use all_except_health / strict.",
    );
  }
  return { ...c, api_key: c.api_key };
}

let built: { fingerprint: string; services: Services; started: Promise<unknown> } | null = null;

function servicesFor(env: WorkerEnv): Services {
  const config = workerConfig(env);
  const fingerprint = JSON.stringify(config);
  if (!built || built.fingerprint !== fingerprint) {
    // With the POOL binding, one Durable Object owns the pool for every isolate.
    const ns = env.POOL;
    const pool = ns ? new RemotePool(() => ns.get(ns.idFromName("pool"))) : undefined;
    const services = buildServices({
      config: () => config,
      kv: new WorkersKv(env.ACCOUNTS),
      logger: consoleLogger,
      port: () => 443,
      pool,
      persistMonitor: false,
    });
    built = { fingerprint, services, started: services.service.start() };
  }
  return built.services;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response> {
    let app: Hono;
    try {
      const services = servicesFor(env);
      await built!.started;
      app = services.app;
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : `Startup failed: ${(err as Error).message}`;
      return Response.json(
        { error: { message, type: "configuration_error", code: "not_configured" } },
        { status: 503 },
      );
    }
    return app.fetch(request, env, ctx as never);
  },
};

/**
 * The Durable Object behind POOL: one AccountPool (selection, cooldowns, sticky sessions,
 * single-flight token refresh) for every Worker isolate; KV stays the persistence.
 */
export class PoolState {
  private readonly host: PoolHost;

  constructor(_state: unknown, env: WorkerEnv) {
    const config = workerConfig(env);
    const repo = new AccountRepo(new WorkersKv(env.ACCOUNTS));
    const upstream = new UpstreamClient(() => config);
    const oauth = new OAuthClient(() => config);
    this.host = new PoolHost(
      new AccountPool({ repo, oauth, upstream, config: () => config, logger: consoleLogger }),
    );
  }

  fetch(request: Request): Promise<Response> {
    return this.host.handle(request);
  }
}
