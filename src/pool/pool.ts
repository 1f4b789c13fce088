/**
 * The account pool: accounts, their tokens and projects, cooldowns and sticky sessions, all in
 * memory. The store is read on reload and written off the request path (refreshed tokens,
 * disabled accounts, quota).
 */
import { standardModelId } from "../adapters/models.js";
import type { Config } from "../config.js";
import type { Logger } from "../monitor/log.js";
import type { UpstreamClient } from "../upstream/client.js";
import { fetchQuota, resolveProject } from "../upstream/google.js";
import { OAuthError, type OAuthClient } from "../upstream/oauth.js";
import { type Account, type AccountRepo, maskEmail } from "./accounts.js";

/** Used when loadCodeAssist cannot give a project (spec §5.5); never saved. */
export const FALLBACK_PROJECT = "bamboo-precept-lgxtn";
const REFRESH_MARGIN_MS = 90_000;
const MAX_SESSIONS = 10_000;
const ACCOUNT_WIDE = "*";

export interface Lease {
  account: Account;
  accessToken: string;
  projectId: string;
}

export interface Cooldown {
  accountId: string;
  model: string;
  until: number;
  reason: string;
}

export type Selection = { account: Account } | { account: null; freeAt: number | null; reason: string };

export class AccountUnusableError extends Error {
  constructor(
    message: string,
    readonly accountId: string,
  ) {
    super(message);
    this.name = "AccountUnusableError";
  }
}

export interface PoolDeps {
  repo: AccountRepo;
  oauth: OAuthClient;
  upstream: UpstreamClient;
  config: () => Config;
  logger: Logger;
  now?: () => number;
}

export class AccountPool {
  private accounts: Account[] = [];
  private readonly cooldowns = new Map<string, Cooldown>();
  private readonly sessions = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<Account>>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private rr = 0;
  private readonly now: () => number;

  constructor(private readonly deps: PoolDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Re-reads the store; cooldowns of accounts that still exist are kept. Returns the usable count. */
  async reload(): Promise<number> {
    const { accounts, problems } = await this.deps.repo.list();
    for (const p of problems)
      this.deps.logger.warn(`account store: ${p.key} is unreadable and was skipped: ${p.error}`);
    this.accounts = accounts;
    const ids = new Set(accounts.map((a) => a.id));
    for (const [k, c] of this.cooldowns) if (!ids.has(c.accountId)) this.cooldowns.delete(k);
    return this.usable().length;
  }

  all(): readonly Account[] {
    return this.accounts;
  }

  usable(): Account[] {
    return this.accounts.filter((a) => a.enabled && !a.quota?.forbidden);
  }

  /** Why no account can serve at all, in words that say what to do. */
  emptyReason(): string {
    if (this.accounts.length === 0) return "there are no accounts. Add one: npm run accounts -- login";
    const reasons = this.accounts.map(
      (a) =>
        `${maskEmail(a.email)}: ${a.disabledReason ?? (a.quota?.forbidden ? "forbidden (403)" : "disabled")}`,
    );
    return `every account is disabled (${reasons.join("; ")}). Re-add them: npm run accounts -- login`;
  }

  private key(accountId: string, model: string) {
    return `${accountId}|${model}`;
  }

  /** When the account can serve this model again (0 = now). Expired entries are dropped here. */
  freeAt(account: Account, model: string): number {
    const now = this.now();
    let until = 0;
    for (const m of [ACCOUNT_WIDE, standardModelId(model)]) {
      const k = this.key(account.id, m);
      const c = this.cooldowns.get(k);
      if (!c) continue;
      if (c.until <= now) this.cooldowns.delete(k);
      else until = Math.max(until, c.until);
    }
    // A quota snapshot that says 0 % left holds until its reset time.
    const q = account.quota?.models.find((x) => x.name === model);
    if (q && q.remainingFraction <= 0 && q.resetTime) {
      const reset = Date.parse(q.resetTime);
      if (reset > now) until = Math.max(until, reset);
    }
    return until;
  }

  /**
   * Picks an account for a model: the session's account while it is healthy, else round-robin
   * over the free ones. With none free, says when the first one will be.
   */
  select(
    model: string,
    opts: { sessionKey?: string; exclude?: ReadonlySet<string>; prefer?: string } = {},
  ): Selection {
    const now = this.now();
    const candidates = this.usable().filter((a) => !opts.exclude?.has(a.id));
    if (candidates.length === 0) {
      return {
        account: null,
        freeAt: null,
        reason: this.usable().length ? "every account failed for this request" : this.emptyReason(),
      };
    }
    const free = candidates.filter((a) => this.freeAt(a, model) <= now);
    if (free.length === 0) {
      const first = Math.min(...candidates.map((a) => this.freeAt(a, model)));
      return {
        account: null,
        freeAt: first,
        reason: `all ${candidates.length} accounts are cooling down for ${model}`,
      };
    }
    const byId = (id: string | undefined) => (id ? free.find((a) => a.id === id) : undefined);
    const sticky = this.deps.config().pool.sticky_sessions && opts.sessionKey ? opts.sessionKey : undefined;
    let chosen = byId(opts.prefer) ?? byId(sticky ? this.sessions.get(sticky) : undefined);
    if (!chosen) {
      chosen = free[this.rr % free.length]!;
      this.rr = (this.rr + 1) % 1_000_000;
    }
    if (sticky) {
      this.sessions.delete(sticky);
      this.sessions.set(sticky, chosen.id);
      if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    }
    return { account: chosen };
  }

  coolDown(accountId: string, model: string, ms: number, reason: string): Cooldown {
    const c: Cooldown = { accountId, model: standardModelId(model), until: this.now() + ms, reason };
    const k = this.key(accountId, c.model);
    const prev = this.cooldowns.get(k);
    if (!prev || prev.until < c.until) this.cooldowns.set(k, c);
    const a = this.accounts.find((x) => x.id === accountId);
    this.deps.logger.warn(
      `cooldown: ${maskEmail(a?.email)} for ${c.model}, ${Math.ceil(ms / 1000)}s: ${reason}`,
    );
    return this.cooldowns.get(k)!;
  }

  activeCooldowns(): Cooldown[] {
    const now = this.now();
    return [...this.cooldowns.values()].filter((c) => c.until > now);
  }

  clearCooldowns(accountId?: string): number {
    let n = 0;
    for (const [k, c] of this.cooldowns) {
      if (!accountId || c.accountId === accountId) {
        this.cooldowns.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Takes an account out of rotation with a reason a user can read; its data is kept. */
  disable(accountId: string, reason: string): void {
    const a = this.accounts.find((x) => x.id === accountId);
    if (!a?.enabled) return;
    const next: Account = {
      ...a,
      enabled: false,
      disabledReason: reason.slice(0, 800),
      disabledAt: this.now(),
      updatedAt: this.now(),
    };
    this.replace(next);
    for (const [k, id] of this.sessions) if (id === accountId) this.sessions.delete(k);
    this.deps.logger.warn(`account ${maskEmail(a.email)} disabled: ${reason}`);
    this.persist(next);
  }

  markUsed(accountId: string): void {
    const a = this.accounts.find((x) => x.id === accountId);
    if (a) a.lastUsedAt = this.now();
  }

  private replace(next: Account): void {
    const i = this.accounts.findIndex((x) => x.id === next.id);
    if (i >= 0) this.accounts[i] = next;
  }

  private persist(account: Account): void {
    const p = this.deps.repo
      .save(account)
      .catch((err: Error) =>
        this.deps.logger.error(`could not save account ${maskEmail(account.email)}: ${err.message}`),
      )
      .finally(() => this.pendingWrites.delete(p));
    this.pendingWrites.add(p);
  }

  /** Waits for account writes in flight (shutdown). */
  async flush(): Promise<void> {
    while (this.pendingWrites.size) await Promise.all([...this.pendingWrites]);
  }

  /**
   * A usable access token and project for the account: refreshed 90 s before expiry, once for any
   * number of concurrent callers (single-flight). invalid_grant disables the account.
   */
  async lease(account: Account, opts: { forceRefresh?: boolean } = {}): Promise<Lease> {
    let a = this.accounts.find((x) => x.id === account.id) ?? account;
    const fresh = a.accessToken && (a.accessTokenExpiresAt ?? 0) - REFRESH_MARGIN_MS > this.now();
    if (!fresh || opts.forceRefresh || !a.projectId) a = await this.prepare(a, !!opts.forceRefresh || !fresh);
    return { account: a, accessToken: a.accessToken!, projectId: a.projectId ?? FALLBACK_PROJECT };
  }

  private prepare(account: Account, refresh: boolean): Promise<Account> {
    const running = this.inflight.get(account.id);
    if (running) return running;
    const p = this.doPrepare(account, refresh).finally(() => this.inflight.delete(account.id));
    this.inflight.set(account.id, p);
    return p;
  }

  private async doPrepare(account: Account, refresh: boolean): Promise<Account> {
    let next: Account = { ...account };
    if (refresh || !next.accessToken) {
      try {
        const t = await this.deps.oauth.refresh(account.refreshToken);
        next = {
          ...next,
          accessToken: t.accessToken,
          accessTokenExpiresAt: t.expiresAt,
          refreshToken: t.refreshToken ?? next.refreshToken,
          updatedAt: this.now(),
        };
      } catch (err) {
        if (err instanceof OAuthError && err.invalidGrant) {
          this.disable(
            account.id,
            `invalid_grant: Google revoked or expired this refresh token (${err.message}). Sign in again: npm run accounts -- login`,
          );
          throw new AccountUnusableError(
            `account ${maskEmail(account.email)}: refresh token revoked (invalid_grant)`,
            account.id,
          );
        }
        throw new AccountUnusableError(
          `account ${maskEmail(account.email)}: token refresh failed: ${(err as Error).message}`,
          account.id,
        );
      }
    }
    if (!next.projectId) {
      try {
        const p = await resolveProject(this.deps.upstream, next.accessToken!);
        next = { ...next, projectId: p.projectId, tier: p.tier ?? next.tier };
      } catch (err) {
        this.deps.logger.warn(
          `project lookup failed for ${maskEmail(next.email)}: ${(err as Error).message}; using the shared fallback project`,
        );
      }
    }
    if (!next.validated && next.accessToken) {
      next.validated = true;
      if (!next.email) next.email = await this.deps.oauth.userEmail(next.accessToken).catch(() => null);
    }
    this.replace(next);
    this.persist(next);
    return next;
  }

  /** Fetches quota for one account (or all) and keeps it on the account. */
  async refreshQuota(accountId?: string): Promise<{ id: string; ok: boolean; error?: string }[]> {
    const targets = this.accounts.filter((a) => a.enabled && (!accountId || a.id === accountId));
    return Promise.all(
      targets.map(async (a) => {
        try {
          const lease = await this.lease(a);
          const q = await fetchQuota(this.deps.upstream, lease.accessToken, lease.account.projectId);
          const cur = this.accounts.find((x) => x.id === a.id) ?? lease.account;
          const next: Account = {
            ...cur,
            quota: { fetchedAt: this.now(), models: q.models, forbidden: q.forbidden },
            updatedAt: this.now(),
          };
          this.replace(next);
          this.persist(next);
          return { id: a.id, ok: true };
        } catch (err) {
          return { id: a.id, ok: false, error: (err as Error).message };
        }
      }),
    );
  }
}
