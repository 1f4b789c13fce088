/** /metrics in Prometheus text format. */
import type { PoolApi } from "../pool/api.js";
import type { Monitor } from "./monitor.js";

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** A counter family: its HELP and TYPE lines, then one line per row with its labels escaped. */
function counter(
  lines: string[],
  name: string,
  help: string,
  rows: { labels: Record<string, string>; count: number }[],
) {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
  for (const r of rows) {
    const labels = Object.entries(r.labels)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(",");
    lines.push(`${name}{${labels}} ${r.count}`);
  }
}

export async function renderMetrics(monitor: Monitor, pool: PoolApi): Promise<string> {
  const lines: string[] = [];
  counter(
    lines,
    "antigravity_requests_total",
    "Proxy requests by protocol and HTTP status.",
    monitor
      .requestCounts()
      .map((r) => ({ labels: { protocol: r.protocol, status: r.status }, count: r.count })),
  );
  const h = monitor.latencyHistogram();
  lines.push(
    "# HELP antigravity_upstream_latency_seconds Time to the upstream's response headers.",
    "# TYPE antigravity_upstream_latency_seconds histogram",
  );
  for (const b of h.buckets)
    lines.push(`antigravity_upstream_latency_seconds_bucket{le="${b.le}"} ${b.count}`);
  lines.push(
    `antigravity_upstream_latency_seconds_bucket{le="+Inf"} ${h.count}`,
    `antigravity_upstream_latency_seconds_sum ${h.sum}`,
    `antigravity_upstream_latency_seconds_count ${h.count}`,
  );
  lines.push(
    "# HELP antigravity_active_streams Streaming responses in flight.",
    "# TYPE antigravity_active_streams gauge",
    `antigravity_active_streams ${monitor.activeStreams}`,
  );
  counter(
    lines,
    "antigravity_reader_dropped_total",
    "Request fields, roles, blocks and items the tolerant reader ignored or mapped by rule, by client.",
    monitor.droppedCounts().map((r) => ({ labels: { client: r.client, name: r.name }, count: r.count })),
  );
  const accounts = await pool.all();
  const enabled = accounts.filter((a) => a.enabled).length;
  lines.push("# HELP antigravity_accounts Accounts by state.", "# TYPE antigravity_accounts gauge");
  lines.push(
    `antigravity_accounts{state="enabled"} ${enabled}`,
    `antigravity_accounts{state="disabled"} ${accounts.length - enabled}`,
  );
  const cds = await pool.activeCooldowns();
  lines.push(
    "# HELP antigravity_cooldowns Account/model pairs cooling down now.",
    "# TYPE antigravity_cooldowns gauge",
    `antigravity_cooldowns ${cds.length}`,
  );
  return `${lines.join("\n")}\n`;
}
