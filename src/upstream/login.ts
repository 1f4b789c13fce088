/**
 * The OAuth authorization-code flow of `npm run accounts -- login` (spec §5.6): a loopback
 * redirect listener on a free port, a `state` checked on return, PKCE, then the code exchange.
 */
import { createHash, randomBytes } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { OAuthClient, TokenSet } from "./oauth.js";

export class LoginError extends Error {}

export interface LoginSession {
  url: string;
  redirectUri: string;
  state: string;
  /** Resolves with the redirected URL when the browser comes back to the loopback listener. */
  callback: Promise<string>;
  /** Checks the state of a redirected URL and exchanges its code. */
  complete(redirectedUrl: string): Promise<TokenSet>;
  close(): void;
}

const PAGE = (msg: string) =>
  `<!doctype html><meta charset="utf-8"><title>Antigravity proxy</title><body style="font-family:sans-serif;margin:3em"><h2>${msg}</h2><p>You can close this tab and return to the terminal.</p>`;

export async function startLogin(oauth: OAuthClient): Promise<LoginSession> {
  const state = randomBytes(16).toString("hex");
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  let resolveCallback!: (url: string) => void;
  const callback = new Promise<string>((r) => {
    resolveCallback = r;
  });
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    if (u.pathname !== "/oauth-callback") {
      res.writeHead(404).end();
      return;
    }
    const ok = u.searchParams.get("state") === state && u.searchParams.has("code");
    res.writeHead(ok ? 200 : 400, { "content-type": "text/html; charset=utf-8" });
    res.end(
      PAGE(
        ok
          ? "Signed in. The account is being added."
          : "This sign-in link does not belong to the running login.",
      ),
    );
    if (ok) resolveCallback(`http://127.0.0.1${req.url}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth-callback`;
  return {
    url: oauth.authorizationUrl(redirectUri, state, challenge),
    redirectUri,
    state,
    callback,
    async complete(redirectedUrl: string) {
      let u: URL;
      try {
        u = new URL(redirectedUrl.trim());
      } catch {
        throw new LoginError(
          "That is not a URL. Paste the whole address the browser was sent to (it starts with http://127.0.0.1).",
        );
      }
      const err = u.searchParams.get("error");
      if (err) throw new LoginError(`Google refused the sign-in: ${err}`);
      if (u.searchParams.get("state") !== state) {
        throw new LoginError(
          "The state in that URL does not match this login (an old or foreign link). Start the login again.",
        );
      }
      const code = u.searchParams.get("code");
      if (!code) throw new LoginError("That URL has no authorization code.");
      return oauth.exchangeCode(code, redirectUri, verifier);
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
