/** Ids the upstream and clients see. Random, so callers pass them into the pure adapters. */

const HEX = "0123456789abcdef";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomString(n: number, alphabet = ALNUM): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let s = "";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/** Gemini-native requests: `agent/<unix ms>/<8 hex>` (spec §9.2). */
export const nativeRequestId = (now = Date.now()) => `agent/${now}/${randomString(8, HEX)}`;

/** OpenAI and Anthropic requests: `agent/antigravity/<first 8 of session>/<message count>` (spec §6.4). */
export const envelopeRequestId = (sessionKey: string | undefined, messageCount: number) =>
  `agent/antigravity/${(sessionKey ?? randomString(8)).slice(0, 8)}/${messageCount}`;
