import { describe, expect, it } from "vitest";
import { collect, withIdentity, wrap } from "./envelope.js";
import { nativeRequest } from "./native.js";

// Spec test vectors 38-40 (protocol-mapping §14).
describe("Gemini-native request", () => {
  it("vector 38: thinkingLevel becomes a budget, output raised, sampling defaults, identity, envelope", () => {
    const req = nativeRequest(
      {
        contents: [{ role: "user", parts: [{ text: "Hello there, how are you?" }] }],
        generationConfig: { thinkingConfig: { thinkingLevel: "low" } },
      },
      "gemini-3-flash",
    );
    expect(req.generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 8192 },
      topK: 40,
      topP: 1.0,
      maxOutputTokens: 16384,
    });
    expect(req.systemInstruction!.role).toBe("user");
    expect(req.systemInstruction!.parts[0]!.text).toMatch(
      /^You are Antigravity, a powerful agentic AI coding assistant/,
    );
    const env = wrap({
      request: req,
      model: "gemini-3-flash",
      project: "proj-1",
      sessionId: "-123",
      requestId: "agent/1755800000000/3fa9c2d1",
    });
    expect(env).toMatchObject({
      project: "proj-1",
      model: "gemini-3-flash",
      userAgent: "antigravity",
      requestType: "agent",
      enabledCreditTypes: ["GOOGLE_ONE_AI"],
    });
    expect(env.request.sessionId).toBe("-123");
  });

  it("vector 39: adaptive budget -1 raises output to 131072, capped at 65536", () => {
    const req = nativeRequest(
      {
        contents: [{ role: "user", parts: [{ text: "hi" }] }],
        generationConfig: { thinkingConfig: { thinkingBudget: -1 } },
      },
      "gemini-3-flash",
    );
    expect(req.generationConfig).toMatchObject({
      maxOutputTokens: 65536,
      thinkingConfig: { thinkingBudget: -1 },
    });
  });

  it("vector 40: collected chunks give one candidate with joined text, finish reason and usage", () => {
    const usage = { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 };
    expect(
      collect([
        { candidates: [{ content: { role: "model", parts: [{ text: "He" }] } }] },
        {
          candidates: [{ content: { role: "model", parts: [{ text: "llo" }] }, finishReason: "STOP" }],
          usageMetadata: usage,
        },
      ]),
    ).toEqual({
      candidates: [
        { content: { role: "model", parts: [{ text: "Hello" }] }, finishReason: "STOP", index: 0 },
      ],
      usageMetadata: usage,
    });
  });

  it("keeps a client identity, cleans tool schemas and drops search pseudo-functions", () => {
    expect(withIdentity({ parts: [{ text: "You are Antigravity, custom." }] }).parts).toHaveLength(1);
    const req = nativeRequest(
      {
        contents: [{ role: "user", parts: [{ text: "x" }] }],
        tools: [
          {
            functionDeclarations: [
              {
                name: "get_weather",
                parametersJsonSchema: {
                  type: "object",
                  properties: { city: { type: "string", minLength: 1 } },
                  additionalProperties: false,
                },
              },
              { name: "google_search", parameters: { type: "object" } },
            ],
          },
        ],
      },
      "gemini-3-flash",
    );
    expect(req.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            parameters: {
              type: "object",
              properties: { city: { type: "string", description: "[Constraint: minLen: 1]" } },
            },
          },
        ],
      },
    ]);
    expect(req.toolConfig).toEqual({ functionCallingConfig: { mode: "VALIDATED" } });
  });
});
