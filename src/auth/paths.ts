/** Which kind of path a request is for; auth and the service-state gate decide by it. */
export type PathKind = "health" | "admin" | "public" | "proxy";

const HEALTH = new Set(["/healthz", "/health", "/api/health"]);

export function pathKind(path: string): PathKind {
  if (HEALTH.has(path)) return "health";
  if (path === "/api" || path.startsWith("/api/") || path === "/metrics") return "admin";
  if (path === "/" || path === "/favicon.ico" || path === "/console" || path.startsWith("/console/"))
    return "public";
  return "proxy";
}
