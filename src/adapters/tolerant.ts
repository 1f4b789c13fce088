/**
 * The tolerant reader's two tools: a union keyed by a tag that accepts tags it does not know, and
 * the list of what the reader ignored or mapped by rule, which the routes hand to the monitor.
 */
import { z } from "zod";

/**
 * What a conversion ignored or mapped by rule, by name: `field:service_tier`, `role:critic`,
 * `block:container_upload`, `item:additional_tools`. Reported per client in the monitor and /metrics.
 */
export type Dropped = Set<string>;

export const UNKNOWN = "__unknown__";
/**
 * A value whose tag (`type`, or `role` for messages) the reader does not know: the tag reads as
 * UNKNOWN, its real name is kept, and so is the whole value, so the adapter can map it by meaning.
 */
export type Unknown<K extends string = "type"> = { [P in K]: typeof UNKNOWN } & {
  name: string;
  value: Record<string, unknown>;
};

/**
 * A union on `key`: a known tag is checked by its schema (a malformed known value is a 400 that
 * names its field); an unknown tag becomes an `Unknown`, never an error.
 */
export function tolerantUnion<K extends string, T extends Record<string, z.ZodType>>(
  key: K,
  known: T,
): z.ZodType<z.output<T[keyof T]> | Unknown<K>> {
  return z.looseObject({ [key]: z.string() }).transform((v, ctx) => {
    const name = v[key] as string;
    const schema = Object.hasOwn(known, name) ? known[name] : undefined;
    if (!schema) return { [key]: UNKNOWN, name, value: v } as Unknown<K>;
    const r = schema.safeParse(v);
    if (r.success) return r.data as z.output<T[keyof T]>;
    for (const issue of r.error.issues)
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
    return z.NEVER;
  }) as unknown as z.ZodType<z.output<T[keyof T]> | Unknown<K>>;
}

/** Adds `prefix:name` for each key of `obj` the reader does not use. */
export function noteUnknownKeys(
  obj: unknown,
  used: Readonly<Record<string, unknown>> | ReadonlySet<string>,
  prefix: string,
  dropped: Dropped,
): void {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return;
  const has = used instanceof Set ? (k: string) => used.has(k) : (k: string) => Object.hasOwn(used, k);
  for (const k of Object.keys(obj)) if (!has(k)) dropped.add(`${prefix}:${k}`);
}

/** The text an unknown block or part carries, if it carries any (`text`, `content` as a string). */
export function textOfUnknown(u: { value: Record<string, unknown> }): string | undefined {
  const v = u.value;
  if (typeof v.text === "string") return v.text;
  if (typeof v.content === "string") return v.content;
  return undefined;
}
