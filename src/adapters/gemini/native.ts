/**
 * Gemini-native clients (Gemini SDKs, Gemini CLI) → v1internal and back (spec §9). The client's
 * body already is a Gemini request; it is completed the way the upstream expects.
 */
import { sessionKeyFromText } from "../session.js";
import { collect, withIdentity } from "./envelope.js";
import type { GeminiRequest, GeminiResponse } from "./types.js";

const LEVEL_BUDGET: Record<string, (cap: number) => number> = {
  NONE: () => 0,
  MINIMAL: (cap) => Math.max(Math.floor(cap / 4), 4096),
  LOW: (cap) => Math.max(Math.floor(cap / 4), 4096),
  MEDIUM: (cap) => Math.max(Math.floor(cap / 2), 8192),
  HIGH: (cap) => cap,
};

/** Thinking budget caps and output limits per model family (spec §1.8). */
export function thinkingCap(model: string): number {
  if (model.includes("claude")) return model.includes("opus") ? 32768 : 32768;
  if (model.includes("pro")) return 49152;
  if (model.includes("flash")) return 32768;
  return 24576;
}

export function maxOutputTokens(model: string): number {
  return model.includes("claude") ? 64000 : 65536;
}

/** Completes a client's Gemini request for v1internal (spec §9.2, the parts that matter upstream). */
export function nativeRequest(body: GeminiRequest, model: string): GeminiRequest {
  const req: GeminiRequest = { ...body };
  delete req.model;
  if (!model.includes("-image")) req.systemInstruction = withIdentity(body.systemInstruction);
  const gen = { ...(body.generationConfig ?? {}) } as Record<string, unknown>;
  const thinking = gen.thinkingConfig ? { ...(gen.thinkingConfig as Record<string, unknown>) } : undefined;
  if (thinking) {
    const level = (thinking.thinkingLevel ?? thinking.thinking_level) as string | undefined;
    if (typeof level === "string") {
      delete thinking.thinkingLevel;
      delete thinking.thinking_level;
      const f = LEVEL_BUDGET[level.toUpperCase()] ?? LEVEL_BUDGET.MEDIUM!;
      thinking.thinkingBudget = f(thinkingCap(model));
    }
    const budget = thinking.thinkingBudget;
    if (typeof budget === "number" && budget > thinkingCap(model))
      thinking.thinkingBudget = thinkingCap(model);
    gen.thinkingConfig = thinking;
    const b = thinking.thinkingBudget;
    const out = gen.maxOutputTokens as number | undefined;
    if (b === -1) gen.maxOutputTokens = Math.max(out ?? 0, 131072);
    else if (typeof b === "number" && b > 0 && (out === undefined || out <= b))
      gen.maxOutputTokens = b + 8192;
  }
  if (typeof gen.maxOutputTokens === "number")
    gen.maxOutputTokens = Math.min(gen.maxOutputTokens, maxOutputTokens(model));
  if (/flash|pro|thinking/.test(model)) {
    gen.topK ??= 40;
    gen.topP ??= 1.0;
  }
  if (Object.keys(gen).length) req.generationConfig = gen;
  if (req.tools?.length) {
    const tc = { ...(req.toolConfig ?? {}) } as Record<string, unknown>;
    tc.functionCallingConfig ??= { mode: "VALIDATED" };
    req.toolConfig = tc;
  }
  return req;
}

export function nativeSessionKey(body: GeminiRequest): string | undefined {
  for (const c of body.contents ?? []) {
    if (c.role !== "user") continue;
    const text = (c.parts ?? [])
      .map((p) => p.text ?? "")
      .join(" ")
      .trim();
    if (text.length > 10) return sessionKeyFromText(text);
  }
  return undefined;
}

/** Non-streaming answer: the collected stream, candidate 0. */
export const nativeResponse = (chunks: GeminiResponse[]): GeminiResponse => collect(chunks);

/** Streaming answer as SSE (`?alt=sse`): each upstream chunk, unwrapped, as it arrives. */
export async function* nativeSse(chunks: AsyncIterable<GeminiResponse>): AsyncGenerator<string> {
  for await (const c of chunks) yield `data: ${JSON.stringify(c)}\r\n\r\n`;
}

/** Streaming answer without alt=sse: Google's JSON array form, element by element. */
export async function* nativeJsonArray(chunks: AsyncIterable<GeminiResponse>): AsyncGenerator<string> {
  let first = true;
  for await (const c of chunks) {
    yield `${first ? "[" : ",\r\n"}${JSON.stringify(c)}`;
    first = false;
  }
  yield first ? "[]" : "]";
}
