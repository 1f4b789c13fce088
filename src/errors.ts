/**
 * Errors in the envelope of the protocol a path belongs to (DESIGN decision 1): never an empty body,
 * never plain text. Anything on the request path throws a ProxyError; app.onError renders it.
 */

export type Protocol = "openai" | "anthropic" | "gemini" | "admin";

export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limit"
  | "unavailable"
  | "overloaded"
  | "upstream"
  | "internal";

export class ProxyError extends Error {
  readonly status: number;
  readonly kind: ErrorKind;
  readonly code: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    kind: ErrorKind,
    message: string,
    opts: { code?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ProxyError";
    this.status = status;
    this.kind = kind;
    this.code = opts.code;
    this.headers = opts.headers ?? {};
  }
}

const OPENAI_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  payload_too_large: "invalid_request_error",
  unsupported_media_type: "invalid_request_error",
  rate_limit: "rate_limit_error",
  unavailable: "service_unavailable_error",
  overloaded: "service_unavailable_error",
  upstream: "upstream_error",
  internal: "server_error",
};

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  payload_too_large: "request_too_large",
  unsupported_media_type: "invalid_request_error",
  rate_limit: "rate_limit_error",
  // Claude Code retries overloaded_error forever: only a real upstream overload may say so.
  unavailable: "api_error",
  overloaded: "overloaded_error",
  upstream: "api_error",
  internal: "api_error",
};

const GEMINI_STATUS: Record<ErrorKind, string> = {
  invalid_request: "INVALID_ARGUMENT",
  authentication: "UNAUTHENTICATED",
  permission: "PERMISSION_DENIED",
  not_found: "NOT_FOUND",
  payload_too_large: "INVALID_ARGUMENT",
  unsupported_media_type: "INVALID_ARGUMENT",
  rate_limit: "RESOURCE_EXHAUSTED",
  unavailable: "UNAVAILABLE",
  overloaded: "UNAVAILABLE",
  upstream: "INTERNAL",
  internal: "INTERNAL",
};

export function errorBody(protocol: Protocol, err: ProxyError): unknown {
  switch (protocol) {
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPE[err.kind], message: err.message } };
    case "gemini":
      return { error: { code: err.status, message: err.message, status: GEMINI_STATUS[err.kind] } };
    case "admin":
      return { error: err.message, ...(err.code ? { code: err.code } : {}) };
    default:
      return { error: { message: err.message, type: OPENAI_TYPE[err.kind], code: err.code ?? null } };
  }
}

/** Gemini SDKs call /v1beta/models/..., @google/genai 3.x calls /v1/models/<m>:<method>. */
export function isGeminiPath(path: string): boolean {
  if (
    path.startsWith("/v1beta/") ||
    path.startsWith("/v1alpha/") ||
    path === "/v1beta" ||
    path === "/v1alpha"
  )
    return true;
  return path.startsWith("/v1/models/") && path.includes(":");
}

export function protocolFor(path: string, headers: Headers): Protocol {
  if (path.startsWith("/api/")) return "admin";
  if (isGeminiPath(path)) return "gemini";
  if (path.startsWith("/v1/messages")) return "anthropic";
  if (headers.has("anthropic-version")) return "anthropic";
  if (headers.has("x-goog-api-key")) return "gemini";
  return "openai";
}
