/**
 * Anthropic-compatible routes: /v1/messages (streaming and not), /v1/messages/count_tokens,
 * Claude Code's telemetry sinks, and z.ai dispatch.
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  type MessagesRequest,
  MessagesRequestSchema,
  estimateTokens,
  isBackgroundTask,
  isWarmup,
  messagesToGemini,
} from "../adapters/anthropic/request.js";
import {
  type AnthropicEvent,
  foldMessage,
  messagesEvents,
  sseEvent,
} from "../adapters/anthropic/response.js";
import type { DeclaredTool } from "../adapters/anthropic/tool-calls.js";
import { randomString } from "../adapters/ids.js";
import { resolveModel } from "../adapters/models.js";
import type { SignatureStore } from "../adapters/signatures.js";
import { ProxyError } from "../errors.js";
import { readJson, validate } from "../http/body.js";
import { droppedOf } from "../http/facts.js";
import {
  SSE_HEADERS,
  collectChunks,
  mapEvents,
  routingHeaders,
  streamResponse,
  upstreamChunks,
  withHeartbeat,
} from "../http/relay.js";
import type { DispatchDeps } from "../pool/dispatch.js";
import type { FetchLike } from "../upstream/client.js";
import { forwardToZai, zaiRoute } from "../upstream/zai.js";
import { countTokens, generate, routeModel } from "./generate.js";

export interface AnthropicDeps extends DispatchDeps {
  signatures: SignatureStore;
  fetch?: FetchLike;
}

const PING = `event: ping\ndata: ${JSON.stringify({ type: "ping" })}\n\n`;
/** Google could not serve: what sends a `fallback` request to z.ai. */
const NO_GOOGLE = new Set([
  "no_available_accounts",
  "all_accounts_cooling_down",
  "no_usable_account",
  "rate_limited",
  "upstream_unavailable",
]);

/** Claude Code compacts its context when it reads these words. */
const TOO_LONG = /too long|exceeds|maximum context|context length|token limit/i;

async function* fromArray<T>(xs: T[]) {
  yield* xs;
}

function warmupAnswer(c: Context, req: MessagesRequest) {
  const id = `msg_warmup_${Date.now()}`;
  const headers = { "x-warmup-intercepted": "true" };
  const usage = {
    input_tokens: 1,
    output_tokens: 1,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  if (!req.stream) {
    return c.json(
      {
        id,
        type: "message",
        role: "assistant",
        model: req.model,
        content: [{ type: "text", text: "OK" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage,
      },
      200,
      headers,
    );
  }
  const events: AnthropicEvent[] = [
    {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        content: [],
        model: req.model,
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 0 },
      },
    },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "OK" } },
    { type: "content_block_stop", index: 0 },
    { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage },
    { type: "message_stop" },
  ];
  return c.body(events.map(sseEvent).join(""), 200, { ...SSE_HEADERS, ...headers });
}

const CountSchema = z
  .object({
    model: z.string().min(1),
    messages: MessagesRequestSchema.shape.messages,
    system: MessagesRequestSchema.shape.system,
    tools: MessagesRequestSchema.shape.tools,
    thinking: MessagesRequestSchema.shape.thinking,
  })
  .passthrough();

export function anthropicRoutes(deps: AnthropicDeps): Hono {
  const app = new Hono();
  let zaiCounter = 0;
  const newId = () => randomString(24);

  for (const path of ["/v1/api/event_logging/batch", "/v1/api/event_logging"])
    app.post(path, (c) => c.json({}));

  const relayZai = async (
    c: Context,
    path: "/v1/messages" | "/v1/messages/count_tokens",
    body: Record<string, unknown>,
  ) => {
    const res = await forwardToZai(
      deps.config().zai,
      path,
      body,
      c.req.raw.headers,
      c.req.raw.signal,
      deps.fetch,
    );
    const headers = new Headers({
      "x-antigravity-account": "z.ai",
      "x-antigravity-model": String(body.model ?? ""),
    });
    for (const h of ["content-type", "retry-after", "request-id"]) {
      const v = res.headers.get(h);
      if (v) headers.set(h, v);
    }
    return new Response(res.body, { status: res.status, headers });
  };

  app.post("/v1/messages", async (c) => {
    const raw = (await readJson(c)) as Record<string, unknown>;
    const req = validate(MessagesRequestSchema, raw);
    if (isWarmup(req)) return warmupAnswer(c, req);

    const route = zaiRoute(deps.config().zai, (await deps.pool.usable()).length, zaiCounter++);
    if (route === "zai") return relayZai(c, "/v1/messages", raw);

    let model = await routeModel(deps, req.model);
    let effective = req;
    if (isBackgroundTask(req)) {
      model = resolveModel("internal-background-task", deps.config().custom_mapping).model;
      effective = { ...req, tools: undefined, tool_choice: undefined, thinking: { type: "disabled" } };
    }
    const conv = messagesToGemini(effective, model, deps.signatures, droppedOf(c));
    let result;
    try {
      result = await generate(deps, {
        model,
        request: conv.request,
        sessionKey: conv.sessionKey,
        messageCount: req.messages.length,
        signal: c.req.raw.signal,
      });
    } catch (err) {
      if (
        err instanceof ProxyError &&
        deps.config().zai.dispatch_mode === "fallback" &&
        deps.config().zai.enabled &&
        deps.config().zai.api_key &&
        NO_GOOGLE.has(err.code ?? "")
      ) {
        return relayZai(c, "/v1/messages", raw);
      }
      if (err instanceof ProxyError && err.status === 400 && TOO_LONG.test(err.message)) {
        throw new ProxyError(400, "invalid_request", `prompt is too long: ${err.message}`, {
          code: "prompt_too_long",
        });
      }
      throw err;
    }
    const ctx = {
      id: `msg_${newId()}`,
      model: req.model,
      upstreamModel: model,
      stopSequences: req.stop_sequences ?? [],
      signatures: deps.signatures,
      newId,
      tools: (effective.tools ?? []).flatMap((t): DeclaredTool[] =>
        "input_schema" in t ? [t as DeclaredTool] : [],
      ),
    };
    const headers = routingHeaders(result, model);
    const idle = deps.config().upstream.idle_timeout_seconds;
    if (!req.stream) {
      try {
        return c.json(
          await foldMessage(messagesEvents(fromArray(await collectChunks(result, idle)), ctx)),
          200,
          headers,
        );
      } catch (err) {
        throw new ProxyError(502, "upstream", (err as Error).message);
      }
    }
    const events = withHeartbeat(
      mapEvents(messagesEvents(upstreamChunks(result, idle), ctx), sseEvent),
      deps.config().upstream.keepalive_seconds * 1000,
      PING,
    );
    return streamResponse(events, result, { ...SSE_HEADERS, ...headers });
  });

  app.post("/v1/messages/count_tokens", async (c) => {
    const raw = (await readJson(c)) as Record<string, unknown>;
    const req = validate(CountSchema, raw);
    const zai = deps.config().zai;
    if (zai.enabled && zai.api_key && zai.dispatch_mode !== "off")
      return relayZai(c, "/v1/messages/count_tokens", raw);
    const model = await routeModel(deps, req.model);
    const full = { ...req, max_tokens: 1, stream: false } as MessagesRequest;
    const { request } = messagesToGemini(full, model, deps.signatures, droppedOf(c));
    const inner = {
      model: `models/${model}`,
      contents: request.contents,
      systemInstruction: request.systemInstruction,
      tools: request.tools,
    };
    try {
      const counted = await countTokens(deps, model, inner, c.req.raw.signal);
      return c.json({ input_tokens: counted.total }, 200, counted.headers);
    } catch (err) {
      if (err instanceof ProxyError && (err.status === 401 || err.status === 400)) throw err;
      // The upstream could not count: a local estimate, flagged as one.
      deps.logger.warn(
        `count_tokens: upstream failed (${(err as Error).message}); answering a local estimate`,
      );
      return c.json({ input_tokens: estimateTokens(full) }, 200, { "x-antigravity-token-estimate": "local" });
    }
  });

  return app;
}
