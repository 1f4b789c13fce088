/**
 * The one way a protocol route reaches the upstream: wrap the inner request in the envelope for
 * the chosen account and dispatch it through the pool, always as a stream (non-streaming clients
 * get it collected).
 */
import { sessionIdFor, wrap } from "../adapters/gemini/envelope.js";
import type { GeminiRequest } from "../adapters/gemini/types.js";
import { envelopeRequestId } from "../adapters/ids.js";
import { listedModelIds, needsListing, resolveModel } from "../adapters/models.js";
import { ProxyError } from "../errors.js";
import { type DispatchDeps, type DispatchResult, dispatch } from "../pool/dispatch.js";
import { routingHeaders } from "../http/relay.js";

export interface GenerateInput {
  model: string;
  request: GeminiRequest;
  sessionKey?: string;
  /** Conversation length, for the OpenAI/Anthropic request id format (spec §6.4). */
  messageCount?: number;
  /** A request id of another format (Gemini-native requests use their own, spec §9.2). */
  requestId?: string;
  signal?: AbortSignal;
}

export function generate(deps: DispatchDeps, input: GenerateInput): Promise<DispatchResult> {
  return dispatch(deps, {
    model: input.model,
    method: "streamGenerateContent",
    query: "alt=sse",
    sessionKey: input.sessionKey,
    signal: input.signal,
    build: (lease) =>
      wrap({
        request: input.request,
        model: input.model,
        project: lease.projectId,
        sessionId: sessionIdFor(lease.account.id),
        requestId: input.requestId ?? envelopeRequestId(input.sessionKey, input.messageCount ?? 1),
      }),
  });
}

/** The upstream model ids the usable accounts' quotas list. */
async function listedByAccounts(deps: DispatchDeps): Promise<string[]> {
  return (await deps.pool.usable()).flatMap((a) => a.quota?.models.map((m) => m.name) ?? []);
}

/** Model ids the listings show: from the accounts' quotas, the mapping and the built-in table. */
export async function modelIds(deps: DispatchDeps): Promise<string[]> {
  return listedModelIds(await listedByAccounts(deps), deps.config().custom_mapping);
}

const UPSTREAM_FAMILIES = /^(gemini|claude|gpt-oss|imagen)[-.]/;

/**
 * The upstream model for a client's model name. Claude ids resolve by rule against what the
 * accounts list; a name that is not listed, not mapped and not of a family the upstream serves is
 * refused before anything is sent.
 */
export async function routeModel(deps: DispatchDeps, requested: string): Promise<string> {
  const custom = deps.config().custom_mapping;
  const available = needsListing(requested, custom) ? await listedByAccounts(deps) : [];
  const r = resolveModel(requested, custom, available);
  if (
    r.source !== "pass-through" ||
    UPSTREAM_FAMILIES.test(requested) ||
    (await modelIds(deps)).includes(requested)
  )
    return r.model;
  throw new ProxyError(
    400,
    "invalid_request",
    `Unknown model "${requested}". Use a Gemini or Claude model (e.g. gemini-3-flash, claude-sonnet-4-6), one listed by GET /v1/models, or map it in custom_mapping.`,
    { code: "model_not_found" },
  );
}

/** Upstream countTokens (`{"request": …}` only, spec §9.5): the count and the routing headers. */
export async function countTokens(
  deps: DispatchDeps,
  model: string,
  inner: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ total: number; headers: Record<string, string> }> {
  const result = await dispatch(deps, {
    model,
    method: "countTokens",
    build: () => ({ request: inner }),
    signal,
  });
  const body = (await result.response.json()) as {
    totalTokens?: number;
    response?: { totalTokens?: number };
  };
  return {
    total: body.response?.totalTokens ?? body.totalTokens ?? 0,
    headers: routingHeaders(result, model),
  };
}
