/** OpenAI-compatible routes: chat completions, responses, legacy completions, models, images. */
import { type Context, Hono } from "hono";
import {
  type ChatRequest,
  ChatRequestSchema,
  chatFromGemini,
  chatStream,
  chatToGemini,
} from "../adapters/openai/chat.js";
import {
  CompletionRequestSchema,
  completionFromGemini,
  completionStream,
  completionToChat,
} from "../adapters/openai/completions.js";
import { ImageRequestSchema, imageToGemini, imagesFromGemini } from "../adapters/openai/images.js";
import { ResponseStore } from "../adapters/openai/response-store.js";
import {
  ResponsesRequestSchema,
  type OutputItem,
  responsesFromGemini,
  responsesStream,
  responsesToChat,
  responsesToMessages,
} from "../adapters/openai/responses.js";
import { randomString } from "../adapters/ids.js";
import type { SignatureStore } from "../adapters/signatures.js";
import { ProxyError } from "../errors.js";
import { readJson, validate } from "../http/body.js";
import { droppedOf } from "../http/facts.js";
import { SSE_HEADERS, collectChunks, routingHeaders, streamResponse, upstreamChunks } from "../http/relay.js";
import type { DispatchDeps } from "../pool/dispatch.js";
import { generate, modelIds, routeModel } from "./generate.js";

export interface OpenAiDeps extends DispatchDeps {
  signatures: SignatureStore;
  responses?: ResponseStore;
}

/** What a finished Responses output adds to the conversation, for previous_response_id. */
function outputToMessages(output: OutputItem[]): ChatRequest["messages"] {
  const text = output
    .filter((o): o is Extract<OutputItem, { type: "message" }> => o.type === "message")
    .flatMap((o) => o.content.map((c) => c.text))
    .join("");
  const calls = output
    .filter((o): o is Extract<OutputItem, { type: "function_call" }> => o.type === "function_call")
    .map((o) => ({
      id: o.call_id,
      type: "function" as const,
      function: { name: o.name, arguments: o.arguments },
    }));
  return [{ role: "assistant", content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }];
}

const CREATED = 1706745600;

export function openaiRoutes(deps: OpenAiDeps): Hono {
  const app = new Hono();
  const newId = () => randomString(24);
  const store = deps.responses ?? new ResponseStore();
  const idle = () => deps.config().upstream.idle_timeout_seconds;
  const ctxFor = (prefix: string, model: string) => ({
    id: `${prefix}${newId()}`,
    created: Math.floor(Date.now() / 1000),
    model,
    signatures: deps.signatures,
    newId,
  });

  app.get("/v1/models", async (c) =>
    c.json({
      object: "list",
      data: (await modelIds(deps)).map((id) => ({
        id,
        object: "model",
        created: CREATED,
        owned_by: "antigravity",
      })),
    }),
  );
  app.get("/v1/models/:id{.+}", async (c) => {
    const id = c.req.param("id");
    if (!(await modelIds(deps)).includes(id))
      throw new ProxyError(404, "not_found", `The model "${id}" does not exist (see GET /v1/models)`, {
        code: "model_not_found",
      });
    return c.json({ id, object: "model", created: CREATED, owned_by: "antigravity" });
  });

  /** Chat, Responses and legacy completions all become a chat request: route, convert, dispatch. */
  const runChat = async (c: Context, chat: ChatRequest, idPrefix: string) => {
    const model = await routeModel(deps, chat.model);
    const { request, sessionKey } = chatToGemini(chat, model, deps.signatures, droppedOf(c));
    const result = await generate(deps, {
      model,
      request,
      sessionKey,
      messageCount: chat.messages.length,
      signal: c.req.raw.signal,
    });
    return { result, ctx: ctxFor(idPrefix, chat.model), headers: routingHeaders(result, model) };
  };

  app.post("/v1/chat/completions", async (c) => {
    const req = validate(ChatRequestSchema, await readJson(c));
    const { result, ctx, headers } = await runChat(c, req, "chatcmpl-");
    if (!req.stream) return c.json(chatFromGemini(await collectChunks(result, idle()), ctx), 200, headers);
    const events = chatStream(upstreamChunks(result, idle()), {
      ...ctx,
      includeUsage: req.stream_options?.include_usage === true,
    });
    return streamResponse(events, result, { ...SSE_HEADERS, ...headers });
  });

  const responses = async (c: Context) => {
    const req = validate(ResponsesRequestSchema, await readJson(c));
    let history: ChatRequest["messages"] = [];
    if (req.previous_response_id) {
      const prev = store.get(req.previous_response_id);
      if (!prev) {
        throw new ProxyError(
          400,
          "invalid_request",
          `previous_response_id "${req.previous_response_id}" is unknown to this proxy (it keeps recent responses in memory; send the full input instead)`,
          {
            code: "previous_response_not_found",
          },
        );
      }
      history = prev.filter((m) => m.role !== "system");
    }
    const messages = responsesToMessages(req, history, droppedOf(c));
    const chat = validate(ChatRequestSchema, responsesToChat(req, messages, droppedOf(c)));
    const run = await runChat(c, chat, "resp_");
    const { result, headers } = run;
    const ctx = { ...run.ctx, request: req };
    const remember = (output: OutputItem[]) => {
      if (req.store !== false) store.save(ctx.id, [...messages, ...outputToMessages(output)]);
    };
    if (!req.stream) {
      const body = responsesFromGemini(await collectChunks(result, idle()), ctx);
      remember(body.output);
      return c.json(body, 200, headers);
    }
    async function* events() {
      let last = "";
      for await (const e of responsesStream(upstreamChunks(result, idle()), ctx)) {
        last = e;
        yield e;
      }
      const data = /^data: (.*)$/m.exec(last)?.[1];
      if (data)
        remember((JSON.parse(data) as { response?: { output?: OutputItem[] } }).response?.output ?? []);
    }
    return streamResponse(events(), result, { ...SSE_HEADERS, ...headers });
  };
  app.post("/v1/responses", responses);
  app.post("/responses", responses);
  // Codex asks for a compacted history on these paths: the same request, answered the same way.
  app.post("/v1/responses/compact", responses);
  app.post("/responses/compact", responses);

  app.post("/v1/completions", async (c) => {
    const req = validate(CompletionRequestSchema, await readJson(c));
    const chat = validate(ChatRequestSchema, completionToChat(req));
    const { result, ctx, headers } = await runChat(c, chat, "cmpl-");
    if (!req.stream)
      return c.json(completionFromGemini(await collectChunks(result, idle()), ctx, req.n ?? 1), 200, headers);
    return streamResponse(completionStream(upstreamChunks(result, idle()), ctx), result, {
      ...SSE_HEADERS,
      ...headers,
    });
  });

  app.post("/v1/images/generations", async (c) => {
    const req = validate(ImageRequestSchema, await readJson(c));
    const model = await routeModel(deps, req.model);
    if (!model.includes("image")) {
      throw new ProxyError(
        400,
        "invalid_request",
        `model "${req.model}" does not make images; use gemini-3-pro-image`,
        { code: "model_not_found" },
      );
    }
    const request = imageToGemini(req);
    const results = await Promise.all(
      Array.from({ length: req.n }, () =>
        generate(deps, { model, request, messageCount: 1, signal: c.req.raw.signal }),
      ),
    );
    const data = [];
    for (const r of results)
      data.push(...imagesFromGemini(await collectChunks(r, idle()), req.response_format));
    if (data.length === 0)
      throw new ProxyError(
        502,
        "upstream",
        "The image model answered without an image (the prompt may have been refused).",
        { code: "no_image" },
      );
    return c.json({ created: Math.floor(Date.now() / 1000), data }, 200, routingHeaders(results[0]!, model));
  });

  return app;
}
