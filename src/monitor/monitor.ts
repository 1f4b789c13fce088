/**
 * The request monitor: a bounded ring of recent requests in memory, a bounded copy in the store,
 * token usage per account and model per hour, and the counters /metrics reports. Recording never
 * delays a response: streams are teed and read as they pass; store writes are batched off the
 * request path.
 */
import type { KvStore } from "../store/kv.js";
import type { Usage } from "./usage.js";

export interface RequestLog {
  id: string;
  time: number;
  method: string;
  path: string;
  protocol: string;
  model: string | null;
  mappedModel: string | null;
  account: string | null;
  status: number;
  durationMs: number;
  inputTokens: number | null;
  outputTokens: number | null;
  error: string | null;
  stream: boolean;
  requestBody: string | null;
  responseBody: string | null;
  /** The client (user agent's product token) and what the tolerant reader dropped for it. */
  client?: string;
  dropped?: string[];
}

/** How often one client's requests had a name dropped by the tolerant reader. */
export interface DroppedRow {
  client: string;
  name: string;
  count: number;
  lastSeen: number;
}

/** Distinct (client, name) pairs kept: names come from clients, so the table is bounded. */
const MAX_DROPPED_ROWS = 2000;

export type RequestSummary = Omit<RequestLog, "requestBody" | "responseBody">;

export interface UsageRow {
  hour: string;
  account: string;
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

const LOG_PREFIX = "log:";
const USAGE_PREFIX = "usage:";
const MAX_BATCHES = 200;
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class Monitor {
  enabled: boolean;
  private ring: RequestLog[] = [];
  private readonly usage = new Map<string, UsageRow>();
  private readonly requests = new Map<string, number>(); // "protocol|status" -> count
  private readonly latency = { buckets: LATENCY_BUCKETS.map(() => 0), count: 0, sum: 0 };
  activeStreams = 0;
  private readonly droppedRows = new Map<string, DroppedRow>();
  private pending: RequestLog[] = [];
  /** Entries per persisted batch, oldest first (for pruning). */
  private batchSizes: number[] = [];
  private dirtyHours = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly kv: KvStore | null,
    private readonly max = 1000,
    enabled = true,
    private readonly persistMax = 500,
  ) {
    this.enabled = enabled;
  }

  /** Reads the persisted log and usage back (Node start). */
  async load(): Promise<void> {
    if (!this.kv) return;
    const keys = await this.kv.list(LOG_PREFIX);
    const batches = (await Promise.all(keys.map((k) => this.kv!.get(k)))).map((t) => {
      try {
        return t ? (JSON.parse(t) as RequestLog[]) : [];
      } catch {
        return []; // a damaged batch: its entries are lost, the others are kept
      }
    });
    this.batchSizes = batches.map((b) => b.length);
    this.ring = batches.flat().slice(-this.max);
    for (const k of await this.kv.list(USAGE_PREFIX)) {
      const t = await this.kv.get(k);
      for (const row of t ? (JSON.parse(t) as UsageRow[]) : [])
        this.usage.set(`${row.hour}|${row.account}|${row.model}`, row);
    }
  }

  record(log: RequestLog): void {
    this.requests.set(
      `${log.protocol}|${log.status}`,
      (this.requests.get(`${log.protocol}|${log.status}`) ?? 0) + 1,
    );
    // Usage is kept even with recording off: it is what the quota view is built on.
    if (log.account && (log.inputTokens || log.outputTokens))
      this.addUsage(log.time, log.account, log.mappedModel ?? log.model ?? "unknown", {
        input: log.inputTokens ?? 0,
        output: log.outputTokens ?? 0,
      });
    if (!this.enabled) return;
    this.ring.push(log);
    if (this.ring.length > this.max) this.ring.splice(0, this.ring.length - this.max);
    this.pending.push(log);
    this.schedule();
  }

  /**
   * Counts what the reader dropped for a client; returns the names seen for the first time (the
   * caller logs those once).
   */
  noteDropped(client: string, names: Iterable<string>, time: number): string[] {
    const fresh: string[] = [];
    for (const name of names) {
      const key = `${client}\u0000${name}`;
      const row = this.droppedRows.get(key);
      if (row) {
        row.count++;
        row.lastSeen = time;
      } else if (this.droppedRows.size < MAX_DROPPED_ROWS) {
        this.droppedRows.set(key, { client, name, count: 1, lastSeen: time });
        fresh.push(name);
      }
    }
    return fresh;
  }

  droppedCounts(): DroppedRow[] {
    return [...this.droppedRows.values()].sort(
      (a, b) => b.count - a.count || a.client.localeCompare(b.client) || a.name.localeCompare(b.name),
    );
  }

  private addUsage(time: number, account: string, model: string, u: Usage): void {
    const hour = `${new Date(time).toISOString().slice(0, 13)}:00Z`;
    const key = `${hour}|${account}|${model}`;
    const row = this.usage.get(key) ?? { hour, account, model, requests: 0, inputTokens: 0, outputTokens: 0 };
    row.requests++;
    row.inputTokens += u.input;
    row.outputTokens += u.output;
    this.usage.set(key, row);
    this.dirtyHours.add(hour);
    this.schedule();
  }

  observeUpstream(seconds: number): void {
    this.latency.count++;
    this.latency.sum += seconds;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.latency.buckets[i]!++;
    });
  }

  list(opts: { errorsOnly?: boolean; limit?: number } = {}): RequestSummary[] {
    const rows = opts.errorsOnly ? this.ring.filter((l) => l.status >= 400 || l.error) : this.ring;
    return rows
      .slice(-(opts.limit ?? 200))
      .reverse()
      .map(({ requestBody: _, responseBody: __, ...s }) => s);
  }

  get(id: string): RequestLog | undefined {
    return this.ring.find((l) => l.id === id);
  }

  async clear(): Promise<void> {
    this.ring = [];
    this.pending = [];
    this.batchSizes = [];
    if (this.kv) for (const k of await this.kv.list(LOG_PREFIX)) await this.kv.delete(k);
  }

  usageRows(): UsageRow[] {
    return [...this.usage.values()].sort(
      (a, b) =>
        b.hour.localeCompare(a.hour) || a.account.localeCompare(b.account) || a.model.localeCompare(b.model),
    );
  }

  requestCounts(): { protocol: string; status: string; count: number }[] {
    return [...this.requests.entries()].map(([k, count]) => {
      const [protocol, status] = k.split("|") as [string, string];
      return { protocol, status, count };
    });
  }

  latencyHistogram() {
    return {
      buckets: LATENCY_BUCKETS.map((le, i) => ({ le, count: this.latency.buckets[i]! })),
      count: this.latency.count,
      sum: this.latency.sum,
    };
  }

  private schedule(): void {
    if (!this.kv || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, 1000);
    (this.flushTimer as { unref?: () => void }).unref?.();
  }

  /**
   * Writes what is pending, in one value per flush (a batch of entries), keeping the newest batches
   * up to persistMax entries; and the usage hours that changed.
   */
  async flush(): Promise<void> {
    if (!this.kv) return;
    if (this.flushing) await this.flushing;
    const logs = this.pending.splice(0);
    const hours = [...this.dirtyHours];
    this.dirtyHours.clear();
    this.flushing = (async () => {
      if (logs.length) {
        await this.kv!.put(
          `${LOG_PREFIX}${String(logs[0]!.time).padStart(15, "0")}-${logs[0]!.id}`,
          JSON.stringify(logs),
        );
        this.batchSizes.push(logs.length);
        let total = this.batchSizes.reduce((a, b) => a + b, 0);
        const keys = await this.kv!.list(LOG_PREFIX);
        // Oldest batches go once the newest ones hold persistMax entries (or there are too many).
        let i = 0;
        while (
          i < keys.length - 1 &&
          (total - (this.batchSizes[0] ?? 0) >= this.persistMax || keys.length - i > MAX_BATCHES)
        ) {
          await this.kv!.delete(keys[i]!);
          total -= this.batchSizes.shift() ?? 0;
          i++;
        }
      }
      for (const hour of hours) {
        const rows = this.usageRows().filter((r) => r.hour === hour);
        await this.kv!.put(`${USAGE_PREFIX}${hour}`, JSON.stringify(rows));
      }
    })().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }
}
