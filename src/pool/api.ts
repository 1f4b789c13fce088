/**
 * What routes and dispatch ask of the pool. On Node it is the in-process AccountPool; on Workers,
 * a Durable Object that owns the hot state (selection, cooldowns, sticky sessions, single-flight
 * token refresh) for every isolate, reached by RPC. Every call is async so both fit.
 */
import type { Account } from "./accounts.js";
import type { AccountPool, Cooldown, Lease, Selection } from "./pool.js";

export interface PoolApi {
  reload(): Promise<number>;
  all(): Promise<Account[]>;
  usable(): Promise<Account[]>;
  emptyReason(): Promise<string>;
  select(
    model: string,
    opts?: { sessionKey?: string; exclude?: ReadonlySet<string>; prefer?: string },
  ): Promise<Selection>;
  lease(account: Account, opts?: { forceRefresh?: boolean }): Promise<Lease>;
  coolDown(accountId: string, model: string, ms: number, reason: string): Promise<Cooldown>;
  disable(accountId: string, reason: string): Promise<void>;
  markUsed(accountId: string): Promise<void>;
  activeCooldowns(): Promise<Cooldown[]>;
  refreshQuota(accountId?: string): Promise<{ id: string; ok: boolean; error?: string }[]>;
}

/** The in-process pool behind the async interface. */
export function localPool(pool: AccountPool): PoolApi {
  return {
    reload: () => pool.reload(),
    all: async () => [...pool.all()],
    usable: async () => pool.usable(),
    emptyReason: async () => pool.emptyReason(),
    select: async (model, opts) => pool.select(model, opts),
    lease: (account, opts) => pool.lease(account, opts),
    coolDown: async (id, model, ms, reason) => pool.coolDown(id, model, ms, reason),
    disable: async (id, reason) => pool.disable(id, reason),
    markUsed: async (id) => pool.markUsed(id),
    activeCooldowns: async () => pool.activeCooldowns(),
    refreshQuota: (id) => pool.refreshQuota(id),
  };
}
