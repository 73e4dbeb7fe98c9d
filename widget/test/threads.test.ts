// Threads and @mentions in the widget (issue 17): a message's thread opens from its actions ("Reply
// in thread") by keyboard and by pointer, and from the "N replies" button under a root; a reply
// shows at once in another member's open thread and in the root's count, and never in the
// conversation's timeline; opening a thread marks it read; Follow / Following is the server's
// state. Typing "@" in either composer offers the members (ARIA combobox and listbox), picked by
// keyboard or pointer; the sent message carries the mentions (the server says so) and draws them
// as chips, the reader's own stronger; the mentioned member's list shows an "@" badge and the
// launcher says "1 mention". Beside the conversation when the panel is wide, over it on a phone,
// where Back returns to the root; axe and AA contrast clean on a phone in the dark theme. The
// thread view, the mention picker and a message's actions are chunks of their own.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation, Message, Page as ListPage, ThreadPage } from "@parley/sdk/protocol";
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
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

const PASSWORD = "correct horse battery";
const CHUNKS = /\/(parley-replies|parley-mention|message-extras)-[\w-]+\.js$/;

/** The focused element inside `view` (a tag in <parley-chat>'s shadow root): its tag, part and the message it is in. */
const focusIn = (page: Page, view: string) =>
  page.evaluate<{ tag: string | null; part: string | null; id: string | null }>(`(() => {
    const el = document.querySelector("parley-chat").shadowRoot.querySelector(${JSON.stringify(view)})?.shadowRoot?.activeElement;
    return { tag: el?.localName ?? null, part: el?.getAttribute("part") ?? null, id: el?.closest("li[data-id]")?.dataset.id ?? null };
  })()`);

/** The message box of `view` and what the mention picker set on it. */
const combobox = (page: Page, view: string) =>
  page.evaluate<{
    role: string | null;
    expanded: string | null;
    active: string | null;
    controls: string | null;
    value: string;
    options: string[];
    selected: string | null;
  }>(`(() => {
    const root = document.querySelector("parley-chat").shadowRoot.querySelector(${JSON.stringify(view)}).shadowRoot;
    const ta = root.querySelector("textarea");
    const options = [...root.querySelectorAll("[role=option]")];
    return {
      role: ta.getAttribute("role"),
      expanded: ta.getAttribute("aria-expanded"),
      active: ta.getAttribute("aria-activedescendant"),
      controls: ta.getAttribute("aria-controls"),
      value: ta.value,
      options: options.map((o) => o.textContent.trim()),
      selected: options.find((o) => o.getAttribute("aria-selected") === "true")?.id ?? null,
    };
  })()`);

describe("threads and mentions in the widget", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben" | "cat", AuthResponse> = {} as never;
  const email = (who: string): string => `${who}.threads@example.com`;
  const roots: Record<string, Message> = {};

  const tok = (who: keyof typeof users) => ({ app, token: users[who].accessToken });
  const history = async (who: keyof typeof users): Promise<Message[]> => {
    const res = await s.api.get<ListPage<Message>>(`/conversations/${group}/messages?limit=100`, tok(who));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };
  const thread = async (who: keyof typeof users, rootId: string): Promise<ThreadPage> => {
    const res = await s.api.get<ThreadPage>(`/messages/${rootId}/thread?limit=100`, tok(who));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const conversation = async (who: keyof typeof users): Promise<Conversation> =>
    (await s.api.get<{ conversation: Conversation }>(`/conversations/${group}`, tok(who))).body.conversation;
  const post = async (who: keyof typeof users, text: string, extra: Record<string, unknown> = {}): Promise<Message> => {
    const res = await s.api.post<Message>(`/conversations/${group}/messages`, { ...tok(who), body: { text, ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Threads widget", [site.origin])).id;
    for (const [who, name] of [
      ["ann", "Ann Thread"],
      ["ben", "Ben Thread"],
      ["cat", "Cat Thread"],
    ] as const) {
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    }
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      ...tok("ann"),
      body: { name: "Club", memberIds: [users.ben.user.id, users.cat.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    roots.one = await post("ben", "root one: when do we meet?");
    roots.two = await post("cat", "root two: bring snacks");
    roots.three = await post("ann", "root three: the venue");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** A signed-in widget with the group open; `chunks` collects the lazy chunks it fetched. */
  async function openGroup(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE = DESKTOP, theme?: "dark") {
    const url = site.page(
      `/${who}-${theme ?? "light"}-${device.viewport.width}`,
      withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, ...(theme ? { theme } : {}) })),
    );
    const tab = await openDevicePage(browser, url, device, theme ? { colorScheme: theme } : {});
    const chunks: string[] = [];
    tab.page.on("request", (r) => {
      const m = CHUNKS.exec(new URL(r.url()).pathname);
      if (m) chunks.push(m[1]!);
    });
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    return { ...tab, chunks };
  }

  test("a thread opens from the actions by keyboard and by pointer; a reply is live in another member's thread and count, never in the timeline", async () => {
    const ann = await openGroup("ann");
    const ben = await openGroup("ben");
    assert.deepEqual(
      ann.chunks.filter((c) => c !== "message-extras"),
      [],
      "no thread or picker chunk before they are needed (the actions' comes with the first hover)",
    );

    // Ben, by pointer: hover the root, "Reply in thread".
    const benRoot = messageWithText(ben.page, "root one");
    await benRoot.waitFor({ timeout: 15_000 });
    await benRoot.hover();
    await benRoot.locator("[part=action-more]").click();
    await benRoot.locator("[part=action-thread]").click();
    const benReplies = ben.page.locator("parley-replies");
    await expectText(benReplies.locator("[part=empty]"), "No replies yet");
    await expectText(benReplies.locator("[part=thread-root]"), /root one: when do we meet\?/);
    await expectText(benReplies.locator("[part=follow]"), (await thread("ben", roots.one!.id)).following ? "Following" : "Follow");
    assert.deepEqual(await focusIn(ben.page, "parley-replies"), { tag: "textarea", part: "composer-input", id: null }, "the reply box has the focus");

    // Ann, by keyboard: the message, Enter opens its actions, Tab to More, Enter, "Reply in thread", Enter.
    const annRoot = messageWithText(ann.page, "root one");
    await annRoot.waitFor({ timeout: 15_000 });
    await annRoot.focus();
    await ann.page.keyboard.press("Enter");
    await eventually(() => focusIn(ann.page, "parley-thread"), { check: (f) => f.part === "action-react", message: "the actions have the focus" });
    // Tab to the toolbar's More (⋯); Enter opens its menu, on "Reply in thread".
    for (let i = 0; i < 6 && (await focusIn(ann.page, "parley-thread")).part !== "action-more"; i++) await ann.page.keyboard.press("Tab");
    assert.equal((await focusIn(ann.page, "parley-thread")).part, "action-more");
    await ann.page.keyboard.press("Enter");
    await eventually(() => focusIn(ann.page, "parley-thread"), { check: (f) => f.part === "action-thread", message: "the menu's first item" });
    await ann.page.keyboard.press("Enter");
    const annReplies = ann.page.locator("parley-replies");
    await expectText(annReplies.locator("[part=empty]"), "No replies yet");
    await eventually(() => focusIn(ann.page, "parley-replies"), { check: (f) => f.part === "composer-input", message: "the reply box has the focus" });
    assert.deepEqual([...new Set(ann.chunks)].sort(), ["message-extras", "parley-replies"], "the actions' and the thread's chunks, when first needed");

    // On a 370 px panel the thread is stacked over the conversation.
    assert.ok(await annReplies.isVisible());
    assert.ok(!(await ann.page.locator("parley-thread").isVisible()), "the conversation is hidden behind the thread");

    await ann.page.keyboard.type("first reply from Ann");
    await ann.page.keyboard.press("Enter");
    await annReplies.locator("[part=reply][data-status=sent]", { hasText: "first reply from Ann" }).waitFor({ timeout: 15_000 });

    // The server has it in the thread, not in the timeline.
    const page = await thread("ben", roots.one!.id);
    assert.deepEqual(
      page.items.map((m) => [m.text, m.threadId]),
      [["first reply from Ann", roots.one!.id]],
    );
    assert.ok(!(await history("ben")).some((m) => m.text === "first reply from Ann"), "not in the timeline");
    assert.equal((await history("ben")).find((m) => m.id === roots.one!.id)?.thread?.replyCount, 1);

    // Live in Ben's open thread, and the root's count in his conversation; never in his timeline.
    await benReplies.locator("[part=reply]", { hasText: "first reply from Ann" }).waitFor({ timeout: 15_000 });
    await expectText(benReplies.locator("[part=thread-count]"), "1 reply");
    await expectText(ben.page.locator(`parley-thread [part=message][data-id="${roots.one!.id}"] [part=thread-summary]`), /^1 reply /);
    await expectCount(messageWithText(ben.page, "first reply from Ann"), 0);
    await expectCount(messageWithText(ann.page, "first reply from Ann"), 0);

    // Ben answers from his thread; Ann's open thread shows it, and has read it.
    await benReplies.locator("[part=composer-input]").fill("Ben says Friday");
    await benReplies.locator("[part=send]").click();
    await annReplies.locator("[part=reply]", { hasText: "Ben says Friday" }).waitFor({ timeout: 15_000 });
    await expectText(ann.page.locator(`parley-thread [part=message][data-id="${roots.one!.id}"] [part=thread-summary]`), /^2 replies /);
    await eventually(() => thread("ann", roots.one!.id), { check: (t) => t.unreadCount === 0, message: "Ann's open thread is read" });

    // Close (the thread's back button): the conversation is back with the root focused.
    await annReplies.locator("[part=thread-close]").click();
    await expectCount(ann.page.locator("parley-replies"), 0);
    await eventually(() => focusIn(ann.page, "parley-thread"), { check: (f) => f.id === roots.one!.id, message: "the root has the focus" });
    assert.ok(await ann.page.locator("parley-thread").isVisible());

    // A reply while Ann's thread is closed is unread there; opening it (the "2 replies"... now 3
    // replies button, by pointer) marks it read.
    await post("cat", "Cat agrees", { threadId: roots.one!.id });
    const summary = ann.page.locator(`parley-thread [part=message][data-id="${roots.one!.id}"] [part=thread-summary]`);
    await expectText(summary, /^3 replies /);
    assert.equal((await thread("ann", roots.one!.id)).unreadCount, 1);
    await summary.click();
    await annReplies.locator("[part=reply]", { hasText: "Cat agrees" }).waitFor({ timeout: 15_000 });
    await eventually(() => thread("ann", roots.one!.id), { check: (t) => t.unreadCount === 0, message: "opening it marked it read" });
    // Escape closes it too.
    await ann.page.keyboard.press("Escape");
    await expectCount(ann.page.locator("parley-replies"), 0);
    assert.ok(await ann.page.locator("[part=panel]").isVisible(), "the panel is still open");

    assert.deepEqual(ann.errors, []);
    assert.deepEqual(ben.errors, []);
    await ann.context.close();
    await ben.context.close();
  });

  test("a thread that cannot be loaded says so and Retry loads it; Follow / Following is the server's state, both ways", async () => {
    const cat = await openGroup("cat");
    const root = messageWithText(cat.page, "root three");
    await root.waitFor({ timeout: 15_000 });
    // The thread's request fails (the network): loading, then the failure with Retry.
    const threadUrl = /\/v1\/messages\/\d+\/thread\?/;
    await cat.page.route(threadUrl, (r) => r.abort());
    await root.hover();
    await root.locator("[part=action-more]").click();
    await root.locator("[part=action-thread]").click();
    const status = cat.page.locator("parley-replies [part=thread-status]");
    await expectText(status, /^Something went wrong\. Please try again\. Retry$/);
    assert.equal(await status.getAttribute("role"), "alert");
    await cat.page.unroute(threadUrl);
    await status.locator("button").click();
    await expectText(cat.page.locator("parley-replies [part=empty]"), "No replies yet");
    await expectCount(status, 0);
    const follow = cat.page.locator("parley-replies [part=follow]");
    await expectText(follow, "Follow");
    assert.equal((await thread("cat", roots.three!.id)).following, false);
    await follow.click();
    await expectText(follow, "Following");
    assert.equal((await thread("cat", roots.three!.id)).following, true);
    await follow.click();
    await expectText(follow, "Follow");
    assert.equal((await thread("cat", roots.three!.id)).following, false);
    // Changed elsewhere (another device): the view follows the server.
    assert.equal((await s.api.put(`/messages/${roots.three!.id}/thread/follow`, tok("cat"))).status, 200);
    await expectText(follow, "Following");
    assert.deepEqual(cat.errors, []);
    await cat.context.close();
  });

  test("the mention picker by keyboard and pointer in both composers: the server has the mentions, the text shows chips, the mentioned member sees a badge", async () => {
    const ann = await openGroup("ann");
    const input = ann.page.locator("parley-thread [part=composer-input]");
    await input.click();
    await ann.page.keyboard.type("Hi @");
    // The picker's chunk comes with the first "@": then the box is a combobox with its list open.
    await eventually(() => combobox(ann.page, "parley-thread"), {
      check: (c) => c.expanded === "true" && c.options.length === 2,
      message: "the members are offered",
    });
    let c = await combobox(ann.page, "parley-thread");
    assert.equal(c.role, "combobox");
    assert.equal(c.controls, "mention-list");
    assert.deepEqual(c.options, ["Ben Thread", "Cat Thread"], "the members but me");
    assert.equal(c.active, c.selected);
    assert.equal(c.active, "mention-0");
    await ann.page.keyboard.press("ArrowDown");
    c = await combobox(ann.page, "parley-thread");
    assert.equal(c.active, "mention-1");
    assert.equal(c.selected, "mention-1");
    await ann.page.keyboard.press("Enter");
    c = await combobox(ann.page, "parley-thread");
    assert.equal(c.value, "Hi @Cat Thread ", "Enter picked Cat and did not send");
    assert.equal(c.expanded, "false");
    assert.equal(c.active, null);

    // Filtering by what follows "@"; Escape closes the list, and typing on does not reopen it.
    await ann.page.keyboard.type("and @b");
    await eventually(() => combobox(ann.page, "parley-thread"), { check: (x) => x.options.join() === "Ben Thread" });
    await ann.page.keyboard.press("Escape");
    c = await combobox(ann.page, "parley-thread");
    assert.equal(c.expanded, "false");
    assert.ok(await ann.page.locator("[part=panel]").isVisible(), "Escape closed the list, not the panel");
    await ann.page.keyboard.press("Backspace");
    await ann.page.keyboard.press("Backspace");
    // Pointer: "@" again, then a click on Ben.
    await ann.page.keyboard.type("@");
    await eventually(() => combobox(ann.page, "parley-thread"), { check: (x) => x.options.length === 2 });
    await ann.page.locator("parley-thread [part=mention-option]", { hasText: "Ben Thread" }).click();
    c = await combobox(ann.page, "parley-thread");
    assert.equal(c.value, "Hi @Cat Thread and @Ben Thread ");
    await ann.page.keyboard.type("see you <b>there</b>");
    await ann.page.keyboard.press("Enter");
    const text = "Hi @Cat Thread and @Ben Thread see you <b>there</b>";
    const sent = messageWithText(ann.page, "see you").and(ann.page.locator("[data-status=sent]"));
    await sent.waitFor({ timeout: 15_000 });

    // The server stored the mentions; the message draws them as chips (text only).
    const stored = (await history("ben")).find((m) => m.text === text);
    assert.ok(stored, "stored with its text as typed");
    assert.deepEqual([...(stored.mentions ?? [])].sort(), [users.ben.user.id, users.cat.user.id].sort());
    await expectCount(sent.locator("[part=mention]"), 2);
    assert.deepEqual(await sent.locator("[part=mention]").allTextContents(), ["@Cat Thread", "@Ben Thread"]);
    await expectCount(sent.locator("b"), 0);

    // A mention of someone no longer named is not sent: picked, then deleted from the text.
    await input.click();
    await ann.page.keyboard.type("@ca");
    await eventually(() => combobox(ann.page, "parley-thread"), { check: (x) => x.options.join() === "Cat Thread" });
    await ann.page.keyboard.press("Tab");
    await input.fill("never mind");
    await ann.page.keyboard.press("Enter");
    await messageWithText(ann.page, "never mind").and(ann.page.locator("[data-status=sent]")).waitFor({ timeout: 15_000 });
    assert.equal((await history("ann")).find((m) => m.text === "never mind")?.mentions, undefined);

    // In a thread's composer too.
    const root = messageWithText(ann.page, "root two");
    await root.hover();
    await root.locator("[part=action-more]").click();
    await root.locator("[part=action-thread]").click();
    const replies = ann.page.locator("parley-replies");
    await replies.locator("[part=composer-input]").click();
    await ann.page.keyboard.type("ok @be");
    await eventually(() => combobox(ann.page, "parley-replies"), { check: (x) => x.expanded === "true" && x.options.join() === "Ben Thread" });
    await ann.page.keyboard.press("Enter");
    await ann.page.keyboard.type("thanks");
    await ann.page.keyboard.press("Enter");
    const reply = replies.locator("[part=reply][data-status=sent]", { hasText: "thanks" });
    await reply.waitFor({ timeout: 15_000 });
    await expectText(reply.locator("[part=mention]"), "@Ben Thread");
    const inThread = (await thread("ann", roots.two!.id)).items.find((m) => m.text === "ok @Ben Thread thanks");
    assert.deepEqual(inThread?.mentions, [users.ben.user.id]);
    assert.deepEqual(ann.errors, []);
    await ann.context.close();

    // Cat was mentioned once: her list has the "@" badge, the launcher says so; her own chip is stronger.
    const url = site.page("/cat-list", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    const tab = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(tab.page, { email: email("cat"), password: PASSWORD });
    assert.equal((await conversation("cat")).mentionCount, 1);
    const row = tab.page.locator(`[part=conversation][data-id="${group}"]`);
    await expectText(row.locator("[part=mention-count] [aria-hidden=true]"), "@1");
    await expectText(row.locator("[part=mention-count] .sr-only"), "1 mention");
    assert.match((await tab.page.locator("[part=launcher]").getAttribute("aria-label")) ?? "", /, 1 mention$/);
    await expectText(tab.page.locator("[part=launcher] [part=badge]"), /^@\d*$/);
    await row.click();
    const mine = messageWithText(tab.page, "see you").locator("[part=mention].me");
    await expectText(mine, "@Cat Thread");
    const style = await mine.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).fontWeight]);
    const other = await messageWithText(tab.page, "see you")
      .locator("[part=mention]:not(.me)")
      .evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).fontWeight]);
    assert.notDeepEqual(style, other, "the reader's own mention looks different");
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test("beside the conversation when the panel is wide", async () => {
    const html = hostPageHtml({ parleyUrl: s.url, appId: app })
      .replace("data-app-id", 'data-mode="inline" data-app-id')
      .replace("</style>", "parley-chat{display:block;width:960px;height:640px}</style>");
    const tab = await openDevicePage(browser, site.page("/wide", html), DESKTOP, { waitForLauncher: false });
    await tab.page.locator("[part=panel]").waitFor({ state: "visible", timeout: 15_000 });
    await loginViaForm(tab.page, { email: email("ben"), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click();
    const summary = tab.page.locator(`parley-thread [part=message][data-id="${roots.one!.id}"] [part=thread-summary]`);
    await summary.click();
    const replies = tab.page.locator("parley-replies");
    await replies.locator("[part=reply]", { hasText: "Cat agrees" }).waitFor({ timeout: 15_000 });
    const [conv, side] = [await tab.page.locator("parley-thread").boundingBox(), await replies.boundingBox()];
    assert.ok(conv && side && (await tab.page.locator("parley-thread").isVisible()), "both shown");
    assert.ok(side.x >= conv.x + conv.width - 1 && Math.abs(side.y - conv.y) < 2, `side by side: ${JSON.stringify({ conv, side })}`);
    assert.deepEqual(await axeSerious(tab.page), [], "axe, wide");
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test("on a phone in the dark theme: the thread over the conversation, Back to the root; axe and AA clean, the picker too", async () => {
    const { page, context, errors } = await openGroup("cat", PHONE, "dark");
    const summary = page.locator(`parley-thread [part=message][data-id="${roots.one!.id}"] [part=thread-summary]`);
    await summary.tap();
    const replies = page.locator("parley-replies");
    await replies.locator("[part=reply]", { hasText: "Cat agrees" }).waitFor({ timeout: 15_000 });
    const box = await replies.boundingBox();
    assert.ok(
      box && box.x >= 0 && box.x + box.width <= PHONE.viewport.width + 1 && box.width >= PHONE.viewport.width - 2,
      `the whole width: ${JSON.stringify(box)}`,
    );
    assert.ok(!(await page.locator("parley-thread").isVisible()));
    for (const part of ["thread-close", "follow", "send"]) {
      const b = await replies.locator(`[part=${part}]`).boundingBox();
      assert.ok(b && b.height >= 44, `44 px target ${part}: ${JSON.stringify(b)}`);
    }
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark, thread");
    let contrast = await contrastFailures(page);
    assert.ok(contrast.checked > 0);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark, thread");

    // The picker open over the reply box.
    await replies.locator("[part=composer-input]").tap();
    await page.keyboard.type("@");
    await replies.locator("[part=mention-option]").first().waitFor();
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark, picker");
    contrast = await contrastFailures(page);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark, picker");
    await replies.locator("[part=mention-option]", { hasText: "Ann Thread" }).tap();
    assert.equal((await combobox(page, "parley-replies")).value, "@Ann Thread ");

    // Back (the thread's own button, or the header's): the conversation, its root focused.
    await replies.locator("[part=thread-close]").tap();
    await expectCount(page.locator("parley-replies"), 0);
    await eventually(() => focusIn(page, "parley-thread"), { check: (f) => f.id === roots.one!.id, message: "the root has the focus" });
    // The conversation's chips and badges in the dark theme.
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark, conversation");
    contrast = await contrastFailures(page);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark, conversation");
    assert.deepEqual(errors, []);
    await context.close();
  });
});
