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

/** Validates a parsed body; the 400 names the first fields that are wrong. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const parts = r.error.issues.slice(0, 3).map((i) => {
    const field = i.path.length ? i.path.join(".") : "body";
    return `${field}: ${i.message}`;
  });
  throw new ProxyError(400, "invalid_request", `Invalid request: ${parts.join("; ")}`, {
    code: "invalid_request",
  });
}
