/**
 * The console's usage, health and audit pages in Chromium (issue 32; calls, issue 53): the usage charts are
 * labelled SVG images over a table with every day's figures, the period switch redraws them,
 * health shows this node ready, the audit log's filters answer bad input at their field; and on
 * a phone and a desktop, light and dark, axe finds nothing serious or critical and nothing is
 * wider than the screen. The usage page's screenshot goes to docs/screenshots/console-usage.png.
 *
 * A month of usage is seeded through the rollup's own writes (usage/usage.writes.ts), as sends,
 * connections, searches and webhook attempts would have made it; server/test/console-usage.test.ts
 * proves those counts from real sends. Needs `npx rollup -c` (the server serves console/dist).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { serveAxe, axeSerious, overflows } from "./helpers/a11y.js";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { addDaily, markActive, raisePeaks, type Activity } from "../../server/src/usage/usage.writes.js";
import { consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");
const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;
const DAY = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** One seeded day: what the rollup holds for the app. */
interface Seeded {
  day: string;
  messages: number;
  users: number;
  searches: number;
  delivered: number;
  failed: number;
  peak: number;
  calls: number;
  callSeconds: number;
  agentReplies: number;
  agentTokens: number;
}

describe("the console's usage, health and audit pages in a browser", { skip: BROWSER_SKIP, timeout: 300_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let appId = "";
  const seeded: Seeded[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    s = await startServer();
    const op = await consoleAccount(s, { email: "ops@usage.example", role: "operator" });
    appId = (await op.browser.post("/apps", { name: "Acme Store", allowedOrigins: ["https://acme.example"] })).body.app.id;
    await op.browser.post("/apps", { name: "Other Shop", allowedOrigins: ["https://other.example"] });
    for (const name of ["backend", "staging"]) assert.equal((await op.browser.post(`/apps/${appId}/keys`, { name })).status, 201);

    // A month of an app's life, through the rollup's own writes.
    const now = Date.now();
    const activity: Activity[] = [];
    const adds: Parameters<typeof addDaily>[1][number][] = [];
    const peaks: { appId: string; day: string; peak: number }[] = [];
    for (let i = 29; i >= 0; i--) {
      const day = dayOf(now - i * DAY);
      const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
      const d: Seeded = {
        day,
        messages: (weekend ? 60 : 140) + ((i * 37) % 50),
        users: (weekend ? 9 : 16) + ((i * 7) % 6),
        searches: 5 + ((i * 13) % 17),
        delivered: 20 + (i % 7),
        failed: i % 6 === 0 ? 3 : 0,
        peak: (weekend ? 7 : 12) + ((i * 5) % 6),
        calls: 3 + (i % 4),
        callSeconds: 90 * (1 + (i % 5)),
        agentReplies: 2 + (i % 3),
        agentTokens: 1000 + 250 * (i % 4),
      };
      seeded.push(d);
      const at = Date.parse(`${day}T10:00:00Z`);
      for (let u = 0; u < d.users; u++) activity.push({ appId, userId: `usr_seed${(u + i) % 30}`, at });
      adds.push({
        appId,
        day,
        messages: d.messages,
        searches: d.searches,
        webhooksDelivered: d.delivered,
        webhooksFailed: d.failed,
        calls: d.calls,
        callSeconds: d.callSeconds,
        agentReplies: d.agentReplies,
        agentPromptTokens: d.agentTokens - 200,
        agentCompletionTokens: 200,
      });
      peaks.push({ appId, day, peak: d.peak }, { appId: "", day, peak: d.peak });
    }
    await s.services.uow.run(async ({ m }) => {
      await markActive(m, activity, adds);
      await raisePeaks(m, "seed-node", peaks);
    });

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    await serveAxe(context);
    const [name, value] = op.browser.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const rows = () => page.locator("console-usage table.stack tbody tr");

  test("usage: nine labelled charts over a table of every day; the period switch redraws them", async () => {
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${s.url}/console/#/apps/${appId}/usage`);
    await page.getByRole("heading", { name: "Usage", exact: true }).waitFor();
    await rows().first().waitFor();
    assert.equal(await rows().count(), 30);
    const charts = page.locator("console-usage svg[role=img]");
    assert.equal(await charts.count(), 9);
    const total = seeded.reduce((n, d) => n + d.messages, 0);
    const label = (await charts.first().getAttribute("aria-label")) ?? "";
    assert.match(label, new RegExp(`^Messages, last 30 days: ${total.toLocaleString("en-US")} in total; highest`));
    // The table: newest first, each day's figures as seeded.
    const today = seeded[seeded.length - 1]!;
    const first = rows().first();
    assert.equal(await first.getAttribute("data-day"), today.day);
    assert.equal(await first.locator("[data-messages]").textContent(), today.messages.toLocaleString("en-US"));
    assert.equal(await first.locator("[data-active]").textContent(), String(today.users));
    // Calls and their minutes (issue 53): the seconds shown as minutes, to a tenth.
    assert.equal(await first.locator("[data-calls]").textContent(), String(today.calls));
    assert.equal(await first.locator("[data-call-minutes]").textContent(), (today.callSeconds / 60).toLocaleString("en-US", { maximumFractionDigits: 1 }));
    const callCharts = await charts.evaluateAll((svgs) => svgs.slice(5).map((el) => el.getAttribute("aria-label") ?? ""));
    const calls = seeded.reduce((n, d) => n + d.calls, 0);
    const minutes = seeded.reduce((n, d) => n + d.callSeconds, 0) / 60;
    assert.match(callCharts[0]!, new RegExp(`^Calls, last 30 days: ${calls.toLocaleString("en-US")} in total`));
    assert.match(callCharts[1]!, new RegExp(`^Call minutes, last 30 days: ${minutes.toLocaleString("en-US", { maximumFractionDigits: 1 })} in total`));
    // AI agents' replies and tokens (issue 54): each day's, and the period's totals.
    assert.equal(await first.locator("[data-agent-replies]").textContent(), String(today.agentReplies));
    assert.equal(await first.locator("[data-agent-tokens]").textContent(), today.agentTokens.toLocaleString("en-US"));
    const agentCharts = await charts.evaluateAll((svgs) => svgs.slice(7).map((el) => el.getAttribute("aria-label") ?? ""));
    const replies = seeded.reduce((n, d) => n + d.agentReplies, 0);
    const tokens = seeded.reduce((n, d) => n + d.agentTokens, 0);
    assert.match(agentCharts[0]!, new RegExp(`^Agent replies, last 30 days: ${replies.toLocaleString("en-US")} in total`));
    assert.match(agentCharts[1]!, new RegExp(`^Agent tokens, last 30 days: ${tokens.toLocaleString("en-US")} in total`));
    await page.screenshot({ path: path.join(SCREENSHOTS, "console-usage.png"), fullPage: true });

    // Seven days, by keyboard: the period is a radio group.
    await page.getByRole("radio", { name: "30 days" }).focus();
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(() => {
      const el = document.querySelector("parley-console")?.shadowRoot?.querySelector("console-app")?.shadowRoot?.querySelector("console-usage");
      return el?.shadowRoot?.querySelectorAll("table.stack tbody tr").length === 7;
    });
    assert.equal(await page.getByRole("radio", { name: "7 days" }).isChecked(), true);
    await page.getByRole("radio", { name: "90 days" }).check();
    await rows().nth(89).waitFor();
    assert.equal(await rows().count(), 90);

    // Every app together (operators): this app and the other one, which had nothing.
    await page.goto(`${s.url}/console/#/usage`);
    await page.getByRole("heading", { name: "Usage of every app" }).waitFor();
    await rows().first().waitFor();
    assert.equal(await rows().first().locator("[data-messages]").textContent(), today.messages.toLocaleString("en-US"));
    assert.equal(await page.locator("console-usage table.months tbody tr").count(), new Set(seeded.map((d) => d.day.slice(0, 7))).size);
  });

  test("health: this node is ready, its database answers", async () => {
    await page.goto(`${s.url}/console/#/health`);
    await page.getByRole("heading", { name: "Health" }).waitFor();
    await page.locator("console-health [data-readiness=ready]").waitFor();
    assert.equal(await page.locator("console-health [data-fact=database] [data-state]").getAttribute("data-state"), "ok");
    assert.equal(await page.locator("console-health [data-fact=redis] [data-state]").getAttribute("data-state"), "off");
    await page.getByText("this node").waitFor();
  });

  test("audit log: filters, and bad input answered at its field", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/audit`);
    await page.getByRole("heading", { name: "Audit log", exact: true }).waitFor();
    const entries = page.locator("console-audit tbody tr");
    await entries.first().waitFor();
    assert.deepEqual(await entries.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action"))), ["key.created", "key.created", "app.created"]);
    const action = page.getByLabel("Action");
    await action.fill("x".repeat(49));
    await page.getByRole("button", { name: "Show" }).click();
    await page.locator("console-audit #f-action-error").waitFor();
    assert.equal(await action.getAttribute("aria-invalid"), "true");
    await action.fill("app.created");
    await page.getByRole("button", { name: "Show" }).click();
    await page.locator("console-audit tbody tr[data-action='app.created']").waitFor();
    assert.equal(await entries.count(), 1);
    assert.equal(await action.getAttribute("aria-invalid"), "false");

    // Every app's log (operators): filtered to the other app, whose only entry is its creation.
    await page.goto(`${s.url}/console/#/audit`);
    await page.getByRole("heading", { name: "Audit log of every app" }).waitFor();
    await entries.first().waitFor();
    await page.getByLabel("App", { exact: true }).selectOption({ label: "Other Shop" });
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForFunction(() => {
      const audit = document.querySelector("parley-console")?.shadowRoot?.querySelector("console-audit");
      const trs = audit?.shadowRoot?.querySelectorAll("tbody tr") ?? [];
      return trs.length === 1 && trs[0]?.getAttribute("data-action") === "app.created";
    });
  });

  test("on a phone and a desktop, light and dark: axe clean, nothing wider than the screen", async () => {
    const pages: [string, string, string][] = [
      ["usage", `#/apps/${appId}/usage`, "Usage"],
      ["usage-all", "#/usage", "Usage of every app"],
      ["health", "#/health", "Health"],
      ["audit", `#/apps/${appId}/audit`, "Audit log"],
      ["audit-all", "#/audit", "Audit log of every app"],
    ];
    const failures: string[] = [];
    for (const [vp, size] of Object.entries(VIEWPORTS))
      for (const scheme of ["light", "dark"] as const) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, hash, heading] of pages) {
          await page.goto(`${s.url}/console/${hash}`);
          await page.getByRole("heading", { name: heading, exact: true }).first().waitFor();
          await page.locator("[aria-busy=false]").first().waitFor();
          await page.locator("console-usage tbody tr, console-health [data-readiness], console-audit tbody tr").first().waitFor();
          const found = await axeSerious(page);
          if (found.length) failures.push(`${name} ${vp} ${scheme}: ${found.join("; ")}`);
          if (await overflows(page)) failures.push(`${name} ${vp} ${scheme}: wider than the screen`);
          await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}-${vp}-${scheme}.png`), fullPage: true });
        }
      }
    assert.deepEqual(failures, []);
  });
});
