import { timingSafeEqual } from "hono/utils/buffer";

export const ACCEPTED_KEY_FORMS =
  "Authorization: Bearer <key>, Authorization: <key>, x-api-key: <key>, x-goog-api-key: <key>, or ?key=<key> on Gemini paths";

/**
 * Every key the request presents, in the order the original read them (DESIGN decision 2).
 * `queryKey` is the `?key=` value, passed only on Gemini paths (the only clients that send one).
 */
export function presentedKeys(headers: Headers, queryKey?: string): string[] {
  const keys: string[] = [];
  const auth = headers.get("authorization");
  if (auth) {
    const v = auth.trim();
    keys.push(/^bearer\s+/i.test(v) ? v.replace(/^bearer\s+/i, "").trim() : v);
  }
  for (const h of ["x-api-key", "x-goog-api-key"]) {
    const v = headers.get(h)?.trim();
    if (v) keys.push(v);
  }
  const q = queryKey?.trim();
  if (q) keys.push(q);
  return keys;
}

/** Constant-time: both sides are hashed (SHA-256) before comparing, so neither length nor prefix leaks. */
export async function anyKeyMatches(
  presented: string[],
  expected: string | null | undefined,
): Promise<boolean> {
  if (!expected) return false;
  let ok = false;
  for (const k of presented) {
    // No early exit: every presented key costs the same.
    if (await timingSafeEqual(k, expected)) ok = true;
  }
  return ok;
}
