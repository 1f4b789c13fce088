/**
 * Thinking settings shared by the OpenAI and Anthropic paths: which models think, the budget a
 * requested effort means, and an output limit that leaves room for the answer (spec §1.8, §10).
 */
import { maxOutputTokens, thinkingCap } from "./native.js";

export type Effort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";

const EFFORT_BUDGET: Record<Effort, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
};

/** Models that produce thought parts. */
export function thinksByDefault(model: string): boolean {
  const m = model.toLowerCase();
  if (m.includes("-image") || m.includes("flash-lite")) return false;
  return m.endsWith("-thinking") || (m.startsWith("gemini") && (m.includes("flash") || m.includes("pro")));
}

export interface ThinkingChoice {
  thinkingConfig?: { includeThoughts: boolean; thinkingBudget?: number };
  maxOutputTokens?: number;
}

/**
 * budget: an explicit token budget; effort: a named level. Neither: the model's default (thinking
 * models show their thoughts, Claude `-thinking` models get a budget because they need one).
 */
export function thinkingFor(
  model: string,
  opts: { budget?: number; effort?: Effort; maxTokens?: number; enabled?: boolean },
): ThinkingChoice {
  const cap = thinkingCap(model);
  const limit = maxOutputTokens(model);
  let budget = opts.budget ?? (opts.effort ? EFFORT_BUDGET[opts.effort] : undefined);
  const wants = opts.enabled ?? (budget !== undefined ? budget > 0 : thinksByDefault(model));
  if (!wants || budget === 0) {
    return {
      maxOutputTokens: opts.maxTokens ? Math.min(opts.maxTokens, limit) : undefined,
      ...(budget === 0 && model.startsWith("gemini")
        ? { thinkingConfig: { includeThoughts: false, thinkingBudget: 0 } }
        : {}),
    };
  }
  if (budget === undefined && model.includes("claude")) budget = 8192;
  if (budget !== undefined) budget = Math.min(budget, cap);
  let max = opts.maxTokens;
  if (budget !== undefined && (max === undefined || max <= budget)) max = budget + (max ?? 8192);
  return {
    thinkingConfig: { includeThoughts: true, ...(budget !== undefined ? { thinkingBudget: budget } : {}) },
    maxOutputTokens: max !== undefined ? Math.min(max, limit) : undefined,
  };
}
