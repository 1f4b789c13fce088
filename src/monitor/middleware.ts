import type { MiddlewareHandler } from "hono";
import { pathKind } from "../auth/paths.js";
import { protocolFor } from "../errors.js";
import type { Logger } from "./log.js";
import type { Monitor, RequestLog } from "./monitor.js";
import { own, redact, truncate } from "./redact.js";
import { extractUsage } from "./usage.js";

const BODY_MAX = 4000;
// Matches are slices of the whole request body: copied so a log entry does not keep the body alive.
const ownOrNull = (s: string | undefined) => (s === undefined ? null : own(s));
const TAIL_MAX = 16_000;
const USAGE_TAIL = 4_000;
const MODEL_IN_BODY = /"model"\s*:\s*"([^"]{1,200})"/;
const MODEL_IN_PATH = /\/models\/([^/:]+)(?::|\/|$)/;

/**
 * The client as its user agent's first product token (`claude-cli/2.1.197`), reduced to characters
 * that are safe in a label and a log line.
 */
export function clientName(userAgent: string | undefined): string {
  const token = (userAgent ?? "").trim().split(/\s+/)[0] ?? "";
  const safe = token.replace(/[^\w./@+-]/g, "").slice(0, 60);
  return safe || "unknown";
}

/** Records every proxy request in the monitor, teeing streams as they pass (never buffering them). */
export function monitorMiddleware(monitor: Monitor, newId: () => string, logger?: Logger): MiddlewareHandler {
  return async (c, next) => {
    if (
      pathKind(c.req.path) !== "proxy" ||
      c.req.method === "OPTIONS" ||
      c.req.path.includes("event_logging")
    )
      return next();
    const started = Date.now();
    await next();
    const res = c.res;
    const client = clientName(c.req.header("user-agent"));
    const dropped = c.get("dropped");
    const droppedNames = dropped?.size ? [...dropped].sort() : undefined;
    if (droppedNames)
      for (const name of monitor.noteDropped(client, droppedNames, started))
        logger?.debug?.(`tolerant reader: ${client} sent ${name}, which was ignored or mapped by rule`);
    let requestText = "";
    if (monitor.enabled && c.req.method === "POST") requestText = await c.req.text().catch(() => "");
    const base: RequestLog = {
      id: newId(),
      time: started,
      method: c.req.method,
      path: c.req.path,
      protocol: protocolFor(c.req.path, c.req.raw.headers),
      model: ownOrNull(
        MODEL_IN_BODY.exec(requestText.slice(0, 4000))?.[1] ?? MODEL_IN_PATH.exec(c.req.path)?.[1],
      ),
      mappedModel: res.headers.get("x-antigravity-model"),
      account: res.headers.get("x-antigravity-account"),
      status: res.status,
      durationMs: 0,
      inputTokens: null,
      outputTokens: null,
      error: null,
      stream: false,
      requestBody: requestText ? truncate(redact(requestText.slice(0, BODY_MAX * 2)), BODY_MAX) : null,
      responseBody: null,
      client,
      ...(droppedNames ? { dropped: droppedNames } : {}),
    };
    const finish = (text: string, streamError?: string) => {
      // Usage sits at the end of every protocol's answer; only the head is kept for display. So a
      // large answer (an image as base64) is never scanned or redacted whole.
      const usage = extractUsage(text.length > USAGE_TAIL ? text.slice(-USAGE_TAIL) : text);
      const head = text.length > BODY_MAX * 2 ? text.slice(0, BODY_MAX * 2) : text;
      const failed = res.status >= 400;
      monitor.record({
        ...base,
        durationMs: Date.now() - started,
        inputTokens: usage?.input ?? null,
        outputTokens: usage?.output ?? null,
        error: streamError ?? (failed ? truncate(redact(head), 500) : null),
        responseBody: monitor.enabled ? truncate(redact(head), BODY_MAX) : null,
      });
    };
    const type = res.headers.get("content-type") ?? "";
    // SSE, or the Gemini JSON-array stream form: both are relayed as they arrive.
    const streaming = type.includes("text/event-stream") || c.req.path.includes(":streamGenerateContent");
    if (!streaming || !res.body) {
      const copy = res.clone();
      void copy.text().then(finish, (e: Error) => finish("", e.message));
      return;
    }
    base.stream = true;
    monitor.activeStreams++;
    const decoder = new TextDecoder();
    let tail = "";
    let done = false;
    const end = (err?: string) => {
      if (done) return;
      done = true;
      monitor.activeStreams--;
      const streamError =
        err ??
        (/"type":"error"|"error":\{/.test(tail.slice(-2000))
          ? "stream ended with an error event"
          : undefined);
      finish(tail, streamError);
    };
    const tee = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        tail += decoder.decode(chunk, { stream: true });
        if (tail.length > TAIL_MAX * 2) tail = tail.slice(-TAIL_MAX);
      },
      flush() {
        end();
      },
    });
    // A client that goes away cancels the pipe (and with it the upstream); recorded as such.
    const reader = res.body.pipeThrough(tee).getReader();
    const guarded = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done: d } = await reader.read();
          if (d) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          end(`stream failed: ${(err as Error).message}`);
          controller.error(err);
        }
      },
      cancel(reason) {
        end("client disconnected");
        return reader.cancel(reason);
      },
    });
    c.res = new Response(guarded, { status: res.status, headers: res.headers });
  };
}
