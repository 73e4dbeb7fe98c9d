// Moderation in the widget (issue 17): a member reports another's message from its actions, by
// keyboard and by pointer, and the report is in the moderators' queue with its reason and note;
// a plain member sees no moderator actions; an app moderator deletes, mutes and bans from the
// same actions and the server confirms each; a group's owner gets Mute and Ban on plain members; a send refused by moderation shows why (muted until
// when, slow mode's wait, blocked words) and is not retried by itself; the report dialog is axe
// and AA clean on a phone in the dark theme. The dialog is a chunk of its own, fetched only when
// first needed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import type { AuditEntry, AuthResponse, Conversation, Message, Page as ListPage, Report } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious, contrastFailures } from "./helpers/a11y.js";
import {
  BROWSER_SKIP,
  eventually,
  expectCount,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageAction,
  messageWithText,
  openMessageMenu,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

const CHUNK = /\/parley-moderate-[\w-]+\.js$/;
const PASSWORD = "correct horse battery";

/** The part of the focused element inside the thread, and the message (li) it is in. */
const THREAD_FOCUS = `(() => {
  const el = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread")?.shadowRoot.activeElement;
  return { part: el?.getAttribute("part") ?? null, id: el?.closest("li[data-id]")?.dataset.id ?? null };
})()`;
/** The focused element inside the dialog (opened over the conversation, in its shadow root): its tag, name and value. */
const DIALOG_FOCUS = `(() => {
  const el = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot.querySelector("parley-moderate")?.shadowRoot.activeElement;
  return el ? { tag: el.localName, name: el.getAttribute("name"), value: el.value ?? null } : null;
})()`;

describe("moderation in the widget: report, moderator actions, and why a send was refused", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let basic: string;
  let group: string;
  const users: Record<"owen" | "ann" | "ben" | "mia" | "cara", AuthResponse> = {} as never;
  const email = (who: string): string => `${who}.moderation@example.com`;
  const sent: Record<string, Message> = {};

  /** A server-key call (the host's backend): `/v1/server/…`. */
  const server = async <T>(method: "GET" | "PUT", path: string, body?: unknown): Promise<T> => {
    const res = await s.api.req<T>(method, `/server${path}`, { headers: { Authorization: basic }, ...(body === undefined ? {} : { body }) });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const reports = async (): Promise<Report[]> => (await server<ListPage<Report>>("GET", "/moderation/reports?status=all")).items;
  const history = async (who: AuthResponse): Promise<Message[]> => {
    const res = await s.api.get<ListPage<Message>>(`/conversations/${group}/messages?limit=100`, { app, token: who.accessToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };
  const post = async (who: keyof typeof users, text: string): Promise<Message> => {
    const res = await s.api.post<Message>(`/conversations/${group}/messages`, { app, token: users[who].accessToken, body: { text } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return (sent[text] = res.body);
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Moderation widget", [site.origin])).id;
    const key = await s.services.serverKeys.create(app);
    basic = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
    for (const [who, name] of [
      ["owen", "Owen Owner"],
      ["ann", "Ann Member"],
      ["ben", "Ben Sender"],
      ["mia", "Mia Moderator"],
      ["cara", "Cara Member"],
    ] as const) {
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    }
    // Mia moderates the app, and is a plain member of the group (her actions come from the app role).
    await s.services.moderation.setModerator({ appId: app, server: "test" }, { userId: users.mia.user.id, moderator: true });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.owen.accessToken,
      body: { name: "Club", memberIds: [], isPublic: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    for (const who of ["ann", "ben", "mia", "cara"] as const) {
      const joined = await s.api.post(`/conversations/${group}/join`, { app, token: users[who].accessToken });
      assert.ok(joined.status < 300, JSON.stringify(joined.body));
    }
    for (const text of ["ben one: buy cheap watches", "ben two: more spam", "ben three: delete me", "ben four: rude words"]) await post("ben", text);
    await post("cara", "cara one: ban-worthy");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** A signed-in widget with the group open; `chunks` collects the moderation chunk's requests. */
  async function openGroup(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE = DESKTOP, theme?: "dark") {
    const url = site.page(
      `/${who}-${theme ?? "light"}-${device.viewport.width}`,
      withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, ...(theme ? { theme } : {}) })),
    );
    const tab = await openDevicePage(browser, url, device, theme ? { colorScheme: theme } : {});
    const chunks: string[] = [];
    tab.page.on("request", (r) => {
      if (CHUNK.test(new URL(r.url()).pathname)) chunks.push(r.url());
    });
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("[part=composer-input]").waitFor({ state: "visible" });
    return { ...tab, chunks };
  }

  const dialog = (page: Page): Locator => page.locator("parley-moderate [part=moderate-dialog]");
  const toast = (page: Page): Locator => page.locator("[part=toast]");

  test("a member reports a message by keyboard and by pointer: the reports are in the queue with reason and note; no moderator actions", async () => {
    const { page, context, errors, chunks } = await openGroup("ann");
    const one = messageWithText(page, "ben one");
    await one.waitFor({ timeout: 15_000 });

    // A plain member: Report on others' messages (in the toolbar's More menu), and none of the moderator's actions.
    await openMessageMenu(one);
    await one.locator("[part=action-menu] [part=action-report]").waitFor({ state: "visible" });
    for (const part of ["action-delete", "action-mute", "action-ban", "action-edit"]) await expectCount(one.locator(`[part=${part}]`), 0);
    assert.deepEqual(chunks, [], "the dialog's chunk is not fetched before it is needed");

    // Keyboard: Enter on the message opens its actions; Tab reaches More (⋯), Enter opens its menu,
    // ArrowDown reaches Report; Enter opens the dialog.
    await one.focus();
    await page.keyboard.press("Enter");
    await eventually(() => page.evaluate<{ part: string | null }>(THREAD_FOCUS), {
      check: (f) => f.part === "action-react",
      message: "the actions have the focus",
    });
    for (let i = 0; i < 6 && (await page.evaluate<{ part: string | null }>(THREAD_FOCUS)).part !== "action-more"; i++) await page.keyboard.press("Tab");
    assert.equal((await page.evaluate<{ part: string | null }>(THREAD_FOCUS)).part, "action-more");
    await page.keyboard.press("Enter");
    await eventually(() => page.evaluate<{ part: string | null }>(THREAD_FOCUS), {
      check: (f) => f.part === "action-thread",
      message: "the menu's first item",
    });
    for (let i = 0; i < 6 && (await page.evaluate<{ part: string | null }>(THREAD_FOCUS)).part !== "action-report"; i++) await page.keyboard.press("ArrowDown");
    assert.equal((await page.evaluate<{ part: string | null }>(THREAD_FOCUS)).part, "action-report");
    await page.keyboard.press("Enter");
    await dialog(page).waitFor({ state: "visible" });
    assert.equal(chunks.length, 1, "one chunk, fetched when Report was pressed");
    // The dialog takes the focus (its first reason); Space picks it, the arrow keys move the pick.
    assert.deepEqual(await page.evaluate(DIALOG_FOCUS), { tag: "input", name: "reason", value: "spam" });
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowDown");
    assert.deepEqual(await page.evaluate(DIALOG_FOCUS), { tag: "input", name: "reason", value: "harassment" });
    await page.keyboard.press("Tab");
    await page.keyboard.type("Said it three times");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expectText(toast(page), "Reported. Thank you.");
    await expectCount(page.locator("parley-moderate"), 0);
    await eventually(() => page.evaluate<{ id: string | null }>(THREAD_FOCUS), {
      check: (f) => f.id === sent["ben one: buy cheap watches"]!.id,
      message: "the message has the focus again",
    });
    let queue = await reports();
    assert.equal(queue.length, 1);
    assert.deepEqual(
      { messageId: queue[0]!.messageId, userId: queue[0]!.userId, reporterId: queue[0]!.reporterId, reason: queue[0]!.reason, note: queue[0]!.note },
      {
        messageId: sent["ben one: buy cheap watches"]!.id,
        userId: users.ben.user.id,
        reporterId: users.ann.user.id,
        reason: "harassment",
        note: "Said it three times",
      },
    );

    // Escape closes the dialog and nothing else (the panel stays open); nothing is reported.
    const two = messageWithText(page, "ben two");
    await messageAction(two, "action-report");
    await dialog(page).waitFor({ state: "visible" });
    await page.keyboard.press("Escape");
    await expectCount(page.locator("parley-moderate"), 0);
    assert.ok(await page.locator("[part=panel]").isVisible(), "the panel is still open");

    // Pointer: Send without a reason is held by the form (the reason is required); then with one.
    await messageAction(two, "action-report");
    await dialog(page).waitFor({ state: "visible" });
    await dialog(page).locator("[part=moderate-submit]").click();
    assert.ok(await dialog(page).isVisible(), "still open: a reason is required");
    await dialog(page).getByLabel("Something illegal").check();
    await dialog(page).locator("[part=moderate-note]").fill("Selling stolen goods");
    // The first report's toast lasts 3 s: wait until it has gone, so the toast below is this report's
    // (on a busy machine it was still up, and the queue was read before this report was in it).
    await expectCount(toast(page), 0);
    await dialog(page).locator("[part=moderate-submit]").click();
    await expectText(toast(page), "Reported. Thank you.");
    queue = await reports();
    assert.equal(queue.length, 2);
    const second = queue.find((r) => r.messageId === sent["ben two: more spam"]!.id);
    assert.equal(second?.reason, "illegal");
    assert.equal(second?.note, "Selling stolen goods");
    assert.equal(second?.reporterId, users.ann.user.id);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a moderator deletes, mutes and bans from a message's actions; the server confirms; the muted member sees why a send failed", async () => {
    const { page, context, errors } = await openGroup("mia");
    const three = messageWithText(page, "ben three");
    await three.waitFor({ timeout: 15_000 });

    // Delete (another's message: with an optional reason, no undo).
    await messageAction(three, "action-delete");
    await dialog(page).waitFor({ state: "visible" });
    await dialog(page).locator("[part=moderate-note]").fill("spam link");
    await dialog(page).locator("[part=moderate-submit]").click();
    await expectText(toast(page), "Message deleted");
    const gone = (await history(users.owen)).find((m) => m.id === sent["ben three: delete me"]!.id);
    assert.ok(gone?.deletedAt, "a tombstone on the server");
    await page.locator(`[part=message][data-id="${gone.id}"] [part=deleted]`).waitFor();
    const audit = (await server<ListPage<AuditEntry>>("GET", "/moderation/audit")).items;
    const deletion = audit.find((a) => a.action === "message.delete");
    assert.equal(deletion?.actorUserId, users.mia.user.id);
    assert.equal(deletion?.reason, "spam link");

    // Mute the sender for an hour.
    const four = messageWithText(page, "ben four");
    await messageAction(four, "action-mute");
    await dialog(page).waitFor({ state: "visible" });
    await dialog(page).getByLabel("1 hour").check();
    await dialog(page).locator("[part=moderate-note]").fill("cool down");
    await dialog(page).locator("[part=moderate-submit]").click();
    await expectText(toast(page), "Ben Sender is muted for 1 hour");
    const refused = await s.api.post(`/conversations/${group}/messages`, { app, token: users.ben.accessToken, body: { text: "still here?" } });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "muted");

    // Ban another member from the group (the dialog is the confirmation).
    const cara = messageWithText(page, "cara one");
    await messageAction(cara, "action-ban");
    await dialog(page).waitFor({ state: "visible" });
    await expectText(dialog(page).locator("h3"), "Ban Cara Member from this conversation?");
    await dialog(page).locator("[part=moderate-submit]").click();
    await expectText(toast(page), "Cara Member is banned from this conversation");
    const conv = await s.api.get<{ conversation: Conversation }>(`/conversations/${group}`, { app, token: users.owen.accessToken });
    assert.ok(!conv.body.conversation.members.some((m) => m.userId === users.cara.user.id), "Cara left the group");
    assert.deepEqual(errors, []);
    await context.close();

    // The muted member's widget: the send fails for good, saying until when.
    const ben = await openGroup("ben");
    const input = ben.page.locator("[part=composer-input]");
    await input.fill("am I muted?");
    await input.press("Enter");
    const failed = messageWithText(ben.page, "am I muted?").and(ben.page.locator("[data-status=failed]"));
    await failed.waitFor({ timeout: 15_000 });
    // (The reason comes with its chunk, a moment after the failure: "Not sent" until then.)
    await expectText(failed.locator("[part=failed]"), /^Not sent: you are muted here until \S.* Retry/);
    assert.ok(!(await history(users.owen)).some((m) => m.text === "am I muted?"));
    assert.deepEqual(ben.errors, []);
    await ben.context.close();
  });

  test("a group's owner (not an app moderator) gets Mute and Ban on a plain member's message, and Delete with undo", async () => {
    const { page, context, errors } = await openGroup("owen");
    const two = messageWithText(page, "ben two");
    await two.waitFor({ timeout: 15_000 });
    await openMessageMenu(two);
    for (const part of ["action-report", "action-delete", "action-mute", "action-ban"]) await two.locator(`[part=${part}]`).waitFor({ state: "visible" });
    // His Delete is the conversation's own (held 5 s for Undo), not the moderator's dialog.
    await two.locator("[part=action-delete]").click();
    await page.locator("[part=toast] [part=undo]").click();
    await two.waitFor({ state: "visible" });
    await expectCount(page.locator("parley-moderate"), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("slow mode: a second quick send shows the wait and is not retried by itself; a blocked word shows its reason", async () => {
    await server("PUT", `/moderation/conversations/${group}/slow-mode`, { seconds: 120 });
    const { page, context, errors } = await openGroup("ann");
    const input = page.locator("[part=composer-input]");
    await input.fill("slow one");
    await input.press("Enter");
    await messageWithText(page, "slow one").and(page.locator("[data-status=sent]")).waitFor({ timeout: 15_000 });
    await input.fill("slow two");
    await input.press("Enter");
    const failed = messageWithText(page, "slow two").and(page.locator("[data-status=failed]"));
    await failed.waitFor({ timeout: 15_000 });
    const why = await expectText(failed.locator("[part=failed]"), /^Slow mode: wait \d+ s Retry/);
    const wait = Number(/^Slow mode: wait (\d+) s Retry/.exec(why)?.[1]);
    assert.ok(wait > 0 && wait <= 120, why);
    const texts = (await history(users.ann)).map((m) => m.text);
    assert.ok(texts.includes("slow one") && !texts.includes("slow two"), "the second never reached the server");
    // Not retried by itself: the SDK's outbox holds no send of it (a refusal is final until Retry).
    assert.equal(
      await page.evaluate(
        `document.querySelector("parley-chat").chat.conversation(${JSON.stringify(group)}).messages.filter((m) => m.status === "pending").length`,
      ),
      0,
    );

    await server("PUT", `/moderation/conversations/${group}/slow-mode`, { seconds: 0 });
    await server("PUT", "/moderation/word-filter", { words: [{ word: "zorblax", action: "block" }] });
    await input.fill("say zorblax now");
    await input.press("Enter");
    const blocked = messageWithText(page, "say zorblax").and(page.locator("[data-status=failed]"));
    await blocked.waitFor({ timeout: 15_000 });
    await expectText(blocked.locator("[part=failed]"), /^Not sent: contains blocked words Retry/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the report dialog on a phone in the dark theme, opened by touch: axe and AA clean, 44 px targets", async () => {
    const { page, context, errors } = await openGroup("ann", PHONE, "dark");
    const two = messageWithText(page, "ben two");
    await two.waitFor({ timeout: 15_000 });
    await two.locator("[part=message-text]").tap();
    await two.locator("[part=action-more]").tap();
    await two.locator("[part=action-report]").tap();
    await dialog(page).waitFor({ state: "visible" });
    await dialog(page).getByLabel("Spam").check();
    const box = await dialog(page).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.viewport.width, `fits the screen: ${JSON.stringify(box)}`);
    for (const target of [
      dialog(page).locator("[part=moderate-reason]").first(),
      dialog(page).locator("[part=moderate-submit]"),
      dialog(page).locator("[part=moderate-cancel]"),
    ]) {
      const b = await target.boundingBox();
      assert.ok(b && b.height >= 44, `44 px target: ${JSON.stringify(b)}`);
    }
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark");
    const contrast = await contrastFailures(page);
    assert.ok(contrast.checked > 0);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark");
    await dialog(page).locator("[part=moderate-cancel]").tap();
    await expectCount(page.locator("parley-moderate"), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
