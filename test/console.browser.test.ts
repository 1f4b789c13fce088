import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../src/monitor/log.js";
import { AccountRepo } from "../src/pool/accounts.js";
import { type NodeProxy, startNodeProxy } from "../src/runtime/node.js";
import { SimulatedUpstream } from "../src/simulator/server.js";
import { FileKv } from "../src/store/file-kv.js";
import { ROOT, freePort, tempDir } from "./helpers.js";

// The console as a person uses it: Debian's Chromium driven by playwright-core (.ci/run installs it).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test-results", "console");
const PASSWORD = "console-pass";
const sim = new SimulatedUpstream();
let proxy: NodeProxy;
let browser: Browser;
let page: Page;
const problems: string[] = [];
const origin = () => `http://127.0.0.1:${proxy.port}`;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  await mkdir(ARTIFACTS, { recursive: true });
  await sim.start();
  sim.addAccount({ email: "first@example.com", refreshToken: "1//rt-first", projectId: "p1" });
  sim.addAccount({ email: "second@example.com", refreshToken: "1//rt-second", projectId: "p2" });
  const dataDir = await tempDir();
  await new AccountRepo(new FileKv(`${dataDir}/kv`)).upsert({
    email: "first@example.com",
    refreshToken: "1//rt-first",
  });
  proxy = await startNodeProxy({
    dataDir,
    env: { ...sim.env(), ANTIGRAVITY_AUTH_MODE: "off", ANTIGRAVITY_ADMIN_PASSWORD: PASSWORD },
    flags: { port: await freePort() },
    logger: new MemoryLogger(),
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: origin() });
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await sim.stop();
});

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe("the console in a browser", () => {
  it("logs in: a wrong password is refused, the right one shows the proxy running with its accounts", async () => {
    await page.goto(`${origin()}/`);
    expect(page.url()).toBe(`${origin()}/console`);
    await page.fill("#login-key", "not-the-password");
    await page.click("#login-submit");
    await expect.poll(() => page.textContent("#login-error")).toContain("not accepted");
    await page.fill("#login-key", PASSWORD);
    await page.click("#login-submit");
    await page.waitForSelector("#app:not([hidden])");
    await expect.poll(() => page.textContent("#status")).toBe("running");
    await expect.poll(() => page.textContent("#accounts-count")).toBe("1 active account");
    await shot("01-running");
  });

  it("stops and starts the proxy, and /healthz follows", async () => {
    await page.click("#stop");
    await expect.poll(() => page.textContent("#status")).toBe("stopped");
    expect(await page.isDisabled("#port")).toBe(false);
    expect((await fetch(`${origin()}/healthz`)).status).toBe(503);
    await page.click("#start");
    await expect.poll(() => page.textContent("#status")).toBe("running");
    expect(await page.isDisabled("#port")).toBe(true);
    expect((await fetch(`${origin()}/healthz`)).status).toBe(200);
  });

  it("adds an account by refresh token", async () => {
    await page.fill("#add-token", "1//rt-second");
    await page.click("#add-account");
    await expect.poll(() => page.textContent("#accounts-msg")).toBe("Added second@example.com.");
    await expect.poll(() => page.locator("#accounts tbody tr").count()).toBe(2);
    await expect.poll(() => page.textContent("#accounts-count")).toBe("2 active accounts");
    expect(await page.textContent("#accounts")).toContain("se***@example.com");
    await page.uncheck("#mask-emails");
    await expect.poll(() => page.textContent("#accounts")).toContain("second@example.com");
  });

  it("refuses a malformed API key in the page", async () => {
    const original = await page.inputValue("#api-key");
    await page.fill("#api-key", "abc");
    await page.click("#save-settings");
    await expect
      .poll(() => page.textContent("#settings-msg"))
      .toContain("must start with sk- and be at least 10 characters");
    await page.fill("#api-key", original);
  });

  it("changing the auth mode makes a proxy route require the key", async () => {
    expect((await fetch(`${origin()}/v1beta/models`)).status).toBe(200);
    await page.selectOption("#auth-mode", "strict");
    await page.click("#save-settings");
    await expect.poll(() => page.textContent("#settings-msg")).toBe("Saved.");
    expect((await fetch(`${origin()}/v1beta/models`)).status).toBe(401);
    await expect.poll(() => page.textContent("#effective-mode")).toBe("In effect: strict");
  });

  it("the copied OpenAI snippet runs against the proxy, and the request shows in the monitor", async () => {
    await page.click("#copy-openai-js");
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toContain(`baseURL: "${origin()}/v1"`);
    const file = join(ROOT, "test-results", "console-snippet.mjs");
    await writeFile(file, snippet);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: ROOT });
    expect(stdout.trim()).toBe("Simulated answer (gemini-3-flash) to: Hello");
    const row = page.locator("#monitor tbody tr", { hasText: "/v1/chat/completions" });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const text = (await row.first().textContent()) ?? "";
    expect(text).toContain("gemini-3-flash → gemini-3-flash");
    expect(text).toContain("200");
    await row.first().click();
    await page.waitForSelector("#detail[open]");
    const detail = (await page.textContent("#detail-body")) ?? "";
    expect(detail).toContain('"path": "/v1/chat/completions"');
    await shot("02-monitor-detail");
    await page.click("#detail-close");
    // The monitor never shows a key or a token.
    const monitorText = (await page.textContent("#monitor")) + detail;
    for (const secret of [proxy.config().api_key, "1//rt-first", "1//rt-second", "ya29."])
      expect(monitorText).not.toContain(secret);
  });

  it("filters errors and clears the log", async () => {
    await fetch(`${origin()}/v1/chat/completions`, { method: "POST" });
    await page.check("#errors-only");
    await expect
      .poll(async () =>
        (await page.locator("#monitor tbody tr").allTextContents()).every((t) => !t.includes(" 200 ")),
      )
      .toBe(true);
    await page.uncheck("#errors-only");
    await page.click("#clear-logs");
    await expect.poll(() => page.textContent("#monitor tbody")).toContain("No requests yet.");
  });

  it("is usable at a phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.waitForSelector("#app:not([hidden])");
    await expect.poll(() => page.textContent("#status")).toBe("running");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.isVisible("#stop")).toBe(true);
    await shot("03-phone");
  });

  it("had no console errors", () => {
    expect(problems).toEqual([]);
  });
});
