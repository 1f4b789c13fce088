import { Hono } from "hono";
import { z } from "zod";
import { ProxyError } from "../errors.js";
import { OAuthError } from "../upstream/oauth.js";
import { readJson, validate } from "../http/body.js";
import { effectiveAuthMode, generateApiKey } from "../config.js";
import { renderMetrics } from "../monitor/metrics.js";
import type { Monitor } from "../monitor/monitor.js";
import { type AccountRepo, type NewAccount, publicAccount } from "../pool/accounts.js";
import type { PoolApi } from "../pool/api.js";
import type { ProxyService } from "../service.js";
import { type Settings, SettingsPatchSchema } from "../settings.js";

export interface AdminDeps {
  repo: AccountRepo;
  service: ProxyService;
  /** The port the server is bound to. */
  port(): number;
  /** Exchanges a refresh token once and reads the email and project; absent: stored unvalidated. */
  validateRefreshToken?: (refreshToken: string) => Promise<NewAccount>;
  pool: PoolApi;
  monitor: Monitor;
  settings: Settings;
  /** Who owns the pool's hot state: this process, or the Workers Durable Object. */
  poolOwner: "process" | "durable-object";
  /** Whether settings are saved somewhere (false on Workers). */
  settingsWritable: boolean;
}

const AddAccount = z
  .object({
    refreshToken: z.string().trim().min(1).optional(),
    refresh_token: z.string().trim().min(1).optional(),
  })
  .refine((b) => b.refreshToken || b.refresh_token, {
    message: 'refreshToken is required: {"refreshToken": "1//…"}',
  });

/** The management API (admin auth is applied by the app for every /api/* path). */
export function adminRoutes(deps: AdminDeps): Hono {
  const app = new Hono();
  const status = () => {
    const s = deps.service.status();
    const port = deps.port();
    return {
      running: s.running,
      port,
      base_url: `http://127.0.0.1:${port}`,
      active_accounts: s.active_accounts,
      reason: s.reason,
      pool: deps.poolOwner,
    };
  };

  app.get("/proxy/status", (c) => c.json(status()));

  // What the tolerant reader ignored or mapped by rule, per client: new client fields show up here.
  app.get("/stats/unknown", (c) => c.json({ items: deps.monitor.droppedCounts() }));

  app.post("/proxy/start", async (c) => {
    const r = await deps.service.start();
    if (!r.ok) return c.json({ error: r.error, code: "no_accounts", ...status() }, 409);
    return c.json(status());
  });

  app.post("/proxy/stop", (c) => {
    deps.service.stop();
    return c.json(status());
  });

  app.get("/accounts", async (c) => {
    const { accounts, problems } = await deps.repo.list();
    const cooldowns = await deps.pool.activeCooldowns();
    return c.json({
      accounts: accounts.map((a) => ({
        ...publicAccount(a),
        cooldowns: cooldowns.filter((cd) => cd.accountId === a.id),
      })),
      problems,
    });
  });

  app.post("/accounts/:id/quota", async (c) => {
    const [r] = await deps.pool.refreshQuota(c.req.param("id"));
    if (!r) throw new ProxyError(404, "not_found", `No enabled account with id ${c.req.param("id")}`);
    if (!r.ok) throw new ProxyError(502, "upstream", `Quota refresh failed: ${r.error}`);
    const a = (await deps.pool.all()).find((x) => x.id === r.id)!;
    return c.json({ account: publicAccount(a) });
  });

  const configView = () => {
    const cfg = deps.settings.current();
    return {
      config: {
        port: cfg.port,
        allow_lan_access: cfg.allow_lan_access,
        auth_mode: cfg.auth_mode,
        effective_auth_mode: effectiveAuthMode(cfg),
        api_key: cfg.api_key,
        admin_password_set: !!cfg.admin_password,
        monitor_enabled: deps.monitor.enabled,
      },
      bound: deps.settings.bound,
      restart_required: [
        ...(cfg.port !== deps.settings.bound.port ? ["port"] : []),
        ...(cfg.allow_lan_access !== deps.settings.bound.allow_lan_access ? ["allow_lan_access"] : []),
      ],
      writable: deps.settingsWritable,
    };
  };
  app.get("/config", (c) => c.json(configView()));
  app.post("/config", async (c) => {
    const patch = validate(SettingsPatchSchema, await readJson(c));
    await deps.settings.update(patch);
    if (patch.monitor_enabled !== undefined) deps.monitor.enabled = patch.monitor_enabled;
    return c.json(configView());
  });
  app.post("/proxy/api-key/generate", (c) => c.json({ api_key: generateApiKey() }));

  app.get("/logs", (c) =>
    c.json({
      logs: deps.monitor.list({
        errorsOnly: c.req.query("errors") === "1",
        limit: Number(c.req.query("limit") ?? 200) || 200,
      }),
      enabled: deps.monitor.enabled,
    }),
  );
  app.get("/logs/:id", (c) => {
    const log = deps.monitor.get(c.req.param("id"));
    if (!log) throw new ProxyError(404, "not_found", `No log entry ${c.req.param("id")}`);
    return c.json(log);
  });
  app.post("/logs/clear", async (c) => {
    await deps.monitor.clear();
    return c.json({ cleared: true });
  });
  app.post("/proxy/monitor/toggle", async (c) => {
    const body = validate(z.object({ enabled: z.boolean() }), await readJson(c));
    deps.monitor.enabled = body.enabled;
    if (deps.settingsWritable) await deps.settings.update({ monitor_enabled: body.enabled });
    return c.json({ enabled: body.enabled });
  });
  app.get("/stats/usage", (c) => c.json({ usage: deps.monitor.usageRows() }));

  app.post("/accounts", async (c) => {
    const body = validate(AddAccount, await readJson(c));
    const refreshToken = (body.refreshToken ?? body.refresh_token)!;
    let input: NewAccount = { refreshToken, validated: false };
    if (deps.validateRefreshToken) {
      try {
        input = await deps.validateRefreshToken(refreshToken);
      } catch (err) {
        // Only Google's own "no" makes the token invalid; not reaching Google is a 502 that says so.
        const rejected = err instanceof OAuthError && (err.invalidGrant || (err.status ?? 0) >= 400);
        if (rejected)
          throw new ProxyError(400, "invalid_request", `Invalid refresh token: ${err.message}`, {
            code: "invalid_refresh_token",
          });
        throw new ProxyError(
          502,
          "upstream",
          `Could not check the refresh token with Google: ${(err as Error).message}`,
          {
            code: "token_check_failed",
          },
        );
      }
    }
    const { account, created } = await deps.repo.upsert(input);
    await deps.service.accountsChanged();
    return c.json({ account: publicAccount(account), created }, created ? 201 : 200);
  });

  app.delete("/accounts/:id", async (c) => {
    const removed = await deps.repo.remove(c.req.param("id"));
    if (!removed) throw new ProxyError(404, "not_found", `No account with id ${c.req.param("id")}`);
    await deps.service.accountsChanged();
    return c.json({ removed: true });
  });

  for (const action of ["enable", "disable"] as const) {
    app.post(`/accounts/:id/${action}`, async (c) => {
      const account = await deps.repo.setEnabled(c.req.param("id"), action === "enable");
      if (!account) throw new ProxyError(404, "not_found", `No account with id ${c.req.param("id")}`);
      await deps.service.accountsChanged();
      return c.json({ account: publicAccount(account) });
    });
  }

  return app;
}

/** /metrics (admin auth, like /api/*). */
export function metricsRoute(deps: Pick<AdminDeps, "monitor" | "pool">): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) =>
    c.text(await renderMetrics(deps.monitor, deps.pool), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }),
  );
  return app;
}
