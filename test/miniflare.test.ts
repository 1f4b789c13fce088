import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountRepo } from "../src/pool/accounts.js";
import { SimulatedUpstream, textChunks } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";
import { type Launched, freePort, runScript, tempDir } from "./helpers.js";

// The same proxy in workerd (npm start -- --runtime miniflare), over real HTTP, against the simulator.
const KEY = "sk-miniflare-test-key";
const ACCOUNT = { email: "edge@example.com", refreshToken: "1//rt-edge" };
const sim = new SimulatedUpstream();
let dataDir: string;
let port: number;
let proxy: Launched;
const base = () => `http://127.0.0.1:${port}`;

async function launch(): Promise<Launched> {
  const p = runScript(
    "start.ts",
    [
      "--runtime",
      "miniflare",
      "--data-dir",
      dataDir,
      "--port",
      String(port),
      "--auth-mode",
      "strict",
      "--api-key",
      KEY,
    ],
    sim.env(),
  );
  await p.waitFor("Check it:", 60_000);
  return p;
}

beforeAll(async () => {
  await sim.start();
  sim.addAccount({ ...ACCOUNT, projectId: "proj-edge" });
  dataDir = await tempDir();
  await new AccountRepo(new FileKv(`${dataDir}/kv`)).upsert(ACCOUNT);
  port = await freePort();
  proxy = await launch();
}, 90_000);
afterAll(async () => {
  await proxy?.kill();
  await sim.stop();
});

describe("--runtime miniflare", () => {
  it("prints the same banner and serves /healthz", async () => {
    expect(proxy.output()).toContain("running (workerd, through Miniflare)");
    expect(proxy.output()).toContain("Accounts      1 active");
    const r = await fetch(`${base()}/healthz`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "ok", active_accounts: 1 });
  });

  it("enforces the auth mode, with errors in each protocol's envelope", async () => {
    expect((await fetch(`${base()}/healthz`)).status).toBe(401);
    const anth = await fetch(`${base()}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "sk-wrong-00000" },
    });
    expect(anth.status).toBe(401);
    expect(await anth.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const gem = await fetch(`${base()}/v1beta/models?key=${KEY}`);
    expect(gem.status).toBe(200);
  });

  it("OpenAI SDK: chat, plain and streamed", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${base()}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: "gemini-3-flash",
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(r.choices[0]!.message.content).toBe("Simulated answer (gemini-3-flash) to: Hello");
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("edge stream works", { pieces: 3 }), delayMs: 20 },
    });
    let text = "";
    for await (const c of await client.chat.completions.create({
      model: "gemini-3-flash",
      stream: true,
      messages: [{ role: "user", content: "s" }],
    })) {
      text += c.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe("edge stream works");
  });

  it("Anthropic SDK: messages.stream", async () => {
    const client = new Anthropic({ apiKey: KEY, baseURL: base(), maxRetries: 0 });
    const msg = await client.messages
      .stream({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] })
      .finalMessage();
    expect(msg.content[0]).toMatchObject({
      type: "text",
      text: "Simulated answer (claude-sonnet-4-6) to: Hi",
    });
  });

  it("Gemini SDK: generateContent", async () => {
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: base() } });
    expect((await ai.models.generateContent({ model: "gemini-3-flash", contents: "Hello" })).text).toBe(
      "Simulated answer (gemini-3-flash) to: Hello",
    );
  });

  it("tokens refreshed in workerd are in the data dir after shutdown, and the accounts survive a restart", async () => {
    expect(await proxy.kill("SIGTERM")).toBe(0);
    const [stored] = (await new AccountRepo(new FileKv(`${dataDir}/kv`)).list()).accounts;
    expect(stored!.accessToken).toMatch(/^ya29\.sim-/);
    expect(stored!.projectId).toBe("proj-edge");
    proxy = await launch();
    expect(proxy.output()).toContain("Accounts      1 active");
    const r = await fetch(`${base()}/v1beta/models/gemini-3-flash:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "after restart" }] }] }),
    });
    expect(r.status).toBe(200);
  }, 90_000);
});

const B = { email: "busy@example.com", refreshToken: "1//rt-busy" };

/** A second proxy in workerd with two accounts (ACCOUNT and B), started and ready. */
async function launchTwo(): Promise<{ p2: number; launched: Launched }> {
  sim.addAccount({ ...B, projectId: "proj-busy" });
  const dir = await tempDir();
  const repo = new AccountRepo(new FileKv(`${dir}/kv`));
  await repo.upsert(ACCOUNT);
  await repo.upsert(B);
  const p2 = await freePort();
  const launched = runScript(
    "start.ts",
    [
      "--runtime",
      "miniflare",
      "--data-dir",
      dir,
      "--port",
      String(p2),
      "--auth-mode",
      "strict",
      "--api-key",
      KEY,
    ],
    sim.env(),
  );
  await launched.waitFor("Check it:", 60_000);
  return { p2, launched };
}

const chat = (port: number, text: string) =>
  fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gemini-3-flash", messages: [{ role: "user", content: text }] }),
  });

describe("pool state in the Durable Object", () => {
  it("two accounts both cooling down ~1.5 s: the request waits in workerd and is served", async () => {
    const { p2, launched } = await launchTwo();
    try {
      sim.reset();
      sim.enqueue(
        { email: ACCOUNT.email, reply: { kind: "error", status: 429, retryDelay: "2.5s" } },
        { email: B.email, reply: { kind: "error", status: 429, retryDelay: "2.5s" } },
      );
      const first = await chat(p2, "both accounts limited for a moment");
      expect(first.status).toBe(429);
      // The proxy runs on workerd's own clock, so this waits in real time: the client retrying
      // after a second finds both accounts free within the 2 s the proxy waits out.
      await new Promise((r) => setTimeout(r, 1000));
      const started = Date.now();
      const res = await chat(p2, "the retry a second later");
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(sim.generateCalls()).toHaveLength(3);
    } finally {
      await launched.kill();
    }
  }, 90_000);

  it("two accounts, one answers 429: 20 concurrent requests all succeed, the cooldown is recorded once", async () => {
    const { p2, launched } = await launchTwo();
    try {
      sim.reset();
      sim.enqueue({
        email: B.email,
        times: Number.POSITIVE_INFINITY,
        reply: { kind: "error", status: 429, retryDelay: "30s" },
      });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`http://127.0.0.1:${p2}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
            body: JSON.stringify({
              model: "gemini-3-flash",
              messages: [{ role: "user", content: `concurrent question number ${i}` }],
            }),
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const status = await (
        await fetch(`http://127.0.0.1:${p2}/api/proxy/status`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).json();
      expect(status).toMatchObject({ running: true, active_accounts: 2, pool: "durable-object" });
      for (const r of results) expect(r.headers.get("x-antigravity-account")).toBe("ed***@example.com");
      // Asked of the Durable Object that owns the pool: one cooldown, for the busy account and model.
      const admin = (await (
        await fetch(`http://127.0.0.1:${p2}/api/accounts`, { headers: { authorization: `Bearer ${KEY}` } })
      ).json()) as {
        accounts: { email: string; cooldowns: { model: string; until: number }[] }[];
      };
      const all = admin.accounts.flatMap((a) => a.cooldowns.map((c) => ({ email: a.email, ...c })));
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ email: B.email, model: "gemini-3-flash" });
      expect(Math.round((all[0]!.until - Date.now()) / 1000)).toBeGreaterThan(25);
      // Once cooling, the busy account was not tried again by later requests.
      const after = sim.generateCalls().filter((c) => c.email === B.email).length;
      await fetch(`http://127.0.0.1:${p2}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gemini-3-flash",
          messages: [{ role: "user", content: "one more after the cooldown" }],
        }),
      });
      expect(sim.generateCalls().filter((c) => c.email === B.email).length).toBe(after);
    } finally {
      await launched.kill();
    }
  }, 90_000);
});

describe("the DNS-rebinding guard in workerd, over real HTTP", () => {
  it("auth off on loopback: a foreign Host gets 421, 127.0.0.1 and localhost are served", async () => {
    const dir = await tempDir();
    await new AccountRepo(new FileKv(`${dir}/kv`)).upsert(ACCOUNT);
    const p3 = await freePort();
    const launched = runScript(
      "start.ts",
      ["--runtime", "miniflare", "--data-dir", dir, "--port", String(p3), "--auth-mode", "off"],
      sim.env(),
    );
    try {
      await launched.waitFor("Check it:", 60_000);
      const { request } = await import("node:http");
      // fetch does not let a caller set Host; node:http does, as a rebinding browser would send it.
      const status = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            { host: "127.0.0.1", port: p3, path: "/v1/models", headers: { host } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on("error", reject);
          req.end();
        });
      expect(await status(`evil.example:${p3}`)).toBe(421);
      expect(await status(`127.0.0.1:${p3}`)).toBe(200);
      expect(await status(`localhost:${p3}`)).toBe(200);
    } finally {
      await launched.kill();
    }
  }, 90_000);
});
