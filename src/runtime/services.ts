/**
 * Builds everything the app needs from a config and a KV store: the same wiring for Node,
 * workerd and tests. No sockets are opened here.
 */
import type { Hono } from "hono";
import { createApp } from "../app.js";
import { type Config, zaiDispatchOn } from "../config.js";
import type { Logger } from "../monitor/log.js";
import { AccountRepo } from "../pool/accounts.js";
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
  pool: AccountPool;
  service: ProxyService;
  app: Hono;
  logger: Logger;
}

export interface ServicesOptions {
  config: () => Config;
  kv: KvStore;
  logger: Logger;
  port: () => number;
  fetch?: FetchLike;
  now?: () => number;
}

export function buildServices(opts: ServicesOptions): Services {
  const { config, logger } = opts;
  const repo = new AccountRepo(opts.kv, opts.now);
  const oauth = new OAuthClient(config, opts.fetch, opts.now);
  const upstream = new UpstreamClient(config, opts.fetch);
  const pool = new AccountPool({ repo, oauth, upstream, config, logger, now: opts.now });
  const service = new ProxyService({
    reloadAccounts: () => pool.reload(),
    zaiDispatchOn: () => zaiDispatchOn(config()),
  });
  const proxy = {
    pool,
    upstream,
    config,
    logger,
    now: opts.now,
    signatures: new SignatureStore(),
    fetch: opts.fetch,
  };
  const app = createApp({
    config,
    repo,
    service,
    logger,
    port: opts.port,
    validateRefreshToken: (token) => checkRefreshToken(oauth, upstream, token),
    // Gemini first: it claims /v1/models only for Google's SDKs and passes the rest on.
    proxyRoutes: [geminiRoutes(proxy), openaiRoutes(proxy), anthropicRoutes(proxy)],
  });
  return { config, repo, oauth, upstream, pool, service, app, logger };
}
