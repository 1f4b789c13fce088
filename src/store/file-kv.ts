import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { KvStore } from "./kv.js";
import { TEMP_SUFFIX, writeFileAtomic } from "./atomic-file.js";
import { fdShare } from "../runtime/fd-limit.js";

const SUFFIX = ".json";
const STALE_TEMP_MS = 60 * 60 * 1000;
/** File operations in flight at once: a small share of the open-file limit (1,024 or 256 commonly). */
const MAX_OPEN = fdShare(32);
const RETRIES = 8;

const busy = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EMFILE" || code === "ENFILE";
};

/** A bounded queue for file operations; one that still meets EMFILE/ENFILE waits and tries again. */
class FileQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.active >= MAX_OPEN) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await op();
        } catch (err) {
          // Descriptors held by other code in this process run out too: back off, they come back.
          if (!busy(err) || attempt >= RETRIES) throw err;
          await new Promise((r) => setTimeout(r, 5 * 2 ** attempt));
        }
      }
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** One file per key under <data-dir>/kv/, named by the URI-encoded key. */
export class FileKv implements KvStore {
  private readonly queue = new FileQueue();

  constructor(readonly dir: string) {}

  private path(key: string): string {
    if (!key) throw new Error("empty KV key");
    return join(this.dir, encodeURIComponent(key) + SUFFIX);
  }

  get(key: string): Promise<string | null> {
    return this.queue.run(async () => {
      try {
        return await readFile(this.path(key), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    });
  }

  put(key: string, value: string): Promise<void> {
    return this.queue.run(() => writeFileAtomic(this.path(key), value));
  }

  async delete(key: string): Promise<void> {
    await this.queue.run(() => rm(this.path(key), { force: true }));
  }

  private async names(): Promise<string[]> {
    try {
      return await this.queue.run(() => readdir(this.dir));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  private keysOf(names: string[], prefix: string): string[] {
    const keys: string[] = [];
    for (const name of names) {
      if (name.startsWith(".") || !name.endsWith(SUFFIX)) continue;
      const key = decodeURIComponent(name.slice(0, -SUFFIX.length));
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }

  async list(prefix: string): Promise<string[]> {
    return this.keysOf(await this.names(), prefix);
  }

  /** Each key's version (modification time and size): a change check that reads no file. */
  async versions(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await Promise.all(
      this.keysOf(await this.names(), prefix).map(async (key) => {
        const s = await this.queue.run(() => stat(this.path(key))).catch(() => null);
        if (s) out.set(key, `${s.mtimeMs}:${s.size}`);
      }),
    );
    return out;
  }

  /** Removes temp files left by writers that died mid-write (older than an hour, so never a live one). */
  async sweepStaleTemps(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await this.names()) {
      if (!name.startsWith(".") || !name.endsWith(TEMP_SUFFIX)) continue;
      const p = join(this.dir, name);
      const s = await this.queue.run(() => stat(p)).catch(() => null);
      if (s && now - s.mtimeMs > STALE_TEMP_MS) {
        await this.queue.run(() => rm(p, { force: true }));
        removed++;
      }
    }
    return removed;
  }
}
