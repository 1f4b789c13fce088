import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sessionIdFor } from "../src/adapters/gemini/envelope.js";
import { SimulatedUpstream, textChunks } from "../src/simulator/server.js";
import { freePort } from "./helpers.js";
import { geminiBody, makeSimServices, postJson } from "./app-helpers.js";

const sim = new SimulatedUpstream();
const A = { email: "alice@example.com", refreshToken: "1//rt-alice-secret-value" };
const B = { email: "bob@example.com", refreshToken: "1//rt-bob-secret-value" };
const GEN = "/v1beta/models/gemini-3-flash:generateContent";

beforeAll(async () => {
  await sim.start();
  sim.addAccount({ ...A, projectId: "proj-alice" });
  sim.addAccount({ ...B, projectId: "proj-bob" });
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.reset();
  sim.revoked.clear();
});

/** Accounts as the store has them after `accounts add`: a refresh token and an email; no access token yet. */
const accounts = () => [
  { refreshToken: A.refreshToken, email: A.email },
  { refreshToken: B.refreshToken, email: B.email },
];

describe("account pool against the simulated upstream", () => {
  it("a 429 with retryDelay 30s: served by the other account; the first cools down ~30s for that model, then serves again", async () => {
    let clock = Date.now();
    const s = await makeSimServices(sim.url, {}, accounts(), () => clock);
    sim.enqueue({ reply: { kind: "error", status: 429, retryDelay: "30s" } });
    const res = await postJson(s.app, GEN, geminiBody("first question, long enough"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-antigravity-attempts")).toBe("2");
    const [limited, served] = sim.generateCalls().map((c) => c.email);
    expect(limited).not.toBe(served);
    const mask = (e: string) => `${e.slice(0, 2)}***@example.com`;
    expect(res.headers.get("x-antigravity-account")).toBe(mask(served!));
    const cds = s.pool.activeCooldowns();
    expect(cds).toHaveLength(1);
    expect(cds[0]).toMatchObject({ model: "gemini-3-flash" });
    expect(Math.round((cds[0]!.until - clock) / 1000)).toBe(30);
    const first = s.pool.all().find((a) => a.email === limited)!;
    // Cooling down only for that model: other models can still use it.
    expect(s.pool.freeAt(first, "gemini-3-flash")).toBeGreaterThan(clock);
    expect(s.pool.freeAt(first, "claude-sonnet-4-6")).toBe(0);
    for (let i = 0; i < 3; i++) {
      const r = await postJson(s.app, GEN, geminiBody(`another conversation number ${i}`));
      expect(r.headers.get("x-antigravity-account")).toBe(mask(served!));
    }
    clock += 31_000;
    const seen = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const r = await postJson(s.app, GEN, geminiBody(`after the cooldown number ${i}`));
      seen.add(r.headers.get("x-antigravity-account")!);
    }
    expect(seen.has(mask(limited!))).toBe(true);
  });

  /** A clock the request path's waits move, instead of the wall clock. */
  const fakeTime = () => {
    const t = { now: Date.now(), slept: [] as number[] };
    return {
      t,
      now: () => t.now,
      sleep: async (ms: number) => {
        t.slept.push(ms);
        t.now += ms;
      },
    };
  };

  it("a 429 with a 1s delay is retried on the same account and cools nothing down", async () => {
    const time = fakeTime();
    const s = await makeSimServices(sim.url, {}, accounts(), time.now, time.sleep);
    sim.enqueue({ reply: { kind: "error", status: 429, retryDelay: "1s" } });
    const res = await postJson(s.app, GEN, geminiBody("short delay question here"));
    expect(res.status).toBe(200);
    expect(time.t.slept).toEqual([1000]);
    expect(res.headers.get("x-antigravity-attempts")).toBe("2");
    expect(s.pool.activeCooldowns()).toEqual([]);
    const calls = sim.generateCalls().map((c) => c.email);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe(calls[0]);
  });

  it("two accounts both cooling down ~1.5 s: the request waits for the first and is served", async () => {
    const time = fakeTime();
    const s = await makeSimServices(sim.url, {}, accounts(), time.now, time.sleep);
    sim.enqueue(
      { email: A.email, reply: { kind: "error", status: 429, retryDelay: "3s" } },
      { email: B.email, reply: { kind: "error", status: 429, retryDelay: "3s" } },
    );
    const first = await postJson(s.app, GEN, geminiBody("both accounts are limited now"));
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    expect(s.pool.activeCooldowns()).toHaveLength(2);
    time.t.now += 1500; // the client retries after 1.5 s; both accounts are free again 1.5 s later
    const res = await postJson(s.app, GEN, geminiBody("the retry after a short while"));
    expect(res.status).toBe(200);
    expect(time.t.slept).toEqual([1500]);
    expect(sim.generateCalls()).toHaveLength(3);
  });

  // The bound a client can wait on a stalled token endpoint: pool.max_attempts × upstream.token_timeout_seconds.
  it("a token endpoint that never answers: the request moves to the next account and is served", async () => {
    const s = await makeSimServices(sim.url, { upstream: { token_timeout_seconds: 0.5 } }, accounts());
    sim.stalledTokens.add(A.refreshToken);
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const res = await postJson(s.app, GEN, geminiBody(`question ${i} while alice's refresh stalls`));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-antigravity-account")).toBe("bo***@example.com");
      expect(Date.now() - started).toBeLessThan(3 * 500 + 1000);
    }
  });

  it("every token endpoint call stalls: a 503 naming the stalled refresh, within the documented bound", async () => {
    const s = await makeSimServices(sim.url, { upstream: { token_timeout_seconds: 0.5 } }, accounts());
    sim.stalledTokens.add(A.refreshToken);
    sim.stalledTokens.add(B.refreshToken);
    const started = Date.now();
    const res = await postJson(s.app, GEN, geminiBody("nobody can get a token right now"));
    expect(Date.now() - started).toBeLessThan(3 * 500 + 1000);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain(
      "token refresh failed: the token endpoint did not answer within 0.5s (upstream.token_timeout_seconds)",
    );
    expect(sim.generateCalls()).toHaveLength(0);
  });

  it("when every account cools down, the 429 says when the first is free, with Retry-After", async () => {
    const s = await makeSimServices(sim.url, {}, accounts());
    sim.enqueue(
      { email: A.email, reply: { kind: "error", status: 429, retryDelay: "40s" } },
      { email: B.email, reply: { kind: "error", status: 429, quotaResetDelay: "1m5s" } },
    );
    const first = await postJson(s.app, GEN, geminiBody("everyone is limited now"));
    expect(first.status).toBe(429);
    const again = await postJson(s.app, GEN, geminiBody("everyone is limited now"));
    expect(again.status).toBe(429);
    const retryAfter = Number(again.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(38);
    expect(retryAfter).toBeLessThanOrEqual(40);
    const body = (await again.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe("RESOURCE_EXHAUSTED");
    expect(body.error.message).toMatch(
      /all 2 accounts are cooling down for gemini-3-flash.*free again in \d+s/,
    );
  });

  it("50 concurrent requests on an expired token cause exactly one refresh per account", async () => {
    const expired = accounts().map((a) => ({
      ...a,
      accessToken: "ya29.expired",
      accessTokenExpiresAt: Date.now() - 1000,
    }));
    const s = await makeSimServices(sim.url, {}, expired);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postJson(s.app, GEN, geminiBody(`concurrent request number ${i} here`)),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(sim.refreshCounts.get(A.refreshToken)).toBe(1);
    expect(sim.refreshCounts.get(B.refreshToken)).toBe(1);
    await s.pool.flush();
    // The refreshed token was saved to the store.
    const stored = (await s.repo.list()).accounts;
    expect(stored.every((a) => a.accessToken?.startsWith("ya29.sim-"))).toBe(true);
  });

  it("invalid_grant disables the account with its reason, keeps its data, and the next request uses another", async () => {
    const s = await makeSimServices(sim.url, {}, accounts());
    sim.revoked.add(A.refreshToken);
    // Two conversations: round-robin reaches alice in one of them, whichever account comes first.
    for (const q of ["revoked account question", "second revoked account question"]) {
      const res = await postJson(s.app, GEN, geminiBody(q));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-antigravity-account")).toBe("bo***@example.com");
    }
    await s.pool.flush();
    const alice = (await s.repo.list()).accounts.find((a) => a.email === A.email)!;
    expect(alice.enabled).toBe(false);
    expect(alice.refreshToken).toBe(A.refreshToken);
    expect(alice.disabledReason).toMatch(/^invalid_grant: .*Sign in again: npm run accounts -- login/);
    expect(alice.disabledAt).toBeGreaterThan(0);

    sim.revoked.add(B.refreshToken);
    s.pool.all().find((a) => a.email === B.email)!.accessTokenExpiresAt = 0; // force a refresh
    const none = await postJson(s.app, GEN, geminiBody("nobody is left to answer"));
    expect(none.status).toBe(503);
    const msg = ((await none.json()) as { error: { message: string } }).error.message;
    expect(msg).toContain("invalid_grant");
    expect(msg).toContain("npm run accounts -- login");
    // Nothing secret in what the client saw or in the logs.
    for (const secret of [A.refreshToken, B.refreshToken]) {
      expect(msg).not.toContain(secret);
      expect(s.logs.text()).not.toContain(secret);
    }
  });

  it("403 takes the account out with the upstream's reason", async () => {
    const s = await makeSimServices(sim.url, {}, accounts());
    // Twice: the client first retries once without x-goog-user-project (spec §6.2).
    sim.enqueue({
      times: 2,
      reply: {
        kind: "error",
        status: 403,
        body: {
          error: {
            code: 403,
            message: "Gemini has been disabled in this account for violation of Terms of Service.",
            status: "PERMISSION_DENIED",
          },
        },
      },
    });
    const res = await postJson(s.app, GEN, geminiBody("a forbidden account question"));
    expect(res.status).toBe(200);
    const calls = sim.generateCalls();
    const banned = s.pool.all().find((a) => a.email === calls[0]!.email)!;
    expect(banned.enabled).toBe(false);
    expect(banned.disabledReason).toContain("Forbidden (403) from Google: Gemini has been disabled");
    expect(calls[0]!.headers["x-goog-user-project"]).toMatch(/^proj-/);
    expect(calls[1]!.email).toBe(calls[0]!.email);
    expect(calls[1]!.headers["x-goog-user-project"]).toBeUndefined();
    expect(calls[2]!.email).not.toBe(calls[0]!.email);
  });

  it("a stream that breaks before its first chunk is retried on the next account", async () => {
    const s = await makeSimServices(sim.url, {}, accounts());
    sim.enqueue({
      reply: { kind: "chunks", chunks: textChunks("never seen", { pieces: 2 }), cutAfter: 0, delayMs: 20 },
    });
    const res = await postJson(
      s.app,
      "/v1beta/models/gemini-3-flash:streamGenerateContent?alt=sse",
      geminiBody("a question whose first try breaks"),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-antigravity-attempts")).toBe("2");
    const calls = sim.generateCalls().map((c) => c.email);
    expect(calls).toHaveLength(2);
    expect(calls[1]).not.toBe(calls[0]);
    expect(await res.text()).toContain("Simulated answer");
    // When every account's stream breaks that way, the client gets a clear 502, not an empty stream.
    sim.enqueue({ times: 2, reply: { kind: "chunks", chunks: textChunks("x"), cutAfter: 0, delayMs: 20 } });
    const bad = await postJson(s.app, GEN, geminiBody("everything breaks this time"));
    expect(bad.status).toBe(502);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      "ended before sending any data",
    );
  });

  it("a 400 from upstream goes back to the client and cools nothing down", async () => {
    const s = await makeSimServices(sim.url, {}, accounts());
    sim.enqueue({
      reply: {
        kind: "error",
        status: 400,
        body: {
          error: { code: 400, message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT" },
        },
      },
    });
    const res = await postJson(s.app, GEN, geminiBody("an invalid request for sure"));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      "Request contains an invalid argument",
    );
    expect(s.pool.activeCooldowns()).toEqual([]);
    expect(sim.generateCalls()).toHaveLength(1);
  });

  it("sticky sessions: one conversation stays on one account while it is healthy", async () => {
    const s = await makeSimServices(sim.url, {}, accounts());
    const convo = (turns: number) => ({
      contents: [
        { role: "user", parts: [{ text: "Let us talk about the sea, please" }] },
        ...Array.from({ length: turns }, (_, i) => [
          { role: "model", parts: [{ text: `answer ${i}` }] },
          { role: "user", parts: [{ text: `follow-up ${i}` }] },
        ]).flat(),
      ],
    });
    const first = await postJson(s.app, GEN, convo(0));
    const home = first.headers.get("x-antigravity-account");
    for (let t = 1; t <= 4; t++) {
      // Another conversation in between moves the round-robin on.
      await postJson(s.app, GEN, geminiBody(`unrelated conversation ${t} with words`));
      const r = await postJson(s.app, GEN, convo(t));
      expect(r.headers.get("x-antigravity-account")).toBe(home);
    }
  });

  it("every envelope sent upstream matches spec §6.4", async () => {
    const s = await makeSimServices(sim.url, {}, [accounts()[0]!]);
    const res = await postJson(s.app, GEN, {
      ...geminiBody("check the envelope please"),
      generationConfig: { temperature: 0.2 },
    });
    expect(res.status).toBe(200);
    const [call] = sim.generateCalls();
    expect(call!.path).toBe("/v1internal:streamGenerateContent");
    expect(call!.query).toBe("?alt=sse");
    const alice = s.pool.all()[0]!;
    expect(call!.body).toMatchObject({
      project: "proj-alice",
      model: "gemini-3-flash",
      userAgent: "antigravity",
      requestType: "agent",
      request: {
        sessionId: sessionIdFor(alice.id),
        contents: [{ role: "user", parts: [{ text: "check the envelope please" }] }],
        generationConfig: { temperature: 0.2 },
      },
    });
    expect((call!.body as { requestId: string }).requestId).toMatch(/^agent\/\d+\/[0-9a-f]{8}$/);
    expect(call!.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer ya29\.sim-/),
      "user-agent": expect.stringMatching(/^Antigravity\/4\.3\.0 \(X11; Linux x86_64\) Chrome\//),
      "x-client-name": "antigravity",
      "x-client-version": "4.3.0",
      "x-goog-user-project": "proj-alice",
    });
    expect(call!.headers["x-machine-id"]).toBeTruthy();
    expect(call!.headers["x-vscode-sessionid"]).toBeTruthy();
    // The session id is a signed 64-bit decimal.
    expect(sessionIdFor(alice.id)).toMatch(/^-?\d{1,20}$/);
  });

  it("new accounts serve before their first quota fetch; quota is fetched on demand and stored", async () => {
    const s = await makeSimServices(sim.url, {}, [accounts()[0]!]);
    expect(s.pool.all()[0]!.quota).toBeUndefined();
    expect((await postJson(s.app, GEN, geminiBody("before any quota is known"))).status).toBe(200);
    const r = await s.pool.refreshQuota();
    expect(r).toEqual([{ id: s.pool.all()[0]!.id, ok: true }]);
    const q = s.pool.all()[0]!.quota!;
    expect(q.models.map((m) => m.name)).toContain("gemini-3-flash");
    expect(q.models.find((m) => m.name === "gemini-3-flash")!.remainingFraction).toBe(1);
  });
});

describe("upstream base URL fallback", () => {
  it("a base that refuses connections or answers 503 falls through to the next", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const down = new SimulatedUpstream();
    await down.start();
    down.failAllWith = 503;
    try {
      const s = await makeSimServices(sim.url, { upstream: { urls: [dead, down.url, sim.url] } }, [
        accounts()[0]!,
      ]);
      const res = await postJson(s.app, GEN, geminiBody("does fallback work here"));
      expect(res.status).toBe(200);
      expect(down.requests.some((r) => r.path === "/v1internal:streamGenerateContent")).toBe(true);
      expect(sim.generateCalls()).toHaveLength(1);
    } finally {
      await down.stop();
    }
  });
});
