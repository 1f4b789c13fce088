import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type ImportCandidate, fromAntigravityAccount, fromJsonList } from "../pool/import.js";

async function readJson(path: string): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: JSON.parse(await readFile(path, "utf8")) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * Reads import candidates from a path: an Antigravity Tools data dir (accounts.json index +
 * accounts/<id>.json), its accounts/ folder, or one JSON file (a list, or one account).
 */
export async function readImportSource(path: string): Promise<ImportCandidate[]> {
  const s = await stat(path);
  if (!s.isDirectory()) {
    const r = await readJson(path);
    return r.ok ? fromJsonList(r.value, path) : [{ source: path, skipped: `unreadable JSON: ${r.error}` }];
  }
  const accountsDir = (await stat(join(path, "accounts")).catch(() => null))?.isDirectory()
    ? join(path, "accounts")
    : path;
  let ids: string[] | null = null;
  const index = await readJson(join(path, "accounts.json"));
  if (index.ok && typeof index.value === "object" && index.value && "accounts" in index.value) {
    const list = (index.value as { accounts: unknown }).accounts;
    if (Array.isArray(list)) {
      ids = list
        .map((e) => (typeof e === "object" && e && "id" in e ? String((e as { id: unknown }).id) : ""))
        .filter(Boolean);
    }
  }
  const files = ids
    ? ids.map((id) => `${id}.json`)
    : (await readdir(accountsDir)).filter((n) => n.endsWith(".json") && n !== "accounts.json").sort();
  const out: ImportCandidate[] = [];
  for (const name of files) {
    const file = join(accountsDir, name);
    const r = await readJson(file);
    out.push(
      r.ok ? fromAntigravityAccount(r.value, file) : { source: file, skipped: `unreadable: ${r.error}` },
    );
  }
  return out;
}
