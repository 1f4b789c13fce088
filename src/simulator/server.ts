/**
 * A simulated Google upstream: OAuth token endpoint, userinfo, consent page, and v1internal
 * (loadCodeAssist, onboardUser, fetchAvailableModels, generateContent, streamGenerateContent,
 * countTokens). A real HTTP server on loopback, for tests, `npm run demo` and benchmarks.
 * It checks bearer tokens and envelopes, records what it received, and can be scripted per test.
 */
import { randomBytes } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { collect } from "../adapters/gemini/envelope.js";
import type { GeminiResponse } from "../adapters/gemini/types.js";

export interface SimAccount {
  email: string;
  refreshToken: string;
  projectId?: string;
  /** loadCodeAssist reports no project until onboardUser is called. */
  needsOnboarding?: boolean;
  /** Quota per model (remaining fraction); defaults to a standard set at 100 %. */
  models?: Record<string, number>;
}

export type GeminiChunk = GeminiResponse;

export type ScriptedReply =
  | { kind: "chunks"; chunks: GeminiChunk[]; delayMs?: number; cutAfter?: number }
  /** A plain text answer that never calls a tool (a request in JSON mode still gets JSON). */
  | { kind: "text"; text: string }
  | {
      kind: "error";
      status: number;
      body?: unknown;
      retryDelay?: string;
      quotaResetDelay?: string;
      retryAfter?: string;
    }
  | { kind: "hang" };

export interface ScriptEntry {
  /** Only for calls by this account / for this model. */
  email?: string;
  model?: string;
  method?: "generateContent" | "streamGenerateContent" | "countTokens";
  /** How many calls it answers (default 1; Infinity for always). */
  times?: number;
  latencyMs?: number;
  reply: ScriptedReply;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  rawBody: string;
  email: string | null;
  at: number;
}

export const DEFAULT_MODELS: Record<string, number> = {
  "gemini-3-flash": 1,
  "gemini-2.5-flash": 1,
  "gemini-3-pro-high": 1,
  "gemini-3.1-pro-preview": 1,
  "gemini-pro-agent": 1,
  "gemini-3-pro-image": 1,
  "claude-sonnet-4-6": 1,
  "claude-sonnet-4-6-thinking": 1,
  "claude-opus-4-6-thinking": 1,
};

interface TokenInfo {
  email: string;
  expiresAt: number;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

function googleError(status: number, message: string, statusName: string, details?: unknown[]) {
  return { error: { code: status, message, status: statusName, ...(details ? { details } : {}) } };
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** Splits a text into n roughly equal pieces (at least one). */
function split(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}

/** A plain text answer as upstream chunks: text pieces, then finishReason and usage. */
export function textChunks(
  text: string,
  opts: { model?: string; pieces?: number; thought?: string; signature?: string } = {},
): GeminiChunk[] {
  const model = opts.model ?? "gemini-3-flash";
  const responseId = `sim-${randomBytes(6).toString("hex")}`;
  const chunks: GeminiChunk[] = [];
  if (opts.thought) {
    chunks.push({
      candidates: [
        {
          content: {
            role: "model",
            parts: [
              {
                text: opts.thought,
                thought: true,
                ...(opts.signature ? { thoughtSignature: opts.signature } : {}),
              },
            ],
          },
        },
      ],
      modelVersion: model,
      responseId,
    });
  }
  const pieces = split(text, opts.pieces ?? 3);
  pieces.forEach((p, i) => {
    const last = i === pieces.length - 1;
    chunks.push({
      candidates: [
        {
          content: { role: "model", parts: [{ text: p }] },
          ...(last ? { finishReason: "STOP" } : {}),
          index: 0,
        },
      ],
      ...(last
        ? {
            usageMetadata: {
              promptTokenCount: 12,
              candidatesTokenCount: Math.max(1, Math.ceil(text.length / 4)),
              totalTokenCount: 12 + Math.max(1, Math.ceil(text.length / 4)),
              ...(opts.thought ? { thoughtsTokenCount: 5 } : {}),
            },
          }
        : {}),
      modelVersion: model,
      responseId,
    });
  });
  return chunks;
}

/** A function call answer. */
export function functionCallChunks(
  name: string,
  args: Record<string, unknown>,
  opts: { model?: string; id?: string; signature?: string } = {},
): GeminiChunk[] {
  return [
    {
      candidates: [
        {
          content: {
            role: "model",
            parts: [
              {
                functionCall: { name, args, ...(opts.id ? { id: opts.id } : {}) },
                ...(opts.signature ? { thoughtSignature: opts.signature } : {}),
              },
            ],
          },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 8, totalTokenCount: 28 },
      modelVersion: opts.model ?? "gemini-3-flash",
      responseId: `sim-${randomBytes(6).toString("hex")}`,
    },
  ];
}

function lastUserText(body: unknown): string {
  const contents =
    (body as { request?: { contents?: { role?: string; parts?: { text?: string }[] }[] } })?.request
      ?.contents ?? [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i]!;
    if (c.role !== "user") continue;
    const t = (c.parts ?? [])
      .map((p) => p.text ?? "")
      .join("")
      .trim();
    if (t) return t;
  }
  return "";
}

/** A 1×1 PNG: what the simulated image models draw. */
export const SIM_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

interface Declared {
  name: string;
  parameters?: { properties?: Record<string, { type?: string }>; required?: string[] };
}

/**
 * What the simulator says when no script applies: with tools declared and a fresh user turn, a call
 * to the first tool (arguments made from its required properties); after a tool result, a text
 * that quotes it; otherwise a text that quotes the question. Deterministic, so demos and SDK tests
 * can rely on it.
 */
/** A value shaped like a JSON schema: the first enum value, required and listed properties filled in. */
export function sampleOf(schema: unknown): unknown {
  const s = (schema ?? {}) as {
    type?: string;
    enum?: unknown[];
    properties?: Record<string, unknown>;
    items?: unknown;
  };
  if (s.enum?.length) return s.enum[0];
  switch ((s.type ?? (s.properties ? "object" : "string")).toLowerCase()) {
    case "object":
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sampleOf(v)]));
    case "array":
      return [sampleOf(s.items)];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    default:
      return "demo";
  }
}

/** A request in JSON mode (responseMimeType application/json) gets JSON shaped by its schema. */
function jsonModeAnswer(body: unknown, model: string): GeminiChunk[] | null {
  const gen = (
    body as {
      request?: {
        generationConfig?: {
          responseMimeType?: string;
          responseSchema?: unknown;
          responseJsonSchema?: unknown;
        };
      };
    }
  ).request?.generationConfig;
  if (gen?.responseMimeType !== "application/json") return null;
  const schema = gen.responseJsonSchema ?? gen.responseSchema;
  return textChunks(JSON.stringify(schema ? sampleOf(schema) : { answer: "demo" }), {
    model,
    pieces: 1,
  });
}

export function defaultAnswer(body: unknown, model: string): GeminiChunk[] {
  const asJson = jsonModeAnswer(body, model);
  if (asJson) return asJson;
  const req = (
    body as {
      request?: {
        contents?: { role?: string; parts?: Record<string, unknown>[] }[];
        tools?: { functionDeclarations?: Declared[] }[];
      };
    }
  ).request;
  const last = req?.contents?.at(-1);
  const decls = (req?.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  if (model.includes("-image")) {
    return [
      {
        candidates: [
          {
            content: { role: "model", parts: [{ inlineData: { mimeType: "image/png", data: SIM_PNG } }] },
            finishReason: "STOP",
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 1290, totalTokenCount: 1298 },
        modelVersion: model,
      },
    ];
  }
  const toolResult = last?.parts?.find((p) => p.functionResponse)?.functionResponse as
    { name?: string; response?: unknown } | undefined;
  if (toolResult) {
    return textChunks(
      `Simulated answer (${model}) using ${toolResult.name}: ${JSON.stringify(toolResult.response).slice(0, 80)}`,
      { model },
    );
  }
  if (decls.length && last?.role === "user") {
    const d = decls[0]!;
    const args: Record<string, unknown> = {};
    for (const key of d.parameters?.required ?? []) {
      const t = (d.parameters?.properties?.[key]?.type ?? "string").toLowerCase();
      args[key] = t === "number" || t === "integer" ? 1 : t === "boolean" ? true : "demo";
    }
    return functionCallChunks(d.name, args, { model, id: `call-${randomBytes(4).toString("hex")}` });
  }
  return textChunks(`Simulated answer (${model}) to: ${lastUserText(body).slice(0, 60)}`, { model });
}

/** Checks a generate envelope against spec §6.4; returns what is wrong. */
export function envelopeProblems(body: unknown): string[] {
  const p: string[] = [];
  if (typeof body !== "object" || body === null) return ["body is not a JSON object"];
  const b = body as Record<string, unknown>;
  if (typeof b.project !== "string" || !b.project) p.push("project missing");
  if (typeof b.requestId !== "string" || !b.requestId) p.push("requestId missing");
  if (typeof b.model !== "string" || !b.model) p.push("model missing");
  if (typeof b.userAgent !== "string") p.push("userAgent missing");
  if (typeof b.requestType !== "string") p.push("requestType missing");
  const r = b.request as Record<string, unknown> | undefined;
  if (!r || typeof r !== "object") p.push("request missing");
  else {
    if (!Array.isArray(r.contents) || r.contents.length === 0) p.push("request.contents missing or empty");
    if (typeof r.sessionId !== "string") p.push("request.sessionId missing");
    if (JSON.stringify(r).includes('"cache_control"')) p.push("cache_control must not be sent upstream");
  }
  return p;
}

export class SimulatedUpstream {
  server: Server | null = null;
  url = "";
  readonly accounts = new Map<string, SimAccount>(); // by refresh token
  readonly revoked = new Set<string>();
  /** Refresh tokens whose token requests are accepted and never answered. */
  readonly stalledTokens = new Set<string>();
  readonly tokens = new Map<string, TokenInfo>();
  readonly requests: RecordedRequest[] = [];
  readonly refreshCounts = new Map<string, number>(); // by refresh token
  readonly codes = new Map<string, string>(); // authorization code -> refresh token
  /** Streams whose client went away before the end. */
  abortedStreams = 0;
  /** Seconds an issued access token lives. */
  accessTokenLifetime = 3600;
  /** Base path behaviour: respond 503 to every v1internal call (for fallback tests). */
  failAllWith: number | null = null;
  private script: ScriptEntry[] = [];
  private sockets = new Set<Socket>();
  private seq = 0;

  addAccount(a: SimAccount): SimAccount {
    this.accounts.set(a.refreshToken, a);
    return a;
  }

  /** Queues scripted replies; the first matching entry answers. */
  enqueue(...entries: ScriptEntry[]): void {
    this.script.push(...entries);
  }

  clearScript(): void {
    this.script = [];
  }

  reset(): void {
    this.requests.length = 0;
    this.script = [];
    this.abortedStreams = 0;
    this.refreshCounts.clear();
    this.failAllWith = null;
    this.stalledTokens.clear();
  }

  generateCalls(): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.path.includes("GenerateContent") || r.path.includes("generateContent"),
    );
  }

  /** Issues an access token directly (for tests that seed accounts with a valid token). */
  issueAccessToken(refreshToken: string, lifetimeSeconds = this.accessTokenLifetime): string {
    const acct = this.accounts.get(refreshToken);
    if (!acct) throw new Error("unknown refresh token");
    const token = `ya29.sim-${++this.seq}-${randomBytes(8).toString("hex")}`;
    this.tokens.set(token, { email: acct.email, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  async start(port = 0, host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent)
          json(res, 500, googleError(500, `simulator error: ${(err as Error).message}`, "INTERNAL"));
        else res.destroy();
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** The environment that points the proxy at this simulator. */
  env(): Record<string, string> {
    return {
      ANTIGRAVITY_UPSTREAM_URLS: this.url,
      ANTIGRAVITY_OAUTH_TOKEN_URL: `${this.url}/token`,
      ANTIGRAVITY_USERINFO_URL: `${this.url}/oauth2/v2/userinfo`,
      ANTIGRAVITY_OAUTH_AUTH_URL: `${this.url}/o/oauth2/v2/auth`,
    };
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  private bearerEmail(req: IncomingMessage): { email: string } | { error: string } {
    const auth = req.headers.authorization ?? "";
    const m = /^Bearer (.+)$/.exec(auth);
    if (!m) return { error: "missing bearer token" };
    const info = this.tokens.get(m[1]!);
    if (!info) return { error: "unknown access token" };
    if (info.expiresAt <= Date.now()) return { error: "access token expired" };
    return { email: info.email };
  }

  private accountByEmail(email: string): SimAccount | undefined {
    for (const a of this.accounts.values()) if (a.email === email) return a;
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const rawBody = req.method === "POST" ? await this.readBody(req) : "";
    let body: unknown = null;
    const isForm = (req.headers["content-type"] ?? "").includes("x-www-form-urlencoded");
    if (rawBody && !isForm) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = null;
      }
    } else if (isForm) {
      body = Object.fromEntries(new URLSearchParams(rawBody));
    }
    const auth = this.bearerEmail(req);
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body,
      rawBody,
      email: "email" in auth ? auth.email : null,
      at: Date.now(),
    };
    this.requests.push(rec);

    if (url.pathname === "/token") return this.token(res, body as Record<string, string>);
    if (url.pathname === "/oauth2/v2/userinfo") {
      if ("error" in auth)
        return json(res, 401, { error: { code: 401, message: auth.error, status: "UNAUTHENTICATED" } });
      return json(res, 200, { id: `id-${auth.email}`, email: auth.email, verified_email: true });
    }
    if (url.pathname === "/o/oauth2/v2/auth") return this.consent(res, url);

    const m = /^\/v1internal:(\w+)$/.exec(url.pathname);
    if (!m) return json(res, 404, googleError(404, `simulator: no route ${url.pathname}`, "NOT_FOUND"));
    if (this.failAllWith)
      return json(
        res,
        this.failAllWith,
        googleError(this.failAllWith, "simulated outage", STATUS_NAMES[this.failAllWith] ?? "UNAVAILABLE"),
      );
    if ("error" in auth)
      return json(
        res,
        401,
        googleError(401, `Request had invalid authentication credentials: ${auth.error}`, "UNAUTHENTICATED"),
      );
    const account = this.accountByEmail(auth.email)!;
    const method = m[1]!;
    switch (method) {
      case "loadCodeAssist":
        if (account.needsOnboarding) {
          return json(res, 200, {
            allowedTiers: [{ id: "free-tier", name: "Gemini Code Assist for individuals", isDefault: true }],
          });
        }
        return json(res, 200, {
          cloudaicompanionProject: account.projectId ?? `sim-project-${account.email.split("@")[0]}`,
          currentTier: { id: "free-tier", name: "Free" },
        });
      case "onboardUser":
        account.needsOnboarding = false;
        account.projectId ??= `sim-onboarded-${account.email.split("@")[0]}`;
        return json(res, 200, {
          done: true,
          response: { cloudaicompanionProject: { id: account.projectId, name: account.projectId } },
        });
      case "fetchAvailableModels": {
        const models = account.models ?? DEFAULT_MODELS;
        const reset = new Date(Date.now() + 5 * 3600_000).toISOString();
        return json(res, 200, {
          models: Object.fromEntries(
            Object.entries(models).map(([name, frac]) => [
              name,
              { displayName: name, quotaInfo: { remainingFraction: frac, resetTime: reset } },
            ]),
          ),
        });
      }
      case "countTokens": {
        const b = body as Record<string, unknown> | null;
        if (!b || typeof b.request !== "object" || "model" in b || "project" in b) {
          return json(res, 400, googleError(400, "countTokens takes {request} only", "INVALID_ARGUMENT"));
        }
        const scripted = this.take(account.email, undefined, "countTokens");
        if (scripted) return this.reply(req, res, scripted, false);
        return json(res, 200, { totalTokens: Math.max(1, Math.ceil(JSON.stringify(b.request).length / 4)) });
      }
      case "generateContent":
      case "streamGenerateContent": {
        const stream = method === "streamGenerateContent";
        if (stream && url.searchParams.get("alt") !== "sse") {
          return json(res, 400, googleError(400, "streamGenerateContent needs ?alt=sse", "INVALID_ARGUMENT"));
        }
        const problems = envelopeProblems(body);
        if (problems.length)
          return json(
            res,
            400,
            googleError(400, `Invalid envelope: ${problems.join("; ")}`, "INVALID_ARGUMENT"),
          );
        const model = (body as { model: string }).model;
        const scripted = this.take(account.email, model, method);
        if (scripted?.reply.kind === "text") {
          const chunks = jsonModeAnswer(body, model) ?? textChunks(scripted.reply.text, { model });
          return this.reply(req, res, { ...scripted, reply: { kind: "chunks", chunks } }, stream);
        }
        if (scripted) return this.reply(req, res, scripted, stream);
        return this.reply(
          req,
          res,
          { reply: { kind: "chunks", chunks: defaultAnswer(body, model) } },
          stream,
        );
      }
      default:
        return json(res, 404, googleError(404, `simulator: unknown method ${method}`, "NOT_FOUND"));
    }
  }

  private take(email: string, model: string | undefined, method: string): ScriptEntry | null {
    const i = this.script.findIndex(
      (e) =>
        (!e.email || e.email === email) &&
        (!e.model || !model || e.model === model) &&
        (!e.method ||
          e.method === method ||
          (e.method === "streamGenerateContent" && method === "generateContent")),
    );
    if (i < 0) return null;
    const e = this.script[i]!;
    const left = (e.times ?? 1) - 1;
    if (left <= 0) this.script.splice(i, 1);
    else e.times = left;
    return e;
  }

  private async reply(
    req: IncomingMessage,
    res: ServerResponse,
    entry: Pick<ScriptEntry, "reply" | "latencyMs">,
    stream: boolean,
  ): Promise<void> {
    if (entry.latencyMs) await new Promise((r) => setTimeout(r, entry.latencyMs));
    const r =
      entry.reply.kind === "text"
        ? { kind: "chunks" as const, chunks: textChunks(entry.reply.text), delayMs: 0, cutAfter: undefined }
        : entry.reply;
    if (r.kind === "hang") {
      res.on("close", () => {
        this.abortedStreams++;
      });
      return;
    }
    if (r.kind === "error") {
      const details: unknown[] = [];
      if (r.retryDelay)
        details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: r.retryDelay });
      if (r.quotaResetDelay) {
        details.push({
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "QUOTA_EXHAUSTED",
          metadata: { quotaResetDelay: r.quotaResetDelay },
        });
      }
      const statusName = STATUS_NAMES[r.status] ?? "UNKNOWN";
      const message =
        r.status === 429 ? "Resource has been exhausted (e.g. check quota)." : `simulated ${r.status}`;
      const body = r.body ?? googleError(r.status, message, statusName, details.length ? details : undefined);
      return json(res, r.status, body, r.retryAfter ? { "retry-after": r.retryAfter } : {});
    }
    const traceId = randomBytes(8).toString("hex");
    if (!stream) {
      return json(res, 200, { response: collect(r.chunks), traceId });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders(); // like Google: headers first, then the chunks as they are generated
    let clientGone = false;
    res.on("close", () => {
      if (!res.writableEnded) {
        clientGone = true;
        this.abortedStreams++;
      }
    });
    for (let i = 0; i < r.chunks.length; i++) {
      if (clientGone) return;
      if (r.cutAfter !== undefined && i >= r.cutAfter) {
        req.socket.destroy();
        return;
      }
      res.write(`data: ${JSON.stringify({ response: r.chunks[i], traceId })}\n\n`);
      if (r.delayMs) await new Promise((x) => setTimeout(x, r.delayMs));
    }
    res.end();
  }

  private token(res: ServerResponse, form: Record<string, string> | null) {
    if (!form) return json(res, 400, { error: "invalid_request", error_description: "form body required" });
    if (!form.client_id)
      return json(res, 401, { error: "invalid_client", error_description: "client_id missing" });
    if (form.grant_type === "refresh_token") {
      const rt = form.refresh_token ?? "";
      this.refreshCounts.set(rt, (this.refreshCounts.get(rt) ?? 0) + 1);
      if (this.stalledTokens.has(rt)) return;
      const acct = this.accounts.get(rt);
      if (!acct || this.revoked.has(rt)) {
        return json(res, 400, {
          error: "invalid_grant",
          error_description: "Token has been expired or revoked.",
        });
      }
      const access = this.issueAccessToken(rt);
      return json(res, 200, {
        access_token: access,
        expires_in: this.accessTokenLifetime,
        token_type: "Bearer",
        scope: "openid",
      });
    }
    if (form.grant_type === "authorization_code") {
      const rt = this.codes.get(form.code ?? "");
      if (!rt) return json(res, 400, { error: "invalid_grant", error_description: "Malformed auth code." });
      this.codes.delete(form.code!);
      const access = this.issueAccessToken(rt);
      return json(res, 200, {
        access_token: access,
        refresh_token: rt,
        expires_in: this.accessTokenLifetime,
        token_type: "Bearer",
      });
    }
    return json(res, 400, { error: "unsupported_grant_type" });
  }

  /** The consent page: approves at once for the first account (or ?login_hint=) and redirects back. */
  private consent(res: ServerResponse, url: URL) {
    const redirect = url.searchParams.get("redirect_uri");
    const state = url.searchParams.get("state") ?? "";
    if (!redirect) return json(res, 400, { error: "redirect_uri missing" });
    const hint = url.searchParams.get("login_hint");
    const acct = [...this.accounts.values()].find((a) => !hint || a.email === hint);
    if (!acct) return json(res, 400, { error: "no account to consent with" });
    const code = `sim-code-${randomBytes(6).toString("hex")}`;
    this.codes.set(code, acct.refreshToken);
    const to = new URL(redirect);
    to.searchParams.set("code", code);
    to.searchParams.set("state", state);
    res.writeHead(302, { location: to.toString() });
    res.end();
  }

  /** Creates an authorization code as the consent page would (for --no-browser tests). */
  authorize(redirectUri: string, state: string, email?: string): string {
    const acct = [...this.accounts.values()].find((a) => !email || a.email === email);
    if (!acct) throw new Error("no such account");
    const code = `sim-code-${randomBytes(6).toString("hex")}`;
    this.codes.set(code, acct.refreshToken);
    const to = new URL(redirectUri);
    to.searchParams.set("code", code);
    to.searchParams.set("state", state);
    return to.toString();
  }
}
