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

interface Indexed {
  version: string;
  account?: Account;
  problem?: string;
}

/** Written by this process: the store's next version check re-reads it once. */
const OWN_WRITE = "own-write";

/**
 * Accounts in the KV store, with an in-memory index where the store can report versions (files on
 * Node): loaded once, kept fresh from this process's own writes and a version check that reads only
 * the entries another process (the CLI) changed. So no request reads every account file.
 */
export class AccountRepo {
  private index: Map<string, Indexed> | null = null;
  private syncing: Promise<Map<string, Indexed>> | null = null;
  /** Own writes made while a sync runs: newer than what it read, applied over its result. */
  private writtenDuringSync: Map<string, Indexed | null> | null = null;
  /** Adds run one at a time: two adds of one Google account never make two entries. */
  private adding: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kv: KvStore,
    private readonly now: () => number = Date.now,
  ) {}

  private async read(key: string): Promise<Indexed | null> {
    const text = await this.kv.get(key);
    if (text === null) return null; // deleted between list and get
    const parsed = parseAccount(text);
    return parsed.ok ? { version: "", account: parsed.account } : { version: "", problem: parsed.error };
  }

  /** The index, brought up to date: one version check, and reads of only what changed. */
  private sync(): Promise<Map<string, Indexed>> {
    if (this.syncing) return this.syncing;
    const written = new Map<string, Indexed | null>();
    this.writtenDuringSync = written;
    this.syncing = (async () => {
      const versions = this.kv.versions ? await this.kv.versions(ACCOUNT_PREFIX) : null;
      const keys = versions ? [...versions.keys()] : await this.kv.list(ACCOUNT_PREFIX);
      const old = versions ? (this.index ?? new Map<string, Indexed>()) : new Map<string, Indexed>();
      const next = new Map<string, Indexed>();
      await Promise.all(
        keys.map(async (key) => {
          const version = versions?.get(key) ?? "";
          const known = old.get(key);
          if (known && versions && known.version === version) return next.set(key, known);
          const fresh = await this.read(key);
          if (fresh) next.set(key, { ...fresh, version });
        }),
      );
      for (const [key, e] of written)
        if (e) next.set(key, e);
        else next.delete(key);
      if (versions) this.index = next;
      return next;
    })().finally(() => {
      this.syncing = null;
      this.writtenDuringSync = null;
    });
    return this.syncing;
  }

  private noteWrite(key: string, entry: Indexed | null): void {
    this.writtenDuringSync?.set(key, entry);
    if (entry) this.index?.set(key, entry);
    else this.index?.delete(key);
  }

  async list(): Promise<{ accounts: Account[]; problems: StoreProblem[] }> {
    const index = await this.sync();
    const accounts: Account[] = [];
    const problems: StoreProblem[] = [];
    for (const [key, e] of index) {
      if (e.account) accounts.push(e.account);
      else if (e.problem) problems.push({ key, error: e.problem });
    }
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
    const parsed = AccountSchema.parse(account);
    await this.kv.put(ACCOUNT_PREFIX + account.id, JSON.stringify(parsed));
    this.noteWrite(ACCOUNT_PREFIX + account.id, { version: OWN_WRITE, account: parsed });
  }

  /**
   * Adds an account, or merges into the one with the same email (or the same refresh token):
   * never two entries for one Google account. A disabled account whose token changed is re-enabled.
   */
  upsert(input: NewAccount): Promise<{ account: Account; created: boolean }> {
    const run = this.adding.then(() => this.upsertNow(input));
    this.adding = run.catch(() => undefined);
    return run;
  }

  private async upsertNow(input: NewAccount): Promise<{ account: Account; created: boolean }> {
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
    this.noteWrite(ACCOUNT_PREFIX + id, null);
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
