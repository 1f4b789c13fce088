import { GoogleGenerativeAI, type ModelParams, SchemaType } from "@google/generative-ai";
import { GoogleGenAI as GenAI2 } from "@google/genai";
import { GoogleGenAI as GenAI3 } from "genai-3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimulatedUpstream, textChunks } from "../src/simulator/server.js";
import { type Harness, startHarness } from "./harness.js";

const KEY = "sk-gemini-sdk-test-key";
let h: Harness;
let sim: SimulatedUpstream;
let proxy: { port: number };

beforeAll(async () => {
  h = await startHarness([{ email: "gem@example.com", refreshToken: "1//rt-gem", projectId: "proj-gem" }], {
    ANTIGRAVITY_AUTH_MODE: "strict",
    ANTIGRAVITY_API_KEY: KEY,
  });
  sim = h.sim;
  proxy = h.proxy;
});
afterAll(() => h.stop());
beforeEach(() => sim.reset());

const SDKS = [
  ["@google/genai 2.x (/v1beta)", GenAI2, "/v1beta/"],
  ["@google/genai 3.x (/v1)", GenAI3, "/v1/"],
] as const;

for (const [name, GoogleGenAI, prefix] of SDKS) {
  describe(name, () => {
    const client = () =>
      new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: `http://127.0.0.1:${proxy.port}` } });

    it("the README example: generateContent with model gemini-3-flash says something", async () => {
      const r = await client().models.generateContent({ model: "gemini-3-flash", contents: "Hello" });
      expect(r.text).toBe("Simulated answer (gemini-3-flash) to: Hello");
      expect(r.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
      const [call] = sim.generateCalls();
      expect(call!.body).toMatchObject({
        model: "gemini-3-flash",
        project: "proj-gem",
        request: { contents: [{ role: "user", parts: [{ text: "Hello" }] }] },
      });
      if (h.logs) expect(h.logs.text()).toContain(`POST ${prefix}models/gemini-3-flash:generateContent 200`);
    });

    it("generateContentStream yields the chunks one by one", async () => {
      sim.enqueue({
        reply: { kind: "chunks", chunks: textChunks("alpha beta gamma delta", { pieces: 4 }), delayMs: 30 },
      });
      const texts: string[] = [];
      for await (const chunk of await client().models.generateContentStream({
        model: "gemini-3-flash",
        contents: "Stream please",
      })) {
        texts.push(chunk.text ?? "");
      }
      expect(texts.length).toBe(4);
      expect(texts.join("")).toBe("alpha beta gamma delta");
    });

    it("countTokens asks the upstream", async () => {
      const r = await client().models.countTokens({
        model: "gemini-3-flash",
        contents: "How many tokens is this sentence?",
      });
      expect(r.totalTokens).toBeGreaterThan(0);
      const call = sim.requests.find((x) => x.path === "/v1internal:countTokens")!;
      expect(Object.keys(call.body as object)).toEqual(["request"]);
    });

    it("a function call round trip", async () => {
      const ai = client();
      const tools = [
        {
          functionDeclarations: [
            {
              name: "get_weather",
              description: "Weather for a city",
              parametersJsonSchema: {
                type: "object",
                properties: { city: { type: "string" } },
                required: ["city"],
              },
            },
          ],
        },
      ];
      const first = await ai.models.generateContent({
        model: "gemini-3-flash",
        contents: "Weather in Paris?",
        config: { tools },
      });
      const fc = first.functionCalls![0]!;
      expect(fc).toMatchObject({ name: "get_weather", args: { city: "demo" } });
      const second = await ai.models.generateContent({
        model: "gemini-3-flash",
        config: { tools },
        contents: [
          { role: "user", parts: [{ text: "Weather in Paris?" }] },
          { role: "model", parts: [{ functionCall: fc }] },
          {
            role: "user",
            parts: [
              { functionResponse: { name: "get_weather", id: fc.id, response: { result: "18C, cloudy" } } },
            ],
          },
        ],
      });
      expect(second.text).toContain("using get_weather");
      expect(second.text).toContain("18C, cloudy");
      const sent = sim.generateCalls()[0]!.body as {
        request: { tools: { functionDeclarations: { parameters: unknown }[] }[] };
      };
      expect(sent.request.tools[0]!.functionDeclarations[0]!.parameters).toEqual({
        type: "object",
        properties: { city: { type: "string" } },
        required: ["city"],
      });
    });

    it("models.list pages through Gemini-shaped models", async () => {
      const pager = await client().models.list({ config: { pageSize: 10 } });
      const names: string[] = [];
      for await (const m of pager) names.push(m.name!);
      expect(names).toContain("models/gemini-3-flash");
      expect(names.length).toBeGreaterThan(10);
      expect(new Set(names).size).toBe(names.length);
    });

    it("a wrong key is refused with UNAUTHENTICATED", async () => {
      const ai = new GoogleGenAI({
        apiKey: "sk-wrong-0000000",
        httpOptions: { baseUrl: `http://127.0.0.1:${proxy.port}` },
      });
      await expect(ai.models.generateContent({ model: "gemini-3-flash", contents: "Hello" })).rejects.toThrow(
        /401|Invalid API key/,
      );
    });
  });
}

// The legacy SDK (still widely installed; its Python twin google.generativeai speaks the same REST).
describe("@google/generative-ai 0.24 (legacy)", () => {
  const model = (opts: Partial<ModelParams> = {}) =>
    new GoogleGenerativeAI(KEY).getGenerativeModel(
      { model: "gemini-3-flash", ...opts },
      { baseUrl: `http://127.0.0.1:${proxy.port}` },
    );

  it("generateContent with a string systemInstruction", async () => {
    const r = await model({ systemInstruction: "Answer briefly." }).generateContent("Hello there");
    expect(r.response.text()).toBe("Simulated answer (gemini-3-flash) to: Hello there");
    const [call] = sim.generateCalls();
    const req = (call!.body as { request: { systemInstruction: { parts: { text: string }[] } } }).request;
    expect(req.systemInstruction.parts.map((p) => p.text)).toContain("Answer briefly.");
  });

  it("generateContentStream yields the chunks", async () => {
    sim.enqueue({ reply: { kind: "chunks", chunks: textChunks("one two three", { pieces: 3 }) } });
    const r = await model().generateContentStream("Stream please");
    const texts: string[] = [];
    for await (const chunk of r.stream) texts.push(chunk.text());
    expect(texts).toHaveLength(3);
    expect(texts.join("")).toBe("one two three");
  });

  it("countTokens ({generateContentRequest: …}) counts more than zero", async () => {
    const r = await model().countTokens("How many tokens is this sentence?");
    expect(r.totalTokens).toBeGreaterThan(0);
    const call = sim.requests.find((q) => q.path.endsWith(":countTokens"));
    expect(JSON.stringify(call!.body)).toContain("How many tokens is this sentence?");
  });

  it("a chat whose function call is answered by a role: function turn ends with the tool's output", async () => {
    const chat = model({
      tools: [
        {
          functionDeclarations: [
            {
              name: "get_weather",
              description: "Weather in a city",
              parameters: {
                type: SchemaType.OBJECT,
                properties: { city: { type: SchemaType.STRING } },
                required: ["city"],
              },
            },
          ],
        },
      ],
    }).startChat();
    const first = await chat.sendMessage("What is the weather in Paris today?");
    const calls = first.response.functionCalls() ?? [];
    expect(calls[0]?.name).toBe("get_weather");
    const second = await chat.sendMessage([
      { functionResponse: { name: "get_weather", response: { forecast: "sunny, 21C" } } },
    ]);
    expect(second.response.text()).toContain("sunny, 21C");
    // The SDK sent its answer as role "function"; the upstream got it as the user's turn.
    const last = sim.generateCalls().at(-1)!.body as { request: { contents: { role: string }[] } };
    expect(last.request.contents.map((c) => c.role)).toEqual(["user", "model", "user"]);
  });
});
