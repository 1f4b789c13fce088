import type { MiddlewareHandler } from "hono";
import type { EffectiveAuthMode } from "../config.js";
import { ProxyError, isGeminiPath } from "../errors.js";
import { ACCEPTED_KEY_FORMS, anyKeyMatches, presentedKeys } from "./keys.js";
import { pathKind } from "./paths.js";

export interface AuthSettings {
  mode: EffectiveAuthMode;
  apiKey: string;
  adminPassword: string | null | undefined;
}

/**
 * One middleware for every path (DESIGN decisions 1-2):
 * - admin paths (/api/*) always need the admin password if set, else the API key;
 * - proxy paths need the API key unless the mode is `off`;
 * - health paths need it only in `strict`;
 * - OPTIONS preflights never do (CORS answers them first).
 * Missing and wrong keys both get 401 naming the accepted forms.
 */
export function authMiddleware(settings: () => AuthSettings): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return next();
    const s = settings();
    const path = c.req.path;
    const kind = pathKind(path);
    if (kind === "public") return next();

    let expected: string;
    let what: string;
    if (kind === "admin") {
      expected = s.adminPassword || s.apiKey;
      what = s.adminPassword ? "the admin password" : "the proxy API key";
    } else {
      if (s.mode === "off") return next();
      if (kind === "health" && s.mode === "all_except_health") return next();
      expected = s.apiKey;
      what = "the proxy API key";
    }

    const keys = presentedKeys(c.req.raw.headers, isGeminiPath(path) ? c.req.query("key") : undefined);
    if (await anyKeyMatches(keys, expected)) return next();
    const problem = keys.length === 0 ? "Missing API key" : "Invalid API key";
    throw new ProxyError(
      401,
      "authentication",
      `${problem}: this endpoint needs ${what}. Send it as ${ACCEPTED_KEY_FORMS}.`,
      { code: keys.length === 0 ? "missing_api_key" : "invalid_api_key" },
    );
  };
}
