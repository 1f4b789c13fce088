import { describe, expect, it } from "vitest";
import { IDENTITY } from "../gemini/envelope.js";
import type { GeminiResponse } from "../gemini/types.js";
import { SignatureStore } from "../signatures.js";
import { MessagesRequestSchema, messagesToGemini } from "./request.js";
import { StopMatcher, anthropicUsage, foldMessage, messagesEvents } from "./response.js";

// Expected values come from the spec's test vectors (protocol-mapping §14, 22-33) where this proxy follows them.
const conv = (body: object, model = "claude-sonnet-4-6", sigs = new SignatureStore()) =>
  messagesToGemini(MessagesRequestSchema.parse({ model, max_tokens: 1024, ...body }), model, sigs);
const user = (content: unknown) => ({ messages: [{ role: "user", content }] });
async function* from<T>(xs: T[]) {
  yield* xs;
}
const ctx = (stopSequences: string[] = []) => {
  let n = 0;
  return {
    id: "msg_x",
    model: "claude-sonnet-4-6",
    upstreamModel: "gemini-3-flash",
    stopSequences,
    signatures: new SignatureStore(),
    newId: () => `n${++n}`,
  };
};
const events = async (chunks: GeminiResponse[], stops: string[] = []) => {
  const out = [];
  for await (const e of messagesEvents(from(chunks), ctx(stops))) out.push(e);
  return out;
};

describe("Anthropic → Gemini", () => {
  it("vector 22: system prompt after the identity; a user-supplied identity replaces it", () => {
    expect(conv({ system: "You are a reviewer.", ...user("hi") }).request.systemInstruction).toEqual({
      role: "user",
      parts: [{ text: IDENTITY }, { text: "You are a reviewer." }],
    });
    expect(
      conv({ system: "You are Antigravity, but custom.", ...user("hi") }).request.systemInstruction!.parts,
    ).toEqual([{ text: "You are Antigravity, but custom." }]);
  });

  it("vector 23: the Agent SDK identity line is rewritten", () => {
    const parts = conv({
      system: [{ type: "text", text: "You are a Claude agent, built on Anthropic's Claude Agent SDK." }],
      ...user("hi"),
    }).request.systemInstruction!.parts;
    expect(parts[1]).toEqual({ text: "You are Claude Code, Anthropic's official CLI for Claude." });
  });

  it("vector 24: tool_result texts", () => {
    const turn = (content: unknown, is_error?: boolean) =>
      conv({
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "ls", input: {} }] },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "t1",
                content,
                ...(is_error === undefined ? {} : { is_error }),
              },
            ],
          },
        ],
      }).request.contents[2]!.parts[0];
    expect(turn("", true)).toEqual({
      functionResponse: {
        name: "ls",
        response: { result: "Tool execution failed with no output." },
        id: "t1",
      },
    });
    expect(turn("")).toEqual({
      functionResponse: { name: "ls", response: { result: "Command executed successfully." }, id: "t1" },
    });
    expect(
      turn([
        { type: "text", text: "a" },
        { type: "text", text: "b" },
      ]),
    ).toEqual({ functionResponse: { name: "ls", response: { result: "a\nb" }, id: "t1" } });
  });

  it("vector 25: unsigned thinking becomes text; redacted thinking is kept as a note", () => {
    const c = conv({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "t" },
            { type: "text", text: "x" },
            { type: "redacted_thinking", data: "D" },
          ],
        },
        { role: "user", content: "next" },
      ],
    }).request.contents;
    expect(c[1]!.parts).toEqual([{ text: "t" }, { text: "x" }, { text: "[Redacted Thinking: D]" }]);
  });

  it("vector 26: thinking budget and output room", () => {
    const g = conv(
      { ...user("q"), max_tokens: 1024, thinking: { type: "enabled", budget_tokens: 8000 } },
      "claude-sonnet-4-6-thinking",
    ).request.generationConfig;
    expect(g).toMatchObject({
      thinkingConfig: { includeThoughts: true, thinkingBudget: 8000 },
      maxOutputTokens: 9024,
    });
    const big = conv(
      { ...user("q"), max_tokens: 64000, thinking: { type: "enabled", budget_tokens: 50000 } },
      "claude-sonnet-4-6-thinking",
    ).request.generationConfig;
    expect(big).toMatchObject({ thinkingConfig: { thinkingBudget: 32768 }, maxOutputTokens: 64000 });
  });

  it("vector 28: replayed tool use without a signature turns thinking off for Claude; Gemini keeps it with the sentinel", () => {
    const body = {
      thinking: { type: "enabled", budget_tokens: 2000 },
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "ls", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
      ],
    };
    const claude = conv(body, "claude-sonnet-4-6-thinking");
    expect(claude.thinking).toBe(false);
    expect(claude.request.generationConfig!.thinkingConfig).toBeUndefined();
    expect(JSON.stringify(claude.request.contents)).not.toMatch(/thought/);
    const gemini = conv(body, "gemini-3-flash");
    expect(gemini.request.generationConfig!.thinkingConfig).toMatchObject({ includeThoughts: true });
    expect(gemini.request.contents[1]!.parts[0]!.thoughtSignature).toBe("skip_thought_signature_validator");
  });

  it("vector 29: the web search server tool alone becomes googleSearch; with client tools only declarations", () => {
    expect(
      conv({ ...user("q"), tools: [{ type: "web_search_20250305", name: "web_search" }] }).request.tools,
    ).toEqual([{ googleSearch: {} }]);
    const both = conv({
      ...user("q"),
      tools: [
        { type: "web_search_20250305", name: "web_search" },
        { name: "ls", input_schema: { type: "object" } },
      ],
    }).request.tools!;
    expect(Object.keys(both[0]!)).toEqual(["functionDeclarations"]);
  });

  it("tool_choice is honoured", () => {
    const tools = [{ name: "ls", input_schema: { type: "object" } }];
    const mode = (tool_choice: object) => conv({ ...user("q"), tools, tool_choice }).request.toolConfig;
    expect(mode({ type: "any" })).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(mode({ type: "tool", name: "ls" })).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["ls"] },
    });
    expect(mode({ type: "none" })).toEqual({ functionCallingConfig: { mode: "NONE" } });
  });

  it("a tool use with no result gets an 'interrupted' result so the history stays valid", () => {
    const c = conv({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "ls", input: {} }] },
        { role: "user", content: "never mind" },
      ],
    }).request.contents;
    expect(c[2]!.parts).toEqual([
      {
        functionResponse: {
          name: "ls",
          response: { result: "Tool execution interrupted. No result provided." },
          id: "t1",
        },
      },
      { text: "never mind" },
    ]);
  });
});

describe("Gemini → Anthropic", () => {
  it("vector 30: the stream sequence with thinking, signature, text, usage", async () => {
    const ev = await events([
      { candidates: [{ content: { parts: [{ text: "Plan", thought: true, thoughtSignature: "SIG" }] } }] },
      { candidates: [{ content: { parts: [{ text: "Hi" }] } }] },
      {
        candidates: [{ content: { parts: [] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 4 },
      },
    ]);
    expect(
      ev.map((e) => (e.type === "content_block_delta" ? (e.delta as { type: string }).type : e.type)),
    ).toEqual([
      "message_start",
      "content_block_start",
      "thinking_delta",
      "signature_delta",
      "content_block_stop",
      "content_block_start",
      "text_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(ev.at(-2)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: {
        input_tokens: 50,
        output_tokens: 4,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it("vector 31: a Read call with `path` reaches the client as the declared `file_path`", async () => {
    const out = [];
    const c = {
      ...ctx(),
      tools: [
        {
          name: "Read",
          input_schema: { properties: { file_path: { type: "string" } }, required: ["file_path"] },
        },
      ],
    };
    for await (const e of messagesEvents(
      from<GeminiResponse>([
        {
          candidates: [
            {
              content: { parts: [{ functionCall: { name: "read", args: { path: "/a" }, id: "t1" } }] },
              finishReason: "STOP",
            },
          ],
        },
      ]),
      c,
    ))
      out.push(e);
    expect(out[1]).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: "t1", name: "Read", input: {} },
    });
    expect(out[2]).toEqual({
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json: '{"file_path":"/a"}' },
    });
    // Without a declared file_path, nothing is renamed.
    const plain = [];
    for await (const e of messagesEvents(
      from<GeminiResponse>([
        { candidates: [{ content: { parts: [{ functionCall: { name: "ls", args: { path: "." } } }] } }] },
      ]),
      { ...ctx(), tools: [{ name: "ls", input_schema: { properties: { path: {} } } }] },
    ))
      plain.push(e);
    expect(plain[2]).toMatchObject({ delta: { partial_json: '{"path":"."}' } });
  });

  it("vector 31: a function call is one tool_use block with its JSON, stop_reason tool_use", async () => {
    const msg = await foldMessage(
      from(
        await events([
          {
            candidates: [
              {
                content: { parts: [{ functionCall: { name: "Read", args: { file_path: "/a" }, id: "t1" } }] },
                finishReason: "STOP",
              },
            ],
          },
        ]),
      ),
    );
    expect(msg.content).toEqual([{ type: "tool_use", id: "t1", name: "Read", input: { file_path: "/a" } }]);
    expect(msg.stop_reason).toBe("tool_use");
  });

  it("vector 32: usage with cache", () => {
    expect(
      anthropicUsage({ promptTokenCount: 1000, cachedContentTokenCount: 200, candidatesTokenCount: 50 }),
    ).toEqual({
      input_tokens: 800,
      output_tokens: 50,
      cache_read_input_tokens: 200,
      cache_creation_input_tokens: 0,
    });
  });

  it("max_tokens and non-streaming signatures", async () => {
    const msg = await foldMessage(
      from(
        await events([
          {
            candidates: [
              {
                content: {
                  parts: [{ text: "deep", thought: true, thoughtSignature: "S1" }, { text: "cut" }],
                },
                finishReason: "MAX_TOKENS",
              },
            ],
          },
        ]),
      ),
    );
    expect(msg.content).toEqual([
      { type: "thinking", thinking: "deep", signature: "S1" },
      { type: "text", text: "cut" },
    ]);
    expect(msg.stop_reason).toBe("max_tokens");
  });

  it("stop sequences split across chunks are found", () => {
    const m = new StopMatcher(["END!"]);
    expect(m.push("abc EN")).toEqual({ emit: "abc" });
    expect(m.push("D! more")).toEqual({ emit: " ", matched: "END!" });
    const n = new StopMatcher(["zz"]);
    expect(n.push("abc")).toEqual({ emit: "ab" });
    expect(n.flush()).toBe("c");
  });
});
