import { type Context, Hono } from "hono";
import { z } from "zod";
import { anyKeyMatches } from "../auth/keys.js";
import { CONSOLE_HTML } from "../console/page.js";
import { readJson, validate } from "../http/body.js";
import type { Settings } from "../settings.js";

const CSP =
  "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

/**
 * The console page (public HTML; all it shows comes from the admin API behind admin auth), and
 * its sign-in check, which answers 200 either way so a wrong password is a message, not an error.
 */
export function consoleRoutes(settings: Settings): Hono {
  const app = new Hono();
  const page = (c: Context) =>
    c.html(CONSOLE_HTML, 200, { "cache-control": "no-store", "content-security-policy": CSP });
  app.get("/console", page);
  app.get("/console/", page);
  app.post("/console/login", async (c) => {
    const { key } = validate(z.object({ key: z.string() }), await readJson(c));
    const cfg = settings.current();
    return c.json({ ok: await anyKeyMatches([key], cfg.admin_password || cfg.api_key) });
  });
  return app;
}
