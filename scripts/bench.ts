/**
 * npm run bench: proxy overhead against the simulated upstream, beside a direct call to the
 * simulator. The proxy runs in its own process (as `npm start` would); its CPU time and memory are
 * read from /proc, so the client and the simulator do not count. Results go to stdout as Markdown.
 *
 *   npm run bench -- [--requests N]
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sessionIdFor, wrap } from "../src/adapters/gemini/envelope.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { SimulatedUpstream } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";

const { values } = parseArgs({ options: { requests: { type: "string" } }, strict: true });
const N = Number(values.requests ?? 300);
const WARMUP = 30;
const ROOT = join(import.meta.dirname, "..");
const TICK_MS = 10; // USER_HZ = 100 on Linux

function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime + stime
}
function procMem(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

const sim = new SimulatedUpstream();
await sim.start();
const ACCOUNT = { email: "bench@example.com", refreshToken: "1//bench" };
sim.addAccount({ ...ACCOUNT, projectId: "bench-project" });
const dataDir = await mkdtemp(join(tmpdir(), "agp-bench-"));
const stored = await new AccountRepo(new FileKv(join(dataDir, "kv"))).upsert(ACCOUNT);

/** `npm start` with extra flags, resolved once its banner is out. */
async function launch(args: string[]) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "scripts/start.ts"), "--data-dir", dataDir, ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...sim.env(), ANTIGRAVITY_AUTH_MODE: "off" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (b) => (out += b));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes("Check it:")) {
        clearInterval(t);
        resolve();
      }
      if (child.exitCode !== null) reject(new Error(out));
    }, 50);
  });
  // The per-request log line is part of the proxy's cost, but the pipe must not fill up.
  child.stdout.resume();
  return child;
}

const port = 18000 + Math.floor(Math.random() * 1000);
const child = await launch(["--port", String(port)]);
const proxy = `http://127.0.0.1:${port}`;

const userText = (kb: number) => {
  const turns = [];
  const filler = "lorem ipsum dolor sit amet ".repeat(40);
  let size = 0;
  for (let i = 0; size < kb * 1024; i++) {
    turns.push({ role: i % 2 ? "assistant" : "user", content: `${i}: ${filler}` });
    size += filler.length + 40;
  }
  if (turns.at(-1)!.role !== "user") turns.push({ role: "user", content: "and now?" });
  return turns;
};
const fixture = JSON.parse(
  readFileSync(join(ROOT, "test", "fixtures", "clients", "claude-code-first-turn.json"), "utf8"),
).body;

interface Scenario {
  name: string;
  url: string;
  body: unknown;
  stream?: boolean;
}
const geminiEnvelope = (text: string) =>
  wrap({
    request: { contents: [{ role: "user", parts: [{ text }] }] },
    model: "gemini-3-flash",
    project: "bench-project",
    sessionId: sessionIdFor(stored.account.id),
    requestId: "agent/1/bench",
  });
const token = sim.issueAccessToken(ACCOUNT.refreshToken, 3600);

const scenarios: Scenario[] = [
  {
    name: "direct to simulator (small, stream)",
    url: `${sim.url}/v1internal:streamGenerateContent?alt=sse`,
    body: geminiEnvelope("Hello there, how are you?"),
    stream: true,
  },
  {
    name: "OpenAI chat, small",
    url: `${proxy}/v1/chat/completions`,
    body: { model: "gemini-3-flash", messages: [{ role: "user", content: "Hello there, how are you?" }] },
  },
  {
    name: "OpenAI chat, small, stream",
    url: `${proxy}/v1/chat/completions`,
    body: {
      model: "gemini-3-flash",
      stream: true,
      messages: [{ role: "user", content: "Hello there, how are you?" }],
    },
    stream: true,
  },
  {
    name: "OpenAI chat, 200 KB",
    url: `${proxy}/v1/chat/completions`,
    body: { model: "gemini-3-flash", messages: userText(200) },
  },
  {
    name: "OpenAI chat, 10 KB",
    url: `${proxy}/v1/chat/completions`,
    body: { model: "gemini-3-flash", messages: userText(10) },
  },
  {
    name: "Anthropic messages, small",
    url: `${proxy}/v1/messages`,
    body: {
      model: "claude-sonnet-4-6",
      max_tokens: 256,
      messages: [{ role: "user", content: "Hello there, how are you?" }],
    },
  },
  {
    name: "Anthropic messages, small, stream",
    url: `${proxy}/v1/messages`,
    body: {
      model: "claude-sonnet-4-6",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: "Hello there, how are you?" }],
    },
    stream: true,
  },
  {
    name: "Anthropic messages, 200 KB",
    url: `${proxy}/v1/messages`,
    body: { model: "claude-sonnet-4-6", max_tokens: 256, messages: userText(200) },
  },
  {
    name: "Anthropic, Claude Code first turn (120 KB, 24 tools, stream)",
    url: `${proxy}/v1/messages`,
    body: fixture,
    stream: true,
  },
  {
    name: "Gemini generateContent, small",
    url: `${proxy}/v1beta/models/gemini-3-flash:generateContent`,
    body: { contents: [{ role: "user", parts: [{ text: "Hello there, how are you?" }] }] },
  },
];

async function once(s: Scenario, payload: string): Promise<{ total: number; ttfb: number }> {
  const t0 = performance.now();
  const res = await fetch(s.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      "x-api-key": "sk-bench-0000",
    },
    body: payload,
  });
  const reader = res.body!.getReader();
  const first = await reader.read();
  const ttfb = performance.now() - t0;
  if (res.status !== 200)
    throw new Error(`${s.name}: HTTP ${res.status}: ${new TextDecoder().decode(first.value)}`);
  while (!(await reader.read()).done);
  return { total: performance.now() - t0, ttfb };
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const rows: string[] = [];
for (const s of scenarios) {
  const payload = JSON.stringify(s.body);
  for (let i = 0; i < WARMUP; i++) await once(s, payload);
  const direct = s.url.startsWith(sim.url);
  const cpu0 = direct ? 0 : procCpuMs(child.pid!);
  const totals: number[] = [];
  const ttfbs: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = await once(s, payload);
    totals.push(r.total);
    ttfbs.push(r.ttfb);
  }
  const cpu = direct ? "" : ((procCpuMs(child.pid!) - cpu0) / N).toFixed(2);
  const mean = totals.reduce((a, b) => a + b, 0) / N;
  rows.push(
    `| ${s.name} | ${(payload.length / 1024).toFixed(1)} KB | ${mean.toFixed(2)} | ${pct(totals, 50).toFixed(2)} | ${pct(totals, 99).toFixed(2)} | ${s.stream ? pct(ttfbs, 50).toFixed(2) : ""} | ${cpu} |`,
  );
}
const mem = procMem(child.pid!);
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));

// The same proxy in workerd (--runtime miniflare): CPU of the workerd process, and the bundle size.
function childPids(ppid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(ppid);
      } catch {
        return false;
      }
    })
    .map(Number);
}
const mfPort = port + 1;
const mf = await launch(["--runtime", "miniflare", "--port", String(mfPort)]);
const descendants = (p: number): number[] => childPids(p).flatMap((c) => [c, ...descendants(c)]);
const workerd = descendants(mf.pid!).find(
  (p) => readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd",
);
const bundle = readFileSync(join(dataDir, "miniflare", "build", "worker.js"));
const mfScenarios: Scenario[] = [
  {
    name: "workerd: OpenAI chat, small",
    url: `http://127.0.0.1:${mfPort}/v1/chat/completions`,
    body: { model: "gemini-3-flash", messages: [{ role: "user", content: "Hello there, how are you?" }] },
  },
  {
    name: "workerd: OpenAI chat, 10 KB",
    url: `http://127.0.0.1:${mfPort}/v1/chat/completions`,
    body: { model: "gemini-3-flash", messages: userText(10) },
  },
];
for (const s of mfScenarios) {
  const payload = JSON.stringify(s.body);
  for (let i = 0; i < WARMUP; i++) await once(s, payload);
  const cpu0 = workerd ? procCpuMs(workerd) : 0;
  const totals: number[] = [];
  for (let i = 0; i < N; i++) totals.push((await once(s, payload)).total);
  const cpu = workerd ? ((procCpuMs(workerd) - cpu0) / N).toFixed(2) : "n/a";
  const mean = totals.reduce((a, b) => a + b, 0) / N;
  rows.push(
    `| ${s.name} | ${(payload.length / 1024).toFixed(1)} KB | ${mean.toFixed(2)} | ${pct(totals, 50).toFixed(2)} | ${pct(totals, 99).toFixed(2)} | | ${cpu} |`,
  );
}
mf.kill("SIGTERM");
await new Promise((r) => mf.once("exit", r));

console.log(
  `Requests per scenario: ${N} (after ${WARMUP} warm-up), one at a time, over loopback; Node ${process.version}.\n`,
);
console.log("| scenario | body | mean ms | p50 ms | p99 ms | stream TTFB p50 ms | proxy CPU ms/req |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(
  `\nNode proxy memory after its scenarios: RSS ${mem.rss.toFixed(0)} MiB, peak RSS ${mem.hwm.toFixed(0)} MiB.`,
);
console.log(
  `Worker bundle (wrangler deploy --dry-run): ${(bundle.length / 1024).toFixed(0)} KiB, ${(gzipSync(bundle).length / 1024).toFixed(0)} KiB gzipped; workerd CPU is the whole workerd process's.`,
);
await sim.stop();
await rm(dataDir, { recursive: true, force: true });
