// Message search in the widget (issue 17, acceptance 1): the header's search button (and "Search
// messages for …" under the list's filter box) opens <parley-search>, a chunk of its own fetched
// only then. Typing a word lists the matching messages of every conversation of the visitor's,
// newest first, the word marked, and never a message of a conversation they are not in; a
// result far up a long history opens its conversation with that message loaded, in view,
// focused and highlighted. By keyboard alone too. Inside a conversation the search is scoped to
// it. The empty state, CJK text, "Load more", an answer that arrives late (it loses to the newer
// query's), and axe + AA contrast on a phone in the dark theme.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
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
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

/** Messages in the long DM after the one far up. */
const FILLER = 300;
const CHUNK = /\/parley-search-[\w-]+\.js$/;

/** The thread's focused message (id, in view?, highlighted?) and how many messages are loaded. */
const THREAD = `(() => {
  const chat = document.querySelector("parley-chat");
  const root = chat.shadowRoot.querySelector("parley-thread")?.shadowRoot;
  const f = root?.activeElement;
  const list = root?.querySelector("[part=messages]")?.getBoundingClientRect();
  const r = f && f.getBoundingClientRect();
  return {
    activeId: chat.activeId,
    focusedId: f ? f.getAttribute("data-id") : null,
    inView: !!r && !!list && r.top >= list.top && r.bottom <= list.bottom,
    flash: !!f && f.classList.contains("flash"),
    loaded: chat.chat.conversation(chat.activeId).messages.length,
  };
})()`;
interface ThreadState {
  activeId: string;
  focusedId: string | null;
  inView: boolean;
  flash: boolean;
  loaded: number;
}

/** What the search view shows: each result's title, snippet and marked words, in order. */
const RESULTS = `[...document.querySelector("parley-chat").shadowRoot.querySelector("parley-search").shadowRoot.querySelectorAll("[part=result]")].map((b) => ({
  id: b.dataset.id,
  name: b.querySelector(".name").textContent.trim(),
  snippet: b.querySelector(".snippet").textContent.trim(),
  marks: [...b.querySelectorAll("mark")].map((m) => m.textContent),
}))`;
interface Result {
  id: string;
  name: string;
  snippet: string;
  marks: string[];
}

/** The part (or tag) of the element focused inside the search view or the thread. */
const FOCUSED = `(() => {
  const chat = document.querySelector("parley-chat").shadowRoot;
  const view = chat.querySelector("parley-search, parley-thread");
  const f = view?.shadowRoot?.activeElement;
  return f ? { view: view.localName, part: f.getAttribute("part") ?? f.localName, id: f.getAttribute("data-id") } : null;
})()`;
interface Focused {
  view: string;
  part: string;
  id: string | null;
}

describe("message search in the widget", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let url = "";
  let darkUrl = "";
  let ann: AuthResponse, ben: AuthResponse, cat: AuthResponse, dan: AuthResponse;
  let dm = "";
  const id: Record<string, string> = {};
  const pw = "correct horse battery";
  const annLogin = { email: "ann.search@example.com", password: pw };
  // Oldest first, as they are sent.
  const FAR = "the zephyr timetable, from long ago";
  const CLUB = "zephyr is the book for next month";
  const THEIRS = "zephyr secrets between Ben and Dan";
  const NEWEST = "a zephyr again, the newest of them";
  const CJK = "明天我们去东京看樱花";
  const HOSTILE = `<img src=x onerror="window.__pwned=1"> quokka <b>bold</b>`;

  before(async () => {
    s = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: "1000000", RATE_LIMIT_MESSAGES_PER_APP: "1000000" });
    site = await startHostSite();
    const app = (await s.createTenant("Search", [site.origin])).id;
    url = site.page("/search", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    darkUrl = site.page("/search-dark", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Search" });
    ben = await s.api.register(app, { email: "ben.search@example.com", password: pw, displayName: "Ben Search" });
    cat = await s.api.register(app, { email: "cat.search@example.com", password: pw, displayName: "Cat Search" });
    dan = await s.api.register(app, { email: "dan.search@example.com", password: pw, displayName: "Dan Search" });
    const direct = async (a: AuthResponse, b: AuthResponse): Promise<string> =>
      (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } })).body.conversation.id;
    const group = async (owner: AuthResponse, name: string, joiner: AuthResponse): Promise<string> => {
      const r = await s.api.post<{ conversation: Conversation }>("/conversations", { token: owner.accessToken, body: { name, memberIds: [], isPublic: true } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal((await s.api.post(`/conversations/${r.body.conversation.id}/join`, { token: joiner.accessToken })).status, 200);
      return r.body.conversation.id;
    };
    const post = async (who: AuthResponse, conversation: string, text: string): Promise<string> => {
      const r = await s.api.post<{ id: string }>(`/conversations/${conversation}/messages`, { token: who.accessToken, body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };
    dm = await direct(ann, ben);
    const club = await group(ann, "Book club", cat);
    const theirs = await group(ben, "Ben and Dan", dan);
    const cjk = await direct(ann, cat);
    id["far"] = await post(ben, dm, FAR);
    // In order, a few at a time (ids follow arrival order).
    for (let i = 0; i < FILLER; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => post(j % 2 ? ann : ben, dm, `filler ${i + j}`)));
    id["club"] = await post(cat, club, CLUB);
    id["theirs"] = await post(dan, theirs, THEIRS);
    id["cjk"] = await post(cat, cjk, CJK);
    id["hostile"] = await post(cat, cjk, HOSTILE);
    id["newest"] = await post(ann, dm, NEWEST);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const results = (page: Page) => page.evaluate<Result[]>(RESULTS);
  const focused = (page: Page) => page.evaluate<Focused | null>(FOCUSED);
  const thread = (page: Page) => page.evaluate<ThreadState>(THREAD);
  /** Waits until the results are those of `ids`, in that order. */
  const expectResults = (page: Page, ids: string[], message: string) =>
    eventually(() => results(page), { check: (r) => r.map((x) => x.id).join() === ids.join(), message });
  const searchBox = (page: Page) => page.locator("parley-search [part=search-input]");
  /** Signs Ann in and waits for the list to take the focus, so that it cannot take back a focus the test moves. */
  const signIn = async (page: Page) => {
    await loginViaForm(page, annLogin);
    await page.waitForFunction(() => document.querySelector("parley-chat")?.shadowRoot?.activeElement?.localName === "parley-list");
  };

  test("typing a word lists the visitor's matches in every conversation, newest first, the word marked, never another's; the chunk comes only then; a result far up opens at the message", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    const fetched: string[] = [];
    page.on("request", (r) => CHUNK.test(new URL(r.url()).pathname) && fetched.push(r.url()));
    await signIn(page);
    assert.deepEqual(fetched, [], "the search chunk is not fetched by opening the chat");

    await page.locator("[part=search]").click();
    await searchBox(page).waitFor();
    assert.equal(fetched.length, 1, "fetched once search opens");
    await expectText(page.locator("[part=title]"), "Search messages");
    await eventually(() => focused(page), { check: (f) => f?.part === "search-input", message: "the search box takes the focus" });

    await searchBox(page).fill("zephyr");
    const found = await expectResults(page, [id["newest"]!, id["club"]!, id["far"]!], "newest first, across conversations");
    assert.deepEqual(
      found.map((r) => [r.name, r.snippet]),
      [
        ["Ben Search", `You: ${NEWEST}`],
        ["Book club", `Cat Search: ${CLUB}`],
        ["Ben Search", `Ben Search: ${FAR}`],
      ],
      "the conversation's title (a 1:1: the other member), the sender and the snippet",
    );
    for (const r of found) assert.deepEqual(r.marks, ["zephyr"], `the word is marked in ${r.snippet}`);
    const text = await page.locator("parley-search").textContent();
    assert.ok(!text?.includes("secrets between Ben and Dan"), "never a message of a conversation Ann is not in");

    // The oldest match is far above what the conversation would load at first.
    await page.locator(`[part=result][data-id="${id["far"]}"]`).click();
    const st = await eventually(() => thread(page), {
      check: (v) => v.focusedId === id["far"],
      timeout: 60_000,
      interval: 50,
      message: "the message far up is focused",
    });
    assert.equal(st.activeId, dm);
    assert.ok(st.loaded >= FILLER + 2, `${st.loaded} messages loaded`);
    assert.ok(st.inView, "it is in view");
    assert.ok(st.flash, "it is highlighted");
    await expectText(page.locator("[part=title]"), "Ben Search");
    assert.equal(fetched.length, 1, "the chunk is fetched once");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("keyboard only: the search button, type, arrow down to a result, Enter opens the conversation at it", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await signIn(page);
    await page.locator("[part=search]").focus();
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f?.part === "search-input", message: "Enter on the button focuses the search box" });
    await page.keyboard.type("zephyr");
    await expectResults(page, [id["newest"]!, id["club"]!, id["far"]!], "results");
    await page.keyboard.press("ArrowDown");
    assert.deepEqual(await focused(page), { view: "parley-search", part: "result", id: id["newest"] });
    await page.keyboard.press("ArrowDown");
    assert.deepEqual(await focused(page), { view: "parley-search", part: "result", id: id["club"] });
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    const st = await eventually(() => thread(page), { check: (v) => v.focusedId === id["club"], message: "the club's message is focused" });
    assert.ok(st.inView && st.flash);
    await expectText(page.locator("[part=title]"), "Book club");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("inside a conversation the search covers that conversation only; Escape returns to it", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await signIn(page);
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    await page.locator("[part=composer-input]").waitFor();
    await page.locator("[part=search]").click();
    await expectText(page.locator("[part=title]"), "Ben Search");
    await searchBox(page).fill("zephyr");
    const found = await expectResults(page, [id["newest"]!, id["far"]!], "only the conversation's matches");
    // The conversation goes without saying: each result names its sender.
    assert.deepEqual(
      found.map((r) => [r.name, r.snippet]),
      [
        ["You", NEWEST],
        ["Ben Search", FAR],
      ],
    );
    await page.keyboard.press("Escape");
    await page.locator("[part=composer-input]").waitFor();
    assert.equal((await thread(page)).activeId, dm);
    assert.ok(await page.locator("[part=panel]").isVisible(), "Escape left the panel open");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the list's filter box offers to search messages for its text; CJK text is found; markup stays text; no match says so", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await signIn(page);
    await page.locator("[part=filter]").fill("东京");
    const offer = page.locator("[part=search-messages]");
    await expectText(offer, "Search messages for “东京”");
    await offer.click();
    const [hit] = await expectResults(page, [id["cjk"]!], "the CJK message");
    assert.deepEqual(hit!.marks, ["东京"]);
    assert.equal(hit!.name, "Cat Search");
    assert.equal(await searchBox(page).inputValue(), "东京");

    // Markup in a message is text in its snippet, never HTML.
    await searchBox(page).fill("quokka");
    const [markup] = await expectResults(page, [id["hostile"]!], "the message with markup");
    assert.ok(markup!.snippet.includes("<img src=x"), markup!.snippet);
    assert.deepEqual(markup!.marks, ["quokka"]);
    assert.equal(await page.locator("parley-search img, parley-search b").count(), 0);
    assert.equal(await page.evaluate("window.__pwned"), undefined);

    await searchBox(page).fill("quixotically");
    await expectText(page.locator("parley-search [part=empty]"), "No messages match");
    await expectCount(page.locator("parley-search [part=result]"), 0);
    await page.locator("[part=back]").click();
    await page.locator("[part=filter]").waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a late answer to an older query never replaces the newer query's results; Load more appends the next page", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await signIn(page);
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/v1\/search\?q=filler/, async (route) => {
      const res = await route.fetch();
      await held;
      await route.fulfill({ response: res });
    });
    await page.locator("[part=search]").click();
    const asked = page.waitForRequest(/\/v1\/search\?q=filler/);
    await searchBox(page).fill("filler");
    await asked;
    await searchBox(page).fill("zephyr");
    await expectResults(page, [id["newest"]!, id["club"]!, id["far"]!], "the newer query's results");
    const answered = page.waitForResponse(/\/v1\/search\?q=filler/);
    release();
    await (await answered).finished();
    // Give the page the turns it needs to take in the late answer, then look again.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(
      (await results(page)).map((r) => r.id),
      [id["newest"], id["club"], id["far"]],
      "still the newer query's",
    );
    await page.unroute(/\/v1\/search\?q=filler/);

    // 300 matches: 20 a page.
    await searchBox(page).fill("filler");
    await expectCount(page.locator("parley-search [part=result]"), 20, 15_000);
    await page.locator("parley-search [part=load-more]").click();
    await expectCount(page.locator("parley-search [part=result]"), 40, 15_000);
    const all = await results(page);
    assert.equal(new Set(all.map((r) => r.id)).size, 40, "no repeats");
    assert.deepEqual(
      all.map((r) => r.id),
      [...all.map((r) => r.id)].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1)),
      "newest first across pages",
    );
    await eventually(() => focused(page), { check: (f) => f?.id === all[20]!.id, message: "focus moves to the first new result" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("phone, dark theme: axe finds nothing serious and every text meets AA, marks included", async () => {
    const { page, context, errors } = await openDevicePage(browser, darkUrl, PHONE, { colorScheme: "dark" });
    await signIn(page);
    await page.locator("[part=search]").click();
    await searchBox(page).fill("zephyr");
    await expectResults(page, [id["newest"]!, id["club"]!, id["far"]!], "results");
    const box = await searchBox(page).boundingBox();
    assert.ok(box && box.height >= 44, "the search box is a 44 px target");
    assert.equal(await searchBox(page).evaluate((el) => getComputedStyle(el).fontSize), "16px", "16 px: no zoom on focus (iOS)");
    for (const b of await page.locator("parley-search [part=result]").all()) assert.ok(((await b.boundingBox())?.height ?? 0) >= 44);
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark");
    const contrast = await contrastFailures(page);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark");
    assert.ok(contrast.checked > 5);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
