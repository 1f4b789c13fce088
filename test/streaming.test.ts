import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { type NodeProxy, startNodeProxy } from "../src/runtime/node.js";
import { SimulatedUpstream, textChunks } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";
import { freePort, tempDir } from "./helpers.js";

const sim = new SimulatedUpstream();
let proxy: NodeProxy;
const logs = new MemoryLogger();
const ACCOUNT = { email: "stream@example.com", refreshToken: "1//rt-stream-secret" };

beforeAll(async () => {
  await sim.start();
  sim.addAccount({ ...ACCOUNT, projectId: "proj-stream" });
  const dataDir = await tempDir();
  await new AccountRepo(new FileKv(`${dataDir}/kv`)).upsert(ACCOUNT);
  proxy = await startNodeProxy({ dataDir, env: sim.env(), flags: { port: await freePort() }, logger: logs });
});
afterAll(async () => {
  await proxy.close();
  await sim.stop();
});

const url = (p: string) => `http://127.0.0.1:${proxy.port}${p}`;
const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "stream me something long" }] }] });

describe("streaming over real HTTP", () => {
  it("relays each upstream chunk as it arrives", async () => {
    sim.enqueue({
      reply: {
        kind: "chunks",
        chunks: textChunks("one two three four five six", { pieces: 6 }),
        delayMs: 150,
      },
    });
    const started = Date.now();
    const res = await fetch(url("/v1beta/models/gemini-3-flash:streamGenerateContent?alt=sse"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = "";
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const s = decoder.decode(value, { stream: true });
      for (const _ of s.matchAll(/^data: /gm)) arrivals.push(Date.now() - started);
      text += s;
    }
    expect(arrivals.length).toBe(6);
    // The first chunk reached us long before the last one was sent: nothing was buffered whole.
    expect(arrivals[5]! - arrivals[0]!).toBeGreaterThanOrEqual(600);
    const joined = [...text.matchAll(/^data: (.+)$/gm)]
      .map((m) => JSON.parse(m[1]!).candidates[0].content.parts[0].text)
      .join("");
    expect(joined).toBe("one two three four five six");
  });

  it("a client that disconnects mid-stream aborts the upstream request", async () => {
    sim.reset();
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("x".repeat(400), { pieces: 40 }), delayMs: 100 },
    });
    const ctl = new AbortController();
    const res = await fetch(url("/v1beta/models/gemini-3-flash:streamGenerateContent?alt=sse"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ctl.abort();
    await reader.cancel().catch(() => {});
    const deadline = Date.now() + 3000;
    while (sim.abortedStreams === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sim.abortedStreams).toBe(1);
  });

  it("a stream cut by the upstream ends with a Gemini error object, not a hang", async () => {
    sim.reset();
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("a b c d e f", { pieces: 6 }), cutAfter: 2, delayMs: 50 },
    });
    const res = await fetch(url("/v1beta/models/gemini-3-flash:streamGenerateContent?alt=sse"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.match(/^data: /gm)?.length).toBe(3);
    const last = JSON.parse(text.trim().split("\n").at(-1)!.slice(6));
    expect(last).toMatchObject({ error: { code: 502, status: "UNAVAILABLE" } });
  });

  it("the JSON-array stream form (no alt=sse) is valid JSON", async () => {
    sim.reset();
    const res = await fetch(url("/v1beta/models/gemini-3-flash:streamGenerateContent"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const arr = JSON.parse(await res.text());
    expect(Array.isArray(arr)).toBe(true);
    expect(arr.length).toBe(3);
  });

  it("never logs a token", async () => {
    const all = logs.text();
    expect(all).not.toContain(ACCOUNT.refreshToken);
    expect(all).not.toMatch(/ya29\./);
  });
});
