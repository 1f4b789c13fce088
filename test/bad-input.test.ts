import { describe, expect, it } from "vitest";
import { API_KEY, makeServices } from "./app-helpers.js";

const auth = { authorization: `Bearer ${API_KEY}` };

describe("bad input gets a clear error and loses nothing", () => {
  it("malformed JSON, wrong content type, missing fields on the admin API", async () => {
    const s = await makeServices({ auth_mode: "strict" }, [
      { refreshToken: "1//keep-me", email: "keep@example.com" },
    ]);
    const post = (body: string, type = "application/json") =>
      s.app.request("/api/accounts", { method: "POST", headers: { ...auth, "content-type": type }, body });
    const malformed = await post('{"refreshToken": ');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toMatch(/^Request body is not valid JSON/);
    const wrongType = await post("refreshToken=x", "application/x-www-form-urlencoded");
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).error).toContain("Content-Type must be application/json");
    const missing = await post("{}");
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toContain("refreshToken is required");
    const { accounts } = await s.repo.list();
    expect(accounts.map((a) => a.email)).toEqual(["keep@example.com"]);
  });

  it("oversized bodies get 413 in the path's envelope", async () => {
    const s = await makeServices({ auth_mode: "off", max_body_size: 1024 }, [{ refreshToken: "1//x" }]);
    const big = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "a".repeat(4096) }] }] });
    const gem = await s.app.request("/v1beta/models/gemini-3-flash:generateContent", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(gem.status).toBe(413);
    expect(await gem.json()).toMatchObject({ error: { code: 413, status: "INVALID_ARGUMENT" } });
    const anth = await s.app.request("/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(anth.status).toBe(413);
    expect(await anth.json()).toMatchObject({ type: "error", error: { type: "request_too_large" } });
  });

  it("unknown paths get 404 with the base URL each SDK needs", async () => {
    const s = await makeServices({ auth_mode: "off" }, [{ refreshToken: "1//x" }]);
    const cases: [string, RegExp][] = [
      [
        "/v1/chat/completions/responses",
        /two endpoints are joined.*base URL to "http:\/\/127\.0\.0\.1:8045\/v1"/,
      ],
      ["/v1/v1/chat/completions", /"\/v1" appears twice/],
      [
        "/chat/completions",
        /"\/v1" is missing\. OpenAI clients need base_url "http:\/\/127\.0\.0\.1:8045\/v1"/,
      ],
      ["/nothing/here", /Unknown path \/nothing\/here\. OpenAI SDKs: base_url/],
    ];
    for (const [path, hint] of cases) {
      const res = await s.app.request(`http://127.0.0.1:8045${path}`, { method: "POST" });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { message: string; type: string } };
      expect(body.error.type).toBe("not_found_error");
      expect(body.error.message).toMatch(hint);
    }
    const anth = await s.app.request("http://127.0.0.1:8045/v1/messages/extra", { method: "POST" });
    expect(await anth.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  it("Gemini: unknown method, missing contents, invalid JSON answer 400 INVALID_ARGUMENT", async () => {
    const s = await makeServices({ auth_mode: "off" }, [{ refreshToken: "1//x" }]);
    const call = (path: string, body: string) =>
      s.app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body });
    const unknown = await call("/v1beta/models/gemini-3-flash:fooBar", "{}");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: {
        code: 400,
        status: "INVALID_ARGUMENT",
        message: expect.stringContaining("Unsupported method: fooBar"),
      },
    });
    const noContents = await call("/v1beta/models/gemini-3-flash:generateContent", "{}");
    expect(noContents.status).toBe(400);
    expect((await noContents.json()).error.message).toContain("contents");
    const invalid = await call("/v1beta/models/gemini-3-flash:generateContent", "{nope");
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error.message).toContain("not valid JSON");
  });
});
