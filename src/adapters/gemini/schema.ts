/**
 * JSON Schema → the subset Gemini function declarations accept (spec §7). $ref/$defs are inlined,
 * allOf merged, anyOf/oneOf reduced to their richest branch, nullable types folded, and every
 * keyword Gemini rejects either dropped or kept as a hint in the description. Pure; the input is
 * never modified.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const KEEP = new Set(["type", "description", "properties", "required", "items", "enum", "title"]);
const HINTS: [string, string][] = [
  ["minLength", "minLen"],
  ["maxLength", "maxLen"],
  ["pattern", "pattern"],
  ["minimum", "min"],
  ["maximum", "max"],
  ["multipleOf", "multipleOf"],
  ["exclusiveMinimum", "exclMin"],
  ["exclusiveMaximum", "exclMax"],
  ["minItems", "minItems"],
  ["maxItems", "maxItems"],
  ["format", "format"],
];
const MAX_DEPTH = 12;

interface Cleaned {
  schema: Json;
  nullable: boolean;
}

function collectDefs(node: unknown, defs: Map<string, Json>, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(node)) {
    for (const v of node) collectDefs(v, defs, depth + 1);
    return;
  }
  if (!isObj(node)) return;
  for (const key of ["$defs", "definitions"]) {
    const d = node[key];
    if (isObj(d))
      for (const [name, def] of Object.entries(d)) if (isObj(def) && !defs.has(name)) defs.set(name, def);
  }
  for (const v of Object.values(node)) collectDefs(v, defs, depth + 1);
}

function appendDescription(node: Json, text: string): void {
  const cur = typeof node.description === "string" ? node.description : "";
  if (cur.includes(text)) return;
  node.description = cur ? `${cur} ${text}` : text;
}

const typeName = (s: Json): string | undefined => (typeof s.type === "string" ? s.type : undefined);

function branchScore(s: Json): number {
  if (s.type === "object" || isObj(s.properties)) return 3;
  if (s.type === "array" || s.items !== undefined) return 2;
  if (typeof s.type === "string" && s.type !== "null") return 1;
  return 0;
}

class Cleaner {
  constructor(private readonly defs: Map<string, Json>) {}

  clean(input: unknown, depth: number): Cleaned {
    if (!isObj(input) || depth > MAX_DEPTH) return { schema: { type: "string" }, nullable: false };
    let node: Json = { ...input };
    delete node.$defs;
    delete node.definitions;

    if (typeof node.$ref === "string") {
      const ref = node.$ref;
      delete node.$ref;
      const def = this.defs.get(ref.split("/").pop() ?? "");
      if (def) node = { ...def, ...node };
      else {
        node.type ??= "string";
        appendDescription(node, `(Unresolved $ref: ${ref})`);
      }
      if (typeof node.$ref === "string") return this.clean(node, depth + 1);
    }

    if (Array.isArray(node.allOf)) {
      const parts = node.allOf.filter(isObj).map((p) => this.clean(p, depth + 1).schema);
      delete node.allOf;
      for (const p of parts) {
        if (isObj(p.properties))
          node.properties = { ...p.properties, ...(isObj(node.properties) ? node.properties : {}) };
        if (Array.isArray(p.required)) {
          node.required = [
            ...new Set([...(Array.isArray(node.required) ? node.required : []), ...p.required]),
          ];
        }
        for (const [k, v] of Object.entries(p)) if (!(k in node)) node[k] = v;
      }
    }

    let nullable = false;
    for (const key of ["anyOf", "oneOf"] as const) {
      const branches = node[key];
      if (!Array.isArray(branches)) continue;
      delete node[key];
      const cleaned: Json[] = [];
      for (const b of branches) {
        if (isObj(b) && (b.type === "null" || (b.const === null && Object.keys(b).length === 1))) {
          nullable = true;
          continue;
        }
        cleaned.push(this.clean(b, depth + 1).schema);
      }
      if (cleaned.length === 0) continue;
      let best = cleaned[0]!;
      for (const b of cleaned) if (branchScore(b) > branchScore(best)) best = b;
      if (isObj(best.properties))
        node.properties = { ...best.properties, ...(isObj(node.properties) ? node.properties : {}) };
      if (Array.isArray(best.required)) {
        node.required = [
          ...new Set([...(Array.isArray(node.required) ? node.required : []), ...best.required]),
        ];
      }
      for (const [k, v] of Object.entries(best)) if (!(k in node)) node[k] = v;
      const types = [...new Set(cleaned.map(typeName).filter(Boolean))];
      if (types.length > 1) appendDescription(node, `Accepts: ${types.join(" | ")}`);
    }

    if ("const" in node && !("enum" in node)) node.enum = [node.const];

    // Type: arrays with "null" mark the node nullable; the first other type wins.
    let nullableByType = false;
    if (Array.isArray(node.type)) {
      const types = node.type.filter((t): t is string => typeof t === "string");
      nullableByType = types.includes("null");
      const first = types.find((t) => t !== "null");
      if (first) node.type = first;
      else delete node.type;
    } else if (node.type === "null") {
      nullableByType = true;
      delete node.type;
    }
    if (typeof node.type === "string") node.type = node.type.toLowerCase();

    // Object-like nodes with items: the items' keys describe properties.
    if ((node.type === "object" || isObj(node.properties)) && isObj(node.items)) {
      node.properties = {
        ...(node.items.properties as Json | undefined),
        ...(isObj(node.properties) ? node.properties : {}),
      };
      delete node.items;
    }

    if (isObj(node.properties)) {
      const props: Json = {};
      const dropped = new Set<string>();
      for (const [name, sub] of Object.entries(node.properties)) {
        if (!isObj(sub)) continue;
        const c = this.clean(sub, depth + 1);
        props[name] = c.schema;
        if (c.nullable) dropped.add(name);
      }
      node.properties = props;
      if (Array.isArray(node.required)) {
        node.required = node.required.filter((r) => typeof r === "string" && r in props && !dropped.has(r));
      }
    }
    if (node.items !== undefined) {
      const items = Array.isArray(node.items) ? node.items.find(isObj) : node.items;
      if (isObj(items)) {
        node.items = this.clean(items, depth + 1).schema;
        node.type ??= "array";
      } else delete node.items;
    }

    const hints: string[] = [];
    for (const [key, label] of HINTS) {
      const v = node[key];
      if (v === undefined || isObj(v)) continue;
      hints.push(`${label}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    }
    if (hints.length) appendDescription(node, `[Constraint: ${hints.join(", ")}]`);

    for (const key of Object.keys(node)) if (!KEEP.has(key)) delete node[key];

    if (Array.isArray(node.enum)) {
      node.enum = node.enum.map((v) => (typeof v === "string" ? v : v === null ? "null" : JSON.stringify(v)));
      node.type ??= "string";
      // Gemini accepts enums on strings only.
      if (node.type !== "string") node.type = "string";
    }
    if (!node.type) node.type = isObj(node.properties) ? "object" : node.items ? "array" : "string";
    if (node.type === "object" && !isObj(node.properties)) node.properties = {};
    if (Array.isArray(node.required)) {
      const props = isObj(node.properties) ? node.properties : {};
      node.required = node.required.filter((r) => typeof r === "string" && r in props);
      if ((node.required as unknown[]).length === 0) delete node.required;
    }
    if (nullableByType) appendDescription(node, "(nullable)");
    return { schema: node, nullable: nullable || nullableByType };
  }
}

/** Cleans one JSON Schema for a function declaration's `parameters`. */
export function cleanSchema(schema: unknown): Json {
  const defs = new Map<string, Json>();
  collectDefs(schema, defs);
  // A declaration's parameters are an object; a root with no type says so implicitly.
  const input = isObj(schema)
    ? schema.type === undefined && schema.$ref === undefined
      ? { type: "object", ...schema }
      : schema
    : { type: "object" };
  return new Cleaner(defs).clean(input, 0).schema;
}

/** The OpenAI path sends Gemini's upper-case type names (OBJECT, STRING…). */
export function upperCaseTypes(schema: Json): Json {
  const out: Json = { ...schema };
  if (typeof out.type === "string") out.type = out.type.toUpperCase();
  if (isObj(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, isObj(v) ? upperCaseTypes(v) : v]),
    );
  }
  if (isObj(out.items)) out.items = upperCaseTypes(out.items);
  return out;
}
