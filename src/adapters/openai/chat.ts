/**
 * OpenAI Chat Completions ⇄ Gemini (spec §2). Request: messages, tools, tool_choice,
 * response_format, sampling, reasoning_effort, n. Response: choices per candidate, tool calls with
 * stable ids, reasoning_content, usage. Stream: chat.completion.chunk events as upstream chunks arrive.
 */
import { z } from "zod";
import { ProxyError } from "../../errors.js";
import { withIdentity } from "../gemini/envelope.js";
import { cleanSchema, upperCaseTypes } from "../gemini/schema.js";
import { type Effort, thinkingFor } from "../gemini/thinking.js";
import type { GeminiContent, GeminiPart, GeminiRequest, GeminiResponse } from "../gemini/types.js";
import { sessionKeyFromText } from "../session.js";
import { type Dropped, UNKNOWN, noteUnknownKeys, textOfUnknown, tolerantUnion } from "../tolerant.js";
import { type SignatureStore, signatureFor } from "../signatures.js";
import {
  SAFETY_OFF,
  type ChatFinish,
  type ChatUsage,
  callId,
  chatUsage,
  finishReason,
  imagePart,
} from "./common.js";

const TextPart = z.object({ type: z.enum(["text", "input_text"]), text: z.string() });
const ImagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().optional() })]),
});
const AudioPart = z.object({
  type: z.literal("input_audio"),
  input_audio: z.object({ data: z.string(), format: z.string() }),
});
const FilePart = z.object({
  type: z.literal("file"),
  file: z.object({ file_data: z.string().optional(), filename: z.string().optional() }),
});
const ContentPart = tolerantUnion("type", {
  text: TextPart,
  input_text: TextPart,
  image_url: ImagePart,
  input_audio: AudioPart,
  file: FilePart,
});
const Content = z.union([z.string(), z.array(ContentPart), z.null()]);

const ToolCall = z.object({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string().default("{}") }),
});

const SystemMessage = z.object({
  role: z.enum(["system", "developer"]),
  content: Content,
  name: z.string().optional(),
});
const Message = tolerantUnion("role", {
  system: SystemMessage,
  developer: SystemMessage,
  user: z.object({ role: z.literal("user"), content: Content, name: z.string().optional() }),
  assistant: z.object({
    role: z.literal("assistant"),
    content: Content.optional(),
    tool_calls: z.array(ToolCall).nullish(),
    reasoning_content: z.string().nullish(),
    name: z.string().optional(),
  }),
  tool: z.object({ role: z.literal("tool"), content: Content, tool_call_id: z.string() }),
  function: z.object({ role: z.literal("function"), content: Content, name: z.string() }),
});

const FunctionTool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z
      .string()
      .regex(
        /^[A-Za-z_][\w.:-]{0,127}$/,
        "tool names must start with a letter or _ and use letters, digits, _ . : -",
      ),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});
// Tool types other than functions (custom, web_search, …) have no upstream declaration: dropped, counted.
const Tool = tolerantUnion("type", { function: FunctionTool });

export const ChatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(Message).min(1, "messages must contain at least one message"),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    n: z.number().int().min(1).max(8).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
    seed: z.number().int().nullish(),
    presence_penalty: z.number().nullish(),
    frequency_penalty: z.number().nullish(),
    reasoning_effort: z.string().nullish(),
    tools: z.array(Tool).min(1, "tools must not be empty (omit it instead)").nullish(),
    tool_choice: z
      .union([
        z.string(),
        z.looseObject({ type: z.string(), function: z.object({ name: z.string() }).optional() }),
      ])
      .nullish(),
    response_format: tolerantUnion("type", {
      text: z.object({ type: z.literal("text") }),
      json_object: z.object({ type: z.literal("json_object") }),
      json_schema: z.object({
        type: z.literal("json_schema"),
        json_schema: z.looseObject({
          name: z.string().optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullish(),
        }),
      }),
    }).nullish(),
  })
  .passthrough();

export type ChatRequest = z.infer<typeof ChatRequestSchema>;
type Msg = z.infer<typeof Message>;

function textOf(content: z.infer<typeof Content> | undefined): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((p) =>
      p.type === "text" || p.type === "input_text"
        ? p.text
        : p.type === UNKNOWN
          ? (textOfUnknown(p) ?? "")
          : "",
    )
    .filter(Boolean)
    .join("\n");
}

function contentParts(
  content: z.infer<typeof Content> | undefined,
  where: string,
  dropped: Dropped,
): GeminiPart[] {
  if (content == null) return [];
  if (typeof content === "string") return content ? [{ text: content }] : [];
  return content.flatMap((p, i): GeminiPart[] => {
    const at = `${where}.content[${i}]`;
    switch (p.type) {
      case "text":
      case "input_text":
        return p.text ? [{ text: p.text }] : [];
      case "image_url":
        return [
          imagePart(typeof p.image_url === "string" ? p.image_url : p.image_url.url, `${at}.image_url`),
        ];
      case "input_audio":
        return [{ inlineData: { mimeType: `audio/${p.input_audio.format}`, data: p.input_audio.data } }];
      case "file":
        return p.file.file_data ? [imagePart(p.file.file_data, `${at}.file.file_data`)] : [];
      case UNKNOWN: {
        // A part type newer than this reader (refusal, input_video, …): its text if it has one.
        dropped.add(`part:${p.name}`);
        const text = textOfUnknown(p);
        return text ? [{ text }] : [];
      }
    }
  });
}

function parseArgs(args: string): Record<string, unknown> {
  try {
    const v = JSON.parse(args || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? v : { value: v };
  } catch {
    return {};
  }
}

/** Consecutive contents of the same role become one (the upstream wants alternating turns). */
export function mergeSameRole(contents: GeminiContent[]): GeminiContent[] {
  const out: GeminiContent[] = [];
  for (const c of contents) {
    if (c.parts.length === 0) continue;
    const prev = out[out.length - 1];
    if (prev && prev.role === c.role) prev.parts = [...prev.parts, ...c.parts];
    else out.push({ role: c.role, parts: [...c.parts] });
  }
  return out;
}

export interface ChatConversion {
  request: GeminiRequest;
  sessionKey: string | undefined;
}

/** Builds the inner Gemini request for a chat request, for the upstream model `model`. */
export function chatToGemini(
  req: ChatRequest,
  model: string,
  signatures: SignatureStore,
  dropped: Dropped = new Set(),
): ChatConversion {
  noteUnknownKeys(req, ChatRequestSchema.shape, "field", dropped);
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  req.messages.forEach((m: Msg, i) => {
    const where = `messages[${i}]`;
    switch (m.role) {
      case "system":
      case "developer": {
        const t = textOf(m.content);
        if (t.trim()) system.push(t);
        return;
      }
      case "user":
        contents.push({ role: "user", parts: contentParts(m.content, where, dropped) });
        return;
      case "assistant": {
        const parts = contentParts(m.content ?? null, where, dropped);
        for (const tc of m.tool_calls ?? []) {
          callNames.set(tc.id, tc.function.name);
          const sig = signatureFor(signatures, tc.id, model);
          parts.push({
            functionCall: { name: tc.function.name, args: parseArgs(tc.function.arguments), id: tc.id },
            ...(sig ? { thoughtSignature: sig } : {}),
          });
        }
        contents.push({ role: "model", parts });
        return;
      }
      case "tool":
      case "function": {
        const id = m.role === "tool" ? m.tool_call_id : undefined;
        const name = (id && callNames.get(id)) ?? (m.role === "function" ? m.name : undefined) ?? "unknown";
        const parts: GeminiPart[] = [
          { functionResponse: { name, response: { result: textOf(m.content) }, ...(id ? { id } : {}) } },
        ];
        // Images a tool returns travel after its result.
        if (Array.isArray(m.content))
          parts.push(
            ...contentParts(
              m.content.filter((p) => p.type !== "text"),
              where,
              dropped,
            ),
          );
        contents.push({ role: "user", parts });
        return;
      }
      case UNKNOWN: {
        // A role newer than this reader: its content is read as the user's, and counted.
        dropped.add(`role:${m.name}`);
        const text = typeof m.value.content === "string" ? m.value.content : textOf(m.value.content as never);
        if (text.trim()) contents.push({ role: "user", parts: [{ text }] });
        return;
      }
    }
  });
  const merged = mergeSameRole(contents);
  if (merged.length === 0)
    throw new ProxyError(
      400,
      "invalid_request",
      "messages: at least one user or assistant message with content is required",
    );
  if (merged[0]!.role === "model") merged.unshift({ role: "user", parts: [{ text: "(continue)" }] });

  const request: GeminiRequest = { contents: merged, safetySettings: SAFETY_OFF };
  if (!model.includes("-image"))
    request.systemInstruction = withIdentity(
      system.length ? { role: "user", parts: [{ text: system.join("\n\n") }] } : undefined,
    );

  const tools = (req.tools ?? []).flatMap((t) => {
    if (t.type === UNKNOWN) {
      dropped.add(`tool:${t.name}`);
      return [];
    }
    return [t];
  });
  if (tools.length && !model.includes("-image")) {
    request.tools = [
      {
        functionDeclarations: tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          parameters: upperCaseTypes(
            cleanSchema(t.function.parameters ?? { type: "object", properties: {} }),
          ),
        })),
      },
    ];
    const choice = req.tool_choice;
    const named = choice && typeof choice === "object" ? choice.function?.name : undefined;
    const mode =
      choice === "none"
        ? "NONE"
        : choice === "auto"
          ? "AUTO"
          : choice === "required" || named
            ? "ANY"
            : "VALIDATED";
    if (choice != null && !["none", "auto", "required"].includes(String(choice)) && !named)
      dropped.add(`tool_choice:${typeof choice === "object" ? choice.type : choice}`);
    request.toolConfig = {
      functionCallingConfig: { mode, ...(named ? { allowedFunctionNames: [named] } : {}) },
    };
  }

  const gen: Record<string, unknown> = {};
  if (req.temperature != null) gen.temperature = req.temperature;
  if (req.top_p != null) gen.topP = req.top_p;
  if (req.seed != null) gen.seed = req.seed;
  if (req.n != null && req.n > 1) gen.candidateCount = req.n;
  if (req.presence_penalty != null) gen.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty != null) gen.frequencyPenalty = req.frequency_penalty;
  if (req.stop != null) gen.stopSequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  const rf = req.response_format;
  if (rf?.type === "json_object") gen.responseMimeType = "application/json";
  if (rf?.type === "json_schema") {
    gen.responseMimeType = "application/json";
    if (rf.json_schema.schema) gen.responseSchema = cleanSchema(rf.json_schema.schema);
  }
  if (rf?.type === UNKNOWN) dropped.add(`response_format:${rf.name}`);
  const effort = effortOf(req.reasoning_effort);
  if (req.reasoning_effort != null && !effort) dropped.add(`reasoning_effort:${req.reasoning_effort}`);
  const thinking = thinkingFor(model, {
    effort,
    maxTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined,
  });
  if (thinking.thinkingConfig) gen.thinkingConfig = thinking.thinkingConfig;
  if (thinking.maxOutputTokens) gen.maxOutputTokens = thinking.maxOutputTokens;
  if (Object.keys(gen).length) request.generationConfig = gen;

  const firstUser = req.messages.find((m) => m.role === "user");
  return { request, sessionKey: sessionKeyFromText(firstUser ? textOf(firstUser.content) : undefined) };
}

const EFFORTS = new Set<string>(["none", "minimal", "low", "medium", "high", "xhigh"]);

/** A reasoning effort the thinking table knows (`max` reads as the highest), else undefined. */
export function effortOf(v: string | null | undefined): Effort | undefined {
  if (v === "max") return "xhigh";
  return v && EFFORTS.has(v) ? (v as Effort) : undefined;
}

/** What one candidate's parts say, in OpenAI's terms. */
interface Choice {
  content: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: string | undefined;
}

export interface ResponseContext {
  id: string;
  created: number;
  /** The model name the client asked for. */
  model: string;
  signatures: SignatureStore;
  newId: () => string;
}

function partText(p: GeminiPart): string {
  if (typeof p.text === "string") return p.text;
  if (p.inlineData) return `![image](data:${p.inlineData.mimeType};base64,${p.inlineData.data})`;
  return "";
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      reasoning_content?: string;
      tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
      refusal: null;
    };
    finish_reason: ChatFinish;
    logprobs: null;
  }[];
  usage?: ChatUsage;
}

/** The collected upstream stream as one chat.completion, one choice per candidate. */
export function chatFromGemini(chunks: GeminiResponse[], ctx: ResponseContext): ChatCompletion {
  const choices = new Map<number, Choice>();
  let usage: GeminiResponse["usageMetadata"];
  for (const c of chunks) {
    if (c.usageMetadata) usage = c.usageMetadata;
    for (const [pos, cand] of (c.candidates ?? []).entries()) {
      const idx = cand.index ?? pos;
      const ch = choices.get(idx) ?? { content: "", reasoning: "", toolCalls: [], finish: undefined };
      choices.set(idx, ch);
      for (const p of cand.content?.parts ?? []) {
        if (p.functionCall) {
          const id = callId(p.functionCall.id, ctx.newId);
          ctx.signatures.remember(id, p.thoughtSignature);
          ch.toolCalls.push({
            id,
            name: p.functionCall.name,
            arguments: JSON.stringify(p.functionCall.args ?? {}),
          });
        } else if (p.thought) ch.reasoning += p.text ?? "";
        else ch.content += partText(p);
      }
      if (cand.finishReason) ch.finish = cand.finishReason;
    }
  }
  if (choices.size === 0) choices.set(0, { content: "", reasoning: "", toolCalls: [], finish: undefined });
  return {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: ctx.model,
    choices: [...choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, ch]) => ({
        index,
        message: {
          role: "assistant",
          content: ch.content || (ch.toolCalls.length ? null : ""),
          ...(ch.reasoning ? { reasoning_content: ch.reasoning } : {}),
          ...(ch.toolCalls.length
            ? {
                tool_calls: ch.toolCalls.map((t) => ({
                  id: t.id,
                  type: "function" as const,
                  function: { name: t.name, arguments: t.arguments },
                })),
              }
            : {}),
          refusal: null,
        },
        finish_reason: finishReason(ch.finish, ch.toolCalls.length > 0),
        logprobs: null,
      })),
    ...(usage ? { usage: chatUsage(usage) } : {}),
  };
}

const sse = (obj: unknown) => `data: ${JSON.stringify(obj)}\n\n`;

/**
 * chat.completion.chunk events as upstream chunks arrive: the role first, then reasoning, content
 * and complete tool calls (ids fixed when first seen), a finish chunk per choice, the usage chunk
 * when asked for, then [DONE]. A failure after the start becomes an error event, then [DONE].
 */
export async function* chatStream(
  chunks: AsyncIterable<GeminiResponse>,
  ctx: ResponseContext & { includeUsage: boolean },
): AsyncGenerator<string> {
  const base = { id: ctx.id, object: "chat.completion.chunk", created: ctx.created, model: ctx.model };
  const started = new Set<number>();
  const toolCount = new Map<number, number>();
  const finish = new Map<number, string | undefined>();
  let usage: GeminiResponse["usageMetadata"];
  try {
    for await (const c of chunks) {
      if (c.usageMetadata) usage = c.usageMetadata;
      for (const [pos, cand] of (c.candidates ?? []).entries()) {
        const index = cand.index ?? pos;
        if (!started.has(index)) {
          started.add(index);
          yield sse({
            ...base,
            choices: [
              { index, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null },
            ],
          });
        }
        let content = "";
        let reasoning = "";
        const calls: unknown[] = [];
        for (const p of cand.content?.parts ?? []) {
          if (p.functionCall) {
            const id = callId(p.functionCall.id, ctx.newId);
            ctx.signatures.remember(id, p.thoughtSignature);
            const k = toolCount.get(index) ?? 0;
            toolCount.set(index, k + 1);
            calls.push({
              index: k,
              id,
              type: "function",
              function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
            });
          } else if (p.thought) reasoning += p.text ?? "";
          else content += partText(p);
        }
        if (reasoning)
          yield sse({
            ...base,
            choices: [
              { index, delta: { reasoning_content: reasoning }, finish_reason: null, logprobs: null },
            ],
          });
        if (content)
          yield sse({
            ...base,
            choices: [{ index, delta: { content }, finish_reason: null, logprobs: null }],
          });
        if (calls.length)
          yield sse({
            ...base,
            choices: [{ index, delta: { tool_calls: calls }, finish_reason: null, logprobs: null }],
          });
        if (cand.finishReason) finish.set(index, cand.finishReason);
      }
    }
  } catch (err) {
    yield sse({
      error: {
        message: `Upstream stream failed: ${(err as Error).message}`,
        type: "upstream_error",
        code: "stream_error",
      },
    });
    yield "data: [DONE]\n\n";
    return;
  }
  if (started.size === 0) {
    started.add(0);
    yield sse({
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }],
    });
  }
  for (const index of [...started].sort()) {
    yield sse({
      ...base,
      choices: [
        {
          index,
          delta: {},
          finish_reason: finishReason(finish.get(index), (toolCount.get(index) ?? 0) > 0),
          logprobs: null,
        },
      ],
    });
  }
  if (ctx.includeUsage)
    yield sse({
      ...base,
      choices: [],
      usage: chatUsage(usage) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  yield "data: [DONE]\n\n";
}
