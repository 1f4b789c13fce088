/**
 * Reading Google's error answers: the message a user can act on, and how long the upstream asks
 * us to wait (Retry-After, RetryInfo.retryDelay, ErrorInfo quotaResetDelay, or the message text).
 */

/** "2h1m1s", "42s", "510.79ms", "1.5s" -> ms (rounded up). null when not a duration. */
export function parseDuration(s: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = "";
  for (const m of s.trim().matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === "h" ? n * 3_600_000 : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : n;
    matched += m[0];
  }
  if (!matched || matched !== s.trim().replace(/\s+/g, "")) return null;
  return Math.ceil(total);
}

interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: { "@type"?: string; retryDelay?: string; reason?: string; metadata?: Record<string, string> }[];
  };
}

function parseBody(text: string): GoogleErrorBody | null {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? (v[0] as GoogleErrorBody) : (v as GoogleErrorBody);
  } catch {
    return null;
  }
}

/** The upstream's own words, without the JSON around them. */
export function upstreamMessage(text: string): string {
  const body = parseBody(text);
  const msg = body?.error?.message;
  if (msg) return body?.error?.status ? `${msg} (${body.error.status})` : msg;
  return text.trim().slice(0, 500) || "(empty body)";
}

export function upstreamReason(text: string): string | undefined {
  const body = parseBody(text);
  for (const d of body?.error?.details ?? []) if (d.reason) return d.reason;
  return undefined;
}

/** How long the upstream asked to wait, in ms; null when it did not say. */
export function retryDelayMs(headers: Headers, text: string, now = Date.now()): number | null {
  const ra = headers.get("retry-after");
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.ceil(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const body = parseBody(text);
  let best: number | null = null;
  for (const d of body?.error?.details ?? []) {
    for (const v of [d.retryDelay, d.metadata?.quotaResetDelay]) {
      const ms = v ? parseDuration(v) : null;
      if (ms !== null && (best === null || ms > best)) best = ms;
    }
  }
  if (best !== null) return best;
  const m = /(?:reset after|retry after|try again in)\s+([\d.hms ]+)/i.exec(body?.error?.message ?? text);
  if (m) return parseDuration(m[1]!.replace(/\s+/g, ""));
  return null;
}
