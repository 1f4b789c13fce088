/** The legacy OpenAI completions API (`prompt` in, `text` out), through the chat adapter (spec §3.4, §3.6). */
import { z } from "zod";
import type { GeminiResponse } from "../gemini/types.js";
import type { ChatRequest, ResponseContext } from "./chat.js";
import { chatUsage, finishReason } from "./common.js";

export const CompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    prompt: z.union([z.string(), z.array(z.string()).min(1)]),
    max_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stop: z.union([z.string(), z.array(z.string())]).nullish(),
    n: z.number().int().min(1).max(8).nullish(),
    seed: z.number().int().nullish(),
    stream: z.boolean().nullish(),
    suffix: z.string().nullish(),
  })
  .passthrough();

export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

export function completionToChat(req: CompletionRequest): ChatRequest {
  const prompt = Array.isArray(req.prompt) ? req.prompt.join("\n") : req.prompt;
  return {
    model: req.model,
    messages: [{ role: "user", content: prompt }],
    max_tokens: req.max_tokens,
    temperature: req.temperature,
    top_p: req.top_p,
    stop: req.stop,
    n: req.n,
    seed: req.seed,
  } as ChatRequest;
}

function candidateText(c: GeminiResponse, index: number): { text: string; finish?: string } {
  const cand = c.candidates?.find((x, i) => (x.index ?? i) === index);
  const text = (cand?.content?.parts ?? [])
    .filter((p) => !p.thought && typeof p.text === "string")
    .map((p) => p.text)
    .join("");
  return { text, finish: cand?.finishReason };
}

export function completionFromGemini(chunks: GeminiResponse[], ctx: ResponseContext, n: number) {
  const usage = chunks.findLast((c) => c.usageMetadata)?.usageMetadata;
  return {
    id: ctx.id,
    object: "text_completion",
    created: ctx.created,
    model: ctx.model,
    choices: Array.from({ length: n }, (_, index) => {
      let text = "";
      let finish: string | undefined;
      for (const c of chunks) {
        const t = candidateText(c, index);
        text += t.text;
        finish = t.finish ?? finish;
      }
      return { text, index, logprobs: null, finish_reason: finishReason(finish, false) };
    }),
    ...(usage ? { usage: chatUsage(usage) } : {}),
  };
}

export async function* completionStream(
  chunks: AsyncIterable<GeminiResponse>,
  ctx: ResponseContext,
): AsyncGenerator<string> {
  const base = { id: ctx.id, object: "text_completion", created: ctx.created, model: ctx.model };
  let finish: string | undefined;
  let usage: GeminiResponse["usageMetadata"];
  try {
    for await (const c of chunks) {
      if (c.usageMetadata) usage = c.usageMetadata;
      const { text, finish: f } = candidateText(c, 0);
      finish = f ?? finish;
      if (text)
        yield `data: ${JSON.stringify({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason: null }] })}\n\n`;
    }
  } catch (err) {
    yield `data: ${JSON.stringify({ error: { message: `Upstream stream failed: ${(err as Error).message}`, type: "upstream_error", code: "stream_error" } })}\n\n`;
    yield "data: [DONE]\n\n";
    return;
  }
  yield `data: ${JSON.stringify({ ...base, choices: [{ text: "", index: 0, logprobs: null, finish_reason: finishReason(finish, false) }], ...(usage ? { usage: chatUsage(usage) } : {}) })}\n\n`;
  yield "data: [DONE]\n\n";
}
