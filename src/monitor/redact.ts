/** Secrets never reach the monitor: API keys, OAuth access and refresh tokens are masked. */
const PATTERNS: RegExp[] = [
  /sk-[A-Za-z0-9_-]{6,}/g,
  /ya29\.[A-Za-z0-9._-]+/g,
  /1\/\/[A-Za-z0-9._-]{6,}/g,
  /GOCSPX-[A-Za-z0-9_-]+/g,
  /("(?:api_key|apiKey|x-api-key|authorization|refresh_token|refreshToken|access_token|accessToken|password)"\s*:\s*")[^"]*"/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const re of PATTERNS)
    out = out.replace(re, (m, prefix?: string) =>
      typeof prefix === "string" && m.startsWith(prefix) ? `${prefix}[redacted]"` : "[redacted]",
    );
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * At most `max` characters, as a string of its own: a slice of a 200 KB request body would keep
 * the whole body alive for as long as the log entry lives.
 */
export function truncate(text: string, max: number): string {
  return own(text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`);
}

/** A copy that shares no memory with the (possibly huge) string it was cut from. */
export function own(text: string): string {
  return decoder.decode(encoder.encode(text));
}
