/**
 * Gemini → Anthropic Messages (spec §5). One event state machine serves both streaming clients
 * (each event written as it is produced) and non-streaming ones (the events folded into one
 * message), so both say the same thing: thinking blocks with their signatures, text, tool_use,
 * stop_reason (end_turn, max_tokens, tool_use, stop_sequence) and usage.
 */
import type { GeminiPart, GeminiResponse, GeminiUsage } from "../gemini/types.js";
import type { SignatureStore } from "../signatures.js";
import { type DeclaredTool, fitToolCall } from "./tool-calls.js";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** Anthropic counts cached input apart and thinking as output (spec §5.1, vector 32). */
export function anthropicUsage(u: GeminiUsage | undefined): AnthropicUsage {
  const prompt = u?.promptTokenCount ?? 0;
  const cached = u?.cachedContentTokenCount ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0),
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export type AnthropicEvent =
  | { type: "message_start"; message: Record<string, unknown> }
  | { type: "content_block_start"; index: number; content_block: Record<string, unknown> }
  | { type: "content_block_delta"; index: number; delta: Record<string, unknown> }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: string; stop_sequence: string | null };
      usage: AnthropicUsage;
    }
  | { type: "message_stop" }
  | { type: "error"; error: { type: string; message: string } };

export interface MessagesContext {
  id: string;
  /** The model name the client asked for. */
  model: string;
  /** The upstream model (signatures are remembered per family). */
  upstreamModel: string;
  stopSequences: string[];
  signatures: SignatureStore;
  newId: () => string;
  /** The client's tools, to fit calls to their declared names and arguments. */
  tools?: readonly DeclaredTool[];
}

/** Finds stop sequences across chunk boundaries, holding back only what could still start one. */
export class StopMatcher {
  private held = "";
  private readonly longest: number;
  constructor(private readonly sequences: string[]) {
    this.longest = Math.max(0, ...sequences.map((s) => s.length));
  }

  /** Returns the text that is safe to emit, and the sequence when one matched (the rest is dropped). */
  push(text: string): { emit: string; matched?: string } {
    if (!this.longest) return { emit: text };
    const buf = this.held + text;
    let first: { at: number; seq: string } | undefined;
    for (const seq of this.sequences) {
      const at = seq ? buf.indexOf(seq) : -1;
      if (at >= 0 && (!first || at < first.at)) first = { at, seq };
    }
    if (first) {
      this.held = "";
      return { emit: buf.slice(0, first.at), matched: first.seq };
    }
    const keep = Math.min(this.longest - 1, buf.length);
    this.held = buf.slice(buf.length - keep);
    return { emit: buf.slice(0, buf.length - keep) };
  }

  flush(): string {
    const h = this.held;
    this.held = "";
    return h;
  }
}

export async function* messagesEvents(
  chunks: AsyncIterable<GeminiResponse>,
  ctx: MessagesContext,
): AsyncGenerator<AnthropicEvent> {
  let index = -1;
  let open: "text" | "thinking" | null = null;
  let pendingSignature: string | undefined;
  let usage: GeminiUsage | undefined;
  let finish: string | undefined;
  let sawTool = false;
  let matched: string | undefined;
  const stops = new StopMatcher(ctx.stopSequences);

  yield {
    type: "message_start",
    message: {
      id: ctx.id,
      type: "message",
      role: "assistant",
      content: [],
      model: ctx.model,
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(undefined),
    },
  };

  function* close(): Generator<AnthropicEvent> {
    if (open === "thinking") {
      yield {
        type: "content_block_delta",
        index,
        delta: { type: "signature_delta", signature: pendingSignature ?? "" },
      };
      pendingSignature = undefined;
    }
    if (open) yield { type: "content_block_stop", index };
    open = null;
  }
  function* text(t: string): Generator<AnthropicEvent> {
    if (!t) return;
    if (open !== "text") {
      yield* close();
      index++;
      open = "text";
      yield { type: "content_block_start", index, content_block: { type: "text", text: "" } };
    }
    yield { type: "content_block_delta", index, delta: { type: "text_delta", text: t } };
  }

  try {
    outer: for await (const c of chunks) {
      if (c.usageMetadata) usage = c.usageMetadata;
      const cand = c.candidates?.[0];
      if (cand?.finishReason) finish = cand.finishReason;
      for (const p of (cand?.content?.parts ?? []) as GeminiPart[]) {
        if (p.thought) {
          if (p.thoughtSignature) {
            pendingSignature = p.thoughtSignature;
            ctx.signatures.rememberThinking(p.thoughtSignature, ctx.upstreamModel);
          }
          if (open !== "thinking") {
            yield* close();
            index++;
            open = "thinking";
            yield {
              type: "content_block_start",
              index,
              content_block: { type: "thinking", thinking: "", signature: "" },
            };
          }
          if (p.text)
            yield { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: p.text } };
        } else if (p.functionCall) {
          yield* text(stops.flush());
          yield* close();
          const id = p.functionCall.id || `toolu_${ctx.newId()}`;
          ctx.signatures.remember(id, p.thoughtSignature);
          const call = fitToolCall(p.functionCall.name, p.functionCall.args ?? {}, ctx.tools ?? []);
          index++;
          sawTool = true;
          yield {
            type: "content_block_start",
            index,
            content_block: { type: "tool_use", id, name: call.name, input: {} },
          };
          yield {
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json: JSON.stringify(call.args) },
          };
          yield { type: "content_block_stop", index };
        } else {
          const raw =
            typeof p.text === "string"
              ? p.text
              : p.inlineData
                ? `![image](data:${p.inlineData.mimeType};base64,${p.inlineData.data})`
                : "";
          const r = stops.push(raw);
          yield* text(r.emit);
          if (r.matched) {
            matched = r.matched;
            break outer;
          }
        }
      }
    }
  } catch (err) {
    yield* close();
    yield {
      type: "error",
      error: { type: "api_error", message: `Upstream stream failed: ${(err as Error).message}` },
    };
    return;
  }
  if (!matched) yield* text(stops.flush());
  yield* close();
  const stop_reason = matched
    ? "stop_sequence"
    : sawTool
      ? "tool_use"
      : finish === "MAX_TOKENS"
        ? "max_tokens"
        : "end_turn";
  yield {
    type: "message_delta",
    delta: { stop_reason, stop_sequence: matched ?? null },
    usage: anthropicUsage(usage),
  };
  yield { type: "message_stop" };
}

export function sseEvent(e: AnthropicEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** Folds the events into one message; an error event is thrown as an Error. Signatures are kept. */
export async function foldMessage(events: AsyncIterable<AnthropicEvent>): Promise<AnthropicMessage> {
  const msg: AnthropicMessage = {
    id: "",
    type: "message",
    role: "assistant",
    model: "",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: anthropicUsage(undefined),
  };
  const json = new Map<number, string>();
  for await (const e of events) {
    switch (e.type) {
      case "message_start":
        msg.id = e.message.id as string;
        msg.model = e.message.model as string;
        break;
      case "content_block_start":
        msg.content[e.index] = structuredClone(e.content_block) as ContentBlock;
        break;
      case "content_block_delta": {
        const b = msg.content[e.index]!;
        const d = e.delta as Record<string, string>;
        if (d.type === "text_delta" && b.type === "text") b.text += d.text;
        if (d.type === "thinking_delta" && b.type === "thinking") b.thinking += d.thinking;
        if (d.type === "signature_delta" && b.type === "thinking") b.signature = d.signature!;
        if (d.type === "input_json_delta") json.set(e.index, (json.get(e.index) ?? "") + d.partial_json);
        break;
      }
      case "content_block_stop": {
        const b = msg.content[e.index];
        if (b?.type === "tool_use")
          b.input = JSON.parse(json.get(e.index) || "{}") as Record<string, unknown>;
        break;
      }
      case "message_delta":
        msg.stop_reason = e.delta.stop_reason;
        msg.stop_sequence = e.delta.stop_sequence;
        msg.usage = e.usage;
        break;
      case "error":
        throw new Error(e.error.message);
    }
  }
  return msg;
}
