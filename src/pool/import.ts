/**
 * Turning what other tools saved into accounts to add. Pure: the caller reads the files.
 * Understood: Antigravity Tools account files (accounts/<id>.json), JSON lists of refresh tokens
 * (strings, or objects with refresh_token/refreshToken and an optional email).
 */
import type { NewAccount } from "./accounts.js";

export interface ImportCandidate {
  source: string;
  account?: NewAccount;
  skipped?: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** One Antigravity Tools account file (spec §5.1). Disabled accounts are skipped with their reason. */
export function fromAntigravityAccount(raw: unknown, source: string): ImportCandidate {
  if (!isObj(raw)) return { source, skipped: "not a JSON object" };
  const token = isObj(raw.token) ? raw.token : undefined;
  const refreshToken = str(token?.refresh_token);
  if (!refreshToken) return { source, skipped: "no token.refresh_token" };
  if (raw.disabled === true) {
    return {
      source,
      skipped: `disabled in Antigravity Tools (${str(raw.disabled_reason) ?? "no reason given"})`,
    };
  }
  if (raw.proxy_disabled === true && raw.proxy_disabled_reason !== "quota_protection") {
    return {
      source,
      skipped: `excluded from the proxy in Antigravity Tools (${str(raw.proxy_disabled_reason) ?? "no reason given"})`,
    };
  }
  const expiry = typeof token?.expiry_timestamp === "number" ? token.expiry_timestamp * 1000 : undefined;
  return {
    source,
    account: {
      refreshToken,
      email: str(raw.email) ?? str(token?.email) ?? null,
      accessToken: str(token?.access_token),
      accessTokenExpiresAt: expiry,
      projectId: str(token?.project_id),
    },
  };
}

/** A plain JSON list: ["1//token", …] or [{"refresh_token": "…", "email": "…"}, …]. */
export function fromJsonList(raw: unknown, source: string): ImportCandidate[] {
  const list = Array.isArray(raw) ? raw : isObj(raw) && Array.isArray(raw.accounts) ? raw.accounts : null;
  if (!list) {
    if (isObj(raw) && isObj(raw.token)) return [fromAntigravityAccount(raw, source)];
    return [{ source, skipped: "expected a JSON list of refresh tokens or account objects" }];
  }
  return list.map((item, i): ImportCandidate => {
    const where = `${source}[${i}]`;
    if (typeof item === "string") {
      return item.trim()
        ? { source: where, account: { refreshToken: item.trim() } }
        : { source: where, skipped: "empty" };
    }
    if (isObj(item) && isObj(item.token)) return fromAntigravityAccount(item, where);
    if (isObj(item)) {
      const refreshToken = str(item.refresh_token) ?? str(item.refreshToken);
      if (!refreshToken) return { source: where, skipped: "no refresh_token" };
      if (item.disabled === true || item.enabled === false) return { source: where, skipped: "disabled" };
      return { source: where, account: { refreshToken, email: str(item.email) ?? null } };
    }
    return { source: where, skipped: "not a string or object" };
  });
}
