/**
 * z.ai dispatch for the Anthropic protocol (spec §4 ZaiConfig): forwarding /v1/messages to an
 * Anthropic-compatible base URL with its own key, models mapped, cache_control stripped.
 */
import type { Config } from "../config.js";
import type { FetchLike } from "./client.js";

type Zai = Config["zai"];

/** z.ai model names for a client's model (spec: exact mapping, zai: prefix, glm-*, then by family). */
export function zaiModel(zai: Zai, model: string): string {
  const exact = zai.model_mapping[model] ?? zai.model_mapping[model.toLowerCase()];
  if (exact) return exact;
  if (model.startsWith("zai:")) return model.slice(4);
  if (model.startsWith("glm-") || !model.startsWith("claude-")) return model;
  if (model.includes("opus")) return zai.models.opus;
  if (model.includes("haiku")) return zai.models.haiku;
  return zai.models.sonnet;
}

function stripCacheControl(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripCacheControl);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== "cache_control") out[k] = stripCacheControl(x);
    return out;
  }
  return v;
}

export type ZaiRoute = "zai" | "google";

/**
 * Where one Anthropic request goes. pooled: z.ai is one more slot in the rotation; fallback: z.ai
 * only when no Google account can serve.
 */
export function zaiRoute(zai: Zai, googleUsable: number, counter: number): ZaiRoute {
  if (!zai.enabled || !zai.api_key || zai.dispatch_mode === "off") return "google";
  if (zai.dispatch_mode === "exclusive") return "zai";
  if (zai.dispatch_mode === "pooled") return counter % (googleUsable + 1) === 0 ? "zai" : "google";
  return googleUsable === 0 ? "zai" : "google";
}

export async function forwardToZai(
  zai: Zai,
  path: "/v1/messages" | "/v1/messages/count_tokens",
  body: Record<string, unknown>,
  clientHeaders: Headers,
  signal: AbortSignal | undefined,
  fetchImpl: FetchLike = (i, init) => fetch(i, init),
): Promise<Response> {
  const out = stripCacheControl({ ...body, model: zaiModel(zai, String(body.model ?? "")) });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "anthropic-version": clientHeaders.get("anthropic-version") ?? "2023-06-01",
    "x-api-key": zai.api_key,
    authorization: `Bearer ${zai.api_key}`,
  };
  const beta = clientHeaders.get("anthropic-beta");
  if (beta) headers["anthropic-beta"] = beta;
  return fetchImpl(`${zai.base_url.replace(/\/+$/, "")}${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(out),
    signal,
  });
}
