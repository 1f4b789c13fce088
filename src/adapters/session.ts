/** Session keys for sticky routing (spec §1.5): one conversation, one account, while it is healthy. */

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** FNV-1a 64 as 16 hex chars: stable and cheap; these keys only need to tell conversations apart. */
export function fingerprint(text: string): string {
  let h = OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * PRIME) & MASK;
  }
  return h.toString(16).padStart(16, "0");
}

/** `sid-<hash of the first substantial user text>`, or undefined when there is none. */
export function sessionKeyFromText(firstUserText: string | undefined): string | undefined {
  const t = firstUserText?.trim();
  if (!t || t.length <= 10) return undefined;
  return `sid-${fingerprint(t)}`;
}
