/**
 * The Node runtime: wires the file-backed store into createApp and binds the socket.
 * scripts/start.ts adds the command line, the banner and signal handling on top.
 */
import { networkInterfaces } from "node:os";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { type ConfigFlags, type Env, assertLanSafe, bindHost } from "../config.js";
import type { Logger } from "../monitor/log.js";
import type { StartResult } from "../service.js";
import { boundedFetch } from "./node-fetch.js";
import { type Services, buildServices } from "./services.js";
import { type LoadedConfig, loadConfig, saveConfigPatch } from "../store/config-file.js";
import { FileKv } from "../store/file-kv.js";

export class BindError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    reason: string,
  ) {
    super(`Failed to start server: failed to bind address ${host}:${port}: ${reason}`);
    this.name = "BindError";
  }
}

function describeListenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "EADDRINUSE":
      return "address already in use (another process listens on this port; stop it or pick another with --port)";
    case "EACCES":
      return "permission denied (ports below 1024 need privileges; pick another with --port)";
    case "EADDRNOTAVAIL":
      return "address not available on this machine";
    default:
      return err.message;
  }
}

/** Binds host:port; rejects with a BindError that says why. */
export function listen(app: Hono, host: string, port: number): Promise<Server> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new BindError(host, port, describeListenError(err)));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server);
    });
  });
}

/** Stops accepting, lets in-flight requests finish (up to graceMs), then closes what is left. */
export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    // Keep-alive connections become idle when their request ends: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export interface NodeProxyOptions {
  dataDir: string;
  env: Env;
  flags: ConfigFlags;
  logger: Logger;
  /** Serve 0.0.0.0 with auth off anyway (DESIGN decision 4 refuses it otherwise). */
  allowInsecureLan?: boolean;
}

export interface NodeProxy extends Services {
  loaded: LoadedConfig;
  kv: FileKv;
  startResult: StartResult;
  server: Server;
  host: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, flushes account writes. */
  close(): Promise<void>;
}

/** Quota is fetched shortly after start and then every `pool.quota_refresh_minutes` (0 = never). */
function scheduleQuotaRefresh(services: Services, logger: Logger): () => void {
  const minutes = services.config().pool.quota_refresh_minutes;
  if (!minutes) return () => {};
  const run = async () => {
    const results = await services.pool.refreshQuota();
    for (const r of results.filter((x) => !x.ok))
      logger.warn(`quota refresh failed for account ${r.id}: ${r.error}`);
  };
  const first = setTimeout(() => void run(), 5000);
  const every = setInterval(() => void run(), minutes * 60_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}

/** Loads config and accounts, starts the service, binds. Throws ConfigError or BindError. */
export async function startNodeProxy(opts: NodeProxyOptions): Promise<NodeProxy> {
  const loaded = await loadConfig(opts.dataDir, opts.env, opts.flags);
  const config = loaded.config;
  assertLanSafe(config, opts.allowInsecureLan ?? false);
  const kv = new FileKv(join(opts.dataDir, "kv"));
  await kv.sweepStaleTemps();
  let boundPort = config.port;
  const outbound = boundedFetch(config.upstream.max_connections);
  const services = buildServices({
    config: () => config,
    kv,
    fetch: outbound.fetch,
    ownAddresses: () =>
      Object.values(networkInterfaces())
        .flat()
        .flatMap((i) => (i ? [i.address.toLowerCase()] : [])),
    logger: opts.logger,
    port: () => boundPort,
    saveSettings: (patch) => saveConfigPatch(loaded.path, patch),
    bound: { port: config.port, allow_lan_access: config.allow_lan_access },
  });
  await services.monitor.load();
  const startResult = await services.service.start();
  const host = bindHost(config);
  const server = await listen(services.app, host, config.port);
  boundPort = (server.address() as AddressInfo).port;
  const stopQuota = scheduleQuotaRefresh(services, opts.logger);
  return {
    ...services,
    loaded,
    kv,
    startResult,
    server,
    host,
    port: boundPort,
    close: async () => {
      stopQuota();
      await closeServer(server);
      await services.pool.flush();
      await services.monitor.flush();
      await outbound.close();
    },
  };
}
