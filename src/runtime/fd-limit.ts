/**
 * The process's soft limit on open files, read where Linux reports it (/proc/self/limits); null
 * elsewhere. Connection and file-queue sizes take a share of it, so a small limit (ulimit -n 256,
 * macOS's default) is not run out of by one burst of requests.
 */
import { readFileSync } from "node:fs";

export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!m || m[1] === "unlimited") return null;
    return Number(m[1]);
  } catch {
    return null;
  }
}

/** A share of the open-file limit (1/32), between min and max. */
export function fdShare(max: number, min = 4): number {
  const limit = openFileLimit();
  return limit === null ? max : Math.max(min, Math.min(max, Math.floor(limit / 32)));
}
