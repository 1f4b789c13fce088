import { readFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import Anthropic0 from "anthropic-sdk-0";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { FileKv } from "../src/store/file-kv.js";
import { type NodeProxy, startNodeProxy } from "../src/runtime/node.js";
import { type AnthropicEvent, foldMessage } from "../src/adapters/anthropic/response.js";
import { SIM_PNG, SimulatedUpstream, functionCallChunks, textChunks } from "../src/simulator/server.js";
import { type Harness, RUNTIME, startHarness } from "./harness.js";
import { ROOT, freePort, tempDir } from "./helpers.js";

const KEY = "sk-anthropic-sdk-test";
let h: Harness;
let sim: SimulatedUpstream;
let proxy: { port: number };
const base = () => `http://127.0.0.1:${proxy.port}`;

beforeAll(async () => {
  h = await startHarness(
    [{ email: "claude@example.com", refreshToken: "1//rt-claude", projectId: "proj-claude" }],
    { ANTIGRAVITY_AUTH_MODE: "strict", ANTIGRAVITY_API_KEY: KEY },
  );
  sim = h.sim;
  proxy = h.proxy;
});
afterAll(() => h.stop());
beforeEach(() => sim.reset());

type Env = {
  model: string;
  request: {
    contents: { role: string; parts: Record<string, unknown>[] }[];
    generationConfig?: Record<string, unknown>;
    tools?: unknown[];
    toolConfig?: unknown;
    systemInstruction?: { parts: { text: string }[] };
  };
};
async function* fromArray<T>(xs: T[]) {
  yield* xs;
}
const lastEnvelope = () => sim.generateCalls().at(-1)!.body as Env;
const SIG = `sig-${"s".repeat(80)}`;

for (const [name, Client] of [
  ["@anthropic-ai/sdk 1.x", Anthropic],
  ["@anthropic-ai/sdk 0.x", Anthropic0],
] as const) {
  describe(name, () => {
    // Both majors share the call shapes used here; typed as the current one.
    const client = () => new Client({ apiKey: KEY, baseURL: base(), maxRetries: 0 }) as unknown as Anthropic;

    it("messages.create: text answer, routed model, usage", async () => {
      const r = await client().messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 256,
        system: "You are terse.",
        messages: [{ role: "user", content: "Hello" }],
      });
      expect(r.content).toEqual([{ type: "text", text: "Simulated answer (claude-sonnet-4-6) to: Hello" }]);
      expect(r.stop_reason).toBe("end_turn");
      expect(r.model).toBe("claude-sonnet-4-5");
      expect(r.usage.input_tokens).toBe(12);
      const env = lastEnvelope();
      expect(env.model).toBe("claude-sonnet-4-6");
      expect(env.request.systemInstruction!.parts.map((p) => p.text)).toContain("You are terse.");
    });

    it("messages.stream: the SDK's helpers assemble the final message", async () => {
      sim.enqueue({
        reply: {
          kind: "chunks",
          chunks: textChunks("alpha beta gamma", { pieces: 3, thought: "Plan the answer", signature: SIG }),
          delayMs: 10,
        },
      });
      const stream = client().messages.stream({
        model: "claude-sonnet-4-6-thinking",
        max_tokens: 2048,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "Stream" }],
      });
      const types: string[] = [];
      stream.on("streamEvent", (e) => types.push(e.type));
      const final = await stream.finalMessage();
      expect(final.content).toHaveLength(2);
      expect(final.content[0]).toEqual({ type: "thinking", thinking: "Plan the answer", signature: SIG });
      expect(final.content[1]).toMatchObject({ type: "text", text: "alpha beta gamma" });
      expect(types[0]).toBe("message_start");
      expect(types.at(-1)).toBe("message_stop");
      expect(types.filter((t) => t === "content_block_start")).toHaveLength(2);
    });

    it("a tool-use round trip with tool_result", async () => {
      const tools = [
        {
          name: "get_weather",
          description: "Weather",
          input_schema: {
            type: "object" as const,
            properties: { city: { type: "string" } },
            required: ["city"],
          },
        },
      ];
      const first = await client().messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 512,
        tools,
        messages: [{ role: "user", content: "Weather in Paris?" }],
      });
      expect(first.stop_reason).toBe("tool_use");
      const use = first.content.find((b) => b.type === "tool_use")!;
      expect(use).toMatchObject({ name: "get_weather", input: { city: "demo" } });
      const second = await client().messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 512,
        tools,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: first.content },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: (use as { id: string }).id, content: "18C, cloudy" },
            ],
          },
        ],
      });
      expect((second.content[0] as { text: string }).text).toContain("18C, cloudy");
      const contents = lastEnvelope().request.contents;
      expect(contents.map((c) => c.role)).toEqual(["user", "model", "user"]);
      expect(contents[2]!.parts[0]).toEqual({
        functionResponse: {
          name: "get_weather",
          response: { result: "18C, cloudy" },
          id: (use as { id: string }).id,
        },
      });
    });

    it("thinking: the signature comes back to the client and is accepted on the next turn", async () => {
      sim.enqueue({
        reply: {
          kind: "chunks",
          chunks: [
            {
              candidates: [
                {
                  content: {
                    role: "model",
                    parts: [{ text: "I should call ls", thought: true, thoughtSignature: SIG }],
                  },
                },
              ],
            },
            ...functionCallChunks(
              "ls",
              { path: "." },
              { id: "toolu_sig1", signature: `call-${SIG}`, model: "claude-sonnet-4-6-thinking" },
            ),
          ],
        },
      });
      const params = {
        model: "claude-sonnet-4-6-thinking",
        max_tokens: 4096,
        thinking: { type: "enabled" as const, budget_tokens: 2000 },
        tools: [
          { name: "ls", input_schema: { type: "object" as const, properties: { path: { type: "string" } } } },
        ],
      };
      const first = await client().messages.create({
        ...params,
        messages: [{ role: "user", content: "List files" }],
      });
      expect(first.content[0]).toEqual({ type: "thinking", thinking: "I should call ls", signature: SIG });
      expect(first.content[1]).toMatchObject({
        type: "tool_use",
        id: "toolu_sig1",
        name: "ls",
        input: { path: "." },
      });
      await client().messages.create({
        ...params,
        messages: [
          { role: "user", content: "List files" },
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_sig1", content: "a.txt" }] },
        ],
      });
      const env = lastEnvelope();
      expect(env.request.generationConfig!.thinkingConfig).toEqual({
        includeThoughts: true,
        thinkingBudget: 2000,
      });
      expect(env.request.contents[1]!.parts).toEqual([
        { text: "I should call ls", thought: true, thoughtSignature: SIG },
        {
          functionCall: { name: "ls", args: { path: "." }, id: "toolu_sig1" },
          thoughtSignature: `call-${SIG}`,
        },
      ]);
    });

    it("an image block reaches the upstream inline", async () => {
      await client().messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 100,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/png", data: SIM_PNG } },
              { type: "text", text: "What is it?" },
            ],
          },
        ],
      });
      expect(lastEnvelope().request.contents[0]!.parts).toEqual([
        { inlineData: { mimeType: "image/png", data: SIM_PNG } },
        { text: "What is it?" },
      ]);
    });

    it("stop_sequences are honoured and reported", async () => {
      sim.enqueue({
        reply: { kind: "chunks", chunks: textChunks("one two STOP three four", { pieces: 5 }) },
      });
      const r = await client().messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 100,
        stop_sequences: ["STOP"],
        messages: [{ role: "user", content: "count" }],
      });
      expect(r.content).toEqual([expect.objectContaining({ type: "text", text: "one two " })]);
      expect(r.stop_reason).toBe("stop_sequence");
      expect(r.stop_sequence).toBe("STOP");
    });

    it("countTokens asks the upstream and returns a positive count", async () => {
      const r = await client().messages.countTokens({
        model: "claude-sonnet-4-6",
        system: "sys",
        messages: [{ role: "user", content: "How many tokens?" }],
      });
      expect(r.input_tokens).toBeGreaterThan(0);
      expect(sim.requests.some((q) => q.path === "/v1internal:countTokens")).toBe(true);
    });
  });
}

describe("Claude Code traffic", () => {
  async function replay(file: string) {
    const f = JSON.parse(await readFile(join(ROOT, "test", "fixtures", "clients", file), "utf8"));
    const headers: Record<string, string> = { ...f.headers, "x-api-key": KEY };
    delete headers["accept-encoding"];
    return fetch(`${base()}${f.path}`, {
      method: f.method,
      headers,
      body: f.method === "HEAD" ? undefined : JSON.stringify(f.body),
    });
  }

  it("HEAD / (the probe) is answered", async () => {
    expect((await replay("claude-code-probe.json")).status).toBe(200);
  });

  for (const file of [
    "claude-code-first-turn.json",
    "claude-code-side-call.json",
    "claude-code-tool-turn.json",
  ]) {
    it(`${file}: succeeds, and the upstream envelope is valid`, async () => {
      const res = await replay(file);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain("event: message_start");
      expect(text).toContain("event: message_stop");
      const env = lastEnvelope();
      expect(JSON.stringify(env)).not.toContain("cache_control");
      // Every function response answers a call of the model turn just before it.
      env.request.contents.forEach((c, i) => {
        const ids = c.parts
          .filter((p) => p.functionResponse)
          .map((p) => (p.functionResponse as { id: string }).id);
        if (!ids.length) return;
        const prev = env.request.contents[i - 1]!;
        expect(prev.role).toBe("model");
        const calls = prev.parts
          .filter((p) => p.functionCall)
          .map((p) => (p.functionCall as { id: string }).id);
        for (const id of ids) expect(calls).toContain(id);
      });
      // Roles alternate.
      env.request.contents.forEach((c, i) => i && expect(c.role).not.toBe(env.request.contents[i - 1]!.role));
    });
  }

  it("a three-turn Claude Code session (thinking, tools, cache_control) runs through; signatures carry over", async () => {
    const f = JSON.parse(
      await readFile(join(ROOT, "test", "fixtures", "clients", "claude-code-first-turn.json"), "utf8"),
    );
    const headers: Record<string, string> = { ...f.headers, "x-api-key": KEY };
    delete headers["accept-encoding"];
    const body = f.body as { messages: { role: string; content: unknown }[] };
    const send = async () => {
      const res = await fetch(`${base()}${f.path}`, { method: "POST", headers, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      const events = (await res.text())
        .split("\n\n")
        .filter((e) => e.startsWith("event: "))
        .map((e) => JSON.parse(e.slice(e.indexOf("data: ") + 6)) as AnthropicEvent);
      return foldMessage(fromArray(events));
    };
    const THINK_SIG = `think-${"a".repeat(60)}`;
    const CALL_SIG = `call-${"b".repeat(60)}`;
    sim.enqueue({
      reply: {
        kind: "chunks",
        chunks: [
          {
            candidates: [
              {
                content: {
                  role: "model",
                  parts: [{ text: "Look at the files first.", thought: true, thoughtSignature: THINK_SIG }],
                },
              },
            ],
          },
          ...functionCallChunks(
            "Bash",
            { command: "ls" },
            { id: "toolu_turn1", signature: CALL_SIG, model: "claude-sonnet-4-6" },
          ),
        ],
      },
    });
    const first = await send();
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content[0]).toEqual({
      type: "thinking",
      thinking: "Look at the files first.",
      signature: THINK_SIG,
    });
    body.messages.push({ role: "assistant", content: first.content });
    body.messages.push({
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: "toolu_turn1",
          content: "README.md\nsrc",
          cache_control: { type: "ephemeral" },
        },
      ],
    });
    sim.enqueue({ reply: { kind: "chunks", chunks: textChunks("There is a README and a src folder.") } });
    const second = await send();
    expect(second.content).toEqual([{ type: "text", text: "There is a README and a src folder." }]);
    const env2 = lastEnvelope();
    expect(env2.request.generationConfig!.thinkingConfig).toMatchObject({ includeThoughts: true });
    const model2 = env2.request.contents.at(-2)!;
    expect(model2.parts).toEqual([
      { text: "Look at the files first.", thought: true, thoughtSignature: THINK_SIG },
      {
        functionCall: { name: "Bash", args: { command: "ls" }, id: "toolu_turn1" },
        thoughtSignature: CALL_SIG,
      },
    ]);
    body.messages.push({ role: "assistant", content: second.content });
    body.messages.push({ role: "user", content: "now summarize the README" });
    const third = await send();
    expect(third.stop_reason).toBe("tool_use"); // the simulator calls the first declared tool on a fresh user turn
    const env3 = lastEnvelope();
    expect(JSON.stringify(env3)).not.toContain("cache_control");
    expect(env3.request.contents.map((c) => c.role).join(",")).toMatch(/^(user,model,)+user$/);
  });

  it("the tool turn with a signature we never issued is repaired: no foreign signature, thinking off, valid history", async () => {
    await replay("claude-code-tool-turn.json");
    const env = lastEnvelope();
    expect(JSON.stringify(env.request.contents)).not.toContain("thoughtSignature");
    expect(env.request.generationConfig!.thinkingConfig).toBeUndefined();
  });

  it("warm-up probes are answered without spending quota", async () => {
    const r = await new Anthropic({ apiKey: KEY, baseURL: base() }).messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 10,
      messages: [{ role: "user", content: "Warmup" }],
    });
    expect(r.content).toEqual([expect.objectContaining({ text: "OK" })]);
    expect(sim.generateCalls()).toHaveLength(0);
  });

  it("a title request goes to the cheap model without tools", async () => {
    await new Anthropic({ apiKey: KEY, baseURL: base() }).messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      system: "Summarize this coding conversation in under 50 characters.",
      tools: [{ name: "Bash", input_schema: { type: "object", properties: {} } }],
      messages: [{ role: "user", content: "fix the login bug" }],
    });
    expect(lastEnvelope().model).toBe("gemini-2.5-flash");
    expect(lastEnvelope().request.tools).toBeUndefined();
  });

  it("prompt-too-long errors come back as invalid_request_error with the words Claude Code looks for", async () => {
    sim.enqueue({
      reply: {
        kind: "error",
        status: 400,
        body: {
          error: {
            code: 400,
            message:
              "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
            status: "INVALID_ARGUMENT",
          },
        },
      },
    });
    const err = (await new Anthropic({ apiKey: KEY, baseURL: base(), maxRetries: 0 }).messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "huge" }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringMatching(/^prompt is too long/) },
    });
  });

  it("telemetry sinks answer 200", async () => {
    const r = await fetch(`${base()}/v1/api/event_logging/batch`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBe(200);
  });
});

describe("Anthropic errors", () => {
  const post = (body: unknown) =>
    fetch(`${base()}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify(body),
    });
  const cases: [string, unknown, RegExp][] = [
    [
      "a wrong block type",
      {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        messages: [{ role: "user", content: [{ type: "video", url: "x" }] }],
      },
      /no message has any content the upstream can use \(dropped: block:video\)/,
    ],
    [
      "a tool_result without its tool_use",
      {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        messages: [
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_nope", content: "x" }] },
        ],
      },
      /tool_use_id "toolu_nope" has no matching tool_use/,
    ],
    [
      "invalid base64",
      {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "!!!" } }],
          },
        ],
      },
      /not valid base64/,
    ],
  ];
  for (const [name, body, message] of cases) {
    it(`${name}: 400 invalid_request_error, nothing sent upstream`, async () => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error", message: expect.stringMatching(message) },
      });
      expect(sim.generateCalls()).toHaveLength(0);
    });
  }

  it("an overloaded upstream is overloaded_error; a forbidden account is not", async () => {
    sim.enqueue({ reply: { kind: "error", status: 503 }, times: 5 });
    const over = await post({
      model: "claude-sonnet-4-6",
      max_tokens: 10,
      messages: [{ role: "user", content: "x" }],
    });
    expect(over.status).toBe(503);
    expect((await over.json()).error.type).toBe("overloaded_error");
  });

  it("an error after the stream started is an error event, then the end", async () => {
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("a b c d e f", { pieces: 6 }), cutAfter: 2, delayMs: 30 },
    });
    const res = await post({
      model: "claude-sonnet-4-6",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "x" }],
    });
    const events = (await res.text()).trim().split("\n\n");
    expect(events.at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(events.some((e) => e.startsWith("event: message_stop"))).toBe(false);
  });
});

// z.ai and keep-alive set up their own Node proxies; they run once, with the Node suite.
describe.skipIf(RUNTIME !== "node")("z.ai dispatch", () => {
  let zai: Server;
  let zaiUrl = "";
  const seen: { path: string; body: Record<string, unknown>; headers: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    zai = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const body = JSON.parse(raw);
        seen.push({ path: req.url!, body, headers: req.headers });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            req.url!.endsWith("count_tokens")
              ? { input_tokens: 7 }
              : {
                  id: "msg_zai",
                  type: "message",
                  role: "assistant",
                  model: body.model,
                  content: [{ type: "text", text: "from z.ai" }],
                  stop_reason: "end_turn",
                  stop_sequence: null,
                  usage: { input_tokens: 1, output_tokens: 2 },
                },
          ),
        );
      });
    });
    await new Promise<void>((r) => zai.listen(0, "127.0.0.1", () => r()));
    zaiUrl = `http://127.0.0.1:${(zai.address() as AddressInfo).port}/api/anthropic`;
  });
  afterAll(() => new Promise<void>((r) => zai.close(() => r())));

  async function withMode(
    mode: string,
    accounts: number,
    fn: (client: Anthropic, p: NodeProxy) => Promise<void>,
  ) {
    const dataDir = await tempDir();
    const repo = new AccountRepo(new FileKv(`${dataDir}/kv`));
    if (accounts) await repo.upsert({ email: "claude@example.com", refreshToken: "1//rt-claude" });
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      `${dataDir}/config.json`,
      JSON.stringify({
        zai: { enabled: true, base_url: zaiUrl, api_key: "zai-secret-key", dispatch_mode: mode },
      }),
    );
    const p = await startNodeProxy({
      dataDir,
      env: sim.env(),
      flags: { port: await freePort() },
      logger: new MemoryLogger(),
    });
    try {
      await fn(
        new Anthropic({ apiKey: "sk-whatever-1", baseURL: `http://127.0.0.1:${p.port}`, maxRetries: 0 }),
        p,
      );
    } finally {
      await p.close();
    }
  }
  const ask = (client: Anthropic, i = 0) =>
    client.messages.create({
      model: "claude-opus-4-5",
      max_tokens: 10,
      system: [{ type: "text", text: "s", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: `question ${i}` }],
    });

  it("exclusive: every request goes to z.ai, mapped and without cache_control; Google is never touched", async () => {
    seen.length = 0;
    await withMode("exclusive", 1, async (client) => {
      const r = await ask(client);
      expect(r.content[0]).toMatchObject({ text: "from z.ai" });
      expect(
        (
          await client.messages.countTokens({
            model: "claude-opus-4-5",
            messages: [{ role: "user", content: "x" }],
          })
        ).input_tokens,
      ).toBe(7);
    });
    expect(seen.map((s) => s.path)).toEqual([
      "/api/anthropic/v1/messages",
      "/api/anthropic/v1/messages/count_tokens",
    ]);
    expect(seen[0]!.body.model).toBe("glm-4.7");
    expect(JSON.stringify(seen[0]!.body)).not.toContain("cache_control");
    expect(seen[0]!.headers["x-api-key"]).toBe("zai-secret-key");
    expect(sim.generateCalls()).toHaveLength(0);
  });

  it("exclusive starts with zero Google accounts", async () => {
    seen.length = 0;
    await withMode("exclusive", 0, async (client, p) => {
      expect(p.service.status().running).toBe(true);
      await ask(client);
    });
    expect(seen).toHaveLength(1);
  });

  it("pooled: z.ai is one more slot beside the Google accounts", async () => {
    seen.length = 0;
    await withMode("pooled", 1, async (client) => {
      for (let i = 0; i < 4; i++) await ask(client, i);
    });
    expect(seen).toHaveLength(2);
    expect(sim.generateCalls()).toHaveLength(2);
  });

  it("fallback: Google while it can serve, z.ai when no account can", async () => {
    seen.length = 0;
    await withMode("fallback", 1, async (client) => {
      await ask(client, 1);
      expect(seen).toHaveLength(0);
      expect(sim.generateCalls()).toHaveLength(1);
      sim.enqueue({ reply: { kind: "error", status: 429, retryDelay: "60s" } });
      const r = await ask(client, 2);
      expect(r.content[0]).toMatchObject({ text: "from z.ai" });
    });
    expect(seen).toHaveLength(1);
  });
});

describe.skipIf(RUNTIME !== "node")("keep-alive", () => {
  it("long upstream silences get ping events while the answer streams", async () => {
    const { makeSimServices, postJson } = await import("./app-helpers.js");
    const s = await makeSimServices(sim.url, { upstream: { keepalive_seconds: 0.2 } }, [
      { refreshToken: "1//rt-claude", email: "claude@example.com" },
    ]);
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("slow answer", { pieces: 2 }), delayMs: 700 },
    });
    const res = await postJson(s.app, "/v1/messages", {
      model: "claude-sonnet-4-6",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "take your time" }],
    });
    const text = await res.text();
    expect(text.match(/event: ping\ndata: \{"type":"ping"\}/g)!.length).toBeGreaterThanOrEqual(2);
    expect(text).toContain("slow answer".slice(0, 6));
    expect(text.trim().endsWith('data: {"type":"message_stop"}')).toBe(true);
  });
});
