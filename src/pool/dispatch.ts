/**
 * One upstream call served by the pool: pick an account, call v1internal, and on failure follow
 * the retry table (spec §5.8, DESIGN decision 7):
 * - 429 with a short delay (<= pool.request_scoped_delay_seconds): wait it out on the same account;
 *   it concerns this request, so nothing cools down;
 * - 429 otherwise: that account cools down for this model for the delay the upstream gave (or the
 *   configured default), and the next account is tried; when every account is cooling down and
 *   the first is free within that same short delay, the request waits for it;
 * - 401: the token is refreshed once and the call repeated; then the next account;
 * - 403: the account is taken out with the upstream's reason;
 * - 404, 408, 5xx, network errors: the next account;
 * - any other status (400…): returned to the client at once, nothing cools down.
 * Attempts and total waiting are bounded.
 */
import type { Config } from "../config.js";
import { ProxyError } from "../errors.js";
import type { Logger } from "../monitor/log.js";
import { type UpstreamClient, UpstreamNetworkError } from "../upstream/client.js";
import { retryDelayMs, upstreamMessage } from "../upstream/errors.js";
import { readSse } from "../upstream/sse.js";
import type { GeminiResponse } from "../adapters/gemini/types.js";
import { maskEmail } from "./accounts.js";
import type { PoolApi } from "./api.js";
import { AccountUnusableError, type Lease } from "./pool.js";

export interface DispatchDeps {
  pool: PoolApi;
  upstream: UpstreamClient;
  config: () => Config;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface DispatchRequest {
  /** The upstream model (after routing). */
  model: string;
  method: "generateContent" | "streamGenerateContent" | "countTokens";
  query?: string;
  sessionKey?: string;
  /** Builds the body for the chosen account (project and session id differ per account). */
  build: (lease: Lease) => unknown;
  signal?: AbortSignal;
}

export interface DispatchResult {
  response: Response;
  lease: Lease;
  attempts: number;
  abort: (reason?: unknown) => void;
  /** For streams: the parsed chunks, the first one already read (see `peek`). */
  chunks?: AsyncGenerator<GeminiResponse>;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function statusKind(status: number): ProxyError["kind"] {
  if (status === 400) return "invalid_request";
  if (status === 401) return "authentication";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limit";
  if (status === 503 || status === 529) return "overloaded";
  return "upstream";
}

export async function dispatch(deps: DispatchDeps, req: DispatchRequest): Promise<DispatchResult> {
  const cfg = deps.config().pool;
  const sleep = deps.sleep ?? sleepMs;
  const now = deps.now ?? Date.now;
  const exclude = new Set<string>();
  const refreshed = new Set<string>();
  const cooled = new Set<string>();
  let prefer: string | undefined;
  let waited = 0;
  let attempts = 0;
  let last: { status: number; message: string; retryAfterMs?: number } | null = null;

  while (attempts < cfg.max_attempts) {
    const sel = await deps.pool.select(req.model, { sessionKey: req.sessionKey, exclude, prefer });
    prefer = undefined;
    if (!sel.account) {
      // Every account is cooling down, and the first is free again within the short wait the
      // upstream's own short 429s get: waited out, then served (the accounts this request cooled
      // down are tried again).
      if (!sel.freeAt && cooled.size) {
        // Only accounts this request cooled down are left: ask again, to learn when they are free.
        for (const id of cooled) exclude.delete(id);
        cooled.clear();
        continue;
      }
      const wait = sel.freeAt ? sel.freeAt - now() : Infinity;
      if (
        wait <= cfg.request_scoped_delay_seconds * 1000 &&
        waited + wait <= cfg.max_total_wait_seconds * 1000
      ) {
        waited += Math.max(0, wait);
        await sleep(Math.max(0, wait));
        for (const id of cooled) exclude.delete(id);
        cooled.clear();
        continue;
      }
      if (sel.freeAt) {
        const secs = Math.max(1, Math.ceil((sel.freeAt - now()) / 1000));
        throw new ProxyError(
          429,
          "rate_limit",
          `No account can serve ${req.model} right now: ${sel.reason}. The first is free again in ${secs}s (at ${new Date(sel.freeAt).toISOString()}).`,
          { code: "all_accounts_cooling_down", headers: { "retry-after": String(secs) } },
        );
      }
      if (last) break;
      throw new ProxyError(503, "unavailable", `No available accounts: ${sel.reason}`, {
        code: "no_available_accounts",
      });
    }
    const account = sel.account;
    attempts++;
    let lease: Lease;
    try {
      lease = await deps.pool.lease(account);
    } catch (err) {
      if (!(err instanceof AccountUnusableError)) throw err;
      exclude.add(account.id);
      last = { status: 0, message: err.message };
      continue;
    }
    let result: Awaited<ReturnType<UpstreamClient["call"]>>;
    try {
      result = await deps.upstream.call(req.method, {
        accessToken: lease.accessToken,
        body: req.build(lease),
        query: req.query,
        model: req.model,
        project: lease.projectId,
        signal: req.signal,
      });
    } catch (err) {
      if (req.signal?.aborted) throw err;
      if (!(err instanceof UpstreamNetworkError)) throw err;
      exclude.add(account.id);
      last = { status: 502, message: err.message };
      continue;
    }
    const res = result.response;
    if (res.ok) {
      if (req.method !== "streamGenerateContent" || !res.body) {
        await deps.pool.markUsed(account.id);
        return { response: res, lease, attempts, abort: result.abort };
      }
      // A stream that ends or breaks before its first chunk has told the client nothing yet:
      // it is retried on the next account instead of failing (spec §1.3 "peek").
      const abort = result.abort;
      const stream = readSse<GeminiResponse>(res.body, {
        idleMs: deps.config().upstream.idle_timeout_seconds * 1000,
        onIdle: () => abort(new Error("idle timeout")),
      });
      let first: IteratorResult<GeminiResponse>;
      try {
        first = await stream.next();
      } catch (err) {
        if (req.signal?.aborted) throw err;
        first = { done: true, value: undefined };
        deps.logger.warn(
          `upstream stream for ${maskEmail(account.email)} broke before any data: ${(err as Error).message}`,
        );
      }
      if (first.done) {
        abort();
        exclude.add(account.id);
        last = { status: 502, message: "the upstream stream ended before sending any data" };
        continue;
      }
      await deps.pool.markUsed(account.id);
      const head = first.value;
      async function* chunks(): AsyncGenerator<GeminiResponse> {
        yield head;
        yield* stream;
      }
      return { response: res, lease, attempts, abort, chunks: chunks() };
    }
    const text = await res.text().catch(() => "");
    const message = upstreamMessage(text);
    const who = maskEmail(account.email);
    deps.logger.warn(`upstream ${res.status} for ${who} on ${req.model}: ${message.slice(0, 200)}`);

    if (res.status === 429) {
      const delay = retryDelayMs(res.headers, text, now());
      const scoped = cfg.request_scoped_delay_seconds * 1000;
      if (delay !== null && delay <= scoped && waited + delay <= cfg.max_total_wait_seconds * 1000) {
        waited += delay;
        await sleep(delay);
        prefer = account.id;
        last = { status: 429, message, retryAfterMs: delay };
        continue;
      }
      const ms = delay ?? cfg.default_cooldown_seconds * 1000;
      await deps.pool.coolDown(account.id, req.model, ms, message);
      exclude.add(account.id);
      cooled.add(account.id);
      last = { status: 429, message, retryAfterMs: ms };
      continue;
    }
    if (res.status === 401 && !refreshed.has(account.id)) {
      refreshed.add(account.id);
      try {
        await deps.pool.lease(account, { forceRefresh: true });
        prefer = account.id;
      } catch {
        exclude.add(account.id);
      }
      last = { status: 401, message };
      continue;
    }
    if (res.status === 403) {
      await deps.pool.disable(account.id, `Forbidden (403) from Google: ${message}`);
      exclude.add(account.id);
      last = { status: 403, message };
      continue;
    }
    if (res.status === 401 || res.status === 404 || res.status === 408 || res.status >= 500) {
      exclude.add(account.id);
      last = { status: res.status, message };
      continue;
    }
    // A problem with the request itself: the client should see it, no account is to blame.
    throw new ProxyError(res.status, statusKind(res.status), `Upstream rejected the request: ${message}`, {
      code: "upstream_error",
    });
  }

  const l = last ?? { status: 0, message: "no attempt was made" };
  const summary = `All ${attempts} attempts failed. Last error${l.status ? ` (HTTP ${l.status})` : ""}: ${l.message}`;
  if (l.status === 429) {
    const secs = Math.max(1, Math.ceil((l.retryAfterMs ?? 1000) / 1000));
    throw new ProxyError(429, "rate_limit", summary, {
      code: "rate_limited",
      headers: { "retry-after": String(secs) },
    });
  }
  if (l.status === 403 || l.status === 401 || l.status === 0) {
    const why =
      (await deps.pool.usable()).length === 0
        ? ` No available accounts: ${await deps.pool.emptyReason()}`
        : "";
    throw new ProxyError(503, "unavailable", summary + why, { code: "no_usable_account" });
  }
  // Only an upstream that said it is overloaded is reported as overloaded (Claude Code retries those).
  const overloaded = l.status === 503 || l.status === 529;
  throw new ProxyError(overloaded ? 503 : 502, overloaded ? "overloaded" : "upstream", summary, {
    code: "upstream_unavailable",
  });
}
