import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { envelopeProblems } from "../src/simulator/server.js";
import { type Harness, startHarness } from "./harness.js";
import { ROOT } from "./helpers.js";

// The tolerant reader: each protocol's newest request features (recorded fixtures and hand-built
// requests with fields, roles, blocks, items and model ids this reader has never seen) are served,
// what was dropped is counted per client, and only a request the upstream cannot serve is a 400.
const KEY = "sk-tolerant-reader-key";
const UA = "tolerant-test/1.0 (vitest)";
let h: Harness;

beforeAll(async () => {
  h = await startHarness([{ email: "tol@example.com", refreshToken: "1//rt-tol", projectId: "proj-tol" }], {
    ANTIGRAVITY_AUTH_MODE: "strict",
    ANTIGRAVITY_API_KEY: KEY,
  });
});
afterAll(() => h.stop());
beforeEach(() => h.sim.reset());

const url = (path: string) => `http://127.0.0.1:${h.proxy.port}${path}`;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url(path), {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEY}`,
      "content-type": "application/json",
      "user-agent": UA,
      ...headers,
    },
    body: JSON.stringify(body),
  });
const admin = async (path: string) =>
  (await fetch(url(path), { headers: { authorization: `Bearer ${KEY}` } })).json() as Promise<unknown>;
const fixture = async (name: string) =>
  JSON.parse(await readFile(join(ROOT, "test", "fixtures", "clients", name), "utf8")) as {
    path: string;
    headers: Record<string, string>;
    body: Record<string, unknown>;
  };

interface Inner {
  contents: { role: string; parts: Record<string, unknown>[] }[];
  systemInstruction?: { parts: { text?: string }[] };
  tools?: { functionDeclarations?: { name: string }[] }[];
  generationConfig?: Record<string, unknown>;
}
/** The one upstream call the request made: its envelope must be valid. */
function upstream(): { model: string; request: Inner } {
  const calls = h.sim.generateCalls();
  expect(calls).toHaveLength(1);
  expect(envelopeProblems(calls[0]!.body)).toEqual([]);
  return calls[0]!.body as { model: string; request: Inner };
}

/** The monitor's entry for the newest request to `path` (recorded as the answer completes). */
async function monitored(path: string): Promise<{ client: string; dropped?: string[] }> {
  for (let i = 0; i < 50; i++) {
    const { logs } = (await admin("/api/logs")) as { logs: { id: string; path: string }[] };
    const hit = logs.find((l) => l.path === path);
    if (hit) return admin(`/api/logs/${hit.id}`) as Promise<{ client: string; dropped?: string[] }>;
    await new Promise((r) => setTimeout(r, 50)); // the monitor records after the body is sent
  }
  throw new Error(`no monitor entry for ${path}`);
}

describe("Anthropic: the newest Claude Code request and hand-built novelties", () => {
  it("plain claude's default-model request: 200, the system message at its place in the conversation", async () => {
    const f = await fixture("claude-code-default-model.json");
    const res = await post(f.path, f.body, { "user-agent": f.headers["user-agent"]! });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("event: message_stop");
    const { model, request } = upstream();
    expect(model).toBe("claude-opus-4-6-thinking"); // claude-opus-4-8 by rule
    const messages = f.body.messages as { role: string; content: unknown }[];
    const systemText = messages[1]!.content as string;
    // [user, system]: one user turn whose last part is the system message, after the user's text.
    const parts = request.contents.at(-1)!.parts.map((p) => String(p.text ?? ""));
    expect(parts.at(-1)).toBe(`<system-reminder>\n${systemText}\n</system-reminder>`);
    expect(request.systemInstruction!.parts.some((p) => p.text === systemText)).toBe(false);
    expect(request.generationConfig!.thinkingConfig).toEqual({
      includeThoughts: true,
      thinkingBudget: 24576,
    });
  });

  it("unknown fields, roles, blocks and thinking shapes are mapped or dropped, and counted", async () => {
    const res = await post("/v1/messages", {
      model: "claude-sonnet-5",
      max_tokens: 512,
      service_tier_v9: "priority",
      thinking: { type: "adaptive", display: "summarized" },
      output_config: { effort: "max", task_budget: { total: 1000 } },
      messages: [
        { role: "user", content: [{ type: "text", text: "first question from the user" }] },
        { role: "assistant", content: "an answer" },
        { role: "system", content: "The user prefers short answers." },
        {
          role: "user",
          content: [
            { type: "container_upload", file_id: "file_123" },
            { type: "quoted_text_v2", text: "a block type from next year" },
            { type: "text", text: "second question" },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    const { model, request } = upstream();
    expect(model).toBe("claude-sonnet-4-6");
    const last = request.contents.at(-1)!;
    expect(last.parts.map((p) => p.text)).toEqual([
      "<system-reminder>\nThe user prefers short answers.\n</system-reminder>",
      "a block type from next year",
      "second question",
    ]);
    expect(request.generationConfig!.thinkingConfig).toEqual({
      includeThoughts: true,
      thinkingBudget: 32768,
    });
    const entry = await monitored("/v1/messages");
    expect(entry.client).toBe("tolerant-test/1.0");
    expect(entry.dropped).toEqual(
      expect.arrayContaining([
        "field:service_tier_v9",
        "thinking:display",
        "output_config:task_budget",
        "block:container_upload",
        "block:quoted_text_v2",
      ]),
    );
  });

  it("output_config.format json_schema reaches the upstream as JSON mode with the schema", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer" } },
      required: ["name"],
      additionalProperties: false,
    };
    const res = await post("/v1/messages", {
      model: "claude-sonnet-4-6",
      max_tokens: 256,
      messages: [{ role: "user", content: "Give me a person as JSON" }],
      output_config: { format: { type: "json_schema", schema } },
    });
    expect(res.status).toBe(200);
    const gen = upstream().request.generationConfig!;
    expect(gen.responseMimeType).toBe("application/json");
    expect(gen.responseSchema).toEqual({
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer" } },
      required: ["name"],
    });
  });

  it.each([
    [
      "only blocks the upstream cannot use",
      { messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] },
      /no message has any content the upstream can use \(dropped: block:video\)/,
    ],
    [
      "a tool_use without its id",
      {
        messages: [
          { role: "user", content: "hi there" },
          { role: "assistant", content: [{ type: "tool_use", name: "Read", input: {} }] },
        ],
      },
      /messages\.1\.content\.0\.id/,
    ],
    ["no messages", { messages: [] }, /messages must contain at least one message/],
  ])("a precise 400: %s", async (_, body, message) => {
    const res = await post("/v1/messages", { model: "claude-sonnet-4-6", max_tokens: 10, ...body });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(err.type).toBe("error");
    expect(err.error.type).toBe("invalid_request_error");
    expect(err.error.message).toMatch(message);
    expect(h.sim.generateCalls()).toHaveLength(0);
  });
});

describe("OpenAI: new roles, parts, tools and parameters", () => {
  it("chat completions with a role, a part type, a tool type and parameters it does not know", async () => {
    const res = await post("/v1/chat/completions", {
      model: "gpt-4o",
      reasoning_effort: "max",
      prediction: { type: "content", content: "x" },
      verbosity: "low",
      tools: [
        { type: "custom", custom: { name: "freeform" } },
        { type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } },
      ],
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "critic", content: "a role from next year" },
        {
          role: "user",
          content: [
            { type: "text", text: "what is in this clip?" },
            { type: "input_video", video_url: "https://example.com/v.mp4" },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    const { request } = upstream();
    expect(request.tools![0]!.functionDeclarations!.map((d) => d.name)).toEqual(["lookup"]);
    expect(request.contents[0]!.parts.map((p) => p.text)).toEqual([
      "a role from next year",
      "what is in this clip?",
    ]);
    const entry = await monitored("/v1/chat/completions");
    expect(entry.dropped).toEqual(
      expect.arrayContaining([
        "field:prediction",
        "field:verbosity",
        "tool:custom",
        "role:critic",
        "part:input_video",
      ]),
    );
  });

  it("Codex's Responses request with additional_tools and an item type from next year", async () => {
    const f = await fixture("codex-first-turn.json");
    const input = [
      ...(f.body.input as unknown[]),
      {
        type: "additional_tools",
        tools: [{ type: "function", name: "extra_tool", parameters: { type: "object", properties: {} } }],
      },
      { type: "ghost_snapshot", ghost_commit: { id: "abc" } },
    ];
    const res = await post(f.path, { ...f.body, input }, { "user-agent": f.headers["user-agent"]! });
    expect(res.status).toBe(200);
    await res.text();
    const names = upstream().request.tools![0]!.functionDeclarations!.map((d) => d.name);
    expect(names).toContain("extra_tool");
    const entry = await monitored(f.path);
    expect(entry.client).toBe("codex_exec/0.169.0");
    expect(entry.dropped).toEqual(expect.arrayContaining(["item:ghost_snapshot", "field:client_metadata"]));
  });
});

describe("Gemini: legacy and future shapes", () => {
  it("role function and an unknown field: the upstream gets a user turn and no unknown field", async () => {
    const res = await post("/v1beta/models/gemini-3-flash:generateContent", {
      futureField: { x: 1 },
      contents: [
        { role: "user", parts: [{ text: "weather in Paris?" }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
        { role: "function", parts: [{ functionResponse: { name: "get_weather", response: { t: "21C" } } }] },
      ],
    });
    expect(res.status).toBe(200);
    const { request } = upstream();
    expect(request.contents.map((c) => c.role)).toEqual(["user", "model", "user"]);
    expect(JSON.stringify(request)).not.toContain("futureField");
    expect((await monitored("/v1beta/models/gemini-3-flash:generateContent")).dropped).toEqual([
      "field:futureField",
    ]);
  });

  it.each([
    ["contents empty", { contents: [] }, /contents: contents must have at least one item/],
    ["parts not a list", { contents: [{ role: "user", parts: { text: "x" } }] }, /contents\.0\.parts/],
    [
      "systemInstruction.parts not a list",
      { contents: [{ parts: [{ text: "x" }] }], systemInstruction: { parts: { text: "x" } } },
      /systemInstruction/,
    ],
  ])("a precise 400: %s", async (_, body, message) => {
    const res = await post("/v1beta/models/gemini-3-flash:generateContent", body);
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { code: number; message: string; status: string } };
    expect(err.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(err.error.message).toMatch(message);
  });
});

describe("what the reader dropped, as a user sees it", () => {
  it("GET /api/stats/unknown and /metrics count it per client and name", async () => {
    await post("/v1/chat/completions", {
      model: "gemini-3-flash",
      brand_new_param: true,
      messages: [{ role: "user", content: "hello from a new client" }],
    });
    await monitored("/v1/chat/completions");
    const { items } = (await admin("/api/stats/unknown")) as {
      items: { client: string; name: string; count: number }[];
    };
    expect(items).toContainEqual(
      expect.objectContaining({ client: "tolerant-test/1.0", name: "field:brand_new_param", count: 1 }),
    );
    const metrics = await (
      await fetch(url("/metrics"), { headers: { authorization: `Bearer ${KEY}` } })
    ).text();
    expect(metrics).toContain(
      'antigravity_reader_dropped_total{client="tolerant-test/1.0",name="field:brand_new_param"} 1',
    );
    if (h.logs)
      expect(h.logs.lines).toContain(
        "DEBUG tolerant reader: tolerant-test/1.0 sent field:brand_new_param, which was ignored or mapped by rule",
      );
  });
});
