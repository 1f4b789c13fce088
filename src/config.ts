/**
 * The whole configuration: one zod schema, its defaults, and how layers combine
 * (defaults < config file < environment < flags). Pure: reading and writing the file lives in
 * store/config-file.ts, so this module also runs in workerd.
 */
import { z } from "zod";

export const DEFAULT_PORT = 8045;
export const DEFAULT_UPSTREAM_URLS = [
  "https://daily-cloudcode-pa.sandbox.googleapis.com",
  "https://daily-cloudcode-pa.googleapis.com",
  "https://cloudcode-pa.googleapis.com",
];
export const DEFAULT_OAUTH = {
  token_url: "https://oauth2.googleapis.com/token",
  userinfo_url: "https://www.googleapis.com/oauth2/v2/userinfo",
  auth_url: "https://accounts.google.com/o/oauth2/v2/auth",
  // The public installed-app client of Antigravity (spec §5.6); installed-app secrets are not secret.
  client_id: "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
  client_secret: "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",
};

export const AUTH_MODES = ["off", "strict", "all_except_health", "auto"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export type EffectiveAuthMode = Exclude<AuthMode, "auto">;

export const API_KEY_RULE = 'must start with "sk-" and be at least 10 characters';
export const isValidApiKey = (k: string): boolean => k.startsWith("sk-") && k.length >= 10;

const ApiKey = z.string().refine(isValidApiKey, { message: `API key ${API_KEY_RULE}` });

const UpstreamSchema = z.object({
  urls: z.array(z.url()).min(1).default(DEFAULT_UPSTREAM_URLS),
  oauth_token_url: z.url().default(DEFAULT_OAUTH.token_url),
  userinfo_url: z.url().default(DEFAULT_OAUTH.userinfo_url),
  oauth_auth_url: z.url().default(DEFAULT_OAUTH.auth_url),
  oauth_client_id: z.string().min(1).default(DEFAULT_OAUTH.client_id),
  oauth_client_secret: z.string().default(DEFAULT_OAUTH.client_secret),
  /** Antigravity version sent in User-Agent and x-client-version; bump it when Google says "no longer supported". */
  client_version: z.string().default("4.3.0"),
  user_agent: z.string().optional(),
  connect_timeout_seconds: z.number().positive().default(20),
  /** A token refresh that takes longer moves the request to the next account. */
  token_timeout_seconds: z.number().positive().default(5),
  /** Open connections per upstream host (Node; fewer when the open-file limit is small). */
  max_connections: z.number().int().positive().default(128),
  idle_timeout_seconds: z.number().positive().default(300),
  /** Silence after which streams get a keep-alive (Anthropic `ping`). */
  keepalive_seconds: z.number().positive().default(15),
});

const ZaiSchema = z.object({
  enabled: z.boolean().default(false),
  base_url: z.url().default("https://api.z.ai/api/anthropic"),
  api_key: z.string().default(""),
  dispatch_mode: z.enum(["off", "exclusive", "pooled", "fallback"]).default("off"),
  model_mapping: z.record(z.string(), z.string()).default({}),
  models: z
    .object({
      opus: z.string().default("glm-4.7"),
      sonnet: z.string().default("glm-4.7"),
      haiku: z.string().default("glm-4.5-air"),
    })
    .default({ opus: "glm-4.7", sonnet: "glm-4.7", haiku: "glm-4.5-air" }),
});

const PoolSchema = z.object({
  /** Cooldown when the upstream limits an account without saying for how long. */
  default_cooldown_seconds: z.number().nonnegative().default(60),
  /** A 429 whose retry delay is at most this concerns the request, not the account: retried in place. */
  request_scoped_delay_seconds: z.number().nonnegative().default(2),
  max_attempts: z.number().int().min(1).max(10).default(3),
  max_total_wait_seconds: z.number().nonnegative().default(30),
  sticky_sessions: z.boolean().default(true),
  quota_refresh_minutes: z.number().nonnegative().default(15),
});

export const ConfigSchema = z.object({
  port: z.number().int().min(1).max(65535).default(DEFAULT_PORT),
  allow_lan_access: z.boolean().default(false),
  /** Host names served besides loopback ones while no key is required (the DNS-rebinding guard). */
  allowed_hosts: z.array(z.string().min(1)).default([]),
  auth_mode: z.enum(AUTH_MODES).default("auto"),
  api_key: ApiKey.optional(),
  admin_password: z.string().min(4, "admin password must be at least 4 characters").nullable().optional(),
  max_body_size: z
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  custom_mapping: z.record(z.string(), z.string()).default({}),
  upstream: UpstreamSchema.default(UpstreamSchema.parse({})),
  zai: ZaiSchema.default(ZaiSchema.parse({})),
  pool: PoolSchema.default(PoolSchema.parse({})),
  monitor: z
    .object({ enabled: z.boolean().default(true), max_logs: z.number().int().positive().default(1000) })
    .default({ enabled: true, max_logs: 1000 }),
});

export type FileConfig = z.infer<typeof ConfigSchema>;
export type Config = FileConfig & { api_key: string };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function describeIssues(source: string, error: z.ZodError): string {
  const lines = error.issues.map((i) => {
    const field = i.path.length ? i.path.join(".") : "(root)";
    return `  field "${field}": ${i.message}`;
  });
  return `${source} is invalid:\n${lines.join("\n")}`;
}

/** Validates the parsed content of config.json; errors name the file and every bad field. */
export function parseFileConfig(raw: unknown, fileName: string): FileConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`${fileName} is invalid: the top level must be a JSON object`);
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(fileName, result.error));
  return result.data;
}

/** Command-line flags as the launcher parsed them; every field optional. */
export interface ConfigFlags {
  port?: number | string;
  lan?: boolean;
  authMode?: string;
  apiKey?: string;
  adminPassword?: string;
}

const truthy = (v: string) => ["1", "true", "yes", "on"].includes(v.trim().toLowerCase());
const falsy = (v: string) => ["0", "false", "no", "off", ""].includes(v.trim().toLowerCase());

function parseBool(name: string, v: string): boolean {
  if (truthy(v)) return true;
  if (falsy(v)) return false;
  throw new ConfigError(`${name}="${v}" is not a boolean (use true/false, 1/0, yes/no, on/off)`);
}

function parsePort(name: string, v: string | number): number {
  const n = typeof v === "number" ? v : /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(`${name}="${v}" is not a port number (1-65535)`);
  }
  return n;
}

function parseAuthMode(name: string, v: string): AuthMode {
  const m = v.trim().toLowerCase();
  if (!(AUTH_MODES as readonly string[]).includes(m)) {
    throw new ConfigError(`${name}="${v}" is not an auth mode (use one of: ${AUTH_MODES.join(", ")})`);
  }
  return m as AuthMode;
}

function checkApiKey(name: string, v: string): string {
  if (!isValidApiKey(v)) throw new ConfigError(`${name}: the API key ${API_KEY_RULE}`);
  return v;
}

function parseUrlList(name: string, v: string): string[] {
  const urls = v
    .split(",")
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  if (urls.length === 0) throw new ConfigError(`${name} is empty`);
  for (const u of urls) {
    if (!URL.canParse(u)) throw new ConfigError(`${name}: "${u}" is not a URL`);
  }
  return urls;
}

function parseUrl(name: string, v: string): string {
  if (!URL.canParse(v)) throw new ConfigError(`${name}: "${v}" is not a URL`);
  return v;
}

export type Env = Record<string, string | undefined>;

/** Applies environment then flags over the file's config. Each bad value is reported with its source. */
export function applyOverrides(base: FileConfig, env: Env, flags: ConfigFlags): FileConfig {
  const c: FileConfig = structuredClone(base);
  const e = (k: string) => {
    const v = env[k];
    return v === undefined || v === "" ? undefined : v;
  };
  const envRules: [string, (v: string) => void][] = [
    ["ANTIGRAVITY_PORT", (v) => (c.port = parsePort("ANTIGRAVITY_PORT", v))],
    ["ANTIGRAVITY_ALLOW_LAN", (v) => (c.allow_lan_access = parseBool("ANTIGRAVITY_ALLOW_LAN", v))],
    ["ANTIGRAVITY_AUTH_MODE", (v) => (c.auth_mode = parseAuthMode("ANTIGRAVITY_AUTH_MODE", v))],
    ["ANTIGRAVITY_API_KEY", (v) => (c.api_key = checkApiKey("ANTIGRAVITY_API_KEY", v))],
    ["ANTIGRAVITY_ADMIN_PASSWORD", (v) => (c.admin_password = v)],
    [
      "ANTIGRAVITY_ALLOWED_HOSTS",
      (v) =>
        (c.allowed_hosts = v
          .split(",")
          .map((h) => h.trim())
          .filter(Boolean)),
    ],
    ["ANTIGRAVITY_UPSTREAM_URLS", (v) => (c.upstream.urls = parseUrlList("ANTIGRAVITY_UPSTREAM_URLS", v))],
    [
      "ANTIGRAVITY_OAUTH_TOKEN_URL",
      (v) => (c.upstream.oauth_token_url = parseUrl("ANTIGRAVITY_OAUTH_TOKEN_URL", v)),
    ],
    ["ANTIGRAVITY_USERINFO_URL", (v) => (c.upstream.userinfo_url = parseUrl("ANTIGRAVITY_USERINFO_URL", v))],
    [
      "ANTIGRAVITY_OAUTH_AUTH_URL",
      (v) => (c.upstream.oauth_auth_url = parseUrl("ANTIGRAVITY_OAUTH_AUTH_URL", v)),
    ],
    ["ANTIGRAVITY_OAUTH_CLIENT_ID", (v) => (c.upstream.oauth_client_id = v)],
    ["ANTIGRAVITY_OAUTH_CLIENT_SECRET", (v) => (c.upstream.oauth_client_secret = v)],
  ];
  for (const [name, apply] of envRules) {
    const v = e(name);
    if (v !== undefined) apply(v);
  }

  if (flags.port !== undefined) c.port = parsePort("--port", flags.port);
  if (flags.lan) c.allow_lan_access = true;
  if (flags.authMode !== undefined) c.auth_mode = parseAuthMode("--auth-mode", flags.authMode);
  if (flags.apiKey !== undefined) c.api_key = checkApiKey("--api-key", flags.apiKey);
  if (flags.adminPassword !== undefined) {
    if (flags.adminPassword.length < 4)
      throw new ConfigError("--admin-password must be at least 4 characters");
    c.admin_password = flags.adminPassword;
  }
  return c;
}

/** `auto` means: a key is needed as soon as other machines can reach the port. */
export function effectiveAuthMode(c: Pick<FileConfig, "auth_mode" | "allow_lan_access">): EffectiveAuthMode {
  if (c.auth_mode === "auto") return c.allow_lan_access ? "all_except_health" : "off";
  return c.auth_mode;
}

export const bindHost = (c: Pick<FileConfig, "allow_lan_access">): string =>
  c.allow_lan_access ? "0.0.0.0" : "127.0.0.1";

/** `sk-` + 32 lowercase hex, the original's format. */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `sk-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function maskSecret(s: string | null | undefined): string {
  if (!s) return "(none)";
  if (s.length <= 10) return `${s.slice(0, 3)}…`;
  return `${s.slice(0, 5)}…${s.slice(-4)}`;
}

/** True when z.ai can serve Anthropic traffic without any Google account. */
export const zaiDispatchOn = (c: Pick<FileConfig, "zai">): boolean =>
  c.zai.enabled && c.zai.dispatch_mode !== "off" && c.zai.api_key !== "";

/** DESIGN decision 4: listening on every interface with no key would hand the accounts to the network. */
export function assertLanSafe(c: Config, allowInsecureLan: boolean): void {
  if (!c.allow_lan_access || allowInsecureLan || effectiveAuthMode(c) !== "off") return;
  throw new ConfigError(
    "Refusing to listen on 0.0.0.0 with auth mode off: anyone on your network could use your accounts.\n" +
      "  Use --auth-mode all_except_health (or auto) so clients must send the API key,\n" +
      "  or pass --allow-insecure-lan if this network is trusted.",
  );
}
