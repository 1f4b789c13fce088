/**
 * Gemini-native routes: /v1beta/models/{model}:{method} (also /v1 and /v1alpha, the @google/genai
 * 3.x default) for generateContent, streamGenerateContent and countTokens, and the model listing.
 */
import { type Context, Hono } from "hono";
import { nativeRequestId } from "../adapters/ids.js";
import {
  NativeBodySchema,
  nativeJsonArray,
  normalizeNative,
  nativeRequest,
  nativeResponse,
  nativeSessionKey,
  nativeSse,
} from "../adapters/gemini/native.js";
import type { GeminiResponse } from "../adapters/gemini/types.js";
import { ProxyError } from "../errors.js";
import { readJson, validate } from "../http/body.js";
import { droppedOf } from "../http/facts.js";
import { SSE_HEADERS, collectChunks, routingHeaders, streamResponse, upstreamChunks } from "../http/relay.js";
import type { DispatchDeps } from "../pool/dispatch.js";
import { countTokens, generate, modelIds, routeModel } from "./generate.js";

const METHODS = new Set(["generateContent", "streamGenerateContent", "countTokens"]);

function geminiModel(id: string) {
  return {
    name: `models/${id}`,
    version: "001",
    displayName: id,
    description: "",
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
    temperature: 1,
    topP: 0.95,
    topK: 64,
  };
}

/** Mid-stream failures reach the client as one Gemini error object, then the stream ends. */
async function* guarded(events: AsyncIterable<string>, sse: boolean): AsyncGenerator<string> {
  try {
    yield* events;
  } catch (err) {
    const e = {
      error: {
        code: 502,
        message: `Upstream stream failed: ${(err as Error).message}`,
        status: "UNAVAILABLE",
      },
    };
    yield sse ? `data: ${JSON.stringify(e)}\r\n\r\n` : `,\r\n${JSON.stringify(e)}]`;
  }
}

export function geminiRoutes(deps: DispatchDeps): Hono {
  const app = new Hono();
  const ids = () => modelIds(deps);

  // @google/genai 3.x lists under /v1/models, where OpenAI clients list too: Google's SDKs say who they are.
  const isGoogleClient = (c: Context) =>
    c.req.header("x-goog-api-client") !== undefined || c.req.header("x-goog-api-key") !== undefined;

  app.get("/:ver{v1beta|v1alpha|v1}/models", async (c, next) => {
    if (c.req.param("ver") === "v1" && !isGoogleClient(c)) return next();
    const all = await ids();
    const size = Math.min(1000, Math.max(1, Number(c.req.query("pageSize") ?? 1000) || 1000));
    const start = Math.max(0, Number(c.req.query("pageToken") ?? 0) || 0);
    const page = all.slice(start, start + size);
    const nextToken = start + size < all.length ? String(start + size) : undefined;
    return c.json({ models: page.map(geminiModel), ...(nextToken ? { nextPageToken: nextToken } : {}) });
  });

  app.get("/:ver{v1beta|v1alpha|v1}/models/:model", (c, next) => {
    if (c.req.param("ver") === "v1" && !isGoogleClient(c)) return next();
    const id = c.req.param("model").replace(/^models\//, "");
    return c.json(geminiModel(id));
  });

  app.post("/:ver{v1beta|v1alpha|v1}/models/:target{.+}", async (c) => {
    const target = c.req.param("target");
    const colon = target.lastIndexOf(":");
    const slash = target.lastIndexOf("/");
    // Split on the last ":" (model ids may contain dots and dashes); the slash form /countTokens too.
    const [rawModel, method] =
      colon > 0
        ? [target.slice(0, colon), target.slice(colon + 1)]
        : slash > 0
          ? [target.slice(0, slash), target.slice(slash + 1)]
          : [target, "generateContent"];
    if (!METHODS.has(method!)) {
      throw new ProxyError(
        400,
        "invalid_request",
        `Unsupported method: ${method}. Use generateContent, streamGenerateContent or countTokens.`,
      );
    }
    const body = normalizeNative(validate(NativeBodySchema, await readJson(c)), droppedOf(c));
    const requested = rawModel!.replace(/^models\//, "");
    const model = await routeModel(deps, requested);
    const signal = c.req.raw.signal;

    if (method === "countTokens") {
      const inner: Record<string, unknown> = { ...body, model: `models/${model}` };
      delete inner.safetySettings;
      const counted = await countTokens(deps, model, inner, signal);
      return c.json({ totalTokens: counted.total }, 200, counted.headers);
    }

    const inner = nativeRequest(body, model);
    const result = await generate(deps, {
      model,
      request: inner,
      sessionKey: nativeSessionKey(body),
      requestId: nativeRequestId(),
      signal,
    });
    const idle = deps.config().upstream.idle_timeout_seconds;
    const headers = routingHeaders(result, model);
    if (method === "generateContent") {
      const chunks: GeminiResponse[] = await collectChunks(result, idle);
      return c.json(nativeResponse(chunks), 200, headers);
    }
    const sse = c.req.query("alt") === "sse";
    const events = sse
      ? nativeSse(upstreamChunks(result, idle))
      : nativeJsonArray(upstreamChunks(result, idle));
    return streamResponse(guarded(events, sse), result, {
      ...(sse ? SSE_HEADERS : { "content-type": "application/json; charset=utf-8" }),
      ...headers,
    });
  });
  return app;
}
