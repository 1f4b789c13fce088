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

/** Claude model names the table does not list (new dates, new minor versions) go to their family's model. */
const FAMILY_RULES: [RegExp, string][] = [
  [/^claude-(opus|3-opus)/, "claude-opus-4-6-thinking"],
  [/^claude-(sonnet|3-[57]-sonnet).*thinking/, "claude-sonnet-4-6-thinking"],
  [/^claude-(sonnet|3-[57]-sonnet)/, "claude-sonnet-4-6"],
  [/^claude-.*haiku/, "claude-sonnet-4-6"],
];

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

/** Exact custom mapping → most specific wildcard (ties: the first written) → built-in table → as is. */
export function resolveModel(
  requested: string,
  custom: Readonly<Record<string, string>> = {},
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
  const builtIn = BUILT_IN[requested];
  if (builtIn !== undefined) return { model: builtIn, source: "built-in" };
  for (const [re, target] of FAMILY_RULES) if (re.test(requested)) return { model: target, source: "family" };
  return { model: requested, source: "pass-through" };
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
