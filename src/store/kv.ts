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
}

export class MemoryKv implements KvStore {
  private readonly data = new Map<string, string>();

  async get(key: string): Promise<string | null> {
    return this.data.get(key) ?? null;
  }
  async put(key: string, value: string): Promise<void> {
    this.data.set(key, value);
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
