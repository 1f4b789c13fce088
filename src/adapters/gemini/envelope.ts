/**
 * The v1internal envelope (spec §6.4) and its inverse, shared by every protocol: wrapping an inner
 * Gemini request, the per-account session id, and collecting a stream into one response.
 */
import type { Envelope, GeminiPart, GeminiRequest, GeminiResponse } from "./types.js";

export const IDENTITY =
  "You are Antigravity, a powerful agentic AI coding assistant designed by the Google Deepmind team working on Advanced Agentic Coding.";

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;

/** Stable per account (spec §6.4): FNV-1a 64 over the id's bytes, as a signed decimal. */
export function sessionIdFor(accountId: string): string {
  let h = FNV_OFFSET;
  for (const b of new TextEncoder().encode(accountId)) {
    h = (h * FNV_PRIME) & MASK;
    h ^= BigInt(b);
  }
  return BigInt.asIntN(64, h).toString();
}

export const isImageModel = (model: string) => model.includes("-image");

export interface WrapInput {
  request: GeminiRequest;
  model: string;
  project: string;
  sessionId: string;
  requestId: string;
}

/** Puts an inner request into the envelope; `sessionId` is placed in the request as upstream wants. */
export function wrap(input: WrapInput): Envelope {
  const image = isImageModel(input.model);
  return {
    project: input.project,
    requestId: input.requestId,
    request: { ...input.request, sessionId: input.sessionId },
    model: input.model,
    userAgent: "antigravity",
    requestType: image ? "image_gen" : "agent",
    ...(image ? {} : { enabledCreditTypes: ["GOOGLE_ONE_AI"] }),
  };
}

/** Prepends the Antigravity identity to a system instruction unless it already has it (spec §9.2-9). */
export function withIdentity(
  system: GeminiRequest["systemInstruction"],
): NonNullable<GeminiRequest["systemInstruction"]> {
  const parts = system?.parts ?? [];
  if (parts[0]?.text?.includes("You are Antigravity")) return { role: system?.role ?? "user", parts };
  return { role: system?.role ?? "user", parts: [{ text: IDENTITY }, ...parts] };
}

/**
 * Collects stream chunks into one response: adjacent text parts of the same kind are joined
 * (keeping a signature if one arrives), the last finish reason and usage win.
 */
export function collect(chunks: Iterable<GeminiResponse>): GeminiResponse {
  const parts: GeminiPart[] = [];
  let finishReason: string | undefined;
  let usage: GeminiResponse["usageMetadata"];
  let modelVersion: string | undefined;
  let responseId: string | undefined;
  for (const c of chunks) {
    const cand = c.candidates?.[0];
    for (const p of cand?.content?.parts ?? []) {
      const prev = parts[parts.length - 1];
      const textLike = (x: GeminiPart) => typeof x.text === "string" && !x.functionCall && !x.inlineData;
      if (prev && textLike(prev) && textLike(p) && !!prev.thought === !!p.thought && !prev.thoughtSignature) {
        prev.text = (prev.text ?? "") + (p.text ?? "");
        if (p.thoughtSignature) prev.thoughtSignature = p.thoughtSignature;
      } else {
        parts.push({ ...p });
      }
    }
    finishReason = cand?.finishReason ?? finishReason;
    usage = c.usageMetadata ?? usage;
    modelVersion = c.modelVersion ?? modelVersion;
    responseId = c.responseId ?? responseId;
  }
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: finishReason ?? "STOP", index: 0 }],
    ...(usage ? { usageMetadata: usage } : {}),
    ...(modelVersion ? { modelVersion } : {}),
    ...(responseId ? { responseId } : {}),
  };
}
