/** OpenAI image generation through Gemini's image models (spec §12.1). */
import { z } from "zod";
import { ProxyError } from "../../errors.js";
import type { GeminiRequest, GeminiResponse } from "../gemini/types.js";
import { SAFETY_OFF } from "./common.js";

export const ImageRequestSchema = z
  .object({
    prompt: z.string().min(1, "prompt is required"),
    model: z.string().min(1).default("gemini-3-pro-image"),
    n: z.number().int().min(1).max(4).default(1),
    size: z.string().nullish(),
    quality: z.string().nullish(),
    response_format: z.enum(["b64_json", "url"]).default("b64_json"),
    style: z.string().nullish(),
  })
  .passthrough();

export type ImageRequest = z.infer<typeof ImageRequestSchema>;

const RATIOS: [string, number][] = [
  ["21:9", 21 / 9],
  ["16:9", 16 / 9],
  ["3:2", 3 / 2],
  ["4:3", 4 / 3],
  ["5:4", 5 / 4],
  ["1:1", 1],
  ["4:5", 4 / 5],
  ["3:4", 3 / 4],
  ["2:3", 2 / 3],
  ["9:16", 9 / 16],
];

export function aspectRatio(size: string | null | undefined): string {
  if (!size || size === "auto") return "1:1";
  if (RATIOS.some(([r]) => r === size)) return size;
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m)
    throw new ProxyError(
      400,
      "invalid_request",
      `size: expected WIDTHxHEIGHT (e.g. 1024x1024) or a ratio like 16:9, got "${size}"`,
    );
  const want = Number(m[1]) / Number(m[2]);
  let best = RATIOS[0]!;
  for (const r of RATIOS) if (Math.abs(r[1] - want) < Math.abs(best[1] - want)) best = r;
  return best[0];
}

function imageSize(quality: string | null | undefined): string | undefined {
  const q = quality?.toLowerCase();
  if (q === "hd" || q === "high" || q === "4k") return "4K";
  if (q === "medium" || q === "2k") return "2K";
  if (q === "standard" || q === "low" || q === "1k") return "1K";
  return undefined;
}

export function imageToGemini(req: ImageRequest): GeminiRequest {
  const size = imageSize(req.quality);
  return {
    contents: [{ role: "user", parts: [{ text: req.prompt }] }],
    generationConfig: {
      candidateCount: 1,
      imageConfig: { aspectRatio: aspectRatio(req.size), ...(size ? { imageSize: size } : {}) },
    },
    safetySettings: SAFETY_OFF,
  };
}

/** Every image part of candidate 0, as OpenAI `data` entries. */
export function imagesFromGemini(chunks: GeminiResponse[], format: "b64_json" | "url") {
  const out: ({ b64_json: string } | { url: string })[] = [];
  for (const c of chunks) {
    for (const p of c.candidates?.[0]?.content?.parts ?? []) {
      if (!p.inlineData) continue;
      out.push(
        format === "url"
          ? { url: `data:${p.inlineData.mimeType};base64,${p.inlineData.data}` }
          : { b64_json: p.inlineData.data },
      );
    }
  }
  return out;
}
