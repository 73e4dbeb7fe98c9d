// Shared helpers for the example tests: the system Chromium, polling, a tiny HTTP API client,
// and the demo server spawned exactly as `npm start` runs it (after its build step).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const ARTIFACTS = path.join(ROOT, "test-artifacts");
export const DEMO_PASSWORD = "parley-demo-pass";
export const DEMO_EMAILS = ["alice@demo.parley.chat", "bob@demo.parley.chat", "carol@demo.parley.chat", "dave@demo.parley.chat"];

/** The seeded Alice–Bob DM, oldest first (server/src/demo/demo.seed.ts). */
export const SEEDED_DM = [
  "Hi Bob! Welcome to Parley 👋",
  "Hey Alice, this was one script tag?",
  "One script tag. Try editing or reacting to a message.",
  "Nice. And it keeps working offline: messages wait and go out when I'm back.",
];

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

// The system Chromium and polling are shared with the widget suite.
export { BROWSER_SKIP, eventually, launchBrowser } from "../../widget/test/helpers/browser.js";

export interface Tab {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** A page in a fresh context (its own storage, so its own signed-in user). */
export async function newTab(browser: Browser, url: string): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => void d.dismiss().catch(() => undefined));
  await page.goto(url);
  return { context, page, errors };
}

/** Opens the launcher panel (if closed) and signs in through the widget's form. */
export async function widgetLogin(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 20_000 });
  if (!(await page.locator("[part=panel]").isVisible())) await page.locator("[part=launcher]").click();
  const signin = page.locator("parley-signin");
  await signin
    .locator("input[name=email]")
    .fill(email, { timeout: 20_000 })
    .catch(async (e: Error) => {
      // Seen once in CI (the sign-in form never came): say what the visitor saw instead.
      const panel = await page
        .locator("[part=panel]")
        .textContent({ timeout: 1_000 })
        .catch(() => "(no panel)");
      throw new Error(`${email}: no sign-in form; the panel shows ${JSON.stringify(panel)}\n${e.message}`);
    });
  await signin.locator("input[name=password]").fill(password);
  await signin.locator("[part=signin-submit]").click();
  await page.locator("[part=new-chat]").waitFor({ state: "visible", timeout: 20_000 });
}

/** The widget message whose text contains `text`. */
export const widgetMessage = (page: Page, text: string): Locator =>
  page.locator("[part=message]").filter({ has: page.locator("[part=message-text]", { hasText: text }) });

/** Types into the open thread's composer and clicks Send. */
export async function widgetSend(page: Page, text: string): Promise<void> {
  await page.locator("[part=composer-input]").fill(text);
  await page.locator("[part=send]").click();
}

/** The number on the launcher badge (0 when there is none). */
export async function badgeCount(page: Page): Promise<number> {
  // One read that does not wait: a count() then a textContent() raced the badge's removal (it goes
  // when the count reaches 0), and textContent() then waited 30 s for a badge that was gone.
  const [text] = await page.locator("[part=badge]").allTextContents();
  return Number(text?.trim() || "0");
}

// ---------------------------------------------------------------------------------------------
// HTTP API
// ---------------------------------------------------------------------------------------------

export interface Res<T = any> {
  status: number;
  body: T;
}

export async function api<T = any>(base: string, method: string, p: string, o: { token?: string; app?: string; body?: unknown } = {}): Promise<Res<T>> {
  const headers: Record<string, string> = {};
  if (o.app) headers["X-Parley-App"] = o.app;
  if (o.token) headers["Authorization"] = `Bearer ${o.token}`;
  if (o.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}/v1${p}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T };
}

/** Logs a Parley-account user in; returns the access token and user. */
export async function apiLogin(
  base: string,
  appId: string,
  email: string,
  password = DEMO_PASSWORD,
): Promise<{ accessToken: string; user: { id: string; displayName: string } }> {
  const res = await api(base, "POST", "/auth/login", { app: appId, body: { email, password } });
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every message of a conversation, oldest first (follows the `before` keyset). */
export async function allMessages(
  base: string,
  token: string,
  conversationId: string,
): Promise<{ id: string; text: string | null; senderId: string; replyToId?: string | null }[]> {
  const out: any[] = [];
  let before = "";
  for (;;) {
    const res = await api(base, "GET", `/conversations/${conversationId}/messages?limit=100${before ? `&before=${before}` : ""}`, { token });
    if (res.status !== 200) throw new Error(`messages: ${res.status} ${JSON.stringify(res.body)}`);
    const items = res.body.items as any[];
    out.push(...items);
    if (items.length < 100) break;
    before = items[items.length - 1].id;
  }
  return out.reverse();
}

// ---------------------------------------------------------------------------------------------
// The demo server, spawned as `npm start` runs it: `node server/dist/main.js`
// ---------------------------------------------------------------------------------------------

export interface DemoServer {
  child: ChildProcessWithoutNullStreams;
  /** `http://localhost:<port>` as printed. */
  base: string;
  /** The same server on 127.0.0.1 (fetch from Node without IPv6 surprises). */
  url: string;
  /** Printed "Open …/examples/script-tag/" URL, or null without the demo. */
  scriptTagUrl: string | null;
  appId: string | null;
  /** Printed demo users: email -> display name. */
  users: Map<string, string>;
  output(): string;
  stop(): Promise<number | null>;
}

export async function tempDataDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "parley-examples-"));
}

/**
 * Starts `node server/dist/main.js` with PORT=0 on 127.0.0.1, NODE_ENV=production and no
 * DATABASE_URL/JWT_SECRET (embedded SQLite, generated secret), in its own process group. Under
 * production the demo is off unless PARLEY_DEMO=1 is set explicitly (issue 15), so it is, unless
 * the caller passes PARLEY_DEMO itself.
 * Resolves once the listening line (and, with the demo, the whole demo block) is printed.
 */
export async function spawnDemoServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<DemoServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, NODE_ENV: "production", ...extraEnv };
  delete env["DATABASE_URL"];
  delete env["JWT_SECRET"];
  delete env["PARLEY_TEST_DB"];
  if (!("PARLEY_DEMO" in extraEnv)) env["PARLEY_DEMO"] = "1";
  const child = spawn(process.execPath, ["server/dist/main.js"], { cwd: ROOT, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end();
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const demo = extraEnv["PARLEY_DEMO"] !== "0";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${out}`)), 90_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const listening = /Parley listening on http:\/\/localhost:\d+/.test(out);
      if (listening && (!demo || /PARLEY_DEMO=0 starts the bare server\./.test(out))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready:\n${out}`));
    });
  });
  const port = /Parley listening on http:\/\/localhost:(\d+)/.exec(out)![1]!;
  const users = new Map<string, string>();
  for (const m of out.matchAll(/^ {4}(\S+@\S+)\s+(.+?)\s*$/gm)) users.set(m[1]!, m[2]!);
  return {
    child,
    base: `http://localhost:${port}`,
    url: `http://127.0.0.1:${port}`,
    scriptTagUrl: /Open (http:\/\/localhost:\d+\/examples\/script-tag\/)/.exec(out)?.[1] ?? null,
    appId: /Demo app id: (\S+)/.exec(out)?.[1] ?? null,
    users,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // gone
        }
      }, 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
