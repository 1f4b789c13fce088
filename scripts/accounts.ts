/**
 * npm run accounts -- <command>: manage the account pool in the data dir's KV store.
 *   login [--no-browser] | add --refresh-token T | list | remove ID|EMAIL | enable ID | disable ID
 *   | import PATH | quota [ID]          (all take --data-dir DIR)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Account, AccountRepo, type NewAccount, maskEmail, maskToken } from "../src/pool/accounts.js";
import { resolveDataDir } from "../src/store/config-file.js";
import { FileKv } from "../src/store/file-kv.js";
import { readImportSource } from "../src/store/import-source.js";

const USAGE = `Usage: npm run accounts -- <command> [--data-dir DIR]
  add --refresh-token T     add a Google account by its OAuth refresh token
  list                      show accounts (tokens masked)
  remove ID|EMAIL           delete an account
  enable ID|EMAIL           let an account serve traffic again
  disable ID|EMAIL          keep an account but stop using it
  import PATH               import an Antigravity Tools data dir, its accounts/ folder,
                            or a JSON list of refresh tokens`;

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
    case undefined:
    case "help":
      print(USAGE);
      return;
    default:
      throw new CliError(`Unknown command "${cmd}".\n${USAGE}`);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const dataFlag = argv.indexOf("--data-dir");
  const dataDir = resolveDataDir(dataFlag >= 0 ? argv[dataFlag + 1] : undefined, process.env);
  const repo = new AccountRepo(new FileKv(join(dataDir, "kv")));
  try {
    await runAccounts(argv, { repo, print: (l) => console.log(l) });
  } catch (err) {
    if (err instanceof CliError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error((err as Error).message);
      process.exit(1);
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
