/**
 * createApp(deps): the one Hono app that Node, workerd and the tests all run. It does no I/O of
 * its own; everything that touches the network or disk comes in through deps.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { authMiddleware } from "./auth/middleware.js";
import { pathKind } from "./auth/paths.js";
import { type Config, effectiveAuthMode } from "./config.js";
import { ProxyError, errorBody, protocolFor } from "./errors.js";
import { randomString } from "./adapters/ids.js";
import type { Logger } from "./monitor/log.js";
import { monitorMiddleware } from "./monitor/middleware.js";
import type { Monitor } from "./monitor/monitor.js";
import type { AccountRepo, NewAccount } from "./pool/accounts.js";
import type { PoolApi } from "./pool/api.js";
import { adminRoutes, metricsRoute } from "./routes/admin.js";
import { consoleRoutes } from "./routes/console.js";
import type { Settings } from "./settings.js";
import { healthRoutes } from "./routes/health.js";
import { hostGuard } from "./http/host-guard.js";
import { notFoundHint } from "./routes/hints.js";
import type { ProxyService } from "./service.js";

export interface AppDeps {
  config: () => Config;
  repo: AccountRepo;
  service: ProxyService;
  logger: Logger;
  /** The machine's own addresses, served on LAN (the Node runtime lists its interfaces). */
  ownAddresses?: () => readonly string[];
  /** The port actually bound (differs from config when started with port 0 in tests). */
  port: () => number;
  validateRefreshToken?: (refreshToken: string) => Promise<NewAccount>;
  /** Protocol route modules (OpenAI, Anthropic, Gemini), mounted after the shared middleware. */
  proxyRoutes?: Hono[];
  pool: PoolApi;
  monitor: Monitor;
  settings: Settings;
  settingsWritable: boolean;
  poolOwner: "process" | "durable-object";
}

const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;
export const EXPOSED_HEADERS = [
  "x-antigravity-account",
  "x-antigravity-model",
  "x-antigravity-attempts",
  "retry-after",
];

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    const e =
      err instanceof ProxyError
        ? err
        : new ProxyError(
            500,
            "internal",
            `Internal error: ${err instanceof Error ? err.message : String(err)}`,
          );
    if (!(err instanceof ProxyError))
      deps.logger.error(`unhandled error on ${c.req.method} ${c.req.path}: ${e.message}`);
    const res = c.json(errorBody(protocolFor(c.req.path, c.req.raw.headers), e), e.status as 400);
    for (const [k, v] of Object.entries(e.headers)) res.headers.set(k, v);
    return res;
  });

  app.notFound((c) => {
    const url = new URL(c.req.url);
    const e = new ProxyError(404, "not_found", notFoundHint(url.pathname, url.origin), {
      code: "unknown_path",
    });
    return c.json(errorBody(protocolFor(url.pathname, c.req.raw.headers), e), 404);
  });

  // One log line per request: method, path without query (it may hold ?key=), status, time.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = (performance.now() - started).toFixed(1);
    const account = c.res.headers.get("x-antigravity-account");
    const model = c.res.headers.get("x-antigravity-model");
    const extra = `${account ? ` account=${account}` : ""}${model ? ` model=${model}` : ""}`;
    deps.logger.info(`${c.req.method} ${c.req.path} ${c.res.status} ${ms}ms${extra}`);
  });

  app.use(
    hostGuard(() => {
      const cfg = deps.config();
      return {
        keyRequired: effectiveAuthMode(cfg) !== "off",
        lan: cfg.allow_lan_access,
        allowed: cfg.allowed_hosts,
        ownAddresses: deps.ownAddresses ?? (() => []),
      };
    }),
  );

  // DESIGN decision 4: any origin when a key is required; only localhost origins when auth is off.
  app.use(
    cors({
      origin: (origin) => {
        if (effectiveAuthMode(deps.config()) !== "off") return "*";
        return LOCAL_ORIGIN.test(origin) ? origin : null;
      },
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      exposeHeaders: EXPOSED_HEADERS,
      maxAge: 3600,
    }),
  );

  // Built once per limit (the limit can change while running), not once per request.
  let limiter: { max: number; handler: MiddlewareHandler } | null = null;
  app.use((c, next) => {
    const max = deps.config().max_body_size;
    if (limiter?.max !== max) {
      const handler = bodyLimit({
        maxSize: max,
        onError: () => {
          throw new ProxyError(
            413,
            "payload_too_large",
            `Request body is larger than the limit of ${max} bytes (max_body_size in config.json).`,
          );
        },
      });
      limiter = { max, handler };
    }
    return limiter.handler(c, next);
  });

  app.use(
    authMiddleware(() => {
      const cfg = deps.config();
      return { mode: effectiveAuthMode(cfg), apiKey: cfg.api_key, adminPassword: cfg.admin_password };
    }),
  );

  app.use(monitorMiddleware(deps.monitor, () => randomString(16), deps.logger));

  // Proxy routes answer 503 in their protocol while the service is stopped.
  app.use(async (c, next) => {
    if (c.req.method === "OPTIONS" || pathKind(c.req.path) !== "proxy") return next();
    await deps.service.recheckIfWaitingForAccounts();
    const s = deps.service.status();
    if (!s.running)
      throw new ProxyError(503, "unavailable", `Proxy service is stopped: ${s.reason}`, {
        code: "proxy_stopped",
      });
    return next();
  });

  app.route("/", healthRoutes(deps.service));
  app.route("/", consoleRoutes(deps.settings));
  app.route("/api", adminRoutes(deps));
  app.route("/", metricsRoute(deps));
  for (const r of deps.proxyRoutes ?? []) app.route("/", r);
  return app;
}
