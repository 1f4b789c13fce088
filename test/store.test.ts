import { spawn } from "node:child_process";
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountRepo } from "../src/pool/accounts.js";
import { FileKv } from "../src/store/file-kv.js";
import { ROOT, tempDir } from "./helpers.js";

const value = (i: number, size = 2000) => JSON.stringify({ writer: i, pad: "x".repeat(size) });

describe("file KV store", () => {
  it("survives 100 concurrent writes to the same key and to different keys", async () => {
    const kv = new FileKv(join(await tempDir(), "kv"));
    await Promise.all(Array.from({ length: 100 }, (_, i) => kv.put("same", value(i))));
    const same = JSON.parse((await kv.get("same"))!);
    expect(same.pad).toHaveLength(2000);
    expect(same.writer).toBeGreaterThanOrEqual(0);

    await Promise.all(Array.from({ length: 100 }, (_, i) => kv.put(`k:${i}`, value(i))));
    const keys = await kv.list("k:");
    expect(keys).toHaveLength(100);
    for (const k of keys) {
      const v = JSON.parse((await kv.get(k))!);
      expect(`k:${v.writer}`).toBe(k);
    }
    // No temp files are left behind.
    expect((await readdir(kv.dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("writes values with mode 0600 and lists by prefix", async () => {
    const kv = new FileKv(join(await tempDir(), "kv"));
    await kv.put("account:a/b c", "1");
    await kv.put("other:x", "2");
    expect(await kv.list("account:")).toEqual(["account:a/b c"]);
    const file = join(
      kv.dir,
      (await readdir(kv.dir)).find((n) => n.startsWith("account"))!,
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await kv.delete("account:a/b c");
    expect(await kv.get("account:a/b c")).toBeNull();
  });

  it("keeps the previous value intact when a writer is killed with SIGKILL mid-write", async () => {
    const dir = join(await tempDir(), "kv");
    const kv = new FileKv(dir);
    const original = value(-1);
    await kv.put("victim", original);
    // A separate process rewrites the key with large values as fast as it can; we kill -9 it.
    const writer = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import { FileKv } from ${JSON.stringify(join(ROOT, "src/store/file-kv.ts"))};
         const kv = new FileKv(${JSON.stringify(dir)});
         const big = "y".repeat(4 * 1024 * 1024);
         console.log("ready");
         for (let i = 0; ; i++) await kv.put("victim", JSON.stringify({ writer: i, pad: big }));`,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => writer.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    writer.kill("SIGKILL");
    await new Promise((r) => writer.once("exit", r));
    const after = JSON.parse((await kv.get("victim"))!);
    // Either the original or one complete value written by the killed process: never a torn file.
    expect(after.pad === "x".repeat(2000) || after.pad.length === 4 * 1024 * 1024).toBe(true);
    // The dead writer's temp file is not mistaken for a key, and is swept once stale.
    expect(await kv.list("")).toEqual(["victim"]);
    await kv.sweepStaleTemps(Date.now() + 2 * 3600_000);
    expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("reports a corrupt account value instead of dropping it", async () => {
    const kv = new FileKv(join(await tempDir(), "kv"));
    const repo = new AccountRepo(kv);
    const { account } = await repo.upsert({ refreshToken: "1//good", email: "good@example.com" });
    await writeFile(
      join(kv.dir, `${encodeURIComponent("account:broken")}.json`),
      '{"id": "broken", "refreshTo',
    );
    const { accounts, problems } = await repo.list();
    expect(accounts.map((a) => a.id)).toEqual([account.id]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe("account:broken");
    expect(problems[0]!.error).toMatch(/not valid JSON/);
    // The corrupt file is still there for the user to fix.
    expect(await kv.get("account:broken")).toContain("refreshTo");
  });
});
