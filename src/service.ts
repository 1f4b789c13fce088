/**
 * The proxy service state, as in the original: the socket stays bound while the service is
 * running or stopped. Stopped means proxy routes answer 503 with the reason; /healthz too.
 */

export const NO_ACCOUNTS = "No available accounts, please add an account first";

export type StopCause = "no_accounts" | "user";

export interface ServiceStatus {
  running: boolean;
  active_accounts: number;
  reason: string | null;
}

export interface ServiceDeps {
  /** Re-reads the account store and returns how many accounts can serve traffic. */
  reloadAccounts(): Promise<number>;
  /** True when z.ai dispatch can serve without Google accounts. */
  zaiDispatchOn(): boolean;
  now?: () => number;
}

export type StartResult =
  { ok: true; status: ServiceStatus } | { ok: false; error: string; status: ServiceStatus };

const RECHECK_MS = 2000;

export class ProxyService {
  private running = false;
  private cause: StopCause | null = "no_accounts";
  private reason: string | null = "not started";
  private active = 0;
  private lastRecheck = 0;
  private recheck: Promise<void> | null = null;

  constructor(private readonly deps: ServiceDeps) {}

  status(): ServiceStatus {
    return { running: this.running, active_accounts: this.active, reason: this.running ? null : this.reason };
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Re-reads accounts; refuses to run with none unless z.ai dispatch can serve. */
  async start(): Promise<StartResult> {
    this.active = await this.deps.reloadAccounts();
    if (this.active === 0 && !this.deps.zaiDispatchOn()) {
      this.running = false;
      this.cause = "no_accounts";
      this.reason = NO_ACCOUNTS;
      return { ok: false, error: NO_ACCOUNTS, status: this.status() };
    }
    this.running = true;
    this.cause = null;
    this.reason = null;
    return { ok: true, status: this.status() };
  }

  stop(): ServiceStatus {
    this.running = false;
    this.cause = "user";
    this.reason = "Proxy service was stopped by the administrator (POST /api/proxy/start to resume)";
    return this.status();
  }

  /** Account count changed through this process (admin API): keep the number and the state true. */
  async accountsChanged(): Promise<void> {
    if (this.running) {
      this.active = await this.deps.reloadAccounts();
    } else if (this.cause === "no_accounts") {
      await this.start();
    }
  }

  /**
   * While stopped only for lack of accounts, a request re-checks the store (at most every 2 s), so an
   * account added with `npm run accounts -- add` in another process starts the service.
   */
  async recheckIfWaitingForAccounts(): Promise<void> {
    if (this.running || this.cause !== "no_accounts") return;
    const now = (this.deps.now ?? Date.now)();
    if (this.recheck) return this.recheck;
    if (now - this.lastRecheck < RECHECK_MS) return;
    this.lastRecheck = now;
    this.recheck = this.start()
      .then(() => undefined)
      .finally(() => {
        this.recheck = null;
      });
    return this.recheck;
  }
}
