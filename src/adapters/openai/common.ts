/** Pieces the OpenAI chat, completions and responses adapters share. */
import { ProxyError } from "../../errors.js";
import type { GeminiPart, GeminiUsage } from "../gemini/types.js";

export const SAFETY_OFF = ["HARASSMENT", "HATE_SPEECH", "SEXUALLY_EXPLICIT", "DANGEROUS_CONTENT"].map(
  (c) => ({
    category: `HARM_CATEGORY_${c}`,
    threshold: "OFF",
  }),
);

const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

export type ChatFinish = "stop" | "length" | "tool_calls" | "content_filter";

export function finishReason(gemini: string | undefined, sawToolCall: boolean): ChatFinish {
  if (sawToolCall) return "tool_calls";
  if (gemini === "MAX_TOKENS") return "length";
  if (gemini && FILTERED.has(gemini)) return "content_filter";
  return "stop";
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** Usage in OpenAI's terms: reasoning tokens are part of completion tokens, as OpenAI counts them. */
export function chatUsage(u: GeminiUsage | undefined): ChatUsage | undefined {
  if (!u) return undefined;
  const prompt = u.promptTokenCount ?? 0;
  const thoughts = u.thoughtsTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u.totalTokenCount ?? prompt + completion,
    ...(u.cachedContentTokenCount !== undefined
      ? { prompt_tokens_details: { cached_tokens: u.cachedContentTokenCount } }
      : {}),
    ...(thoughts ? { completion_tokens_details: { reasoning_tokens: thoughts } } : {}),
  };
}

const B64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** data:<mime>;base64,<data> or an http(s) URL → a Gemini part; anything else is refused (no local files). */
export function imagePart(url: string, where: string): GeminiPart {
  if (url.startsWith("data:")) {
    const m = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?,(.*)$/s.exec(url);
    if (!m || !m[2]?.includes("base64"))
      throw new ProxyError(
        400,
        "invalid_request",
        `${where}: only base64 data URLs are supported (data:<type>;base64,...)`,
      );
    const data = m[3]!.replace(/\s+/g, "");
    if (!data || data.length % 4 !== 0 || !B64.test(data))
      throw new ProxyError(400, "invalid_request", `${where}: the image data is not valid base64`);
    return { inlineData: { mimeType: m[1] ?? "image/png", data } };
  }
  if (/^https?:\/\//i.test(url)) {
    const ext = /\.(png|gif|webp|jpe?g|heic|pdf)(\?|#|$)/i.exec(url)?.[1]?.toLowerCase();
    const mime =
      ext === "png"
        ? "image/png"
        : ext === "gif"
          ? "image/gif"
          : ext === "webp"
            ? "image/webp"
            : ext === "pdf"
              ? "application/pdf"
              : "image/jpeg";
    return { fileData: { fileUri: url, mimeType: mime } };
  }
  throw new ProxyError(400, "invalid_request", `${where}: expected a data: URL or an http(s) URL`);
}

/** A tool call id clients can echo back: the upstream's if it gave one, else a fresh one. */
export const callId = (upstreamId: string | undefined, fresh: () => string): string =>
  upstreamId || `call_${fresh()}`;
