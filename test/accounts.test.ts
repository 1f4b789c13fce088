import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedUpstream } from "../src/simulator/server.js";
import { runAccounts } from "../scripts/accounts.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { FileKv } from "../src/store/file-kv.js";
import { runScript, tempDir } from "./helpers.js";

/** An Antigravity Tools data dir as it writes it (spec §5.1): accounts.json index + accounts/<id>.json. */
async function antigravityDataDir(): Promise<string> {
  const dir = await tempDir("ag-tools-");
  await mkdir(join(dir, "accounts"));
  const accounts = [
    {
      id: "11111111-1111-4111-8111-111111111111",
      email: "alice@gmail.com",
      disabled: false,
      proxy_disabled: false,
    },
    {
      id: "22222222-2222-4222-8222-222222222222",
      email: "bob@gmail.com",
      disabled: false,
      proxy_disabled: false,
    },
    {
      id: "33333333-3333-4333-8333-333333333333",
      email: "carol@gmail.com",
      disabled: true,
      disabled_reason: "invalid_grant: revoked",
    },
    {
      id: "44444444-4444-4444-8444-444444444444",
      email: "dave@gmail.com",
      disabled: false,
      proxy_disabled: true,
      proxy_disabled_reason: "quota_protection",
    },
  ];
  await writeFile(
    join(dir, "accounts.json"),
    JSON.stringify({
      version: "2.0",
      accounts: accounts.map((a) => ({
        id: a.id,
        email: a.email,
        name: a.email,
        disabled: a.disabled,
        created_at: 1,
        last_used: 2,
      })),
      current_account_id: accounts[0]!.id,
    }),
  );
  for (const a of accounts) {
    await writeFile(
      join(dir, "accounts", `${a.id}.json`),
      JSON.stringify({
        ...a,
        created_at: 1700000000,
        last_used: 1700000100,
        token: {
          access_token: `ya29.${a.email}`,
          refresh_token: `1//refresh-${a.email}`,
          expires_in: 3599,
          expiry_timestamp: 1700003600,
          token_type: "Bearer",
          project_id: `project-${a.email.split("@")[0]}`,
        },
        quota: null,
        protected_models: [],
      }),
    );
  }
  return dir;
}

const sim = new SimulatedUpstream();
beforeAll(async () => {
  await sim.start();
  sim.addAccount({ email: "cli@example.com", refreshToken: "1//secret-refresh-token-value" });
  sim.addAccount({ email: "newbie@example.com", refreshToken: "1//newbie-refresh", needsOnboarding: true });
});
afterAll(() => sim.stop());

describe("accounts CLI", () => {
  it("imports every enabled Antigravity Tools account once, and again without duplicates", async () => {
    const source = await antigravityDataDir();
    const repo = new AccountRepo(new FileKv(join(await tempDir(), "kv")));
    const lines: string[] = [];
    await runAccounts(["import", source], { repo, print: (l) => lines.push(l) });
    let { accounts } = await repo.list();
    expect(accounts.map((a) => a.email).sort()).toEqual([
      "alice@gmail.com",
      "bob@gmail.com",
      "dave@gmail.com",
    ]);
    const alice = accounts.find((a) => a.email === "alice@gmail.com")!;
    expect(alice).toMatchObject({
      refreshToken: "1//refresh-alice@gmail.com",
      accessToken: "ya29.alice@gmail.com",
      accessTokenExpiresAt: 1700003600_000,
      projectId: "project-alice",
      enabled: true,
    });
    expect(lines.join("\n")).toMatch(
      /skipped .*33333333.*disabled in Antigravity Tools \(invalid_grant: revoked\)/,
    );
    expect(lines.at(-1)).toBe("Imported: 3 added, 0 merged into existing accounts, 1 skipped.");

    lines.length = 0;
    await runAccounts(["import", source], { repo, print: (l) => lines.push(l) });
    ({ accounts } = await repo.list());
    expect(accounts).toHaveLength(3);
    expect(lines.at(-1)).toBe("Imported: 0 added, 3 merged into existing accounts, 1 skipped.");
  });

  it("imports a plain JSON list of refresh tokens and objects", async () => {
    const dir = await tempDir();
    const file = join(dir, "tokens.json");
    await writeFile(
      file,
      JSON.stringify(["1//plain-a", { refresh_token: "1//obj-b", email: "b@example.com" }, { nothing: 1 }]),
    );
    const repo = new AccountRepo(new FileKv(join(dir, "kv")));
    const lines: string[] = [];
    await runAccounts(["import", file], { repo, print: (l) => lines.push(l) });
    const { accounts } = await repo.list();
    expect(accounts.map((a) => a.refreshToken).sort()).toEqual(["1//obj-b", "1//plain-a"]);
    expect(lines.join("\n")).toContain("no refresh_token");
  });

  it("add validates the token (refresh, email, project); list masks tokens; disable, enable, remove, quota", async () => {
    const dataDir = await tempDir();
    const run = async (...args: string[]) => {
      const p = runScript("accounts.ts", [...args, "--data-dir", dataDir], sim.env());
      const code = await p.exited;
      return { code, out: p.output() };
    };
    const add = await run("add", "--refresh-token", "1//secret-refresh-token-value");
    expect(add.code).toBe(0);
    expect(add.out).toMatch(
      /Added \S+ {2}cli@example\.com {2}enabled {2}refresh=1\/\/s…alue {2}project=sim-project-cli/,
    );
    const revoked = await run("add", "--refresh-token", "1//not-a-real-token");
    expect(revoked.code).toBe(1);
    expect(revoked.out).toContain("Invalid refresh token: invalid_grant: Token has been expired or revoked.");
    // An account without a project is onboarded.
    const newbie = await run("add", "--refresh-token", "1//newbie-refresh");
    expect(newbie.out).toContain("project=sim-onboarded-newbie");
    const list = await run("list");
    expect(list.out).not.toContain("1//secret-refresh-token-value");
    expect(list.out).toContain("refresh=1//s…alue");
    const id = /^(\S+) {2}cli@example\.com/m.exec(list.out)![1]!;
    const quota = await run("quota", "cli@example.com");
    expect(quota.code).toBe(0);
    expect(quota.out).toMatch(/cli@example\.com {2}\(Free\)/);
    expect(quota.out).toMatch(/gemini-3-flash +100% left {2}resets \d{4}-/);
    expect((await run("disable", id)).out).toContain("DISABLED: disabled by user");
    expect((await run("enable", id)).out).toContain("Enabled");
    expect((await run("remove", id)).out).toContain(`Removed ${id}`);
    const exported = await run("export", join(dataDir, "kv-export.json"));
    expect(exported.out).toContain("Wrote 1 account(s)");
    const entries = JSON.parse(await readFile(join(dataDir, "kv-export.json"), "utf8")) as {
      key: string;
      value: string;
    }[];
    expect(entries.map((e) => e.key).sort()).toEqual(
      (await new AccountRepo(new FileKv(join(dataDir, "kv"))).list()).accounts
        .map((a) => `account:${a.id}`)
        .sort(),
    );
    expect(JSON.parse(entries[0]!.value).refreshToken).toMatch(/^1\/\//);
    const missing = await run("remove", "nobody@example.com");
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('No account matches "nobody@example.com"');
    const noPath = await run("import", join(dataDir, "does-not-exist"));
    expect(noPath.code).toBe(1);
    expect(noPath.out).toContain("Cannot read");
  });

  it("login --no-browser: URL printed, redirected URL pasted, account stored with its email", async () => {
    const dataDir = await tempDir();
    const p = runScript("accounts.ts", ["login", "--no-browser", "--data-dir", dataDir], sim.env());
    await p.waitFor("Paste that whole address here:");
    const url = new URL(/^ {2}(http\S+)$/m.exec(p.output())![1]!);
    expect(url.origin + url.pathname).toBe(`${sim.url}/o/oauth2/v2/auth`);
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("prompt")).toBe("consent");
    expect(url.searchParams.get("scope")).toContain("https://www.googleapis.com/auth/cloud-platform");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const redirect = url.searchParams.get("redirect_uri")!;
    expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth-callback$/);
    // The user approves in a browser elsewhere; the browser lands on a URL they copy back.
    p.type(sim.authorize(redirect, url.searchParams.get("state")!, "cli@example.com"));
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/Added \S+ {2}cli@example\.com {2}enabled/);
    const { accounts } = await new AccountRepo(new FileKv(join(dataDir, "kv"))).list();
    expect(accounts.map((a) => [a.email, a.validated])).toEqual([["cli@example.com", true]]);
  });

  it("login refuses a redirected URL with the wrong state", async () => {
    const dataDir = await tempDir();
    const p = runScript("accounts.ts", ["login", "--no-browser", "--data-dir", dataDir], sim.env());
    await p.waitFor("Paste that whole address here:");
    const url = new URL(/^ {2}(http\S+)$/m.exec(p.output())![1]!);
    p.type(sim.authorize(url.searchParams.get("redirect_uri")!, "forged-state", "cli@example.com"));
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("The state in that URL does not match this login");
    expect((await new AccountRepo(new FileKv(join(dataDir, "kv"))).list()).accounts).toEqual([]);
  });

  it("login through the loopback listener, as a browser would come back", async () => {
    const dataDir = await tempDir();
    const p = runScript("accounts.ts", ["login", "--no-browser", "--data-dir", dataDir], sim.env());
    await p.waitFor("Paste that whole address here:");
    const url = /^ {2}(http\S+)$/m.exec(p.output())![1]!;
    // Follow the consent redirect to the loopback listener, like a browser.
    const landing = await fetch(url, { redirect: "follow" });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Signed in.");
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain("cli@example.com");
  });
});
