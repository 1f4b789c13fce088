/**
 * 404s that say how to fix the base URL (DESIGN decision 3): most 404s users of the original hit
 * were a duplicated or missing /v1, or an endpoint appended twice.
 */
const OPENAI_ENDPOINTS = [
  "chat/completions",
  "completions",
  "responses",
  "models",
  "embeddings",
  "images/generations",
];

export function notFoundHint(path: string, origin: string): string {
  const bases = `OpenAI SDKs: base_url "${origin}/v1"; Anthropic SDKs and Claude Code: "${origin}" (no /v1); Gemini SDKs: "${origin}" (no /v1).`;
  if (/^\/v1\/v1(\/|$)/.test(path) || /^\/v1beta\/v1beta(\/|$)/.test(path)) {
    return `Unknown path ${path}: "/v1" appears twice, so the base URL already ends in /v1 and the client adds it again. ${bases}`;
  }
  const doubled = path.match(/^\/v1\/(chat\/completions|completions|responses|messages)\/(.+)$/);
  if (doubled && doubled[2] !== "count_tokens") {
    return `Unknown path ${path}: two endpoints are joined, so the base URL includes an endpoint. Set the base URL to "${origin}/v1" for OpenAI clients (Kilo Code and similar: prefer the Gemini protocol with "${origin}"). ${bases}`;
  }
  const bare = path.replace(/^\//, "");
  if (OPENAI_ENDPOINTS.includes(bare)) {
    return `Unknown path ${path}: "/v1" is missing. OpenAI clients need base_url "${origin}/v1". ${bases}`;
  }
  if (bare === "messages" || bare === "messages/count_tokens") {
    return `Unknown path ${path}: Anthropic clients call /v1/messages; set the base URL to "${origin}" (the SDK adds /v1). ${bases}`;
  }
  if (/^\/models\/[^/]+:/.test(path)) {
    return `Unknown path ${path}: Gemini clients call /v1beta/models/...; set the base URL to "${origin}". ${bases}`;
  }
  return `Unknown path ${path}. ${bases}`;
}
