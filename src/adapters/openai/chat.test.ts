import { describe, expect, it } from "vitest";
import type { GeminiResponse } from "../gemini/types.js";
import { SignatureStore, SKIP_SIGNATURE } from "../signatures.js";
import { type ChatRequest, ChatRequestSchema, chatFromGemini, chatStream, chatToGemini } from "./chat.js";
import { chatUsage } from "./common.js";
import { completionToChat } from "./completions.js";
import {
  responsesFromGemini,
  responsesStream,
  responsesToMessages,
  ResponsesRequestSchema,
} from "./responses.js";

// Expected values come from the spec's test vectors (protocol-mapping §14), where this proxy follows them.
const parse = (body: unknown) => ChatRequestSchema.parse(body) as ChatRequest;
const ids = () => {
  let n = 0;
  return () => `id${++n}`;
};
const ctx = () => ({
  id: "chatcmpl-x",
  created: 1,
  model: "gpt-4o",
  signatures: new SignatureStore(),
  newId: ids(),
});
async function* from<T>(xs: T[]) {
  yield* xs;
}
async function all(gen: AsyncGenerator<string>) {
  const out: string[] = [];
  for await (const s of gen) out.push(s);
  return out;
}

describe("chat → Gemini", () => {
  it("vector 3: data-URI image → inlineData", () => {
    const { request } = chatToGemini(
      parse({
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this" },
              { type: "image_url", image_url: { url: "data:image/webp;base64,UklGRg==" } },
            ],
          },
        ],
      }),
      "gemini-3-flash",
      new SignatureStore(),
    );
    expect(request.contents[0]!.parts).toEqual([
      { text: "what is this" },
      { inlineData: { mimeType: "image/webp", data: "UklGRg==" } },
    ]);
  });

  it("vector 4: http image → fileData (mime by extension, jpeg otherwise)", () => {
    const { request } = chatToGemini(
      parse({
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: "https://ex.com/a.png" } },
              { type: "image_url", image_url: "https://ex.com/b" },
            ],
          },
        ],
      }),
      "gemini-3-flash",
      new SignatureStore(),
    );
    expect(request.contents[0]!.parts).toEqual([
      { fileData: { fileUri: "https://ex.com/a.png", mimeType: "image/png" } },
      { fileData: { fileUri: "https://ex.com/b", mimeType: "image/jpeg" } },
    ]);
  });

  it("vectors 5 and 6: tool round trip with the sentinel signature; consecutive tool results merge with the next user text", () => {
    const { request } = chatToGemini(
      parse({
        model: "gpt-4o",
        messages: [
          { role: "user", content: "What is the weather in Paris today?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_a1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              { id: "call_a2", type: "function", function: { name: "get_time", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "call_a1", content: "18C, cloudy" },
          { role: "tool", tool_call_id: "call_a2", content: "noon" },
          { role: "user", content: "thanks" },
        ],
      }),
      "gemini-2.5-flash",
      new SignatureStore(),
    );
    expect(request.contents).toEqual([
      { role: "user", parts: [{ text: "What is the weather in Paris today?" }] },
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "get_weather", args: { city: "Paris" }, id: "call_a1" },
            thoughtSignature: SKIP_SIGNATURE,
          },
          { functionCall: { name: "get_time", args: {}, id: "call_a2" }, thoughtSignature: SKIP_SIGNATURE },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { result: "18C, cloudy" }, id: "call_a1" } },
          { functionResponse: { name: "get_time", response: { result: "noon" }, id: "call_a2" } },
          { text: "thanks" },
        ],
      },
    ]);
  });

  it("a signature the upstream gave for a call is sent back with it", () => {
    const sigs = new SignatureStore();
    sigs.remember("call_z", "real-signature");
    const { request } = chatToGemini(
      parse({
        model: "m",
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", tool_calls: [{ id: "call_z", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "call_z", content: "ok" },
        ],
      }),
      "gemini-3-flash",
      sigs,
    );
    expect(request.contents[1]!.parts[0]!.thoughtSignature).toBe("real-signature");
  });

  it("vectors 7-9: declarations cleaned and upper-cased; tool_choice modes; zero-arg tools get an empty object", () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather lookup",
          strict: true,
          parameters: {
            type: "object",
            properties: { city: { type: "string", minLength: 1 } },
            required: ["city"],
            additionalProperties: false,
          },
        },
      },
      { type: "function", function: { name: "ping" } },
    ];
    const mode = (tool_choice?: unknown) =>
      chatToGemini(
        parse({ model: "m", messages: [{ role: "user", content: "x" }], tools, tool_choice }),
        "gemini-3-flash",
        new SignatureStore(),
      ).request;
    const r = mode();
    expect((r.tools![0]!.functionDeclarations as unknown[])[0]).toEqual({
      name: "get_weather",
      description: "Weather lookup",
      parameters: {
        type: "OBJECT",
        properties: { city: { type: "STRING", description: "[Constraint: minLen: 1]" } },
        required: ["city"],
      },
    });
    expect((r.tools![0]!.functionDeclarations as unknown[])[1]).toEqual({
      name: "ping",
      parameters: { type: "OBJECT", properties: {} },
    });
    expect(r.toolConfig).toEqual({ functionCallingConfig: { mode: "VALIDATED" } });
    expect(mode("required").toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(mode("none").toolConfig).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(mode("auto").toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(mode({ type: "function", function: { name: "ping" } }).toolConfig).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["ping"] },
    });
  });

  it("vector 11: stop and json mode", () => {
    const gen = (extra: object) =>
      chatToGemini(
        parse({ model: "m", messages: [{ role: "user", content: "x" }], ...extra }),
        "gemini-3-flash",
        new SignatureStore(),
      ).request.generationConfig;
    expect(gen({ stop: "END" })).toMatchObject({ stopSequences: ["END"] });
    expect(gen({ response_format: { type: "json_object" } })).toMatchObject({
      responseMimeType: "application/json",
    });
  });

  it("vector 21: a legacy prompt list becomes one user text", () => {
    const chat = parse(completionToChat({ model: "m", prompt: ["a", "b"] }));
    expect(chatToGemini(chat, "gemini-3-flash", new SignatureStore()).request.contents).toEqual([
      { role: "user", parts: [{ text: "a\nb" }] },
    ]);
  });
});

describe("Gemini → chat", () => {
  it("vector 13: finish reasons", () => {
    const finish = (reason: string) =>
      chatFromGemini([{ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: reason }] }], ctx())
        .choices[0]!.finish_reason;
    expect(finish("MAX_TOKENS")).toBe("length");
    expect(finish("SAFETY")).toBe("content_filter");
    expect(finish("OTHER")).toBe("stop");
  });

  it("vector 14: a streamed function call, then finish tool_calls and [DONE]", async () => {
    const out = await all(
      chatStream(
        from<GeminiResponse>([
          {
            candidates: [
              { content: { parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] } },
            ],
          },
          { candidates: [{ content: { parts: [] }, finishReason: "STOP" }] },
        ]),
        { ...ctx(), includeUsage: false },
      ),
    );
    const events = out.map((s) => s.slice(6).trim());
    expect(events.at(-1)).toBe("[DONE]");
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(parsed[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(parsed[1].choices[0].delta.tool_calls).toEqual([
      {
        index: 0,
        id: "call_id1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(parsed.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  it("vector 15: thought text streams as reasoning_content", async () => {
    const out = await all(
      chatStream(
        from<GeminiResponse>([{ candidates: [{ content: { parts: [{ text: "hmm", thought: true }] } }] }]),
        { ...ctx(), includeUsage: false },
      ),
    );
    expect(JSON.parse(out[1]!.slice(6)).choices[0].delta).toEqual({ reasoning_content: "hmm" });
  });

  it("vectors 16-17: usage", () => {
    expect(
      chatUsage({
        promptTokenCount: 100,
        candidatesTokenCount: 50,
        totalTokenCount: 150,
        cachedContentTokenCount: 25,
      }),
    ).toEqual({
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 25 },
    });
    expect(
      chatUsage({
        promptTokenCount: 7,
        candidatesTokenCount: 20,
        thoughtsTokenCount: 22,
        totalTokenCount: 49,
      }),
    ).toMatchObject({
      prompt_tokens: 7,
      completion_tokens: 42,
      total_tokens: 49,
      completion_tokens_details: { reasoning_tokens: 22 },
    });
  });
});

describe("Responses", () => {
  const rctx = (body: object) => ({
    ...ctx(),
    id: "resp_x",
    request: ResponsesRequestSchema.parse({ model: "m", input: "x", ...body }),
  });

  it("vector 18: non-stream output order reasoning, message, function_call", () => {
    const r = responsesFromGemini(
      [
        {
          candidates: [
            {
              content: {
                parts: [
                  { text: "Internal analysis", thought: true },
                  { text: "Visible answer" },
                  { functionCall: { name: "reply", args: { msg_id: "1" }, id: "call_reply" } },
                ],
              },
              finishReason: "STOP",
            },
          ],
        },
      ],
      rctx({}),
    );
    expect(r.output.map((o) => o.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(r.output[2]).toMatchObject({ call_id: "call_reply" });
    expect(r.output_text).toBe("Visible answer");
  });

  it("vector 19: input items → messages", () => {
    const req = ResponsesRequestSchema.parse({
      model: "m",
      input: [
        { role: "system", content: "S" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Prev" }] },
        { role: "user", content: [{ type: "input_text", text: "Next" }] },
      ],
    });
    expect(responsesToMessages(req)).toEqual([
      { role: "system", content: "S" },
      { role: "assistant", content: [{ type: "text", text: "Prev" }] },
      { role: "user", content: [{ type: "text", text: "Next" }] },
    ]);
  });

  it("vector 20: the stream skeleton, sequence numbers; no finish reason → incomplete", async () => {
    const types = async (chunks: GeminiResponse[]) =>
      (await all(responsesStream(from(chunks), rctx({})))).map(
        (e) => JSON.parse(e.split("\n")[1]!.slice(6)) as { type: string; sequence_number: number },
      );
    const ok = await types([
      { candidates: [{ content: { parts: [{ text: "Hel" }] } }] },
      { candidates: [{ content: { parts: [{ text: "lo" }] }, finishReason: "STOP" }] },
    ]);
    expect(ok.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(ok.map((e) => e.sequence_number)).toEqual(ok.map((_, i) => i));
    const cut = await types([{ candidates: [{ content: { parts: [{ text: "Hel" }] } }] }]);
    expect(cut.at(-1)!.type).toBe("response.incomplete");
  });
});
