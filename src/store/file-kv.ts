import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { KvStore } from "./kv.js";
import { TEMP_SUFFIX, writeFileAtomic } from "./atomic-file.js";

const SUFFIX = ".json";
const STALE_TEMP_MS = 60 * 60 * 1000;

/** One file per key under <data-dir>/kv/, named by the URI-encoded key. */
export class FileKv implements KvStore {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    if (!key) throw new Error("empty KV key");
    return join(this.dir, encodeURIComponent(key) + SUFFIX);
  }

  async get(key: string): Promise<string | null> {
    try {
      return await readFile(this.path(key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  put(key: string, value: string): Promise<void> {
    return writeFileAtomic(this.path(key), value);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const keys: string[] = [];
    for (const name of names) {
      if (name.startsWith(".") || !name.endsWith(SUFFIX)) continue;
      const key = decodeURIComponent(name.slice(0, -SUFFIX.length));
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }

  /** Removes temp files left by writers that died mid-write (older than an hour, so never a live one). */
  async sweepStaleTemps(now = Date.now()): Promise<number> {
    let removed = 0;
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!name.startsWith(".") || !name.endsWith(TEMP_SUFFIX)) continue;
      const p = join(this.dir, name);
      const s = await stat(p).catch(() => null);
      if (s && now - s.mtimeMs > STALE_TEMP_MS) {
        await rm(p, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
