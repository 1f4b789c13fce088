/**
 * Gemini models calling a client's tools sometimes miss the exact name or argument names (`Read`
 * with `path` instead of `file_path`, `grep` for `Grep`). Before a call reaches the client it is
 * matched to what the client declared: the name by case, argument names by known aliases, and only
 * where the declared schema shows the intended one (spec §5.1-6, done from the schema, not a list).
 */

export interface DeclaredTool {
  name: string;
  input_schema?: { properties?: Record<string, unknown>; required?: string[] };
}

const ALIASES: Record<string, string[]> = {
  file_path: ["path", "filePath", "file", "filename"],
  pattern: ["query", "regex", "search"],
  path: ["dir", "directory", "folder"],
  command: ["cmd", "script", "shell_command"],
  url: ["uri", "link"],
};

export function fitToolCall(
  name: string,
  args: Record<string, unknown>,
  declared: readonly DeclaredTool[],
): { name: string; args: Record<string, unknown> } {
  const tool =
    declared.find((t) => t.name === name) ??
    declared.find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (!tool) return { name, args };
  const props = tool.input_schema?.properties ?? {};
  const out: Record<string, unknown> = { ...args };
  for (const [want, aliases] of Object.entries(ALIASES)) {
    if (!(want in props) || want in out) continue;
    const alias = aliases.find((a) => a in out && !(a in props));
    if (alias) {
      out[want] = out[alias];
      delete out[alias];
    }
  }
  // `paths: ["x"]` where the tool takes one `path`.
  if (
    "path" in props &&
    !("path" in out) &&
    Array.isArray(out.paths) &&
    out.paths.length === 1 &&
    !("paths" in props)
  ) {
    out.path = out.paths[0];
    delete out.paths;
  }
  return { name: tool.name, args: out };
}
