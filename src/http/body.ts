import type { Context } from "hono";
import type { z } from "zod";

import { ProxyError } from "../errors.js";

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/**
 * Parses a JSON request body once. A body that is not JSON, or is sent with a non-JSON content type,
 * gets a 400/415 that says what to change.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type");
  if (type && !JSON_TYPE.test(type)) {
    throw new ProxyError(
      415,
      "unsupported_media_type",
      `Content-Type must be application/json (got "${type.split(";")[0]}"). With curl, add -H "Content-Type: application/json".`,
    );
  }
  const text = await c.req.text();
  if (!text.trim())
    throw new ProxyError(400, "invalid_request", "Request body is empty: a JSON object is required.");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ProxyError(400, "invalid_request", `Request body is not valid JSON: ${(err as Error).message}`);
  }
}

type Issue = z.core.$ZodIssue;

/**
 * For a value that matched no branch of a union (a content that is neither a string nor a list of
 * valid blocks), the issue of the branch that got furthest: it names the field that is wrong.
 */
function deepest(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || !issue.errors.length) return issue;
  let best: Issue[] = issue.errors[0]!;
  for (const branch of issue.errors)
    if (Math.max(...branch.map((i) => i.path.length)) > Math.max(...best.map((i) => i.path.length)))
      best = branch;
  const inner = best[0];
  if (!inner || inner.path.length === 0) return issue;
  const d = deepest(inner);
  return { ...d, path: [...issue.path, ...d.path] };
}

/** Validates a parsed body; the 400 names the first fields that are wrong. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const parts = r.error.issues
    .slice(0, 3)
    .map(deepest)
    .map((i) => {
      const field = i.path.length ? i.path.join(".") : "body";
      return `${field}: ${i.message}`;
    });
  throw new ProxyError(400, "invalid_request", `Invalid request: ${parts.join("; ")}`, {
    code: "invalid_request",
  });
}
