/**
 * What a route knows about its request and hands to the monitor through the Hono context (the
 * monitor never re-parses bodies for it): for now, what the tolerant reader dropped.
 */
import type { Context } from "hono";
import type { Dropped } from "../adapters/tolerant.js";

declare module "hono" {
  interface ContextVariableMap {
    dropped: Dropped;
  }
}

/** The request's set of dropped names, created on first use; adapters add to it. */
export function droppedOf(c: Context): Dropped {
  let d = c.get("dropped");
  if (!d) {
    d = new Set();
    c.set("dropped", d);
  }
  return d;
}
