import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

export const ROOT = join(import.meta.dirname, "..");

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh temp dir, removed after the file's tests. */
export async function tempDir(prefix = "agp-"): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Launched {
  child: ChildProcess;
  /** Writes a line to the process's standard input. */
  type(line: string): void;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a script of ours the way npm would (node with tsx), capturing stdout and stderr together. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  opts: { openFileLimit?: number } = {},
): Launched {
  const argv = [process.execPath, "--import", "tsx", join(ROOT, "scripts", script), ...args];
  // A limit on open files is set the way a user's shell sets it: ulimit, then exec.
  const [cmd, ...rest] = opts.openFileLimit
    ? ["sh", "-c", `ulimit -n ${opts.openFileLimit} && exec "$@"`, "sh", ...argv]
    : argv;
  const child = spawn(cmd!, rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    type: (line) => child.stdin!.write(`${line}\n`),
    output: () => out,
    exited,
    waitFor(text, timeoutMs = 20_000) {
      const matches = () => (typeof text === "string" ? out.includes(text) : text.test(out));
      if (matches()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${text}; output so far:\n${out}`));
        }, timeoutMs);
        const check = () => {
          if (matches()) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        void exited.then(() => {
          if (!matches()) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`process exited before ${text}; output:\n${out}`));
          }
        });
      });
    },
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
