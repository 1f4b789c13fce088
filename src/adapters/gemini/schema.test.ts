import { describe, expect, it } from "vitest";
import { cleanSchema, upperCaseTypes } from "./schema.js";

// Expected values are the spec's (protocol-mapping §7.2 and test vectors 34-36), not this code's output.
describe("JSON schema cleaning", () => {
  it("§7.2 example: $ref, constraints, nullable, anyOf, boolean subschema", () => {
    const input = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: false,
      $defs: { Unit: { type: "string", enum: ["c", "f"] } },
      properties: {
        city: { type: "string", minLength: 1, format: "city" },
        unit: { $ref: "#/$defs/Unit", default: "c" },
        days: { type: ["integer", "null"], minimum: 1, maximum: 7 },
        opts: {
          anyOf: [
            { type: "object", properties: { v: { type: "boolean" } }, required: ["v"] },
            { type: "null" },
          ],
        },
        flag: false,
      },
      required: ["city", "days", "flag"],
    };
    const before = JSON.stringify(input);
    expect(cleanSchema(input)).toEqual({
      type: "object",
      properties: {
        city: { type: "string", description: "[Constraint: minLen: 1, format: city]" },
        unit: { type: "string", enum: ["c", "f"] },
        days: { type: "integer", description: "[Constraint: min: 1, max: 7] (nullable)" },
        opts: { type: "object", properties: { v: { type: "boolean" } }, required: ["v"] },
      },
      required: ["city"],
    });
    expect(JSON.stringify(input)).toBe(before);
  });

  it("vector 34: nullable + required", () => {
    expect(
      cleanSchema({ type: "object", properties: { a: { type: ["string", "null"] } }, required: ["a"] }),
    ).toEqual({
      type: "object",
      properties: { a: { type: "string", description: "(nullable)" } },
    });
  });

  it("vector 35: $ref inlined, unresolved $ref becomes a described string", () => {
    const out = cleanSchema({
      $defs: { P: { type: "object", properties: { x: { type: "number" } } } },
      properties: { p: { $ref: "#/$defs/P" }, q: { $ref: "#/$defs/Missing" } },
    });
    expect(out.type).toBe("object");
    expect(out).not.toHaveProperty("$defs");
    expect(out.properties).toEqual({
      p: { type: "object", properties: { x: { type: "number" } } },
      q: { type: "string", description: "(Unresolved $ref: #/$defs/Missing)" },
    });
  });

  it("vector 36: enum values become strings; anyOf of scalars says what it accepts", () => {
    expect(cleanSchema({ type: "integer", enum: [1, 2] }).enum).toEqual(["1", "2"]);
    expect(
      cleanSchema({ type: "object", properties: { n: { anyOf: [{ type: "string" }, { type: "integer" }] } } })
        .properties,
    ).toEqual({
      n: { type: "string", description: "Accepts: string | integer" },
    });
  });

  it("§2.4 example, upper-cased for the OpenAI path", () => {
    const params = {
      type: "object",
      properties: { city: { type: "string", minLength: 1 } },
      required: ["city"],
      additionalProperties: false,
    };
    expect(upperCaseTypes(cleanSchema(params))).toEqual({
      type: "OBJECT",
      properties: { city: { type: "STRING", description: "[Constraint: minLen: 1]" } },
      required: ["city"],
    });
  });

  it("survives cycles and odd input", () => {
    const cyclic = {
      $defs: { N: { type: "object", properties: { next: { $ref: "#/$defs/N" } } } },
      $ref: "#/$defs/N",
    };
    expect(cleanSchema(cyclic).type).toBe("object");
    expect(cleanSchema(undefined)).toEqual({ type: "object", properties: {} });
    expect(cleanSchema({ type: "array", items: [{ type: "string" }] })).toEqual({
      type: "array",
      items: { type: "string" },
    });
  });
});
