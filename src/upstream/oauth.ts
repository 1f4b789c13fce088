/**
 * Google OAuth for installed apps (spec §5.6): refresh, code exchange, userinfo, and the
 * authorization URL. Endpoints and client come from config, so the simulator can stand in.
 */
import type { Config } from "../config.js";
import type { FetchLike } from "./client.js";

export const OAUTH_SCOPES = [
  "openid",
  "https://www.googleapis.com/auth/cloud-platform",
  "https://www.googleapis.com/auth/userinfo.email",
  "https://www.googleapis.com/auth/userinfo.profile",
  "https://www.googleapis.com/auth/cclog",
  "https://www.googleapis.com/auth/experimentsandconfigs",
];

export class OAuthError extends Error {
  constructor(
    message: string,
    /** The refresh token is revoked or expired: the account needs a new login. */
    readonly invalidGrant: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "OAuthError";
  }
}

export interface TokenSet {
  accessToken: string;
  /** Unix ms. */
  expiresAt: number;
  refreshToken?: string;
}

export class OAuthClient {
  constructor(
    private readonly config: () => Config,
    private readonly fetchImpl: FetchLike = (i, init) => fetch(i, init),
    private readonly now: () => number = Date.now,
  ) {}

  private async tokenRequest(form: Record<string, string>): Promise<TokenSet> {
    const u = this.config().upstream;
    let res: Response;
    try {
      res = await this.fetchImpl(u.oauth_token_url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "user-agent": `vscode/1.X.X (Antigravity/${u.client_version})`,
        },
        body: new URLSearchParams({
          client_id: u.oauth_client_id,
          client_secret: u.oauth_client_secret,
          ...form,
        }).toString(),
        signal: AbortSignal.timeout(u.token_timeout_seconds * 1000),
      });
    } catch (err) {
      const e = err as Error;
      throw new OAuthError(
        e.name === "TimeoutError"
          ? `the token endpoint did not answer within ${u.token_timeout_seconds}s (upstream.token_timeout_seconds)`
          : `token endpoint unreachable: ${e.message}`,
        false,
      );
    }
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below with the status
    }
    if (!res.ok || typeof body.access_token !== "string") {
      const code = typeof body.error === "string" ? body.error : `HTTP ${res.status}`;
      const desc = typeof body.error_description === "string" ? `: ${body.error_description}` : "";
      throw new OAuthError(`${code}${desc}`, code === "invalid_grant", res.status);
    }
    const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 3600;
    return {
      accessToken: body.access_token,
      expiresAt: this.now() + expiresIn * 1000,
      refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : undefined,
    };
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken });
  }

  exchangeCode(code: string, redirectUri: string, codeVerifier?: string): Promise<TokenSet> {
    return this.tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
    });
  }

  async userEmail(accessToken: string): Promise<string> {
    const res = await this.fetchImpl(this.config().upstream.userinfo_url, {
      method: "GET",
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new OAuthError(`userinfo failed: HTTP ${res.status}`, false, res.status);
    const body = (await res.json()) as { email?: unknown };
    if (typeof body.email !== "string") throw new OAuthError("userinfo returned no email", false);
    return body.email;
  }

  authorizationUrl(redirectUri: string, state: string, codeChallenge?: string): string {
    const u = this.config().upstream;
    const url = new URL(u.oauth_auth_url);
    url.searchParams.set("client_id", u.oauth_client_id);
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", OAUTH_SCOPES.join(" "));
    url.searchParams.set("access_type", "offline");
    url.searchParams.set("prompt", "consent");
    url.searchParams.set("include_granted_scopes", "true");
    url.searchParams.set("state", state);
    if (codeChallenge) {
      url.searchParams.set("code_challenge", codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
    }
    return url.toString();
  }
}
