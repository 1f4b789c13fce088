/**
 * The one storage interface: a string key-value store with prefix listing. Files on Node
 * (FileKv), the ACCOUNTS binding on Workers (WorkersKv), memory in tests (MemoryKv).
 */
export interface KvStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Optional: each key's version, a token that changes when its value does, read without reading
   * the values (file stats on Node). Stores that have it let readers keep an index.
   */
  versions?(prefix: string): Promise<Map<string, string>>;
}

export class MemoryKv implements KvStore {
  private readonly data = new Map<string, string>();
  private readonly version = new Map<string, number>();
  private writes = 0;

  async get(key: string): Promise<string | null> {
    return this.data.get(key) ?? null;
  }
  async put(key: string, value: string): Promise<void> {
    this.data.set(key, value);
    this.version.set(key, ++this.writes);
  }
  async versions(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [k, v] of this.version) if (k.startsWith(prefix) && this.data.has(k)) out.set(k, String(v));
    return out;
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** The subset of Cloudflare's KVNamespace this project uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  list(opts: { prefix?: string; cursor?: string }): Promise<{
    keys: { name: string }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

export class WorkersKv implements KvStore {
  constructor(private readonly ns: KvNamespaceLike) {}

  get(key: string): Promise<string | null> {
    return this.ns.get(key);
  }
  put(key: string, value: string): Promise<void> {
    return this.ns.put(key, value);
  }
  delete(key: string): Promise<void> {
    return this.ns.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.ns.list(cursor ? { prefix, cursor } : { prefix });
      for (const k of page.keys) keys.push(k.name);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return keys.sort();
  }
}
