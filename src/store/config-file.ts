import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Config,
  type ConfigFlags,
  ConfigError,
  type Env,
  type FileConfig,
  applyOverrides,
  generateApiKey,
  parseFileConfig,
} from "../config.js";
import { writeFileAtomic } from "./atomic-file.js";

export const CONFIG_FILE = "config.json";

export function resolveDataDir(flag: string | undefined, env: Env): string {
  const dir = flag || env.ANTIGRAVITY_DATA_DIR || join(homedir(), ".antigravity-proxy");
  return resolve(dir);
}

export interface LoadedConfig {
  /** What the file says (plus a generated key if it had none): what the console edits and saves. */
  file: FileConfig & { api_key: string };
  /** The file with environment and flags applied: what this process runs with. */
  config: Config;
  path: string;
  created: boolean;
  generatedKey: boolean;
}

/**
 * Loads <dataDir>/config.json. A missing file is created with defaults; a file with no api_key gets
 * one generated and saved. A malformed file is reported (file and field) and never overwritten.
 */
export async function loadConfig(dataDir: string, env: Env, flags: ConfigFlags = {}): Promise<LoadedConfig> {
  const path = join(dataDir, CONFIG_FILE);
  let text: string | null = null;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError(`Cannot read ${path}: ${(err as Error).message}`);
    }
  }
  let raw: unknown = {};
  if (text !== null) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = parseFileConfig(raw, path);
  const generatedKey = !parsed.api_key;
  const file = { ...parsed, api_key: parsed.api_key ?? generateApiKey() };
  if (text === null || generatedKey) {
    // Only fields the user set or the generated key are written, so later default changes still apply.
    const toSave = text === null ? { api_key: file.api_key } : { ...(raw as object), api_key: file.api_key };
    await writeFileAtomic(path, `${JSON.stringify(toSave, null, 2)}\n`);
  }
  const overridden = applyOverrides(file, env, flags);
  const config: Config = { ...overridden, api_key: overridden.api_key ?? file.api_key };
  return { file, config, path, created: text === null, generatedKey };
}

/** Merges a patch into the file's JSON (keeping what the user wrote) and saves it atomically. */
export async function saveConfigPatch(path: string, patch: Record<string, unknown>): Promise<void> {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const next = { ...raw, ...patch };
  parseFileConfig(next, path);
  await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
}
