/**
 * The DNS-rebinding guard: with no key required, only requests addressed to a loopback name (or a
 * name the user lists in `allowed_hosts`, or on LAN one of the machine's own addresses) are served,
 * and a browser's state-changing request must come from such an origin. A web page whose name was
 * rebound to 127.0.0.1 then cannot spend the user's accounts.
 */
import type { MiddlewareHandler } from "hono";
import { ProxyError } from "../errors.js";

export interface HostRules {
  /** A key is required on every path that spends accounts: any host may be served. */
  keyRequired: boolean;
  lan: boolean;
  allowed: readonly string[];
  /** The machine's own addresses (LAN). */
  ownAddresses: () => readonly string[];
}

/** The host name of a Host header or an origin's authority, lower-case, without port or brackets. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith("[")) return a.slice(1, a.indexOf("]") > 0 ? a.indexOf("]") : undefined);
  const colon = a.lastIndexOf(":");
  return colon > 0 && a.indexOf(":") === colon ? a.slice(0, colon) : a;
}

const isLoopback = (h: string) =>
  h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);

export function hostAllowed(name: string, rules: HostRules): boolean {
  if (rules.keyRequired) return true;
  if (isLoopback(name) || rules.allowed.some((a) => hostName(a) === name)) return true;
  return rules.lan && rules.ownAddresses().includes(name);
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function hostGuard(rules: () => HostRules): MiddlewareHandler {
  return async (c, next) => {
    const r = rules();
    if (r.keyRequired) return next();
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!hostAllowed(hostName(host), r))
      throw new ProxyError(
        421,
        "permission",
        `Requests addressed to "${hostName(host).slice(0, 100)}" are not served while no API key is required (a web page could reach this proxy by DNS rebinding). Use http://127.0.0.1 or localhost, add the name to allowed_hosts in config.json (ANTIGRAVITY_ALLOWED_HOSTS), or require a key (--auth-mode strict).`,
        { code: "host_not_allowed" },
      );
    const origin = c.req.header("origin");
    if (origin !== undefined && !SAFE.has(c.req.method)) {
      let name = "null";
      try {
        name = origin === "null" ? "null" : hostName(new URL(origin).host);
      } catch {
        // not a URL: refused below as "null"
      }
      if (name === "null" || !hostAllowed(name, r))
        throw new ProxyError(
          403,
          "permission",
          `A browser page from ${name === "null" ? "an opaque origin" : `"${name.slice(0, 100)}"`} may not send requests to this proxy while no API key is required. Open it from localhost, add its host to allowed_hosts, or require a key (--auth-mode strict).`,
          { code: "origin_not_allowed" },
        );
    }
    return next();
  };
}
