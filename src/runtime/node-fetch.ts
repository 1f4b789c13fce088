/**
 * The Node runtime's outbound fetch: undici's, over one Agent with a bounded number of connections
 * per host, so a burst of requests (200 account adds at once) cannot run the process out of file
 * handles, and idle keep-alive sockets are reused rather than opened anew.
 */
import { Agent, fetch as undiciFetch } from "undici";
import type { FetchLike } from "../upstream/client.js";
import { fdShare } from "./fd-limit.js";

const RETRIES = 8;
const outOfHandles = (err: unknown) => {
  const code = ((err as { cause?: { code?: string } }).cause ?? (err as { code?: string })).code;
  return code === "EMFILE" || code === "ENFILE";
};

/**
 * `connections` per host, fewer when the open-file limit is small. A connect that still meets
 * EMFILE/ENFILE (nothing was sent yet) waits and tries again as handles are freed.
 */
export function boundedFetch(connections: number): { fetch: FetchLike; close: () => Promise<void> } {
  const agent = new Agent({ connections: fdShare(connections) });
  const once = (input: string, init: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
  return {
    fetch: async (input, init) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(input, init);
        } catch (err) {
          if (!outOfHandles(err) || attempt >= RETRIES || init.signal?.aborted) throw err;
          await new Promise((r) => setTimeout(r, 5 * 2 ** attempt));
        }
      }
    },
    close: () => agent.close(),
  };
}
