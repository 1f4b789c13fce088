/**
 * npm run accounts -- <command>: manage the account pool in the data dir's KV store.
 *   login [--no-browser] | add --refresh-token T | list | remove ID|EMAIL | enable ID | disable ID
 *   | import PATH | quota [ID]          (all take --data-dir DIR)
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { ConfigError } from "../src/config.js";
import { silentLogger } from "../src/monitor/log.js";
import { writeFile } from "node:fs/promises";
import {
  ACCOUNT_PREFIX,
  type Account,
  AccountRepo,
  type NewAccount,
  maskEmail,
  maskToken,
} from "../src/pool/accounts.js";
import { AccountPool } from "../src/pool/pool.js";
import { loadConfig, resolveDataDir } from "../src/store/config-file.js";
import { FileKv } from "../src/store/file-kv.js";
import { readImportSource } from "../src/store/import-source.js";
import { UpstreamClient } from "../src/upstream/client.js";
import { checkRefreshToken, resolveProject } from "../src/upstream/google.js";
import { LoginError, startLogin } from "../src/upstream/login.js";
import { OAuthClient } from "../src/upstream/oauth.js";

const USAGE = `Usage: npm run accounts -- <command> [--data-dir DIR]
  login [--no-browser]      sign in with Google and add that account
  add --refresh-token T     add a Google account by its OAuth refresh token
  list                      show accounts (tokens masked)
  remove ID|EMAIL           delete an account
  enable ID|EMAIL           let an account serve traffic again
  disable ID|EMAIL          keep an account but stop using it
  import PATH               import an Antigravity Tools data dir, its accounts/ folder,
                            or a JSON list of refresh tokens
  quota [ID|EMAIL]          fetch and show each account's models and remaining quota
  export [FILE]             write the accounts as a wrangler KV bulk file (for Workers)`;

class CliError extends Error {}

function describe(a: Account): string {
  const state = a.enabled
    ? a.validated
      ? "enabled"
      : "enabled (not validated yet)"
    : `DISABLED: ${a.disabledReason ?? ""}`;
  return `${a.id}  ${a.email ?? "(email unknown)"}  ${state}  refresh=${maskToken(a.refreshToken)}${a.projectId ? `  project=${a.projectId}` : ""}`;
}

async function resolve(repo: AccountRepo, idOrEmail: string | undefined): Promise<Account> {
  if (!idOrEmail) throw new CliError("Name the account: its id or email (see `npm run accounts -- list`).");
  const a = await repo.find(idOrEmail);
  if (!a) throw new CliError(`No account matches "${idOrEmail}" (see \`npm run accounts -- list\`).`);
  return a;
}

export interface AccountsCliDeps {
  repo: AccountRepo;
  print: (line: string) => void;
  /** Refresh + userinfo + project lookup; absent: accounts are stored unvalidated. */
  validate?: (refreshToken: string) => Promise<NewAccount>;
  oauth?: OAuthClient;
  upstream?: UpstreamClient;
  pool?: AccountPool;
  /** Reads the redirected URL when the browser cannot reach the loopback listener. */
  ask?: (question: string) => Promise<string>;
  openBrowser?: (url: string) => void;
}

export async function runAccounts(argv: string[], deps: AccountsCliDeps): Promise<void> {
  const { repo, print } = deps;
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      "refresh-token": { type: "string" },
      "data-dir": { type: "string" },
      "no-browser": { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [cmd, arg] = positionals;
  switch (cmd) {
    case "add": {
      const token = values["refresh-token"]?.trim() || arg?.trim();
      if (!token) throw new CliError("add needs --refresh-token <token>.");
      let input: NewAccount = { refreshToken: token, validated: false };
      if (deps.validate) {
        try {
          input = await deps.validate(token);
        } catch (err) {
          throw new CliError(`Invalid refresh token: ${(err as Error).message}`);
        }
      }
      const { account, created } = await repo.upsert(input);
      print(`${created ? "Added" : "Updated"} ${describe(account)}`);
      if (!account.validated) print("The token was stored without a check; it is validated on first use.");
      return;
    }
    case "list": {
      const { accounts, problems } = await repo.list();
      if (accounts.length === 0)
        print("No accounts. Add one: npm run accounts -- add --refresh-token <token>");
      for (const a of accounts) print(describe(a));
      for (const p of problems)
        print(`UNREADABLE ${p.key}: ${p.error} (left in place; fix or remove the file)`);
      return;
    }
    case "remove": {
      const a = await resolve(repo, arg);
      await repo.remove(a.id);
      print(`Removed ${a.id} (${maskEmail(a.email)})`);
      return;
    }
    case "enable":
    case "disable": {
      const a = await resolve(repo, arg);
      const next = await repo.setEnabled(a.id, cmd === "enable");
      print(`${cmd === "enable" ? "Enabled" : "Disabled"} ${describe(next!)}`);
      return;
    }
    case "import": {
      if (!arg) throw new CliError("import needs a PATH (an Antigravity Tools data dir or a JSON file).");
      const candidates = await readImportSource(arg).catch((err: Error) => {
        throw new CliError(`Cannot read ${arg}: ${err.message}`);
      });
      let added = 0;
      let merged = 0;
      for (const c of candidates) {
        if (!c.account) {
          print(`skipped ${c.source}: ${c.skipped}`);
          continue;
        }
        const { account, created } = await repo.upsert(c.account);
        if (created) added++;
        else merged++;
        print(`${created ? "added " : "merged"} ${account.email ?? maskToken(account.refreshToken)}`);
      }
      print(
        `Imported: ${added} added, ${merged} merged into existing accounts, ${candidates.length - added - merged} skipped.`,
      );
      return;
    }
    case "login": {
      if (!deps.oauth || !deps.upstream) throw new CliError("login needs the OAuth client");
      const session = await startLogin(deps.oauth);
      try {
        print("Open this URL in a browser and sign in with the Google account to add:");
        print(`\n  ${session.url}\n`);
        const noBrowser = values["no-browser"] === true;
        if (!noBrowser) deps.openBrowser?.(session.url);
        let redirected: string;
        if (noBrowser) {
          print("After you approve, the browser is sent to an http://127.0.0.1 address that may not load.");
          const pasted = deps.ask
            ? deps.ask("Paste that whole address here: ")
            : new Promise<string>(() => {});
          redirected = await Promise.race([session.callback, pasted]);
        } else {
          print("Waiting for the browser to come back… (or run with --no-browser to paste the address)");
          redirected = await session.callback;
        }
        const tokens = await session.complete(redirected).catch((err: Error) => {
          throw new CliError(err instanceof LoginError ? err.message : `Sign-in failed: ${err.message}`);
        });
        if (!tokens.refreshToken) {
          throw new CliError(
            "Google returned no refresh token (the consent screen was skipped). Remove the app's access at myaccount.google.com/permissions and log in again.",
          );
        }
        const email = await deps.oauth.userEmail(tokens.accessToken);
        const project = await resolveProject(deps.upstream, tokens.accessToken).catch(() => undefined);
        const { account, created } = await repo.upsert({
          refreshToken: tokens.refreshToken,
          email,
          accessToken: tokens.accessToken,
          accessTokenExpiresAt: tokens.expiresAt,
          projectId: project?.projectId,
          tier: project?.tier,
          validated: true,
        });
        print(`${created ? "Added" : "Updated"} ${describe(account)}`);
      } finally {
        session.close();
      }
      return;
    }
    case "export": {
      // The format `wrangler kv bulk put` reads: the same keys and values the Workers runtime uses.
      const { accounts } = await repo.list();
      const entries = accounts.map((a) => ({ key: `${ACCOUNT_PREFIX}${a.id}`, value: JSON.stringify(a) }));
      const out = arg ?? "accounts-kv.json";
      await writeFile(out, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
      print(
        `Wrote ${entries.length} account(s) to ${out} (it holds refresh tokens: keep it private, delete it after the upload).`,
      );
      print(`Upload: npx wrangler kv bulk put ${out} --binding ACCOUNTS --remote`);
      return;
    }
    case "quota": {
      if (!deps.pool) throw new CliError("quota needs the account pool");
      await deps.pool.reload();
      const target = arg ? await resolve(repo, arg) : undefined;
      const results = await deps.pool.refreshQuota(target?.id);
      await deps.pool.flush();
      if (results.length === 0) print("No enabled accounts.");
      for (const r of results) {
        const a = deps.pool.all().find((x) => x.id === r.id)!;
        print(`${a.email ?? a.id}${a.tier ? `  (${a.tier})` : ""}`);
        if (!r.ok) {
          print(`  quota unavailable: ${r.error}`);
          continue;
        }
        if (a.quota?.forbidden) print("  FORBIDDEN: Google refused this account (403)");
        for (const m of a.quota?.models ?? []) {
          const pct = Math.floor(m.remainingFraction * 100);
          print(
            `  ${m.name.padEnd(32)} ${String(pct).padStart(3)}% left${m.resetTime ? `  resets ${m.resetTime}` : ""}`,
          );
        }
      }
      return;
    }
    case undefined:
    case "help":
      print(USAGE);
      return;
    default:
      throw new CliError(`Unknown command "${cmd}".\n${USAGE}`);
  }
}

function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No browser here: the URL is printed; --no-browser explains the paste route.
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const dataFlag = argv.indexOf("--data-dir");
  const dataDir = resolveDataDir(dataFlag >= 0 ? argv[dataFlag + 1] : undefined, process.env);
  const repo = new AccountRepo(new FileKv(join(dataDir, "kv")));
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  try {
    const { config } = await loadConfig(dataDir, process.env);
    const oauth = new OAuthClient(() => config);
    const upstream = new UpstreamClient(() => config);
    const pool = new AccountPool({ repo, oauth, upstream, config: () => config, logger: silentLogger });
    await runAccounts(argv, {
      repo,
      print: (l) => console.log(l),
      validate: (t) => checkRefreshToken(oauth, upstream, t),
      oauth,
      upstream,
      pool,
      ask: (q) => rl.question(q),
      openBrowser,
    });
  } catch (err) {
    if (
      err instanceof CliError ||
      err instanceof ConfigError ||
      (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      console.error((err as Error).message);
      process.exit(1);
    }
    throw err;
  } finally {
    rl.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
