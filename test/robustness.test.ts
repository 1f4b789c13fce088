import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedUpstream } from "../src/simulator/server.js";
import { makeSimServices } from "./app-helpers.js";

// Bad input gets a clear 4xx in the client's protocol: never a 500, never a hang.
const sim = new SimulatedUpstream();
beforeAll(async () => {
  await sim.start();
  sim.addAccount({ email: "rob@example.com", refreshToken: "1//rt-rob", projectId: "p" });
});
afterAll(() => sim.stop());

const ROUTES = [
  "/v1/chat/completions",
  "/v1/responses",
  "/responses",
  "/v1/completions",
  "/v1/images/generations",
  "/v1/messages",
  "/v1/messages/count_tokens",
  "/v1beta/models/gemini-3-flash:generateContent",
  "/v1beta/models/gemini-3-flash:streamGenerateContent",
  "/v1beta/models/gemini-3-flash:countTokens",
  "/v1/models/gemini-3-flash:generateContent",
];

const BODIES: unknown[] = [
  null,
  42,
  "text",
  [],
  [{}],
  {},
  { model: 5 },
  { model: "gemini-3-flash", messages: {} },
  { model: "gemini-3-flash", messages: [{}] },
  { model: "gemini-3-flash", messages: [{ role: "wizard", content: "hi" }] },
  { model: "gemini-3-flash", messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
  {
    model: "gemini-3-flash",
    messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] }],
  },
  { model: "gemini-3-flash", messages: [{ role: "assistant", tool_calls: [{ id: "x", function: {} }] }] },
  { model: "claude-sonnet-4-6", max_tokens: -1, messages: [{ role: "user", content: "x" }] },
  {
    model: "claude-sonnet-4-6",
    max_tokens: 10,
    messages: [{ role: "user", content: [{ type: "tool_use" }] }],
  },
  {
    model: "claude-sonnet-4-6",
    max_tokens: 10,
    messages: [{ role: "user", content: [{ type: "image", source: { type: "base64" } }] }],
  },
  {
    model: "claude-sonnet-4-6",
    max_tokens: 10,
    thinking: { type: "enabled" },
    messages: [{ role: "user", content: "x" }],
  },
  { contents: "hello" },
  { contents: [{ parts: "x" }] },
  { contents: [{ role: "user", parts: [] }] },
  { model: "gemini-3-flash", input: 5 },
  { model: "gemini-3-flash", prompt: 5 },
  { prompt: "" },
  { model: "gemini-3-flash", tools: "all", messages: [{ role: "user", content: "x" }] },
  {
    model: "gemini-3-flash",
    response_format: { type: "json_schema" },
    messages: [{ role: "user", content: "x" }],
  },
];

describe("robustness", () => {
  it("every proxy route answers malformed bodies with a 4xx in its envelope", async () => {
    const s = await makeSimServices(sim.url, { auth_mode: "off" }, [
      { refreshToken: "1//rt-rob", email: "rob@example.com" },
    ]);
    const failures: string[] = [];
    const statuses = new Set<number>();
    for (const route of ROUTES) {
      for (const body of BODIES) {
        const res = await Promise.race([
          s.app.request(route, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`hang on ${route}`)), 5000)),
        ]);
        const text = await res.text();
        statuses.add(res.status);
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // reported below
        }
        // A few bodies are valid for some routes (e.g. {prompt:""} makes an image request fail upstream-side): 200/502 are fine there.
        if (res.status >= 500 && res.status !== 502)
          failures.push(`${route} ${JSON.stringify(body)} -> ${res.status} ${text.slice(0, 200)}`);
        if (json === null && res.headers.get("content-type")?.includes("json"))
          failures.push(`${route} ${JSON.stringify(body)} -> unparseable JSON`);
        if (res.status >= 400 && !(json && typeof json === "object" && ("error" in json || "type" in json))) {
          failures.push(
            `${route} ${JSON.stringify(body)} -> ${res.status} without an error envelope: ${text.slice(0, 120)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(statuses.size).toBeGreaterThan(1);
    expect([...statuses].every((st) => st === 200 || st === 400 || st === 415 || st === 502)).toBe(true);
  });
});
