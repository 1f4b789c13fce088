/**
 * Relaying upstream streams to clients as they arrive: one pull-based ReadableStream per response,
 * each converted event written as soon as it is ready; a client that goes away aborts the upstream.
 */
import type { GeminiResponse } from "../adapters/gemini/types.js";
import { maskEmail } from "../pool/accounts.js";
import type { DispatchResult } from "../pool/dispatch.js";
import { readSse } from "../upstream/sse.js";

const encoder = new TextEncoder();

export function routingHeaders(result: DispatchResult, model: string): Record<string, string> {
  return {
    "x-antigravity-account": maskEmail(result.lease.account.email),
    "x-antigravity-model": model,
    "x-antigravity-attempts": String(result.attempts),
  };
}

/** The upstream's SSE chunks, unwrapped, with the idle timeout applied. */
export function upstreamChunks(result: DispatchResult, idleSeconds: number): AsyncGenerator<GeminiResponse> {
  if (result.chunks) return result.chunks;
  const body = result.response.body;
  if (!body) throw new Error("upstream answered with no body");
  return readSse<GeminiResponse>(body, {
    idleMs: idleSeconds * 1000,
    onIdle: () => result.abort(new Error("idle timeout")),
  });
}

/** Reads a whole upstream stream (for clients that did not ask to stream). */
export async function collectChunks(result: DispatchResult, idleSeconds: number): Promise<GeminiResponse[]> {
  const out: GeminiResponse[] = [];
  try {
    for await (const c of upstreamChunks(result, idleSeconds)) out.push(c);
  } finally {
    result.abort();
  }
  return out;
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/** A streaming Response fed by `events`; cancelling it (client gone) aborts the upstream call. */
export function streamResponse(
  events: AsyncIterable<string>,
  result: DispatchResult,
  headers: Record<string, string>,
): Response {
  const it = events[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await it.next();
        if (done) {
          controller.close();
          result.abort();
        } else controller.enqueue(encoder.encode(value));
      } catch (err) {
        result.abort(err);
        controller.error(err);
      }
    },
    async cancel(reason) {
      result.abort(reason ?? new Error("client disconnected"));
      await it.return?.(undefined);
    },
  });
  return new Response(stream, { status: 200, headers });
}

/**
 * Passes events through and, when the source stays silent for `ms`, inserts `ping` so proxies and
 * clients keep the connection (Anthropic's `ping` events during long thinking).
 */
export async function* withHeartbeat(
  events: AsyncIterable<string>,
  ms: number,
  ping: string,
): AsyncGenerator<string> {
  const it = events[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<string>> | null = null;
  try {
    for (;;) {
      pending ??= it.next();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<"tick">((r) => {
        timer = setTimeout(() => r("tick"), ms);
      });
      const r = await Promise.race([pending, tick]).finally(() => clearTimeout(timer));
      if (r === "tick") {
        yield ping;
        continue;
      }
      pending = null;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await it.return?.(undefined);
  }
}

export async function* mapEvents<T>(events: AsyncIterable<T>, f: (e: T) => string): AsyncGenerator<string> {
  for await (const e of events) yield f(e);
}
