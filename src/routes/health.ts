import { Hono } from "hono";
import type { ProxyService } from "../service.js";
import { VERSION } from "../version.js";

/** /healthz and /health: 200 while the proxy service runs, 503 with the reason while stopped. */
export function healthRoutes(service: ProxyService): Hono {
  const app = new Hono();
  const handler = async (c: import("hono").Context) => {
    await service.recheckIfWaitingForAccounts();
    const s = service.status();
    if (s.running) return c.json({ status: "ok", version: VERSION, active_accounts: s.active_accounts });
    return c.json(
      { status: "stopped", version: VERSION, active_accounts: s.active_accounts, reason: s.reason },
      503,
    );
  };
  app.get("/healthz", handler);
  app.get("/health", handler);
  app.get("/api/health", handler);
  // Claude Code probes the base URL with HEAD / before its first call.
  app.on(["GET", "HEAD"], "/", (c) => {
    // People who open the address in a browser get the console; clients get a small JSON answer.
    if (c.req.method === "GET" && c.req.header("accept")?.includes("text/html"))
      return c.redirect("/console");
    return c.json({
      name: "antigravity-proxy",
      version: VERSION,
      status: service.isRunning ? "running" : "stopped",
      console: "/console",
    });
  });
  return app;
}
