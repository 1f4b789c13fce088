/**
 * The v1internal client: the header set of spec §6.3, base-URL fallback on network errors, 408,
 * 404 and 5xx (spec §6.1), the 403 retry without x-goog-user-project (§6.2), a connect timeout,
 * and cancellation when the caller's signal fires.
 */
import type { Config } from "../config.js";

export class UpstreamNetworkError extends Error {
  constructor(
    message: string,
    readonly attempts: { url: string; error: string }[],
  ) {
    super(message);
    this.name = "UpstreamNetworkError";
  }
}

export interface UpstreamCall {
  accessToken: string;
  body: unknown;
  query?: string;
  /** The mapped model; Claude models get the anthropic-beta header. */
  model?: string;
  /** Sets x-goog-user-project (skipped for placeholder projects). */
  project?: string;
  signal?: AbortSignal;
}

export interface UpstreamResult {
  response: Response;
  baseUrl: string;
  /** Aborts the request, including its body stream. */
  abort: (reason?: unknown) => void;
}

const RETRY_NEXT_BASE = (s: number) => s === 408 || s === 404 || s >= 500;
const PLATFORM = "X11; Linux x86_64";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export class UpstreamClient {
  /** One per process, as the IDE sends one per window. */
  private readonly sessionId = crypto.randomUUID();
  private readonly machineId = crypto.randomUUID();

  constructor(
    private readonly config: () => Config,
    private readonly fetchImpl: FetchLike = (i, init) => fetch(i, init),
    /** Told the seconds until response headers, for each upstream call that got an answer. */
    private readonly observe?: (seconds: number) => void,
  ) {}

  userAgent(): string {
    const u = this.config().upstream;
    return (
      u.user_agent ?? `Antigravity/${u.client_version} (${PLATFORM}) Chrome/132.0.6834.160 Electron/39.2.3`
    );
  }

  headers(call: UpstreamCall, withProject: boolean): Record<string, string> {
    const u = this.config().upstream;
    const h: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Bearer ${call.accessToken}`,
      "user-agent": this.userAgent(),
      "x-client-name": "antigravity",
      "x-client-version": u.client_version,
      "x-machine-id": this.machineId,
      "x-vscode-sessionid": this.sessionId,
    };
    if (withProject && call.project && call.project !== "test-project" && call.project !== "project-id") {
      h["x-goog-user-project"] = call.project;
    }
    if (call.model?.includes("claude")) h["anthropic-beta"] = "claude-code-20250219";
    return h;
  }

  async call(method: string, call: UpstreamCall): Promise<UpstreamResult> {
    const body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    const first = await this.tryBases(method, call, body, true);
    if (first.response.status === 403 && this.headers(call, true)["x-goog-user-project"]) {
      await first.response.body?.cancel().catch(() => {});
      return this.tryBases(method, call, body, false);
    }
    return first;
  }

  private async tryBases(
    method: string,
    call: UpstreamCall,
    body: string,
    withProject: boolean,
  ): Promise<UpstreamResult> {
    const cfg = this.config().upstream;
    const headers = this.headers(call, withProject);
    const failures: { url: string; error: string }[] = [];
    const bases = cfg.urls;
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const url = `${base}/v1internal:${method}${call.query ? `?${call.query}` : ""}`;
      const ctl = new AbortController();
      const onCallerAbort = () => ctl.abort(call.signal?.reason);
      if (call.signal?.aborted) throw call.signal.reason ?? new Error("aborted");
      call.signal?.addEventListener("abort", onCallerAbort, { once: true });
      const timer = setTimeout(
        () => ctl.abort(new Error(`no response within ${cfg.connect_timeout_seconds}s`)),
        cfg.connect_timeout_seconds * 1000,
      );
      let response: Response;
      const t0 = performance.now();
      try {
        response = await this.fetchImpl(url, { method: "POST", headers, body, signal: ctl.signal });
        this.observe?.((performance.now() - t0) / 1000);
      } catch (err) {
        call.signal?.removeEventListener("abort", onCallerAbort);
        if (call.signal?.aborted) throw call.signal.reason ?? err;
        failures.push({ url: base, error: errorText(err) });
        continue;
      } finally {
        clearTimeout(timer);
      }
      const last = i === bases.length - 1;
      if (RETRY_NEXT_BASE(response.status) && !last) {
        failures.push({ url: base, error: `HTTP ${response.status}` });
        await response.body?.cancel().catch(() => {});
        call.signal?.removeEventListener("abort", onCallerAbort);
        continue;
      }
      return {
        response,
        baseUrl: base,
        abort: (reason) => {
          call.signal?.removeEventListener("abort", onCallerAbort);
          ctl.abort(reason);
        },
      };
    }
    throw new UpstreamNetworkError(
      `upstream unreachable: ${failures.map((f) => `${f.url}: ${f.error}`).join("; ")}`,
      failures,
    );
  }
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}
