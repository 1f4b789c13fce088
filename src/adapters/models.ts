/**
 * Model routing (spec §7): which upstream model serves a client's model name, and which model ids
 * the listing endpoints show. Pure.
 */

const BUILT_IN: Record<string, string> = {};
const add = (target: string, ...names: string[]) => {
  for (const n of names) BUILT_IN[n] = target;
};
add(
  "claude-sonnet-4-6",
  "claude-sonnet-4-6",
  "claude-sonnet-4-5",
  "claude-3-5-sonnet-20241022",
  "claude-3-5-sonnet-20240620",
);
add(
  "claude-sonnet-4-6-thinking",
  "claude-sonnet-4-6-thinking",
  "claude-sonnet-4-5-thinking",
  "claude-sonnet-4-5-20250929",
);
add(
  "claude-opus-4-6-thinking",
  "claude-opus-4",
  "claude-opus-4-5-thinking",
  "claude-opus-4-5-20251101",
  "claude-opus-4-6",
  "claude-opus-4-6-thinking",
  "claude-opus-4.6",
  "claude-opus-4.6-thinking",
  "claude-opus-4-6-20260201",
);
add("claude-sonnet-4-6", "claude-haiku-4", "claude-3-haiku-20240307", "claude-haiku-4-5-20251001");
add(
  "gemini-2.5-flash",
  "gpt-4",
  "gpt-4-turbo",
  "gpt-4-turbo-preview",
  "gpt-4-0125-preview",
  "gpt-4-1106-preview",
  "gpt-4-0613",
  "gpt-4o",
  "gpt-4o-2024-05-13",
  "gpt-4o-2024-08-06",
  "gpt-4o-mini",
  "gpt-4o-mini-2024-07-18",
  "gpt-3.5-turbo",
  "gpt-3.5-turbo-16k",
  "gpt-3.5-turbo-0125",
  "gpt-3.5-turbo-1106",
  "gpt-3.5-turbo-0613",
  "gemini-2.5-flash-lite",
  "internal-background-task",
);
for (const id of [
  "gemini-2.5-flash-thinking",
  "gemini-2.5-flash",
  "gemini-3-flash",
  "gemini-3-pro-image",
  "gemini-3.1-pro-low",
  "gemini-3.1-pro-preview",
  "gemini-3-pro-low",
  "gemini-3-pro-preview",
]) {
  add(id, id);
}
add("gemini-pro-agent", "gemini-3.1-pro-high", "gemini-3-pro-high");
add("gemini-3.1-pro-preview", "gemini-3.1-pro");
add("gemini-3-pro-preview", "gemini-3-pro");
add("gemini-3-pro-image", "gemini-3-pro-image-preview");
add("gemini-3-flash", "gemini-3-flash-preview");

export const BUILT_IN_MODELS: Readonly<Record<string, string>> = BUILT_IN;

export type RouteSource = "custom" | "wildcard" | "built-in" | "family" | "pass-through";

const OPENAI_ID = /^(gpt-|chatgpt-|codex-|o\d)/i;

/** Where a Claude family goes when the accounts serve no model of it (there is no haiku upstream). */
const FAMILY_FALLBACK: Record<string, string[]> = {
  opus: ["opus", "sonnet"],
  sonnet: ["sonnet", "opus"],
  haiku: ["haiku", "sonnet", "opus"],
};
/** The built-in table's model per family, for when no account has listed its models yet. */
const FAMILY_DEFAULT: Record<string, string> = {
  opus: "claude-opus-4-6-thinking",
  sonnet: "claude-sonnet-4-6",
  haiku: "claude-sonnet-4-6",
};

export interface ClaudeId {
  family: "opus" | "sonnet" | "haiku";
  /** [major, minor]; [0, 0] when the id names none. */
  version: [number, number];
  thinking: boolean;
}

/**
 * Reads a Claude model id by rule, for ids of today and ids not released yet: `claude-opus-4-8`,
 * `claude-sonnet-5`, `claude-3-5-sonnet-20241022`, `claude-opus-4-8-20261015`, `claude-opus-4.6`,
 * `claude-opus-4-8[1m]`, `claude-sonnet-4-6-thinking`, `claude-haiku-latest`.
 */
export function parseClaudeId(id: string): ClaudeId | null {
  const m = id
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, "")
    .match(
      /^(?:anthropic[./])?claude-(?:(\d+)(?:[-.](\d))?-)?(opus|sonnet|haiku)(?:-(\d+)(?:[-.](\d+))?)?(-.*)?$/,
    );
  if (!m) return null;
  const rest = (m[6] ?? "").replace(/-\d{8}\b/g, "");
  const before = m[1] !== undefined;
  // A number of 8 digits is a date, not a version.
  const num = (t: string | undefined) => (t && t.length < 8 ? Number(t) : 0);
  return {
    family: m[3] as ClaudeId["family"],
    version: [num(before ? m[1] : m[4]), num(before ? m[2] : m[5])],
    thinking: /thinking/.test(rest),
  };
}

const newer = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

/**
 * The best upstream model for a Claude id: of its family (or the next family when the accounts
 * serve none of it), the newest version the accounts list; a thinking variant when the id asks for
 * one, else the plain one when both exist. Without a listing, the built-in table's family model.
 */
export function claudeByRule(id: ClaudeId, available: readonly string[]): string {
  const upstream = available
    .map((name) => ({ name, parsed: parseClaudeId(name) }))
    .filter((m): m is { name: string; parsed: ClaudeId } => m.parsed !== null);
  for (const family of FAMILY_FALLBACK[id.family]!) {
    const candidates = upstream.filter((m) => m.parsed.family === family);
    if (!candidates.length) continue;
    candidates.sort(
      (a, b) =>
        newer(b.parsed.version, a.parsed.version) ||
        Number(b.parsed.thinking === id.thinking) - Number(a.parsed.thinking === id.thinking),
    );
    return candidates[0]!.name;
  }
  const fallback = FAMILY_DEFAULT[id.family]!;
  return id.thinking && !fallback.endsWith("-thinking") ? `${fallback}-thinking` : fallback;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === name;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!name.startsWith(first) || !name.endsWith(last) || name.length < first.length + last.length)
    return false;
  let pos = first.length;
  const end = name.length - last.length;
  for (const mid of parts.slice(1, -1)) {
    const i = name.indexOf(mid, pos);
    if (i < 0 || i + mid.length > end) return false;
    pos = i + mid.length;
  }
  return true;
}

/**
 * Exact custom mapping → most specific wildcard (ties: the first written) → an id the accounts list
 * → built-in table → Claude ids by family and version (`available`: the upstream ids the accounts
 * list, newest first wins) → as is.
 */
export function resolveModel(
  requested: string,
  custom: Readonly<Record<string, string>> = {},
  available: readonly string[] = [],
): { model: string; source: RouteSource } {
  const exact = custom[requested];
  if (exact !== undefined) return { model: exact, source: "custom" };
  let best: { target: string; score: number } | null = null;
  for (const [pattern, target] of Object.entries(custom)) {
    if (!pattern.includes("*") || !wildcardMatch(pattern, requested)) continue;
    const score = pattern.replaceAll("*", "").length;
    if (!best || score > best.score) best = { target, score };
  }
  if (best) return { model: best.target, source: "wildcard" };
  if (available.includes(requested)) return { model: requested, source: "built-in" };
  const claude = parseClaudeId(requested);
  const builtIn = BUILT_IN[requested];
  // The table decides for Claude ids only while no account has listed its models.
  if (builtIn !== undefined && (!claude || !available.length)) return { model: builtIn, source: "built-in" };
  if (claude) return { model: claudeByRule(claude, available), source: "family" };
  // OpenAI ids the table does not list (Codex's default changes with each release): small models
  // to Flash, the rest to Pro.
  if (OPENAI_ID.test(requested)) {
    const target = /mini|nano|lite|flash/.test(requested) ? "gemini-3-flash" : "gemini-3-pro-high";
    return { model: BUILT_IN[target] ?? target, source: "family" };
  }
  return { model: requested, source: "pass-through" };
}

/** Whether resolving `requested` needs the accounts' model listing (a Claude id the table does not pin). */
export function needsListing(requested: string, custom: Readonly<Record<string, string>>): boolean {
  return (
    BUILT_IN[requested] !== requested && custom[requested] === undefined && parseClaudeId(requested) !== null
  );
}

/** The id that cooldowns and quota are kept under (spec §7.3). */
export function standardModelId(model: string): string {
  const m = model.toLowerCase();
  if (m.includes("image")) return m.includes("flash") ? "gemini-3.1-flash-image" : "gemini-3-pro-image";
  if (m.includes("flash")) return "gemini-3-flash";
  if (m.includes("pro")) return "gemini-3-pro-high";
  if (/claude|opus|sonnet|haiku/.test(m)) return "claude";
  return m;
}

const EXTRA_IDS = ["gemini-3.1-pro-low", "gemini-2.5-flash", "gemini-3-flash", "gemini-3.1-pro-high"];

/**
 * The ids the model listings show: what the accounts' quotas name, plus (unless onlyQuotaModels)
 * the custom mapping's exact keys, the built-in names and a few fixed extras. Sorted, unique.
 */
export function listedModelIds(
  quotaModels: Iterable<string>,
  custom: Readonly<Record<string, string>>,
  onlyQuotaModels = false,
): string[] {
  const ids = new Set<string>();
  for (const m of quotaModels) ids.add(m.toLowerCase());
  if (!onlyQuotaModels) {
    for (const k of Object.keys(custom)) if (!k.includes("*")) ids.add(k);
    for (const k of Object.keys(BUILT_IN)) if (k !== "internal-background-task") ids.add(k);
    for (const k of EXTRA_IDS) ids.add(k);
  }
  return [...ids].sort();
}
