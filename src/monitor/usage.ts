/** Token counts as each protocol reports them, read from the end of a response body. */
export interface Usage {
  input: number;
  output: number;
}

const num = (re: RegExp, text: string): number | undefined => {
  let last: number | undefined;
  for (const m of text.matchAll(re)) last = Number(m[1]);
  return last;
};

/** OpenAI (prompt/completion_tokens), Responses and Anthropic (input/output_tokens), Gemini (usageMetadata). */
export function extractUsage(text: string): Usage | undefined {
  const input =
    num(/"prompt_tokens":(\d+)/g, text) ??
    num(/"input_tokens":(\d+)/g, text) ??
    num(/"promptTokenCount":(\d+)/g, text);
  const output =
    num(/"completion_tokens":(\d+)/g, text) ??
    num(/"output_tokens":(\d+)/g, text) ??
    num(/"candidatesTokenCount":(\d+)/g, text);
  if (input === undefined && output === undefined) return undefined;
  return { input: input ?? 0, output: output ?? 0 };
}
