/**
 * OpenAI Responses API (Codex CLI, the SDKs' responses.*) ⇄ Gemini (spec §3). Input items become
 * chat messages and go through the chat adapter; output items are built in order (reasoning,
 * message, function calls); the stream follows OpenAI's event sequence with sequence numbers.
 */
import { z } from "zod";
import type { GeminiResponse, GeminiUsage } from "../gemini/types.js";
import { type ChatRequest, type ResponseContext } from "./chat.js";
import { callId } from "./common.js";
import { type Dropped, noteUnknownKeys } from "../tolerant.js";

const InputContent = z.union([
  z.string(),
  z.array(
    z
      .object({
        type: z.string(),
        text: z.string().optional(),
        image_url: z.string().nullish(),
        file_data: z.string().optional(),
      })
      .passthrough(),
  ),
]);

const Item = z
  .object({
    type: z.string().optional(),
    role: z.string().optional(),
    content: InputContent.optional(),
    call_id: z.string().optional(),
    id: z.string().optional(),
    name: z.string().optional(),
    arguments: z.string().optional(),
    input: z.string().optional(),
    output: z
      .union([z.string(), z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())])
      .optional(),
    status: z.string().optional(),
  })
  .passthrough();

const FunctionTool = z
  .object({
    type: z.string(),
    name: z.string().optional(),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  })
  .passthrough();

export const ResponsesRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(Item)]).optional(),
    instructions: z.string().nullish(),
    tools: z.array(FunctionTool).nullish(),
    tool_choice: z
      .union([z.string(), z.looseObject({ type: z.string(), name: z.string().optional() })])
      .nullish(),
    reasoning: z
      .object({
        effort: z.string().nullish(),
        summary: z.string().nullish(),
      })
      .passthrough()
      .nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stream: z.boolean().nullish(),
    previous_response_id: z.string().nullish(),
    store: z.boolean().nullish(),
    text: z
      .object({
        format: z
          .object({
            type: z.string(),
            schema: z.record(z.string(), z.unknown()).optional(),
            name: z.string().optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough()
  .refine((r) => r.input !== undefined || r.previous_response_id, {
    message: "input is required",
    path: ["input"],
  });

export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;
type ChatMessage = ChatRequest["messages"][number];

type ChatPart = { type: "text"; text: string } | { type: "image_url"; image_url: string };

const TEXT_PARTS = new Set(["input_text", "output_text", "text", "summary_text", "reasoning_text"]);

function contentToChat(
  content: z.infer<typeof InputContent> | undefined,
  dropped: Dropped,
): string | ChatPart[] {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content.flatMap((p): ChatPart[] => {
    if (!TEXT_PARTS.has(p.type) && p.type !== "input_image" && p.type !== "input_file")
      dropped.add(`part:${p.type}`);
    if (typeof p.text === "string") return [{ type: "text" as const, text: p.text }];
    if (p.type === "input_image" && p.image_url)
      return [{ type: "image_url" as const, image_url: p.image_url }];
    if (p.type === "input_file" && p.file_data)
      return [{ type: "image_url" as const, image_url: p.file_data }];
    return [];
  });
}

function outputText(output: z.infer<typeof Item>["output"]): string {
  if (output === undefined) return "";
  if (typeof output === "string") return output;
  if (Array.isArray(output))
    return output.map((o) => (typeof o.text === "string" ? o.text : JSON.stringify(o))).join("\n");
  return typeof output.content === "string" ? output.content : JSON.stringify(output);
}

const ITEM_ROLES = new Set(["user", "assistant", "system", "developer"]);

/**
 * Responses input items (after any stored history) → chat messages. Item types and roles it does
 * not know are counted in `dropped`; a message of an unknown role is read as the user's.
 */
export function responsesToMessages(
  req: ResponsesRequest,
  history: ChatMessage[] = [],
  dropped: Dropped = new Set(),
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (req.instructions?.trim()) messages.push({ role: "system", content: req.instructions });
  messages.push(...history);
  const items =
    typeof req.input === "string" ? [{ role: "user" as const, content: req.input }] : (req.input ?? []);
  for (const item of items) {
    const type = item.type ?? (item.role ? "message" : undefined);
    if (type === "message" && item.role) {
      if (!ITEM_ROLES.has(item.role)) dropped.add(`role:${item.role}`);
      const content = contentToChat(item.content, dropped);
      const textOnly =
        typeof content === "string"
          ? content
          : content.filter((p): p is Extract<ChatPart, { type: "text" }> => p.type === "text");
      if (item.role === "assistant") messages.push({ role: "assistant", content: textOnly });
      else if (item.role === "system" || item.role === "developer")
        messages.push({ role: item.role, content: textOnly });
      else messages.push({ role: "user", content } as ChatMessage);
    } else if (type === "function_call" || type === "custom_tool_call") {
      const id = item.call_id ?? item.id ?? "call_unknown";
      const args =
        type === "custom_tool_call" ? JSON.stringify({ input: item.input ?? "" }) : (item.arguments ?? "{}");
      const prev = messages[messages.length - 1];
      const call = {
        id,
        type: "function" as const,
        function: { name: item.name ?? "unknown", arguments: args },
      };
      // Parallel calls arrive as consecutive items; they belong to one assistant turn.
      if (prev?.role === "assistant" && prev.tool_calls && !prev.content) prev.tool_calls.push(call);
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (type === "function_call_output" || type === "custom_tool_call_output") {
      messages.push({
        role: "tool",
        tool_call_id: item.call_id ?? "call_unknown",
        content: outputText(item.output),
      });
    } else if (type === "additional_tools") {
      // Tools declared in the input (Codex): they join the request's tools in responsesToChat.
      continue;
    } else if (type !== "reasoning") {
      // Reasoning items are the model's own (their text is encrypted); other types are newer than
      // this reader and carry nothing the upstream can use.
      dropped.add(`item:${type ?? "untyped"}`);
    }
  }
  return messages;
}

/** The chat request the Responses request means. */
export function responsesToChat(
  req: ResponsesRequest,
  messages: ChatMessage[],
  dropped: Dropped = new Set(),
): ChatRequest {
  noteUnknownKeys(req, ResponsesRequestSchema.shape, "field", dropped);
  const declared = [
    ...(req.tools ?? []),
    ...(Array.isArray(req.input) ? req.input : []).flatMap((i) =>
      i.type === "additional_tools" && Array.isArray(i.tools)
        ? (i.tools as z.infer<typeof FunctionTool>[])
        : [],
    ),
  ];
  const tools = declared
    .filter((t) => {
      const ok = t.type === "function" && !!t.name;
      if (!ok) dropped.add(`tool:${t.type}`);
      return ok;
    })
    .map((t) => ({
      type: "function" as const,
      function: {
        name: t.name!,
        description: t.description ?? undefined,
        parameters: t.parameters ?? undefined,
      },
    }));
  const tc = req.tool_choice;
  const fmt = req.text?.format;
  if (fmt && !["text", "json_object", "json_schema"].includes(fmt.type))
    dropped.add(`text.format:${fmt.type}`);
  return {
    model: req.model,
    messages,
    stream: req.stream ?? false,
    temperature: req.temperature,
    top_p: req.top_p,
    max_completion_tokens: req.max_output_tokens,
    reasoning_effort: req.reasoning?.effort,
    ...(tools.length ? { tools } : {}),
    tool_choice:
      tc && typeof tc === "object"
        ? tc.type === "function" && tc.name
          ? { type: "function", function: { name: tc.name } }
          : (dropped.add(`tool_choice:${tc.type}`), undefined)
        : tc,
    response_format:
      fmt?.type === "json_schema"
        ? { type: "json_schema", json_schema: { name: fmt.name, schema: fmt.schema } }
        : fmt?.type === "json_object"
          ? { type: "json_object" }
          : undefined,
  } as ChatRequest;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export function responsesUsage(u: GeminiUsage | undefined): ResponsesUsage {
  const input = u?.promptTokenCount ?? 0;
  const reasoning = u?.thoughtsTokenCount ?? 0;
  const output = (u?.candidatesTokenCount ?? 0) + reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u?.cachedContentTokenCount ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: u?.totalTokenCount ?? input + output,
  };
}

export type OutputItem =
  | { id: string; type: "reasoning"; summary: { type: "summary_text"; text: string }[] }
  | {
      id: string;
      type: "message";
      role: "assistant";
      status: string;
      content: { type: "output_text"; text: string; annotations: unknown[] }[];
    }
  | { id: string; type: "function_call"; status: string; call_id: string; name: string; arguments: string };

export interface ResponsesContext extends ResponseContext {
  request: ResponsesRequest;
}

function envelope(
  ctx: ResponsesContext,
  status: string,
  output: OutputItem[],
  usage: ResponsesUsage | null,
  extra: Record<string, unknown> = {},
) {
  return {
    id: ctx.id,
    object: "response",
    created_at: ctx.created,
    status,
    model: ctx.model,
    output,
    output_text: output
      .filter((o): o is Extract<OutputItem, { type: "message" }> => o.type === "message")
      .flatMap((o) => o.content.map((c) => c.text))
      .join(""),
    error: null,
    incomplete_details: null,
    instructions: ctx.request.instructions ?? null,
    max_output_tokens: ctx.request.max_output_tokens ?? null,
    parallel_tool_calls: true,
    previous_response_id: ctx.request.previous_response_id ?? null,
    reasoning: ctx.request.reasoning ?? null,
    temperature: ctx.request.temperature ?? null,
    tool_choice: ctx.request.tool_choice ?? "auto",
    tools: ctx.request.tools ?? [],
    top_p: ctx.request.top_p ?? null,
    usage,
    ...extra,
  };
}

function incompleteReason(finish: string | undefined): string | null {
  if (finish === "MAX_TOKENS") return "max_output_tokens";
  if (finish && ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"].includes(finish))
    return "content_filter";
  return null;
}

/** The collected stream as one Response object: reasoning, message, function calls, in that order. */
export function responsesFromGemini(chunks: GeminiResponse[], ctx: ResponsesContext) {
  let text = "";
  let reasoning = "";
  const calls: Extract<OutputItem, { type: "function_call" }>[] = [];
  let finish: string | undefined;
  let usage: GeminiUsage | undefined;
  for (const c of chunks) {
    if (c.usageMetadata) usage = c.usageMetadata;
    const cand = c.candidates?.[0];
    if (cand?.finishReason) finish = cand.finishReason;
    for (const p of cand?.content?.parts ?? []) {
      if (p.functionCall) {
        const id = callId(p.functionCall.id, ctx.newId);
        ctx.signatures.remember(id, p.thoughtSignature);
        calls.push({
          id: `fc_${ctx.newId()}`,
          type: "function_call",
          status: "completed",
          call_id: id,
          name: p.functionCall.name,
          arguments: JSON.stringify(p.functionCall.args ?? {}),
        });
      } else if (p.thought) reasoning += p.text ?? "";
      else if (typeof p.text === "string") text += p.text;
    }
  }
  const output: OutputItem[] = [];
  if (reasoning.trim())
    output.push({
      id: `rs_${ctx.newId()}`,
      type: "reasoning",
      summary: [{ type: "summary_text", text: reasoning }],
    });
  if (text)
    output.push({
      id: `msg_${ctx.newId()}`,
      type: "message",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text, annotations: [] }],
    });
  output.push(...calls);
  const reason = incompleteReason(finish);
  return envelope(
    ctx,
    reason ? "incomplete" : "completed",
    output,
    responsesUsage(usage),
    reason ? { incomplete_details: { reason } } : {},
  );
}

/**
 * The Responses event stream: response.created, response.in_progress, then per output item
 * added → deltas → done, and response.completed (or .incomplete / .failed), each with its
 * sequence_number, written as upstream chunks arrive.
 */
export async function* responsesStream(
  chunks: AsyncIterable<GeminiResponse>,
  ctx: ResponsesContext,
): AsyncGenerator<string> {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: seq++ })}\n\n`;
  const output: OutputItem[] = [];
  type Open = { kind: "reasoning" | "message"; index: number; id: string; text: string };
  let open = null as Open | null;
  let finish: string | undefined;
  let usage: GeminiUsage | undefined;

  yield ev("response.created", { response: envelope(ctx, "in_progress", [], null) });
  yield ev("response.in_progress", { response: envelope(ctx, "in_progress", [], null) });

  function* close(): Generator<string> {
    if (!open) return;
    const o = open;
    open = null;
    if (o.kind === "reasoning") {
      const part = { type: "summary_text", text: o.text };
      yield ev("response.reasoning_summary_text.done", {
        item_id: o.id,
        output_index: o.index,
        summary_index: 0,
        text: o.text,
      });
      yield ev("response.reasoning_summary_part.done", {
        item_id: o.id,
        output_index: o.index,
        summary_index: 0,
        part,
      });
      const item: OutputItem = {
        id: o.id,
        type: "reasoning",
        summary: [{ type: "summary_text", text: o.text }],
      };
      output[o.index] = item;
      yield ev("response.output_item.done", { output_index: o.index, item });
    } else {
      const part = { type: "output_text" as const, text: o.text, annotations: [] };
      yield ev("response.output_text.done", {
        item_id: o.id,
        output_index: o.index,
        content_index: 0,
        text: o.text,
      });
      yield ev("response.content_part.done", {
        item_id: o.id,
        output_index: o.index,
        content_index: 0,
        part,
      });
      const item: OutputItem = {
        id: o.id,
        type: "message",
        role: "assistant",
        status: "completed",
        content: [part],
      };
      output[o.index] = item;
      yield ev("response.output_item.done", { output_index: o.index, item });
    }
  }

  function* openItem(kind: "reasoning" | "message"): Generator<string> {
    const index = output.length;
    const id = kind === "reasoning" ? `rs_${ctx.newId()}` : `msg_${ctx.newId()}`;
    open = { kind, index, id, text: "" };
    if (kind === "reasoning") {
      const item: OutputItem = { id, type: "reasoning", summary: [] };
      output.push(item);
      yield ev("response.output_item.added", { output_index: index, item });
      yield ev("response.reasoning_summary_part.added", {
        item_id: id,
        output_index: index,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      });
    } else {
      const item: OutputItem = { id, type: "message", role: "assistant", status: "in_progress", content: [] };
      output.push(item);
      yield ev("response.output_item.added", { output_index: index, item });
      yield ev("response.content_part.added", {
        item_id: id,
        output_index: index,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      });
    }
  }

  try {
    for await (const c of chunks) {
      if (c.usageMetadata) usage = c.usageMetadata;
      const cand = c.candidates?.[0];
      if (cand?.finishReason) finish = cand.finishReason;
      for (const p of cand?.content?.parts ?? []) {
        if (p.functionCall) {
          yield* close();
          const call_id = callId(p.functionCall.id, ctx.newId);
          ctx.signatures.remember(call_id, p.thoughtSignature);
          const index = output.length;
          const id = `fc_${ctx.newId()}`;
          const args = JSON.stringify(p.functionCall.args ?? {});
          const pending: OutputItem = {
            id,
            type: "function_call",
            status: "in_progress",
            call_id,
            name: p.functionCall.name,
            arguments: "",
          };
          output.push(pending);
          yield ev("response.output_item.added", { output_index: index, item: pending });
          yield ev("response.function_call_arguments.delta", {
            item_id: id,
            output_index: index,
            delta: args,
          });
          yield ev("response.function_call_arguments.done", {
            item_id: id,
            output_index: index,
            arguments: args,
          });
          const done: OutputItem = { ...pending, status: "completed", arguments: args };
          output[index] = done;
          yield ev("response.output_item.done", { output_index: index, item: done });
          continue;
        }
        const text = p.text ?? "";
        if (!text) continue;
        const kind = p.thought ? "reasoning" : "message";
        if (open?.kind !== kind) {
          yield* close();
          yield* openItem(kind);
        }
        const o = open!;
        o.text += text;
        yield kind === "reasoning"
          ? ev("response.reasoning_summary_text.delta", {
              item_id: o.id,
              output_index: o.index,
              summary_index: 0,
              delta: text,
            })
          : ev("response.output_text.delta", {
              item_id: o.id,
              output_index: o.index,
              content_index: 0,
              delta: text,
            });
      }
    }
  } catch (err) {
    yield* close();
    const error = { code: "server_error", message: `Upstream stream failed: ${(err as Error).message}` };
    yield ev("response.failed", {
      response: envelope(ctx, "failed", output, responsesUsage(usage), { error }),
    });
    return;
  }
  yield* close();
  const reason = finish ? incompleteReason(finish) : "interrupted";
  const final = envelope(
    ctx,
    reason ? "incomplete" : "completed",
    output,
    responsesUsage(usage),
    reason ? { incomplete_details: { reason } } : {},
  );
  yield ev(reason ? "response.incomplete" : "response.completed", { response: final });
}
