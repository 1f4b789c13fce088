/**
 * The pool over a request/response channel: `PoolHost` answers calls for an in-process pool (what
 * the Workers Durable Object runs), `RemotePool` makes them (what each Worker isolate uses). JSON
 * over fetch, so it needs no runtime-specific RPC types.
 */
import type { Account } from "./accounts.js";
import type { PoolApi } from "./api.js";
import { AccountUnusableError, type AccountPool } from "./pool.js";

export interface FetcherLike {
  fetch(url: string, init: RequestInit): Promise<Response>;
}

type Call = { method: keyof PoolApi; args: unknown[] };

/** Serves pool calls; one instance owns the state for everyone who calls it. */
export class PoolHost {
  private ready: Promise<unknown>;
  constructor(private readonly pool: AccountPool) {
    this.ready = pool.reload();
  }

  async handle(request: Request): Promise<Response> {
    const { method, args } = (await request.json()) as Call;
    await this.ready;
    try {
      const p = this.pool;
      let result: unknown;
      switch (method) {
        case "reload":
          result = await p.reload();
          break;
        case "all":
          result = p.all();
          break;
        case "usable":
          result = p.usable();
          break;
        case "emptyReason":
          result = p.emptyReason();
          break;
        case "select": {
          const [model, opts] = args as [
            string,
            { sessionKey?: string; exclude?: string[]; prefer?: string } | undefined,
          ];
          result = p.select(model, { ...opts, exclude: new Set(opts?.exclude ?? []) });
          break;
        }
        case "lease":
          // JSON turns an absent argument into null; the pool wants undefined.
          result = await p.lease(
            args[0] as Account,
            (args[1] ?? undefined) as { forceRefresh?: boolean } | undefined,
          );
          break;
        case "coolDown":
          result = p.coolDown(...(args as [string, string, number, string]));
          break;
        case "disable":
          p.disable(...(args as [string, string]));
          break;
        case "markUsed":
          p.markUsed(args[0] as string);
          break;
        case "activeCooldowns":
          result = p.activeCooldowns();
          break;
        case "refreshQuota":
          result = await p.refreshQuota((args[0] ?? undefined) as string | undefined);
          break;
        default:
          return Response.json(
            { error: { message: `unknown pool call ${String(method)}` } },
            { status: 400 },
          );
      }
      return Response.json({ result: result ?? null });
    } catch (err) {
      const unusable = err instanceof AccountUnusableError ? err.accountId : undefined;
      return Response.json({ error: { message: (err as Error).message, unusable } }, { status: 500 });
    }
  }
}

export class RemotePool implements PoolApi {
  /** `stub` is asked for each call: Workers stubs belong to the request that made them. */
  constructor(private readonly stub: () => FetcherLike) {}

  private async call<T>(method: keyof PoolApi, ...args: unknown[]): Promise<T> {
    const res = await this.stub().fetch("https://pool/", {
      method: "POST",
      body: JSON.stringify({ method, args }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string; unusable?: string } };
    if (body.error) {
      if (body.error.unusable) throw new AccountUnusableError(body.error.message, body.error.unusable);
      throw new Error(`pool: ${body.error.message}`);
    }
    return body.result as T;
  }

  reload = () => this.call<number>("reload");
  all = () => this.call<Account[]>("all");
  usable = () => this.call<Account[]>("usable");
  emptyReason = () => this.call<string>("emptyReason");
  select: PoolApi["select"] = (model, opts) =>
    this.call("select", model, { ...opts, exclude: [...(opts?.exclude ?? [])] });
  lease: PoolApi["lease"] = (account, opts) => this.call("lease", account, opts);
  coolDown: PoolApi["coolDown"] = (id, model, ms, reason) => this.call("coolDown", id, model, ms, reason);
  disable: PoolApi["disable"] = (id, reason) => this.call("disable", id, reason);
  markUsed: PoolApi["markUsed"] = (id) => this.call("markUsed", id);
  activeCooldowns: PoolApi["activeCooldowns"] = () => this.call("activeCooldowns");
  refreshQuota: PoolApi["refreshQuota"] = (id) => this.call("refreshQuota", id);
}
