/**
 * An app's agent settings in the console, in Chromium (issue 54; console/src/pages/agent-settings.ts,
 * below the agents list): an owner hands conversations to named users and picks the agents that
 * translate and summarize. An empty user list and an id that is no user of the app are answered at
 * the list, naming the id, and nothing is stored; saved, the settings are the server's and a reload
 * shows them again. Removing the agent that translates turns translation off on the page too. A
 * viewer reads them with no control.
 *
 * Needs the console built (`npm run build`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Agent, AgentSettings } from "@parley/sdk/protocol";
import { type ConsoleBrowser, consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ModelServer } from "../../server/test/helpers/model-server.js";
import { eventually } from "../../server/test/helpers/sockets.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

describe("the console in a browser: an app's agent settings", { skip: BROWSER_SKIP, timeout: 180_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const models = new ModelServer();
  let appId = "";
  let owner: ConsoleBrowser;

  before(async () => {
    await models.start();
    s = await startServer({ AGENT_ALLOW_PRIVATE: "1" });
    browser = await launchBrowser();
    appId = (await s.createTenant("Acme Store", ["https://acme.example"])).id;
    owner = (await consoleAccount(s, { email: "owner@acme.example", role: "owner", appId })).browser;
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
    await models.close();
  });

  async function signedIn(cookie: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    const p = await context.newPage();
    p.on("pageerror", (e) => console.error("page error:", e.message));
    return p;
  }
  const el = (p: Page) => p.locator("console-agent-settings");
  const stored = async (): Promise<AgentSettings> => (await owner.get<AgentSettings>(`/apps/${appId}/agent-settings`)).body;
  async function agent(sub: string, name: string): Promise<Agent> {
    const made = await owner.post<Agent>(`/apps/${appId}/agents`, { sub, name, endpoint: models.url, model: "m" });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body;
  }
  async function open(p: Page): Promise<void> {
    await p.goto(`${s.url}/console/#/apps/${appId}/agents`);
    await el(p).getByRole("heading", { name: "Hand-off, translation and summaries" }).waitFor();
  }

  test("an owner saves hand-off to users and the helpers; an unknown user id is answered at the list; a reload shows what was saved", async () => {
    const translator = await agent("translator", "Translator");
    const summarizer = await agent("summarizer", "Summarizer");
    const ann = await s.api.register(appId, { displayName: "Ann" });
    const bob = await s.api.register(appId, { displayName: "Bob" });
    const page = await signedIn(owner.cookie);
    await open(page);
    const form = el(page);
    assert.equal(await form.getByLabel("Off", { exact: true }).isChecked(), true, "off by default");
    assert.equal(await form.getByLabel("Translate with").inputValue(), "");

    // Users with none named: said at the list before asking the server.
    await form.getByLabel("These users").check();
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.locator("#f-handoffUserIds-error").getByText("Enter at least one user id.").waitFor();
    assert.equal(await form.getByLabel("User ids").getAttribute("aria-invalid"), "true");

    // One id that is no user of this app: the server's answer, at the list, naming that id.
    await form.getByLabel("User ids").fill(`${ann.user.id}\nusr_nobody_here`);
    await form.getByLabel("Translate with").selectOption({ label: "Translator" });
    await form.getByLabel("Summarize with").selectOption({ label: "Summarizer" });
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.locator("#f-handoffUserIds-error").getByText("No user of this app has the id usr_nobody_here.").waitFor();
    assert.equal(await form.getByLabel("User ids").getAttribute("aria-invalid"), "true");
    assert.deepEqual(await stored(), { handoffTo: "off", handoffUserIds: [], translateAgentId: null, summarizeAgentId: null }, "nothing stored");

    await form.getByLabel("User ids").fill(`${ann.user.id}\n${bob.user.id}`);
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.getByText("Saved.").waitFor();
    assert.equal(await form.locator("#f-handoffUserIds-error").count(), 0);
    const want: AgentSettings = {
      handoffTo: "users",
      handoffUserIds: [ann.user.id, bob.user.id],
      translateAgentId: translator.id,
      summarizeAgentId: summarizer.id,
    };
    assert.deepEqual(await stored(), want);

    // A reload reads them from the server.
    await page.reload();
    await open(page);
    assert.equal(await form.getByLabel("These users").isChecked(), true);
    assert.equal(await form.getByLabel("User ids").inputValue(), `${ann.user.id}\n${bob.user.id}`);
    assert.equal(await form.getByLabel("Translate with").inputValue(), translator.id);
    assert.equal(await form.getByLabel("Summarize with").inputValue(), summarizer.id);

    // To the moderators, summaries off: the user list goes, and so does the stored list.
    await form.getByLabel("The app's moderators").check();
    assert.equal(await form.getByLabel("User ids").count(), 0);
    await form.getByLabel("Summarize with").selectOption({ label: "Off" });
    await form.getByRole("button", { name: "Save settings" }).click();
    await form.getByText("Saved.").waitFor();
    assert.deepEqual(await stored(), { handoffTo: "moderators", handoffUserIds: [], translateAgentId: translator.id, summarizeAgentId: null });

    // The translating agent removed on the same page: the server turns translation off, and the page says so.
    const row = page.locator("console-agents [data-agent]").filter({ hasText: "Translator" });
    await row.getByRole("button", { name: "Remove" }).click();
    await row.getByRole("button", { name: "Confirm" }).click();
    await page.locator("console-agents").getByText("Translator is removed.").waitFor();
    await eventually(
      async () => (await form.getByLabel("Translate with").inputValue()) === "" && (await form.locator("#f-translateAgentId option").count()) === 2,
      "translation shown off, with Translator no longer a choice",
    );
    assert.equal((await stored()).translateAgentId, null);
  });

  test("a viewer reads the settings with no control", async () => {
    const viewer = await consoleAccount(s, { email: "vera@acme.example", role: "viewer", appId });
    const page = await signedIn(viewer.browser.cookie);
    await open(page);
    await el(page).getByText("The app's moderators").waitFor();
    assert.equal(await el(page).locator("form").count(), 0);
    assert.equal(await el(page).getByRole("button", { name: "Save settings" }).count(), 0);
    const refused = await viewer.browser.req("PUT", `/apps/${appId}/agent-settings`, { handoffTo: "off" });
    assert.equal(refused.status, 403);
  });
});
