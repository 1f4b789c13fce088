/**
 * Reads a v1internal SSE stream as it arrives: bytes are split into lines, `data:` payloads parsed
 * and unwrapped from their `response` envelope, one object per event. Nothing is buffered beyond
 * the current partial line.
 */

export class StreamIdleError extends Error {
  constructor(seconds: number) {
    super(`upstream sent nothing for ${seconds}s`);
    this.name = "StreamIdleError";
  }
}

/** `{"response": X, ...}` -> X; anything else as is. */
export function unwrapResponse<T = unknown>(obj: unknown): T {
  if (obj && typeof obj === "object" && "response" in obj) return (obj as { response: T }).response;
  return obj as T;
}

export async function* readSse<T = unknown>(
  body: ReadableStream<Uint8Array>,
  opts: { idleMs?: number; onIdle?: () => void } = {},
): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  const idleMs = opts.idleMs ?? 0;
  try {
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = idleMs
        ? Promise.race([
            reader.read(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                opts.onIdle?.();
                reject(new StreamIdleError(idleMs / 1000));
              }, idleMs);
            }),
          ])
        : reader.read();
      const { done, value } = await next.finally(() => clearTimeout(timer));
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        let line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line === "") {
          if (data.length) {
            const parsed = parsePayload<T>(data.join("\n"));
            data = [];
            if (parsed !== undefined) yield parsed;
          }
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line[5] === " " ? 6 : 5));
        }
        nl = buf.indexOf("\n");
      }
      if (done) break;
    }
    if (buf.startsWith("data:")) data.push(buf.slice(buf[5] === " " ? 6 : 5));
    if (data.length) {
      const parsed = parsePayload<T>(data.join("\n"));
      if (parsed !== undefined) yield parsed;
    }
  } finally {
    reader.releaseLock();
  }
}

function parsePayload<T>(payload: string): T | undefined {
  const p = payload.trim();
  if (!p || p === "[DONE]") return undefined;
  try {
    return unwrapResponse<T>(JSON.parse(p));
  } catch {
    return undefined; // keep-alive noise or a partial line from a cut stream
  }
}
