import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import type { TestServer } from "../../../server/test/helpers/harness.js";
import { eventually } from "./browser.js";

// ---------------------------------------------------------------------------------------------
// A long DM for the 5,000-message test (widget/test/long-thread.test.ts) and the widget bench
// (widget/bench/long-thread.ts): seeding it, and the page-side probes both read.
// ---------------------------------------------------------------------------------------------

export interface LongThread {
  ann: AuthResponse;
  ben: AuthResponse;
  /** Ann's sign-in, for the widget's form. */
  annLogin: { email: string; password: string };
  dm: string;
  /** Message ids, oldest first. */
  ids: string[];
}

/** The text of message `n`: every 7th is long enough to wrap onto a second line. */
export const longThreadText = (n: number): string =>
  `message ${n}${n % 7 === 0 ? " with a longer line of text that wraps onto a second line in the panel" : ""}`;

/**
 * Ann and Ben with `total` messages in their DM, three in a row per sender, sent ten at a time
 * so the ids follow arrival order. The server must lift the message rate limits.
 */
export async function seedLongThread(s: TestServer, app: string, total: number, tag = "long"): Promise<LongThread> {
  const password = "correct horse battery";
  const annLogin = { email: `ann.${tag}@example.com`, password };
  const ann = await s.api.register(app, { ...annLogin, displayName: "Ann Long" });
  const ben = await s.api.register(app, { email: `ben.${tag}@example.com`, password, displayName: "Ben Long" });
  const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id as string;
  const ids: string[] = [];
  for (let i = 0; i < total; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, total - i) }, (_, j) => i + j).map(async (n) => {
        const who = Math.floor(n / 3) % 2 ? ann : ben;
        const res = await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text: longThreadText(n) } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.id as string;
      }),
    );
    ids.push(...batch);
  }
  return { ann, ben, annLogin, dm, ids };
}

/** Starts recording long tasks (over 50 ms, the browser's definition) as window.__longTasks. */
export const watchLongTasks = (page: Page): Promise<void> =>
  page.evaluate(`(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: "longtask", buffered: false });
  })()`);

/** The long tasks recorded since the last call (durations in ms). */
export const takeLongTasks = (page: Page): Promise<number[]> => page.evaluate<number[]>("window.__longTasks.splice(0)");

/**
 * Types `text` into the focused thread's composer and returns, for each key, the time from its
 * keydown to the frame after it (a rAF, then a task: the paint has happened).
 */
export async function keystrokeToPaint(page: Page, text: string): Promise<number[]> {
  await page.locator("[part=composer-input]").focus();
  await page.evaluate(`(() => {
    window.__keys = [];
    const ta = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot.querySelector("textarea");
    ta.addEventListener("keydown", () => { const t0 = performance.now(); requestAnimationFrame(() => setTimeout(() => window.__keys.push(performance.now() - t0), 0)); });
  })()`);
  await page.keyboard.type(text, { delay: 30 });
  await eventually(() => page.evaluate<number>("window.__keys.length"), { check: (n) => n >= text.length });
  return page.evaluate<number[]>("window.__keys");
}

/** "3 (longest 61 ms)" or "0". */
export const formatLongTasks = (xs: number[]): string => (xs.length ? `${xs.length} (longest ${Math.round(Math.max(...xs))} ms)` : "0");

/** The value at quantile q (0..1) of xs. */
export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
