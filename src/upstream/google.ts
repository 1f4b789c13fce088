/**
 * The account-level v1internal calls: project discovery (loadCodeAssist, then onboardUser when the
 * account has none yet), quota (fetchAvailableModels), and the full check of a new refresh token.
 */
import type { ModelQuota, NewAccount } from "../pool/accounts.js";
import type { UpstreamClient } from "./client.js";
import type { OAuthClient } from "./oauth.js";

export class ProjectError extends Error {}

const METADATA = { ideType: "ANTIGRAVITY", platform: "PLATFORM_UNSPECIFIED", pluginType: "GEMINI" };

async function postJson(
  client: UpstreamClient,
  method: string,
  accessToken: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const { response } = await client.call(method, { accessToken, body });
  const text = await response.text();
  if (!response.ok)
    throw new ProjectError(`${method} failed: HTTP ${response.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ProjectError(`${method} returned non-JSON`);
  }
}

const projectOf = (v: unknown): string | undefined => {
  if (typeof v === "string" && v) return v;
  if (v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string")
    return (v as { id: string }).id;
  return undefined;
};

export interface ProjectInfo {
  projectId: string;
  tier?: string;
}

/** loadCodeAssist; with no project yet, onboardUser on the default tier (polled until done). */
export async function resolveProject(client: UpstreamClient, accessToken: string): Promise<ProjectInfo> {
  const load = await postJson(client, "loadCodeAssist", accessToken, { metadata: METADATA });
  const tierName = (t: unknown) =>
    t && typeof t === "object"
      ? ((t as { name?: string; id?: string }).name ?? (t as { id?: string }).id)
      : undefined;
  const tier = tierName(load.paidTier) ?? tierName(load.currentTier);
  const direct = projectOf(load.cloudaicompanionProject);
  if (direct) return { projectId: direct, tier };
  const tiers = Array.isArray(load.allowedTiers)
    ? (load.allowedTiers as { id?: string; isDefault?: boolean }[])
    : [];
  const tierId = tiers.find((t) => t.isDefault)?.id ?? tiers[0]?.id ?? "free-tier";
  for (let i = 0; i < 5; i++) {
    const op = await postJson(client, "onboardUser", accessToken, { tierId, metadata: METADATA });
    if (op.done) {
      const p = projectOf(
        (op.response as { cloudaicompanionProject?: unknown } | undefined)?.cloudaicompanionProject,
      );
      if (p) return { projectId: p, tier: tier ?? tierId };
      break;
    }
    await new Promise((r) => setTimeout(r, 1000 * (i + 1)));
  }
  throw new ProjectError("this Google account has no Cloud Code project and onboarding did not give one");
}

export interface QuotaSnapshot {
  models: ModelQuota[];
  forbidden: boolean;
}

/** fetchAvailableModels: remaining fraction and reset time per model. */
export async function fetchQuota(
  client: UpstreamClient,
  accessToken: string,
  projectId?: string,
): Promise<QuotaSnapshot> {
  const { response } = await client.call("fetchAvailableModels", {
    accessToken,
    body: projectId ? { project: projectId } : {},
  });
  if (response.status === 403) {
    await response.body?.cancel().catch(() => {});
    return { models: [], forbidden: true };
  }
  const text = await response.text();
  if (!response.ok)
    throw new ProjectError(`fetchAvailableModels failed: HTTP ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as {
    models?: Record<
      string,
      { quotaInfo?: { remainingFraction?: number; resetTime?: string }; displayName?: string }
    >;
  };
  const models: ModelQuota[] = [];
  for (const [name, info] of Object.entries(body.models ?? {})) {
    if (!info.quotaInfo) continue;
    if (!/^(gemini|claude|gpt|image|imagen)/.test(name)) continue;
    models.push({
      name,
      remainingFraction: Math.min(1, Math.max(0, info.quotaInfo.remainingFraction ?? 0)),
      resetTime: info.quotaInfo.resetTime,
      displayName: info.displayName,
    });
  }
  models.sort((a, b) => a.name.localeCompare(b.name));
  return { models, forbidden: false };
}

/** Refresh once, read the email, find the project: what `accounts add` and POST /api/accounts do. */
export async function checkRefreshToken(
  oauth: OAuthClient,
  client: UpstreamClient,
  refreshToken: string,
): Promise<NewAccount> {
  const tokens = await oauth.refresh(refreshToken);
  const email = await oauth.userEmail(tokens.accessToken);
  const project = await resolveProject(client, tokens.accessToken);
  return {
    refreshToken: tokens.refreshToken ?? refreshToken,
    email,
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: tokens.expiresAt,
    projectId: project.projectId,
    tier: project.tier,
    validated: true,
  };
}
