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
import { type Dropped, UNKNOWN, noteUnknownKeys, textOfUnknown, tolerantUnion } from "../tolerant.js";

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
const ServerToolBlock = z.looseObject({ type: z.enum(["server_tool_use", "web_search_tool_result"]) });

const Block = tolerantUnion("type", {
  text: TextBlock,
  image: ImageBlock,
  document: DocumentBlock,
  tool_use: ToolUseBlock,
  tool_result: ToolResultBlock,
  thinking: ThinkingBlock,
  redacted_thinking: RedactedThinkingBlock,
  server_tool_use: ServerToolBlock,
  web_search_tool_result: ServerToolBlock,
});
type BlockT = z.infer<typeof Block>;

const ClientTool = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: CacheControl,
  type: z.string().optional(),
});
/** Client tools have an input schema; any other tool is a server tool (only web search maps upstream). */
const Tool = z.union([ClientTool, z.looseObject({ type: z.string(), name: z.string().optional() })]);

/** `enabled` with a budget, `disabled`, `adaptive`, and whatever comes next (read as adaptive). */
const Thinking = z.looseObject({ type: z.string(), budget_tokens: z.number().int().min(0).optional() });

export const MessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  messages: z
    .array(
      // Roles beyond user/assistant (Claude Code's mid-conversation `system`) are mapped by rule.
      z.looseObject({ role: z.string().min(1), content: z.union([z.string(), z.array(Block)]) }),
    )
    .min(1, "messages must contain at least one message"),
  system: z.union([z.string(), z.array(Block)]).optional(),
  tools: z.array(Tool).optional(),
  tool_choice: z
    .looseObject({
      type: z.string(),
      name: z.string().optional(),
      disable_parallel_tool_use: z.boolean().optional(),
    })
    .optional(),
  thinking: Thinking.optional(),
  output_config: z
    .looseObject({
      effort: z.string().optional(),
      format: z
        .looseObject({ type: z.string(), schema: z.record(z.string(), z.unknown()).optional() })
        .nullish(),
    })
    .optional(),
  context_management: z
    .looseObject({ edits: z.array(z.looseObject({ type: z.string() })).optional() })
    .nullish(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  stream: z.boolean().optional(),
});

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>;

const SDK_IDENTITY = "You are a Claude agent, built on Anthropic's Claude Agent SDK.";
const INTERRUPTED = "Tool execution interrupted. No result provided.";

const blocksOf = (content: string | BlockT[]): BlockT[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : content;

function textOfBlocks(content: string | BlockT[] | undefined): string {
  if (content === undefined) return "";
  return blocksOf(content)
    .map((b) => (b.type === "text" ? b.text : b.type === UNKNOWN ? (textOfUnknown(b) ?? "") : ""))
    .join("\n");
}

/** The texts of the system prompt; blocks other than text keep their text if they have one. */
function systemTexts(system: MessagesRequest["system"], dropped?: Dropped): string[] {
  if (typeof system === "string") return [system];
  return (system ?? []).flatMap((b) => {
    if (b.type === "text") return [b.text];
    dropped?.add(`system_block:${b.type === UNKNOWN ? b.name : b.type}`);
    const text = b.type === UNKNOWN ? textOfUnknown(b) : undefined;
    return text ? [text] : [];
  });
}

/** Checks what the upstream cannot repair: tool results must answer a tool use of the turn before. */
export function checkHistory(messages: MessagesRequest["messages"]): void {
  messages.forEach((m, i) => {
    if (m.role !== "user" || typeof m.content === "string") return;
    const prev = messages[i - 1];
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

type Message = MessagesRequest["messages"][number];

function familyOf(model: string): string {
  return model.startsWith("claude") ? "claude" : "gemini";
}

const EFFORTS: Record<string, Effort> = {
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "xhigh",
  max: "xhigh",
};
const CLEARED = "[Tool result cleared to save context]";

/**
 * `context_management` edits, applied to the history before conversion: `clear_thinking_*` drops
 * thinking from older assistant turns, `clear_tool_uses_*` clears old tool results once the input
 * passes its trigger. Edit types the upstream has no meaning for are counted, not applied.
 */
function applyContextEdits(req: MessagesRequest, dropped: Dropped): Message[] {
  let messages = req.messages;
  for (const edit of req.context_management?.edits ?? []) {
    if (edit.type.startsWith("clear_thinking")) {
      const keep = edit.keep as { type?: string; value?: number } | "all" | undefined;
      if (keep === "all") continue;
      const n = typeof keep === "object" && typeof keep.value === "number" ? keep.value : 1;
      const withThinking = messages
        .map((m, i) =>
          m.role === "assistant" && Array.isArray(m.content) && m.content.some(isThinking) ? i : -1,
        )
        .filter((i) => i >= 0);
      const clear = new Set(withThinking.slice(0, Math.max(0, withThinking.length - n)));
      if (clear.size)
        messages = messages.map((m, i) =>
          clear.has(i) && Array.isArray(m.content)
            ? { ...m, content: m.content.filter((b) => !isThinking(b)) }
            : m,
        );
    } else if (edit.type.startsWith("clear_tool_uses")) {
      const trigger = (edit.trigger as { value?: number } | undefined)?.value ?? 100_000;
      if (estimateTokens({ ...req, messages }) <= trigger) continue;
      const keep = (edit.keep as { value?: number } | undefined)?.value ?? 3;
      const exclude = new Set(Array.isArray(edit.exclude_tools) ? (edit.exclude_tools as string[]) : []);
      const names = new Map<string, string>();
      for (const m of messages)
        for (const b of blocksOf(m.content)) if (b.type === "tool_use") names.set(b.id, b.name);
      const results = messages.flatMap((m) =>
        blocksOf(m.content).flatMap((b) => (b.type === "tool_result" ? [b.tool_use_id] : [])),
      );
      const clear = new Set(
        results
          .slice(0, Math.max(0, results.length - keep))
          .filter((id) => !exclude.has(names.get(id) ?? "")),
      );
      if (clear.size)
        messages = messages.map((m) =>
          Array.isArray(m.content)
            ? {
                ...m,
                content: m.content.map((b) =>
                  b.type === "tool_result" && clear.has(b.tool_use_id) ? { ...b, content: CLEARED } : b,
                ),
              }
            : m,
        );
    } else dropped.add(`context_management:${edit.type}`);
  }
  return messages;
}

const isThinking = (b: BlockT) => b.type === "thinking" || b.type === "redacted_thinking";

/**
 * Builds the inner Gemini request for the upstream model `model`. What the reader ignored or
 * mapped by rule is added to `dropped`.
 */
export function messagesToGemini(
  req: MessagesRequest,
  model: string,
  signatures: SignatureStore,
  dropped: Dropped = new Set(),
): AnthropicConversion {
  noteUnknownKeys(req, MessagesRequestSchema.shape, "field", dropped);
  const messages = applyContextEdits(req, dropped);
  checkHistory(messages);
  const family = familyOf(model);
  const toolNames = new Map<string, string>();
  for (const m of messages)
    for (const b of blocksOf(m.content)) if (b.type === "tool_use") toolNames.set(b.id, b.name);

  const thinkingType = req.thinking?.type;
  if (req.thinking) {
    if (!["enabled", "disabled", "adaptive"].includes(req.thinking.type))
      dropped.add(`thinking:${req.thinking.type}`);
    noteUnknownKeys(req.thinking, { type: 1, budget_tokens: 1 }, "thinking", dropped);
  }
  // Thinking: on when asked (or for -thinking models by default), off when Claude would need
  // signatures we cannot supply for replayed tool calls (the upstream rejects unsigned calls then).
  let thinkingOn = thinkingType ? thinkingType !== "disabled" : model.endsWith("-thinking");
  const toolUses = messages.flatMap((m) => blocksOf(m.content).filter((b) => b.type === "tool_use"));
  if (
    thinkingOn &&
    family === "claude" &&
    toolUses.some((b) => !signatures.forCall((b as { id: string }).id))
  )
    thinkingOn = false;

  const contents: GeminiContent[] = [];
  messages.forEach((m, i) => {
    // A `system` (or `developer`) message keeps its place: it becomes user text in a
    // <system-reminder>, the form Claude Code itself uses for instructions inside a turn.
    if (m.role !== "user" && m.role !== "assistant") {
      if (m.role !== "system" && m.role !== "developer") dropped.add(`role:${m.role}`);
      const text = textOfBlocks(m.content).trim();
      if (text)
        contents.push({ role: "user", parts: [{ text: `<system-reminder>\n${text}\n</system-reminder>` }] });
      return;
    }
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
        case UNKNOWN: {
          // A block type newer than this reader: its text is kept if it has one, else it is dropped.
          dropped.add(`block:${b.name}`);
          const text = textOfUnknown(b);
          if (text?.trim()) put(texts, { text });
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

  // A system message between a tool call and its result sits in the same user turn as the result;
  // results go first in that turn.
  const joined = mergeSameRole(contents).map((c) =>
    c.role === "user" && c.parts.some((p) => p.functionResponse)
      ? {
          role: c.role,
          parts: [
            ...c.parts.filter((p) => p.functionResponse),
            ...c.parts.filter((p) => !p.functionResponse),
          ],
        }
      : c,
  );

  // Unanswered tool calls get a result, so the history stays valid (tool-chain repair).
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (c.role !== "model") continue;
    const ids = c.parts.filter((p) => p.functionCall?.id).map((p) => p.functionCall!);
    if (!ids.length) continue;
    const next = joined[i + 1];
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
    else joined.splice(i + 1, 0, { role: "user", parts: missing });
  }

  const merged = joined;
  if (!merged.length)
    throw new ProxyError(
      400,
      "invalid_request",
      `messages: no message has any content the upstream can use${dropped.size ? ` (dropped: ${[...dropped].join(", ")})` : ""}`,
    );
  if (merged[0]!.role !== "user") merged.unshift({ role: "user", parts: [{ text: "(continue)" }] });

  const sys = systemTexts(req.system, dropped)
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
  let search = false;
  for (const t of req.tools ?? []) {
    if ("input_schema" in t) continue;
    if (/^web_search/.test(t.type)) search = true;
    else dropped.add(`tool:${t.type}`);
  }
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
    if (tc && !["none", "any", "tool", "auto"].includes(tc.type)) dropped.add(`tool_choice:${tc.type}`);
    request.toolConfig = {
      functionCallingConfig: {
        mode,
        ...(tc?.type === "tool" && tc.name ? { allowedFunctionNames: [tc.name] } : {}),
      },
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
  const oc = req.output_config;
  noteUnknownKeys(oc, { effort: 1, format: 1 }, "output_config", dropped);
  const effort = oc?.effort !== undefined ? EFFORTS[oc.effort] : undefined;
  if (oc?.effort !== undefined && !effort) dropped.add(`output_config.effort:${oc.effort}`);
  if (oc?.format) {
    if (oc.format.type === "json_schema") {
      gen.responseMimeType = "application/json";
      if (oc.format.schema) gen.responseSchema = cleanSchema(oc.format.schema);
    } else dropped.add(`output_config.format:${oc.format.type}`);
  }
  const adaptive = thinkingType !== undefined && thinkingType !== "enabled" && thinkingType !== "disabled";
  const t = thinkingFor(model, {
    enabled: thinkingOn,
    budget: thinkingType === "enabled" ? req.thinking?.budget_tokens : undefined,
    effort: adaptive ? (effort ?? "high") : thinkingType === undefined ? effort : undefined,
    maxTokens: req.max_tokens,
  });
  if (t.thinkingConfig && thinkingOn) gen.thinkingConfig = t.thinkingConfig;
  if (t.maxOutputTokens) gen.maxOutputTokens = t.maxOutputTokens;
  request.generationConfig = gen;

  const userId = req.metadata?.user_id?.trim();
  const firstUser = messages.find((m) => m.role === "user");
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
  const texts = systemTexts(req.system);
  const last = req.messages[req.messages.length - 1];
  if (last?.role === "user") texts.push(textOfBlocks(last.content));
  return texts.some((t) => BACKGROUND.some((re) => re.test(t.slice(0, 2000))));
}

/** A rough token count for when the upstream cannot count (chars/4 with per-message overhead). */
export function estimateTokens(req: Pick<MessagesRequest, "messages" | "system" | "tools">): number {
  const text = JSON.stringify([req.system ?? "", req.messages, req.tools ?? []]);
  return Math.max(1, Math.ceil(text.length / 4) + req.messages.length * 4);
}
