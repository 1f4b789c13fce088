/** One line per request, never a secret: callers pass paths without query strings and masked ids. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Shown only with ANTIGRAVITY_LOG_LEVEL=debug (Node) or in tests. */
  debug?(msg: string): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
  debug: (m) => {
    if (globalThis.process?.env?.ANTIGRAVITY_LOG_LEVEL === "debug") console.log(`debug: ${m}`);
  },
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Collects lines in memory; tests grep them for secrets. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string) {
    this.lines.push(`INFO ${m}`);
  }
  warn(m: string) {
    this.lines.push(`WARN ${m}`);
  }
  error(m: string) {
    this.lines.push(`ERROR ${m}`);
  }
  debug(m: string) {
    this.lines.push(`DEBUG ${m}`);
  }
  text(): string {
    return this.lines.join("\n");
  }
}
