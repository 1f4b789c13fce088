import { type Config, type FileConfig, parseFileConfig } from "../src/config.js";
import { MemoryLogger } from "../src/monitor/log.js";
import type { NewAccount } from "../src/pool/accounts.js";
import { type Services, buildServices } from "../src/runtime/services.js";
import { MemoryKv } from "../src/store/kv.js";

export const API_KEY = "sk-test-0123456789abcdef";

export type ConfigPatch = Partial<Omit<FileConfig, "upstream" | "pool">> & {
  upstream?: Partial<FileConfig["upstream"]>;
  pool?: Partial<FileConfig["pool"]>;
};

export function testConfig(patch: ConfigPatch = {}): Config {
  const base = parseFileConfig({}, "test");
  return {
    ...base,
    ...patch,
    api_key: patch.api_key ?? API_KEY,
    upstream: { ...base.upstream, ...patch.upstream },
    pool: { ...base.pool, ...patch.pool },
  } as Config;
}

export interface TestServices extends Services {
  logs: MemoryLogger;
  kv: MemoryKv;
  cfg: Config;
}

/** The whole app over an in-memory store, with the given accounts, service started. */
export async function makeServices(
  patch: ConfigPatch = {},
  accounts: NewAccount[] = [],
): Promise<TestServices> {
  const cfg = testConfig(patch);
  const kv = new MemoryKv();
  const logs = new MemoryLogger();
  const s = buildServices({ config: () => cfg, kv, logger: logs, port: () => cfg.port });
  for (const a of accounts) await s.repo.upsert(a);
  await s.service.start();
  return { ...s, logs, kv, cfg };
}

/** Services whose upstream and OAuth point at a running simulator. */
export async function makeSimServices(
  simUrl: string,
  patch: ConfigPatch = {},
  accounts: NewAccount[] = [],
  now?: () => number,
  sleep?: (ms: number) => Promise<void>,
): Promise<TestServices> {
  const cfg = testConfig({
    ...patch,
    upstream: {
      urls: [simUrl],
      oauth_token_url: `${simUrl}/token`,
      userinfo_url: `${simUrl}/oauth2/v2/userinfo`,
      oauth_auth_url: `${simUrl}/o/oauth2/v2/auth`,
      ...patch.upstream,
    },
  });
  const kv = new MemoryKv();
  const logs = new MemoryLogger();
  const s = buildServices({ config: () => cfg, kv, logger: logs, port: () => cfg.port, now, sleep });
  for (const a of accounts) await s.repo.upsert(a);
  await s.service.start();
  return { ...s, logs, kv, cfg };
}

export const geminiBody = (text: string) => ({ contents: [{ role: "user", parts: [{ text }] }] });

export function postJson(
  app: { request: (p: string, i: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
