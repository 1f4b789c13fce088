import { Hono } from "hono";
import { z } from "zod";
import { ProxyError } from "../errors.js";
import { readJson, validate } from "../http/body.js";
import { type AccountRepo, type NewAccount, publicAccount } from "../pool/accounts.js";
import type { ProxyService } from "../service.js";

export interface AdminDeps {
  repo: AccountRepo;
  service: ProxyService;
  /** The port the server is bound to. */
  port(): number;
  /** Exchanges a refresh token once and reads the email and project; absent: stored unvalidated. */
  validateRefreshToken?: (refreshToken: string) => Promise<NewAccount>;
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
    };
  };

  app.get("/proxy/status", (c) => c.json(status()));

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
    return c.json({ accounts: accounts.map(publicAccount), problems });
  });

  app.post("/accounts", async (c) => {
    const body = validate(AddAccount, await readJson(c));
    const refreshToken = (body.refreshToken ?? body.refresh_token)!;
    let input: NewAccount = { refreshToken, validated: false };
    if (deps.validateRefreshToken) {
      try {
        input = await deps.validateRefreshToken(refreshToken);
      } catch (err) {
        throw new ProxyError(400, "invalid_request", `Invalid refresh token: ${(err as Error).message}`, {
          code: "invalid_refresh_token",
        });
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
