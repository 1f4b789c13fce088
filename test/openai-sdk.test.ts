import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { type GeminiChunk, SIM_PNG, SimulatedUpstream, textChunks } from "../src/simulator/server.js";
import { type Harness, startHarness } from "./harness.js";

const KEY = "sk-openai-sdk-test-key";
let h: Harness;
let sim: SimulatedUpstream;
let proxy: { port: number };
let client: OpenAI;

beforeAll(async () => {
  h = await startHarness([{ email: "oai@example.com", refreshToken: "1//rt-oai", projectId: "proj-oai" }], {
    ANTIGRAVITY_AUTH_MODE: "strict",
    ANTIGRAVITY_API_KEY: KEY,
  });
  sim = h.sim;
  proxy = h.proxy;
  client = new OpenAI({ apiKey: KEY, baseURL: `http://127.0.0.1:${proxy.port}/v1`, maxRetries: 0 });
});
afterAll(() => h.stop());
beforeEach(() => sim.reset());

const lastEnvelope = () =>
  sim.generateCalls().at(-1)!.body as {
    model: string;
    request: Record<string, unknown> & { contents: { role: string; parts: Record<string, unknown>[] }[] };
  };

describe("OpenAI SDK: chat completions", () => {
  it("the README example: one chat call with gemini-3-flash returns text", async () => {
    const r = await client.chat.completions.create({
      model: "gemini-3-flash",
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(r.choices[0]!.message.content).toBe("Simulated answer (gemini-3-flash) to: Hello");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage).toMatchObject({ prompt_tokens: 12, total_tokens: expect.any(Number) });
    expect(lastEnvelope()).toMatchObject({
      model: "gemini-3-flash",
      request: { contents: [{ role: "user", parts: [{ text: "Hello" }] }] },
    });
  });

  it("streams: role first, text assembled from chunks, usage when asked, then [DONE]", async () => {
    sim.enqueue({
      reply: {
        kind: "chunks",
        chunks: textChunks("one two three four", {
          pieces: 4,
          thought: "thinking it over",
          signature: "sig-abc",
        }),
        delayMs: 10,
      },
    });
    const stream = await client.chat.completions.create({
      model: "gemini-3-flash",
      messages: [{ role: "user", content: "Count" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let reasoning = "";
    const roles: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta as
        ({ reasoning_content?: string } & OpenAI.Chat.ChatCompletionChunk.Choice.Delta) | undefined;
      if (d?.role) roles.push(d.role);
      text += d?.content ?? "";
      reasoning += d?.reasoning_content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(roles).toEqual(["assistant"]);
    expect(text).toBe("one two three four");
    expect(reasoning).toBe("thinking it over");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens_details: { reasoning_tokens: 5 } });
  });

  it("a tool call round trip: stable id, arguments, tool result sent back as functionResponse", async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather lookup",
          parameters: {
            type: "object",
            properties: { city: { type: "string", minLength: 1 } },
            required: ["city"],
            additionalProperties: false,
          },
          strict: true,
        },
      },
    ];
    const first = await client.chat.completions.create({
      model: "gemini-3-flash",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools,
    });
    const call = first.choices[0]!.message
      .tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"demo"}' });
    const decl = (lastEnvelope().request.tools as { functionDeclarations: unknown[] }[])[0]!
      .functionDeclarations[0];
    expect(decl).toEqual({
      name: "get_weather",
      description: "Weather lookup",
      parameters: {
        type: "OBJECT",
        properties: { city: { type: "STRING", description: "[Constraint: minLen: 1]" } },
        required: ["city"],
      },
    });
    const second = await client.chat.completions.create({
      model: "gemini-3-flash",
      tools,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        first.choices[0]!.message,
        { role: "tool", tool_call_id: call.id, content: "18C, cloudy" },
      ],
    });
    expect(second.choices[0]!.message.content).toContain("using get_weather");
    const contents = lastEnvelope().request.contents;
    expect(contents.map((c) => c.role)).toEqual(["user", "model", "user"]);
    expect(contents[1]!.parts[0]).toMatchObject({
      functionCall: { name: "get_weather", args: { city: "demo" }, id: call.id },
    });
    expect(contents[2]!.parts[0]).toEqual({
      functionResponse: { name: "get_weather", response: { result: "18C, cloudy" }, id: call.id },
    });
  });

  it("an image in the user message reaches the upstream inline", async () => {
    await client.chat.completions.create({
      model: "gemini-3-flash",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${SIM_PNG}` } },
          ],
        },
      ],
    });
    expect(lastEnvelope().request.contents[0]!.parts).toEqual([
      { text: "What is this?" },
      { inlineData: { mimeType: "image/png", data: SIM_PNG } },
    ]);
  });

  it("response_format json_schema becomes a response schema", async () => {
    sim.enqueue({ reply: { kind: "chunks", chunks: textChunks('{"name":"Ada","age":36}', { pieces: 2 }) } });
    const r = await client.chat.completions.create({
      model: "gemini-3-flash",
      messages: [{ role: "user", content: "A person as JSON" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          strict: true,
          schema: {
            type: "object",
            properties: { name: { type: "string" }, age: { type: "integer" } },
            required: ["name", "age"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ name: "Ada", age: 36 });
    expect(lastEnvelope().request.generationConfig).toMatchObject({
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: { name: { type: "string" }, age: { type: "integer" } },
        required: ["name", "age"],
      },
    });
  });

  it("n: 2 gives two choices, not one merged", async () => {
    const two: GeminiChunk[] = [
      {
        candidates: [
          { content: { role: "model", parts: [{ text: "first" }] }, index: 0 },
          { content: { role: "model", parts: [{ text: "second" }] }, index: 1 },
        ],
      },
      {
        candidates: [
          { content: { role: "model", parts: [{ text: " answer" }] }, index: 0, finishReason: "STOP" },
          { content: { role: "model", parts: [{ text: " answer" }] }, index: 1, finishReason: "MAX_TOKENS" },
        ],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      },
    ];
    sim.enqueue({ reply: { kind: "chunks", chunks: two } });
    const r = await client.chat.completions.create({
      model: "gemini-3-flash",
      n: 2,
      messages: [{ role: "user", content: "Two please" }],
    });
    expect(r.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "first answer", "stop"],
      [1, "second answer", "length"],
    ]);
    expect(lastEnvelope().request.generationConfig).toMatchObject({ candidateCount: 2 });
  });

  it("reasoning_effort and max_completion_tokens set the thinking budget and output limit", async () => {
    await client.chat.completions.create({
      model: "gemini-3-flash",
      reasoning_effort: "low",
      max_completion_tokens: 500,
      messages: [{ role: "user", content: "Think a little" }],
    });
    expect(lastEnvelope().request.generationConfig).toMatchObject({
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
      maxOutputTokens: 1524,
    });
  });
});

describe("OpenAI SDK: responses, completions, models, images", () => {
  it("responses.create returns output items in order and output_text", async () => {
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("Visible answer", { thought: "Internal analysis" }) },
    });
    const r = await client.responses.create({
      model: "gemini-3-flash",
      instructions: "Be brief.",
      input: "Say hi",
    });
    expect(r.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
    expect(r.output_text).toBe("Visible answer");
    expect(r.status).toBe("completed");
    expect(r.usage).toMatchObject({ input_tokens: 12, output_tokens_details: { reasoning_tokens: 5 } });
    const env = lastEnvelope();
    expect(JSON.stringify(env.request.systemInstruction)).toContain("Be brief.");
    // previous_response_id continues the conversation.
    await client.responses.create({
      model: "gemini-3-flash",
      previous_response_id: r.id,
      input: "And again",
    });
    expect(lastEnvelope().request.contents.map((c) => c.role)).toEqual(["user", "model", "user"]);
  });

  it("responses.stream: the SDK's stream helper parses every event and assembles the final response", async () => {
    sim.enqueue({
      reply: {
        kind: "chunks",
        chunks: textChunks("streamed words here", { pieces: 3, thought: "hmm" }),
        delayMs: 5,
      },
    });
    const stream = client.responses.stream({ model: "gemini-3-flash", input: "Stream it" });
    const types: string[] = [];
    const seqs: number[] = [];
    let deltas = "";
    for await (const e of stream) {
      types.push(e.type);
      seqs.push(e.sequence_number);
      if (e.type === "response.output_text.delta") deltas += e.delta;
    }
    const final = await stream.finalResponse();
    expect(deltas).toBe("streamed words here");
    expect(final.output_text).toBe("streamed words here");
    expect(types[0]).toBe("response.created");
    expect(types[1]).toBe("response.in_progress");
    expect(types.at(-1)).toBe("response.completed");
    expect(types).toContain("response.reasoning_summary_text.delta");
    expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it("responses with function tools: a function_call item, then its output sent back", async () => {
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: "function",
        name: "lookup",
        description: "Look up",
        strict: false,
        parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      },
    ];
    const r = await client.responses.create({ model: "gemini-3-flash", input: "find it", tools });
    const call = r.output.find(
      (o) => o.type === "function_call",
    )! as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: "lookup", arguments: '{"q":"demo"}' });
    const r2 = await client.responses.create({
      model: "gemini-3-flash",
      tools,
      input: [
        { role: "user", content: "find it" },
        { type: "function_call", call_id: call.call_id, name: "lookup", arguments: call.arguments },
        { type: "function_call_output", call_id: call.call_id, output: "found: 42" },
      ],
    });
    expect(r2.output_text).toContain("found: 42");
  });

  it("/responses and /responses/compact (Codex paths without /v1) answer like /v1/responses", async () => {
    for (const path of ["/responses", "/responses/compact", "/v1/responses/compact"]) {
      const res = await fetch(`http://127.0.0.1:${proxy.port}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gemini-3-flash", input: "compact this" }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        object: "response",
        status: "completed",
        output_text: "Simulated answer (gemini-3-flash) to: compact this",
      });
    }
  });

  it("completions.create (legacy) answers text_completion", async () => {
    const r = await client.completions.create({ model: "gemini-3-flash", prompt: ["a", "b"] });
    expect(r.object).toBe("text_completion");
    expect(r.choices[0]!.text).toBe("Simulated answer (gemini-3-flash) to: a\nb");
    expect(lastEnvelope().request.contents[0]!.parts).toEqual([{ text: "a\nb" }]);
  });

  it("models.list lists model ids in OpenAI's shape", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.object).toBe("model");
      ids.push(m.id);
    }
    expect(ids).toContain("gemini-3-flash");
    expect(ids).toContain("claude-sonnet-4-6");
    expect((await client.models.retrieve("gemini-3-flash")).id).toBe("gemini-3-flash");
  });

  it("images.generate returns base64 images from the image model", async () => {
    const r = await client.images.generate({
      model: "gemini-3-pro-image",
      prompt: "a red square",
      size: "1792x1024",
      n: 2,
    });
    expect(r.data!.map((d) => d.b64_json)).toEqual([SIM_PNG, SIM_PNG]);
    const env = lastEnvelope();
    expect(env).toMatchObject({ model: "gemini-3-pro-image", requestType: "image_gen" });
    expect(env.request.generationConfig).toMatchObject({ imageConfig: { aspectRatio: "16:9" } });
    const url = await client.images.generate({
      model: "gemini-3-pro-image",
      prompt: "x",
      response_format: "url",
    });
    expect(url.data![0]!.url).toBe(`data:image/png;base64,${SIM_PNG}`);
  });
});

describe("OpenAI: bad input gets a 400 in OpenAI's envelope and nothing reaches upstream", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing messages", { model: "gemini-3-flash" }, /messages/],
    ["wrong types", { model: "gemini-3-flash", messages: "hello" }, /messages/],
    [
      "unknown model",
      { model: "llama-nonexistent-9", messages: [{ role: "user", content: "x" }] },
      /Unknown model "llama-nonexistent-9"/,
    ],
    [
      "empty tools",
      { model: "gemini-3-flash", messages: [{ role: "user", content: "x" }], tools: [] },
      /tools must not be empty/,
    ],
    [
      "invalid image data",
      {
        model: "gemini-3-flash",
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "data:image/png;base64,@@not-base64@@" } }],
          },
        ],
      },
      /messages\[0\]\.content\[0\]\.image_url: the image data is not valid base64/,
    ],
  ];
  for (const [name, body, message] of cases) {
    it(name, async () => {
      const err = (await client.chat.completions
        .create(body as never)
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({
        type: "invalid_request_error",
        message: expect.stringMatching(message),
      });
      expect(sim.generateCalls()).toHaveLength(0);
    });
  }

  it("a wrong key: AuthenticationError", async () => {
    const bad = new OpenAI({
      apiKey: "sk-wrong-000000",
      baseURL: `http://127.0.0.1:${proxy.port}/v1`,
      maxRetries: 0,
    });
    await expect(
      bad.chat.completions.create({ model: "gemini-3-flash", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("an error after the stream started arrives as an error event, then [DONE]", async () => {
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("a b c d e f", { pieces: 6 }), cutAfter: 2, delayMs: 30 },
    });
    const res = await fetch(`http://127.0.0.1:${proxy.port}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gemini-3-flash",
        stream: true,
        messages: [{ role: "user", content: "x" }],
      }),
    });
    const lines = (await res.text()).trim().split("\n\n");
    expect(lines.at(-1)).toBe("data: [DONE]");
    expect(JSON.parse(lines.at(-2)!.slice(6))).toMatchObject({
      error: { type: "upstream_error", code: "stream_error" },
    });
  });
});
