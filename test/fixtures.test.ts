import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelopeProblems } from "../src/simulator/server.js";
import { type Harness, startHarness } from "./harness.js";
import { ROOT } from "./helpers.js";

// Every request recorded from a real client (test/fixtures/clients) goes through the proxy to a
// valid upstream envelope and a well-formed answer in the client's protocol.
const DIR = join(ROOT, "test", "fixtures", "clients");
const KEY = "sk-fixture-replay-key";
let h: Harness;

beforeAll(async () => {
  h = await startHarness([{ email: "fx@example.com", refreshToken: "1//rt-fx", projectId: "proj-fx" }], {
    ANTIGRAVITY_AUTH_MODE: "strict",
    ANTIGRAVITY_API_KEY: KEY,
  });
});
afterAll(() => h.stop());

interface Fixture {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Parses an SSE body into its data payloads (skipping [DONE]); throws on a payload that is not JSON. */
function sseData(text: string): unknown[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((e) =>
      e
        .split(/\r?\n/)
        .find((l) => l.startsWith("data: "))
        ?.slice(6),
    )
    .filter((d): d is string => d !== undefined && d !== "[DONE]")
    .map((d) => JSON.parse(d));
}

describe("recorded client requests", async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith(".json")).sort();

  it("there are fixtures from Claude Code, the Gemini CLI and Codex", () => {
    expect(files.some((f) => f.startsWith("claude-code"))).toBe(true);
    expect(files.some((f) => f.startsWith("gemini-cli"))).toBe(true);
    expect(files.some((f) => f.startsWith("codex"))).toBe(true);
  });

  for (const file of files) {
    it(file, async () => {
      const f = JSON.parse(await readFile(join(DIR, file), "utf8")) as Fixture;
      const headers: Record<string, string> = { ...f.headers };
      delete headers["accept-encoding"];
      delete headers["content-length"];
      // The recorded key is redacted; this proxy's key goes where the client put it.
      for (const k of ["x-api-key", "x-goog-api-key"]) if (k in headers) headers[k] = KEY;
      if ("authorization" in headers) headers.authorization = `Bearer ${KEY}`;
      if (!["x-api-key", "x-goog-api-key", "authorization"].some((k) => k in headers))
        headers.authorization = `Bearer ${KEY}`;
      const before = h.sim.generateCalls().length;
      const res = await fetch(`http://127.0.0.1:${h.proxy.port}${f.path}`, {
        method: f.method,
        headers,
        body: f.method === "HEAD" || f.method === "GET" ? undefined : JSON.stringify(f.body),
      });
      expect(res.status).toBe(200);
      if (f.method === "HEAD") return;
      const text = await res.text();
      const calls = h.sim.generateCalls().slice(before);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (const c of calls) expect(envelopeProblems(c.body)).toEqual([]);
      const type = res.headers.get("content-type") ?? "";
      if (type.includes("event-stream")) {
        const data = sseData(text);
        expect(data.length).toBeGreaterThan(0);
        // No error event in any protocol's form (the Responses envelope carries "error": null).
        expect(JSON.stringify(data)).not.toMatch(/"error":\{|"type":"error"|response\.failed/);
      } else {
        expect(() => JSON.parse(text)).not.toThrow();
      }
    });
  }
});
