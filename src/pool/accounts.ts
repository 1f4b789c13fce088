/**
 * Accounts: the zod schema of one Google account and its CRUD over the KV store.
 * Keys are `account:<id>`; values are JSON. A value that does not parse is reported, never dropped.
 */
import { z } from "zod";
import type { KvStore } from "../store/kv.js";

export const ModelQuotaSchema = z.object({
  name: z.string(),
  remainingFraction: z.number().min(0).max(1),
  resetTime: z.string().optional(),
  displayName: z.string().optional(),
});

export const AccountSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullable().default(null),
  refreshToken: z.string().min(1),
  accessToken: z.string().optional(),
  /** Unix ms. */
  accessTokenExpiresAt: z.number().optional(),
  projectId: z.string().optional(),
  enabled: z.boolean().default(true),
  disabledReason: z.string().optional(),
  disabledAt: z.number().optional(),
  /** False until the refresh token has been exchanged once and the email read. */
  validated: z.boolean().default(false),
  tier: z.string().optional(),
  quota: z
    .object({
      fetchedAt: z.number(),
      models: z.array(ModelQuotaSchema),
      forbidden: z.boolean().optional(),
    })
    .optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastUsedAt: z.number().optional(),
});

export type Account = z.infer<typeof AccountSchema>;
export type ModelQuota = z.infer<typeof ModelQuotaSchema>;

export interface StoreProblem {
  key: string;
  error: string;
}

export const ACCOUNT_PREFIX = "account:";

export function maskEmail(email: string | null | undefined): string {
  if (!email) return "(unknown)";
  const at = email.indexOf("@");
  if (at <= 0) return `${email.slice(0, 2)}***`;
  const user = email.slice(0, at);
  return `${user.slice(0, Math.min(2, user.length))}***${email.slice(at)}`;
}

export function maskToken(token: string | undefined): string {
  if (!token) return "(none)";
  return token.length <= 12 ? "***" : `${token.slice(0, 4)}…${token.slice(-4)}`;
}

/** What a user can safely see of an account: no tokens. */
export function publicAccount(a: Account) {
  return {
    id: a.id,
    email: a.email,
    enabled: a.enabled,
    disabledReason: a.disabledReason ?? null,
    disabledAt: a.disabledAt ?? null,
    validated: a.validated,
    projectId: a.projectId ?? null,
    tier: a.tier ?? null,
    refreshToken: maskToken(a.refreshToken),
    quota: a.quota ?? null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    lastUsedAt: a.lastUsedAt ?? null,
  };
}

export interface NewAccount {
  refreshToken: string;
  email?: string | null;
  accessToken?: string;
  accessTokenExpiresAt?: number;
  projectId?: string;
  validated?: boolean;
  tier?: string;
}

export class AccountRepo {
  constructor(
    private readonly kv: KvStore,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<{ accounts: Account[]; problems: StoreProblem[] }> {
    const keys = await this.kv.list(ACCOUNT_PREFIX);
    const accounts: Account[] = [];
    const problems: StoreProblem[] = [];
    await Promise.all(
      keys.map(async (key) => {
        const text = await this.kv.get(key);
        if (text === null) return; // deleted between list and get
        const parsed = parseAccount(text);
        if (parsed.ok) accounts.push(parsed.account);
        else problems.push({ key, error: parsed.error });
      }),
    );
    accounts.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    problems.sort((a, b) => a.key.localeCompare(b.key));
    return { accounts, problems };
  }

  async get(id: string): Promise<Account | null> {
    const text = await this.kv.get(ACCOUNT_PREFIX + id);
    if (text === null) return null;
    const parsed = parseAccount(text);
    if (!parsed.ok) throw new Error(`account ${id} is unreadable: ${parsed.error}`);
    return parsed.account;
  }

  /** By id, or by email (case-insensitive). */
  async find(idOrEmail: string): Promise<Account | null> {
    const byId = await this.get(idOrEmail).catch(() => null);
    if (byId) return byId;
    const needle = idOrEmail.toLowerCase();
    const { accounts } = await this.list();
    return accounts.find((a) => a.email?.toLowerCase() === needle) ?? null;
  }

  async save(account: Account): Promise<void> {
    await this.kv.put(ACCOUNT_PREFIX + account.id, JSON.stringify(AccountSchema.parse(account)));
  }

  /**
   * Adds an account, or merges into the one with the same email (or the same refresh token):
   * never two entries for one Google account. A disabled account whose token changed is re-enabled.
   */
  async upsert(input: NewAccount): Promise<{ account: Account; created: boolean }> {
    const { accounts } = await this.list();
    const email = input.email?.toLowerCase() ?? null;
    const existing =
      (email ? accounts.find((a) => a.email?.toLowerCase() === email) : undefined) ??
      accounts.find((a) => a.refreshToken === input.refreshToken);
    const now = this.now();
    if (existing) {
      const tokenChanged = existing.refreshToken !== input.refreshToken;
      const merged: Account = {
        ...existing,
        email: input.email ?? existing.email,
        refreshToken: input.refreshToken,
        accessToken: tokenChanged ? input.accessToken : (input.accessToken ?? existing.accessToken),
        accessTokenExpiresAt: tokenChanged
          ? input.accessTokenExpiresAt
          : (input.accessTokenExpiresAt ?? existing.accessTokenExpiresAt),
        projectId: input.projectId ?? existing.projectId,
        tier: input.tier ?? existing.tier,
        validated: input.validated ?? (tokenChanged ? false : existing.validated),
        updatedAt: now,
      };
      if (!existing.enabled && (tokenChanged || input.validated)) {
        merged.enabled = true;
        delete merged.disabledReason;
        delete merged.disabledAt;
      }
      await this.save(merged);
      return { account: merged, created: false };
    }
    const account: Account = {
      id: crypto.randomUUID(),
      email: input.email ?? null,
      refreshToken: input.refreshToken,
      accessToken: input.accessToken,
      accessTokenExpiresAt: input.accessTokenExpiresAt,
      projectId: input.projectId,
      tier: input.tier,
      enabled: true,
      validated: input.validated ?? false,
      createdAt: now,
      updatedAt: now,
    };
    await this.save(account);
    return { account, created: true };
  }

  async remove(id: string): Promise<boolean> {
    const existing = await this.kv.get(ACCOUNT_PREFIX + id);
    if (existing === null) return false;
    await this.kv.delete(ACCOUNT_PREFIX + id);
    return true;
  }

  async setEnabled(id: string, enabled: boolean, reason?: string): Promise<Account | null> {
    const account = await this.get(id);
    if (!account) return null;
    const now = this.now();
    const next: Account = { ...account, enabled, updatedAt: now };
    if (enabled) {
      delete next.disabledReason;
      delete next.disabledAt;
    } else {
      next.disabledReason = reason ?? "disabled by user";
      next.disabledAt = now;
    }
    await this.save(next);
    return next;
  }
}

function parseAccount(text: string): { ok: true; account: Account } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message})` };
  }
  const r = AccountSchema.safeParse(raw);
  if (!r.success) {
    return {
      ok: false,
      error: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    };
  }
  return { ok: true, account: r.data };
}
