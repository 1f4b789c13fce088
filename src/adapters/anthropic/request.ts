/**
 * Anthropic Messages → Gemini (spec §4). System blocks, text, images, documents, tool use and
 * results, thinking with signatures, tools and tool_choice, stop sequences and thinking budgets.
 * History the upstream would reject is repaired deterministically: unknown signatures are dropped,
 * unanswered tool calls get an "interrupted" result, same-role turns are merged.
 */
import { z } from "zod";
import { ProxyError } from "../../errors.js";
import { IDENTITY } from "../gemini/envelope.js";
import { cleanSchema } from "../gemini/schema.js";
import { type Effort, thinkingFor } from "../gemini/thinking.js";
import type { GeminiContent, GeminiPart, GeminiRequest } from "../gemini/types.js";
import { SAFETY_OFF, imagePart } from "../openai/common.js";
import { mergeSameRole } from "../openai/chat.js";
import { fingerprint, sessionKeyFromText } from "../session.js";
import type { SignatureStore } from "../signatures.js";
import { signatureFor } from "../signatures.js";

const CacheControl = z.object({ type: z.string() }).passthrough().optional();
const Base64Source = z.object({ type: z.literal("base64"), media_type: z.string().min(1), data: z.string() });
const UrlSource = z.object({ type: z.literal("url"), url: z.string().url() });
const TextSource = z.object({ type: z.literal("text"), media_type: z.string().optional(), data: z.string() });

const TextBlock = z.object({
  type: z.literal("text"),
  text: z.string(),
  cache_control: CacheControl,
  citations: z.unknown().optional(),
});
const ImageBlock = z.object({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [Base64Source, UrlSource]),
  cache_control: CacheControl,
});
const DocumentBlock = z.object({
  type: z.literal("document"),
  source: z.discriminatedUnion("type", [Base64Source, UrlSource, TextSource]),
  title: z.string().nullish(),
  cache_control: CacheControl,
});
const ToolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
  cache_control: CacheControl,
});
const ToolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion("type", [TextBlock, ImageBlock, DocumentBlock]))])
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl,
});
const ThinkingBlock = z.object({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string().optional(),
  cache_control: CacheControl,
});
const RedactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string() });
const ServerToolBlock = z
  .object({ type: z.enum(["server_tool_use", "web_search_tool_result"]) })
  .passthrough();

const Block = z.discriminatedUnion("type", [
  TextBlock,
  ImageBlock,
  DocumentBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
  ServerToolBlock,
]);
type BlockT = z.infer<typeof Block>;

const ClientTool = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: CacheControl,
  type: z.literal("custom").optional(),
});
const ServerTool = z
  .object({
    type: z.string().regex(/^web_search|^web_fetch|^bash_|^text_editor_|^code_execution/),
    name: z.string(),
  })
  .passthrough();

export const MessagesRequestSchema = z
  .object({
    model: z.string().min(1),
    max_tokens: z.number().int().positive(),
    messages: z
      .array(
        z.object({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(Block)]) }),
      )
      .min(1, "messages must contain at least one message"),
    system: z.union([z.string(), z.array(TextBlock)]).optional(),
    tools: z.array(z.union([ClientTool, ServerTool])).optional(),
    tool_choice: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
        z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
        z.object({
          type: z.literal("tool"),
          name: z.string(),
          disable_parallel_tool_use: z.boolean().optional(),
        }),
        z.object({ type: z.literal("none") }),
      ])
      .optional(),
    thinking: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("enabled"), budget_tokens: z.number().int().min(0) }),
        z.object({ type: z.literal("disabled") }),
        z.object({ type: z.literal("adaptive") }).passthrough(),
      ])
      .optional(),
    output_config: z
      .object({ effort: z.enum(["low", "medium", "high", "max"]).optional() })
      .passthrough()
      .optional(),
    stop_sequences: z.array(z.string()).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().positive().optional(),
    metadata: z.object({ user_id: z.string().nullish() }).passthrough().optional(),
    stream: z.boolean().optional(),
  })
  .passthrough();

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>;

const SDK_IDENTITY = "You are a Claude agent, built on Anthropic's Claude Agent SDK.";
const INTERRUPTED = "Tool execution interrupted. No result provided.";

const blocksOf = (content: string | BlockT[]): BlockT[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : content;

function textOfBlocks(content: string | BlockT[] | undefined): string {
  if (content === undefined) return "";
  return blocksOf(content)
    .map((b) => (b.type === "text" ? b.text : ""))
    .join("\n");
}

/** Checks what the upstream cannot repair: tool results must answer a tool use of the turn before. */
export function checkHistory(req: MessagesRequest): void {
  req.messages.forEach((m, i) => {
    if (m.role !== "user" || typeof m.content === "string") return;
    const prev = req.messages[i - 1];
    const asked = new Set(
      prev?.role === "assistant" && typeof prev.content !== "string"
        ? prev.content.filter((b) => b.type === "tool_use").map((b) => (b as { id: string }).id)
        : [],
    );
    m.content.forEach((b, j) => {
      if (b.type === "tool_result" && !asked.has(b.tool_use_id)) {
        throw new ProxyError(
          400,
          "invalid_request",
          `messages.${i}.content.${j}: tool_result for tool_use_id "${b.tool_use_id}" has no matching tool_use in the previous assistant message`,
        );
      }
    });
  });
}

export interface AnthropicConversion {
  request: GeminiRequest;
  sessionKey: string | undefined;
  thinking: boolean;
}

function familyOf(model: string): string {
  return model.startsWith("claude") ? "claude" : "gemini";
}

/** Builds the inner Gemini request for the upstream model `model`. */
export function messagesToGemini(
  req: MessagesRequest,
  model: string,
  signatures: SignatureStore,
): AnthropicConversion {
  checkHistory(req);
  const family = familyOf(model);
  const toolNames = new Map<string, string>();
  for (const m of req.messages)
    for (const b of blocksOf(m.content)) if (b.type === "tool_use") toolNames.set(b.id, b.name);

  // Thinking: on when asked (or for -thinking models by default), off when Claude would need
  // signatures we cannot supply for replayed tool calls (spec §4.5-4).
  let thinkingOn = req.thinking ? req.thinking.type !== "disabled" : model.endsWith("-thinking");
  const toolUses = req.messages.flatMap((m) => blocksOf(m.content).filter((b) => b.type === "tool_use"));
  if (
    thinkingOn &&
    family === "claude" &&
    toolUses.some((b) => !signatures.forCall((b as { id: string }).id))
  )
    thinkingOn = false;

  const contents: GeminiContent[] = [];
  req.messages.forEach((m, i) => {
    const role = m.role === "assistant" ? "model" : "user";
    const thoughts: GeminiPart[] = [];
    const texts: GeminiPart[] = [];
    const calls: GeminiPart[] = [];
    const others: GeminiPart[] = [];
    // User turns keep the client's order (an image before its question); model turns are reordered below.
    const inOrder: GeminiPart[] = [];
    const put = (list: GeminiPart[], p: GeminiPart) => {
      list.push(p);
      inOrder.push(p);
    };
    blocksOf(m.content).forEach((b, j) => {
      const where = `messages.${i}.content.${j}`;
      switch (b.type) {
        case "text":
          if (b.text.trim() && b.text !== "(no content)") put(texts, { text: b.text });
          return;
        case "image":
        case "document": {
          if (b.source.type === "text") put(texts, { text: b.source.data });
          else
            put(
              others,
              imagePart(
                b.source.type === "base64"
                  ? `data:${b.source.media_type};base64,${b.source.data}`
                  : b.source.url,
                `${where}.source`,
              ),
            );
          return;
        }
        case "thinking": {
          const known = b.signature ? signatures.familyOf(b.signature) : undefined;
          if (thinkingOn && b.signature && known === family)
            put(thoughts, { text: b.thinking, thought: true, thoughtSignature: b.signature });
          else if (!b.signature && b.thinking.trim()) put(texts, { text: b.thinking });
          // A signature we did not issue, or issued for another family, would be rejected: dropped.
          return;
        }
        case "redacted_thinking":
          put(texts, { text: `[Redacted Thinking: ${b.data}]` });
          return;
        case "tool_use": {
          const sig = signatureFor(signatures, b.id, model);
          const args =
            b.input && typeof b.input === "object" && !Array.isArray(b.input)
              ? (b.input as Record<string, unknown>)
              : {};
          put(calls, {
            functionCall: { name: b.name, args, id: b.id },
            ...(sig && (thinkingOn || family === "gemini") ? { thoughtSignature: sig } : {}),
          });
          return;
        }
        case "tool_result": {
          let result = typeof b.content === "string" ? b.content : textOfBlocks(b.content);
          if (!result.trim())
            result = b.is_error ? "Tool execution failed with no output." : "Command executed successfully.";
          put(others, {
            functionResponse: {
              name: toolNames.get(b.tool_use_id) ?? b.tool_use_id,
              response: { result },
              id: b.tool_use_id,
            },
          });
          if (Array.isArray(b.content)) {
            b.content.forEach((c, k) => {
              if (c.type === "image" || c.type === "document") {
                if (c.source.type !== "text")
                  put(
                    others,
                    imagePart(
                      c.source.type === "base64"
                        ? `data:${c.source.media_type};base64,${c.source.data}`
                        : c.source.url,
                      `${where}.content.${k}.source`,
                    ),
                  );
              }
            });
          }
          return;
        }
        default:
          return; // server tool blocks: results the upstream produced itself
      }
    });
    // Function responses first in a user turn, calls last in a model turn: the order Gemini expects.
    const parts =
      role === "model"
        ? [...thoughts, ...texts, ...others, ...calls]
        : [...inOrder.filter((p) => p.functionResponse), ...inOrder.filter((p) => !p.functionResponse)];
    contents.push({ role, parts });
  });

  // Unanswered tool calls get a result, so the history stays valid (spec §4.3 tool-chain repair).
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i]!;
    if (c.role !== "model") continue;
    const ids = c.parts.filter((p) => p.functionCall?.id).map((p) => p.functionCall!);
    if (!ids.length) continue;
    const next = contents[i + 1];
    const answered = new Set(
      next?.role === "user" ? next.parts.map((p) => p.functionResponse?.id).filter(Boolean) : [],
    );
    const missing = ids
      .filter((f) => !answered.has(f.id))
      .map((f): GeminiPart => ({
        functionResponse: { name: f.name, response: { result: INTERRUPTED }, id: f.id },
      }));
    if (!missing.length) continue;
    if (next?.role === "user") next.parts.unshift(...missing);
    else contents.splice(i + 1, 0, { role: "user", parts: missing });
  }

  const merged = mergeSameRole(contents);
  if (!merged.length) throw new ProxyError(400, "invalid_request", "messages: no message has any content");
  if (merged[0]!.role !== "user") merged.unshift({ role: "user", parts: [{ text: "(continue)" }] });

  const systemTexts = typeof req.system === "string" ? [req.system] : (req.system ?? []).map((b) => b.text);
  const sys = systemTexts
    .filter((t) => t.trim())
    .map((t) =>
      t.trim() === SDK_IDENTITY ? "You are Claude Code, Anthropic's official CLI for Claude." : t,
    );
  const request: GeminiRequest = { contents: merged, safetySettings: SAFETY_OFF };
  if (!model.includes("-image")) {
    const own = sys.some((t) => t.includes("You are Antigravity"));
    request.systemInstruction = {
      role: "user",
      parts: [...(own ? [] : [{ text: IDENTITY }]), ...sys.map((text) => ({ text }))],
    };
  }

  const clientTools = (req.tools ?? []).filter((t): t is z.infer<typeof ClientTool> => "input_schema" in t);
  const search = (req.tools ?? []).some(
    (t) => !("input_schema" in t) && /^web_search/.test((t as { type: string }).type),
  );
  if (clientTools.length) {
    request.tools = [
      {
        functionDeclarations: clientTools.map((t) => ({
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          parameters: cleanSchema(t.input_schema),
        })),
      },
    ];
    const tc = req.tool_choice;
    const mode =
      tc?.type === "none"
        ? "NONE"
        : tc?.type === "any" || tc?.type === "tool"
          ? "ANY"
          : tc?.type === "auto"
            ? "AUTO"
            : "VALIDATED";
    request.toolConfig = {
      functionCallingConfig: { mode, ...(tc?.type === "tool" ? { allowedFunctionNames: [tc.name] } : {}) },
    };
  } else if (search) {
    request.tools = [{ googleSearch: {} }];
  }

  const gen: Record<string, unknown> = {};
  if (req.temperature !== undefined) gen.temperature = req.temperature;
  if (req.top_p !== undefined) gen.topP = req.top_p;
  if (req.top_k !== undefined) gen.topK = req.top_k;
  // stop_sequences are applied to the answer as it streams (response.ts), so stop_reason can say
  // which one matched; Gemini would stop silently and hide it.
  const effort: Effort | undefined =
    req.output_config?.effort === "max" ? "xhigh" : (req.output_config?.effort as Effort | undefined);
  const t = thinkingFor(model, {
    enabled: thinkingOn,
    budget: req.thinking?.type === "enabled" ? req.thinking.budget_tokens : undefined,
    effort: req.thinking?.type === "adaptive" ? (effort ?? "high") : undefined,
    maxTokens: req.max_tokens,
  });
  if (t.thinkingConfig && thinkingOn) gen.thinkingConfig = t.thinkingConfig;
  if (t.maxOutputTokens) gen.maxOutputTokens = t.maxOutputTokens;
  request.generationConfig = gen;

  const userId = req.metadata?.user_id?.trim();
  const firstUser = req.messages.find((m) => m.role === "user");
  const sessionKey = userId
    ? `uid-${fingerprint(userId)}`
    : sessionKeyFromText(firstUser ? textOfBlocks(firstUser.content) : undefined);
  return { request, sessionKey, thinking: thinkingOn && !!gen.thinkingConfig };
}

/** Claude Code's warm-up probe: answered locally, no quota spent (spec §4.7). */
export function isWarmup(req: MessagesRequest): boolean {
  const last = req.messages[req.messages.length - 1];
  if (!last || last.role !== "user") return false;
  const text = textOfBlocks(last.content).trim();
  return text === "Warmup" || (text.startsWith("Warmup") && text.length < 100 && req.messages.length === 1);
}

const BACKGROUND = [
  /write a \d+-\d+ word title/i,
  /conversation title/i,
  /summarize (this|the) (coding )?conversation/i,
  /in under \d+ characters/i,
  /generate a (short|concise) title/i,
];

/** Titles and summaries Claude Code asks for on the side: a cheap model does them (spec §4.8). */
export function isBackgroundTask(req: MessagesRequest): boolean {
  const texts = [...(typeof req.system === "string" ? [req.system] : (req.system ?? []).map((b) => b.text))];
  const last = req.messages[req.messages.length - 1];
  if (last?.role === "user") texts.push(textOfBlocks(last.content));
  return texts.some((t) => BACKGROUND.some((re) => re.test(t.slice(0, 2000))));
}

/** A rough token count for when the upstream cannot count (chars/4 with per-message overhead). */
export function estimateTokens(req: Pick<MessagesRequest, "messages" | "system" | "tools">): number {
  const text = JSON.stringify([req.system ?? "", req.messages, req.tools ?? []]);
  return Math.max(1, Math.ceil(text.length / 4) + req.messages.length * 4);
}
