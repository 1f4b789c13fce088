import { describe, expect, it } from "vitest";
import { parseClaudeId, resolveModel } from "./models.js";

// What the simulated (and a typical real) account lists today.
const LISTED = [
  "gemini-3-flash",
  "gemini-3-pro-high",
  "claude-sonnet-4-6",
  "claude-sonnet-4-6-thinking",
  "claude-opus-4-6-thinking",
];

describe("Claude ids by rule", () => {
  it.each([
    ["claude-opus-4-8", { family: "opus", version: [4, 8], thinking: false }],
    ["claude-sonnet-5", { family: "sonnet", version: [5, 0], thinking: false }],
    ["claude-haiku-4-6", { family: "haiku", version: [4, 6], thinking: false }],
    ["claude-opus-4-8-20261015", { family: "opus", version: [4, 8], thinking: false }],
    ["claude-sonnet-4-20250514", { family: "sonnet", version: [4, 0], thinking: false }],
    ["claude-3-5-sonnet-20241022", { family: "sonnet", version: [3, 5], thinking: false }],
    ["claude-opus-4.6-thinking", { family: "opus", version: [4, 6], thinking: true }],
    ["claude-opus-4-8[1m]", { family: "opus", version: [4, 8], thinking: false }],
    ["claude-haiku-latest", { family: "haiku", version: [0, 0], thinking: false }],
  ])("%s reads as %o", (id, want) => {
    expect(parseClaudeId(id)).toEqual(want);
  });

  it.each(["gpt-4o", "gemini-3-flash", "claude", "claude-mythos-1"])("%s is not a Claude family id", (id) => {
    expect(parseClaudeId(id)).toBeNull();
  });

  // Ids that do not exist today go to the newest model of their family the accounts list.
  it.each([
    ["claude-opus-4-8", "claude-opus-4-6-thinking"],
    ["claude-opus-9-1-20301231", "claude-opus-4-6-thinking"],
    ["claude-opus-4-8[1m]", "claude-opus-4-6-thinking"],
    ["claude-sonnet-5", "claude-sonnet-4-6"],
    ["claude-sonnet-5-thinking", "claude-sonnet-4-6-thinking"],
    ["claude-haiku-4-6", "claude-sonnet-4-6"],
    ["claude-haiku-5-20270101", "claude-sonnet-4-6"],
  ])("%s → %s with today's listing", (id, want) => {
    expect(resolveModel(id, {}, LISTED)).toEqual({ model: want, source: "family" });
  });

  it("a newer model in the listing wins over the built-in table", () => {
    const listed = [...LISTED, "claude-opus-4-7-thinking", "claude-sonnet-4-7"];
    expect(resolveModel("claude-opus-4-8", {}, listed).model).toBe("claude-opus-4-7-thinking");
    expect(resolveModel("claude-opus-4-6", {}, listed).model).toBe("claude-opus-4-7-thinking");
    expect(resolveModel("claude-haiku-4-6", {}, listed).model).toBe("claude-sonnet-4-7");
  });

  it("an id the accounts list is served as is", () => {
    expect(resolveModel("claude-sonnet-4-6-thinking", {}, LISTED)).toEqual({
      model: "claude-sonnet-4-6-thinking",
      source: "built-in",
    });
  });

  it("a family with no model listed falls back to the next family", () => {
    expect(resolveModel("claude-opus-5", {}, ["claude-sonnet-4-6"]).model).toBe("claude-sonnet-4-6");
  });

  it("without a listing, the built-in table's family model", () => {
    expect(resolveModel("claude-opus-4-8", {}, [])).toEqual({
      model: "claude-opus-4-6-thinking",
      source: "family",
    });
    expect(resolveModel("claude-sonnet-5-thinking", {}, []).model).toBe("claude-sonnet-4-6-thinking");
    expect(resolveModel("claude-3-haiku-20240307", {}, []).model).toBe("claude-sonnet-4-6");
  });

  it("custom_mapping still wins, exact and wildcard", () => {
    expect(resolveModel("claude-opus-4-8", { "claude-opus-4-8": "gemini-3-pro-high" }, LISTED)).toEqual({
      model: "gemini-3-pro-high",
      source: "custom",
    });
    expect(resolveModel("claude-opus-4-8", { "claude-opus-*": "gemini-3-flash" }, LISTED).model).toBe(
      "gemini-3-flash",
    );
  });

  it.each([
    ["gpt-6.1-sol", "gemini-pro-agent"],
    ["gpt-5.2-codex", "gemini-pro-agent"],
    ["gpt-5-mini", "gemini-3-flash"],
    ["o4-mini", "gemini-3-flash"],
  ])("OpenAI id %s → %s by rule", (id, want) => {
    expect(resolveModel(id, {}, LISTED)).toEqual({ model: want, source: "family" });
  });

  it("other names keep the table and pass-through", () => {
    expect(resolveModel("gpt-4o", {}, LISTED).model).toBe("gemini-2.5-flash");
    expect(resolveModel("gemini-3.5-flash-preview", {}, LISTED)).toEqual({
      model: "gemini-3.5-flash-preview",
      source: "pass-through",
    });
  });
});
