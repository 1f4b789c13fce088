// The part of @cloudflare/vitest-pool-workers' "cloudflare:test" module these tests use. Its own
// declarations need @cloudflare/workers-types globally, which clash with the DOM and Node types
// the rest of the project is checked with.
declare module "cloudflare:test" {
  export const SELF: { fetch(input: string, init?: RequestInit): Promise<Response> };
  export const env: Record<string, unknown>;
}
