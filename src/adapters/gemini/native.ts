/**
 * Gemini-native clients (Gemini SDKs, Gemini CLI) → v1internal and back (spec §9). The client's
 * body already is a Gemini request; it is completed the way the upstream expects.
 */
import { z } from "zod";
import { sessionKeyFromText } from "../session.js";
import { type Dropped, noteUnknownKeys } from "../tolerant.js";
import { collect, withIdentity } from "./envelope.js";
import { cleanSchema } from "./schema.js";
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

/** Request fields the upstream's GenerateContentRequest knows, in both JSON spellings. */
const REQUEST_FIELDS = new Set([
  "contents",
  "systemInstruction",
  "system_instruction",
  "tools",
  "toolConfig",
  "tool_config",
  "generationConfig",
  "generation_config",
  "safetySettings",
  "safety_settings",
  "cachedContent",
  "cached_content",
  "labels",
  "model",
]);

/**
 * A client's Gemini body, checked for the shapes the conversion reads (so a wrong shape is a 400
 * that names the field, never a TypeError). The legacy `@google/generative-ai` SDK's countTokens
 * wraps the request as `{generateContentRequest: …}`: unwrapped here.
 */
const Part = z.record(z.string(), z.unknown());
const SystemInstruction = z.union([
  z.string(),
  z.looseObject({ role: z.string().optional(), parts: z.array(Part) }),
]);
const Body = z.looseObject({
  contents: z
    .array(
      z.looseObject({ role: z.string().optional(), parts: z.array(Part).min(1, "parts must not be empty") }),
    )
    .min(1, "contents must have at least one item"),
  systemInstruction: SystemInstruction.optional(),
  system_instruction: SystemInstruction.optional(),
  tools: z.array(Part).optional(),
  toolConfig: Part.optional(),
  generationConfig: Part.optional(),
  safetySettings: z.array(Part).optional(),
});
export const NativeBodySchema = z.preprocess(
  (v) =>
    v &&
    typeof v === "object" &&
    "generateContentRequest" in v &&
    typeof v.generateContentRequest === "object"
      ? v.generateContentRequest
      : v,
  Body,
);
export type NativeBody = z.infer<typeof Body>;

/**
 * A client's Gemini body as the upstream reads it, whatever SDK wrote it:
 * - the legacy SDK answers function calls with `role: "function"` turns: the upstream wants `user`;
 * - a string `systemInstruction` becomes its Content;
 * - fields the upstream does not know are dropped (and counted) rather than sent to fail there.
 */
export function normalizeNative(body: NativeBody, dropped: Dropped): GeminiRequest {
  noteUnknownKeys(body, REQUEST_FIELDS, "field", dropped);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (REQUEST_FIELDS.has(k)) out[k] = v;
  const req = out as unknown as GeminiRequest;
  req.contents = body.contents.map((c) => {
    if (c.role === undefined || c.role === "user" || c.role === "model")
      return c as GeminiRequest["contents"][number];
    if (c.role !== "function" && c.role !== "tool") dropped.add(`role:${c.role}`);
    return { ...c, role: "user" } as GeminiRequest["contents"][number];
  });
  const sys = body.systemInstruction ?? body.system_instruction;
  delete out.system_instruction;
  if (typeof sys === "string") req.systemInstruction = { role: "user", parts: [{ text: sys }] };
  else if (sys) req.systemInstruction = sys as GeminiRequest["systemInstruction"];
  return req;
}

/** Completes a client's Gemini request for v1internal (spec §9.2, the parts that matter upstream). */
export function nativeRequest(body: GeminiRequest, model: string): GeminiRequest {
  const req: GeminiRequest = { ...body };
  delete req.model;
  if (!model.includes("-image")) req.systemInstruction = withIdentity(body.systemInstruction);
  const gen = { ...(body.generationConfig ?? {}) } as Record<string, unknown>;
  let thinking = gen.thinkingConfig ? { ...(gen.thinkingConfig as Record<string, unknown>) } : undefined;
  // Thinking models are asked to think when the client did not say (spec §9.2-5).
  if (!thinking && (model.includes("thinking") || /gemini-(2\.0|3|3\.1)-pro(?!.*preview)/.test(model))) {
    thinking = { includeThoughts: true, thinkingBudget: thinkingCap(model) };
  }
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
  if (req.tools) req.tools = cleanTools(req.tools);
  if (req.tools?.length) {
    const tc = { ...(req.toolConfig ?? {}) } as Record<string, unknown>;
    tc.functionCallingConfig ??= { mode: "VALIDATED" };
    req.toolConfig = tc;
  }
  return req;
}

const SEARCH_NAMES = new Set(["web_search", "google_search"]);

/** Function declarations get Gemini-clean schemas; search pseudo-functions are dropped (spec §7.3). */
function cleanTools(tools: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const tool of tools) {
    const decls = tool.functionDeclarations ?? tool.function_declarations;
    if (!Array.isArray(decls)) {
      out.push(tool);
      continue;
    }
    const cleaned = decls
      .filter((d: { name?: string }) => !SEARCH_NAMES.has(d.name ?? ""))
      .map((d: Record<string, unknown>) => {
        const { parametersJsonSchema, parameters, ...rest } = d;
        const schema = parameters ?? parametersJsonSchema;
        return schema === undefined ? rest : { ...rest, parameters: cleanSchema(schema) };
      });
    const { function_declarations: _, ...others } = tool;
    if (cleaned.length) out.push({ ...others, functionDeclarations: cleaned });
    else if (Object.keys(others).some((k) => k !== "functionDeclarations")) {
      const { functionDeclarations: __, ...rest } = others;
      out.push(rest);
    }
  }
  return out;
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
