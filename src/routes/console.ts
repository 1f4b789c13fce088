import { Hono } from "hono";
import { CONSOLE_HTML } from "../console/page.js";

/** The console page (public HTML; everything it shows comes from the admin API behind admin auth). */
export function consoleRoutes(): Hono {
  const app = new Hono();
  const page = (c: import("hono").Context) =>
    c.html(CONSOLE_HTML, 200, {
      "cache-control": "no-store",
      "content-security-policy":
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
    });
  app.get("/console", page);
  app.get("/console/", page);
  return app;
}
