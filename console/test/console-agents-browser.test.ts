/**
 * An app's AI agents in the console, in Chromium (issue 54): an owner makes one with the form (an
 * endpoint that is not http(s) and a temperature out of range answered at their fields), with an
 * API key that is never answered nor drawn again; the agent made there answers a chat user's DM
 * through a real model server (helpers/model-server.ts); edited with the key field left empty, the
 * key is kept; removed, asked twice. A viewer reads the list with no control. On a phone, dark:
 * axe finds nothing serious or critical and nothing is wider than the screen. Screenshot:
 * docs/screenshots/console-agents.png.
 *
 * Needs the console built (`npm run build`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Message } from "@parley/sdk/protocol";
import { type ConsoleBrowser, consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ModelServer } from "../../server/test/helpers/model-server.js";
import { eventually } from "../../server/test/helpers/sockets.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";
import { axeSerious, overflows, serveAxe } from "./helpers/a11y.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");
const API_KEY = "sk-console-agent-secret";

describe("the console in a browser: an app's AI agents", { skip: BROWSER_SKIP, timeout: 240_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const models = new ModelServer();
  let appId = "";
  let owner: ConsoleBrowser;
  let page: Page;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await models.start();
    models.scripts.set("shop-model", { kind: "tokens", tokens: ["We open ", "at nine."] });
    s = await startServer({ AGENT_ALLOW_PRIVATE: "1" });
    browser = await launchBrowser();
    appId = (await s.createTenant("Acme Store", ["https://acme.example"])).id;
    owner = (await consoleAccount(s, { email: "owner@acme.example", role: "owner", appId })).browser;
    page = await signedIn(owner.cookie);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
    await models.close();
  });

  async function signedIn(cookie: string, viewport = { width: 1280, height: 860 }, colorScheme: "light" | "dark" = "light"): Promise<Page> {
    const context = await browser.newContext({ viewport, colorScheme });
    contexts.push(context);
    await serveAxe(context);
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    const p = await context.newPage();
    p.on("pageerror", (e) => console.error("page error:", e.message));
    return p;
  }
  const el = (p: Page) => p.locator("console-agents");
  const storedKey = async (): Promise<string | null | undefined> =>
    (await s.services.db.query("SELECT apiKey FROM agents WHERE appId = ?", [appId]))[0]?.apiKey;

  test("an owner makes an agent (errors at their fields, the key write-only); it answers a DM; edited, the key is kept; removed, asked twice", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/agents`);
    await page.getByRole("heading", { name: "AI agents", exact: true }).waitFor();
    await el(page).getByText("No agents yet.").waitFor();
    await el(page).getByRole("button", { name: "New agent" }).click();
    await el(page).getByLabel("User ID (sub)").fill("helper");
    await el(page).getByLabel("Name", { exact: true }).fill("Shop helper");
    await el(page).getByLabel("Endpoint").fill("ftp://models.example/v1");
    await el(page).getByLabel("Model").fill("shop-model");
    await el(page).getByLabel("API key").fill(API_KEY);
    await el(page).getByLabel("Temperature").fill("5");
    await el(page).getByRole("button", { name: "Save", exact: true }).click();
    await el(page).locator("#f-endpoint-error").waitFor();
    await el(page).locator("#f-temperature-error").waitFor();
    assert.equal(await el(page).getByLabel("Endpoint").getAttribute("aria-invalid"), "true");
    assert.equal(await storedKey(), undefined, "nothing made");

    await el(page).getByLabel("Endpoint").fill(models.url);
    await el(page).getByLabel("Temperature").fill("0.3");
    await el(page).getByLabel("System prompt").fill("You answer questions about Acme Store.");
    await el(page).getByRole("button", { name: "Save", exact: true }).click();
    const row = el(page).locator("[data-agent]");
    await row.getByText("Shop helper").waitFor();
    await row.getByText("An API key is stored.").waitFor();
    assert.equal(await storedKey(), API_KEY);
    assert.ok(!(await el(page).evaluate((e) => e.shadowRoot?.innerHTML ?? "")).includes(API_KEY), "the key is never drawn");

    // The agent made here answers a chat user's DM, through the model.
    const ann = await s.api.register(appId, { displayName: "Ann" });
    const agentUser = (await s.services.db.query("SELECT userId FROM agents WHERE appId = ?", [appId]))[0].userId as string;
    const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: agentUser } })).body.conversation.id as string;
    assert.equal((await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "when do you open?" } })).status, 201);
    let answer: Message | undefined;
    await eventually(async () => {
      const items = (await s.api.get<{ items: Message[] }>(`/conversations/${dm}/messages`, { token: ann.accessToken })).body.items;
      answer = items.find((m) => m.senderId === agentUser && m.stream?.state === "finished");
      return answer !== undefined;
    }, "the agent's reply");
    assert.equal(answer?.text, "We open at nine.");
    assert.equal(models.for("shop-model")[0]?.body.temperature, 0.3);
    assert.equal(models.for("shop-model")[0]?.headers.authorization, `Bearer ${API_KEY}`);

    // Edited with the key field left empty: the key is kept.
    await row.getByRole("button", { name: "Edit" }).click();
    assert.equal(await row.getByLabel("API key").inputValue(), "");
    await row.getByText("A key is stored. Leave this empty to keep it.").waitFor();
    await row.getByLabel("Model").fill("shop-model-2");
    await row.getByRole("button", { name: "Save" }).click();
    await el(page).getByText("shop-model-2").waitFor();
    assert.equal(await storedKey(), API_KEY);

    // Tools, as JSON: what is not a tool list is refused at the field; a tool list is stored and shown again.
    await row.getByRole("button", { name: "Edit" }).click();
    await row.getByLabel("Tools (JSON)").fill("not json");
    await row.getByRole("button", { name: "Save" }).click();
    await row.locator("#f-tools-error").waitFor();
    const tool = { name: "order_status", description: "An order's status", parameters: { type: "object", properties: { order: { type: "string" } } } };
    await row.getByLabel("Tools (JSON)").fill(JSON.stringify([tool]));
    await row.getByRole("button", { name: "Save" }).click();
    await el(page).getByText("Saved.").waitFor();
    const stored = (await s.services.db.query("SELECT tools FROM agents WHERE appId = ?", [appId]))[0].tools as string;
    assert.deepEqual(JSON.parse(stored), [tool]);
    await row.getByRole("button", { name: "Edit" }).click();
    assert.deepEqual(JSON.parse(await row.getByLabel("Tools (JSON)").inputValue()), [tool]);
    await row.getByRole("button", { name: "Cancel" }).click();

    // Removed: the first click asks.
    await row.getByRole("button", { name: "Remove" }).click();
    await el(page).getByText("Remove this agent?").waitFor();
    assert.ok(await storedKey(), "not yet");
    await row.getByRole("button", { name: "Confirm" }).click();
    await el(page).getByText("Shop helper is removed.").waitFor();
    await el(page).getByText("No agents yet.").waitFor();
    assert.equal(await storedKey(), undefined);
    const audit = await owner.get<{ items: { action: string }[] }>(`/apps/${appId}/audit`);
    for (const action of ["agent.created", "agent.updated", "agent.removed"])
      assert.ok(
        audit.body.items.some((i) => i.action === action),
        action,
      );
  });

  test("a viewer reads the agents with no control; on a phone, dark: axe finds nothing serious, nothing wider than the screen", async () => {
    const made = await owner.post(`/apps/${appId}/agents`, { sub: "greeter", name: "Greeter", endpoint: models.url, model: "m", apiKey: API_KEY });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const viewer = await consoleAccount(s, { email: "vera@acme.example", role: "viewer", appId });
    const v = await signedIn(viewer.browser.cookie);
    await v.goto(`${s.url}/console/#/apps/${appId}/agents`);
    await el(v).locator("[data-agent]").getByText("Greeter").waitFor();
    await v.getByText("Your role can look but not change anything here.").waitFor();
    for (const name of ["New agent", "Edit", "Remove"]) assert.equal(await el(v).getByRole("button", { name }).count(), 0, name);
    assert.equal((await viewer.browser.post(`/apps/${appId}/agents`, { sub: "x", name: "X", endpoint: models.url, model: "m" })).status, 403);

    const p = await signedIn(owner.cookie, { width: 390, height: 844 }, "dark");
    await p.goto(`${s.url}/console/#/apps/${appId}/agents`);
    await el(p).locator("[data-agent]").getByText("Greeter").waitFor();
    await el(p).getByRole("button", { name: "New agent" }).click();
    await el(p).getByLabel("Endpoint").waitFor();
    assert.deepEqual(await axeSerious(p), []);
    assert.equal(await overflows(p), false);
    await p.screenshot({ path: path.join(SCREENSHOTS, "console-agents.png"), fullPage: true });
  });
});
