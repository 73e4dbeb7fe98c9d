/**
 * The word filter against evasion (red-team finding G5): invisible characters, look-alike letters
 * of other scripts, combining marks, compatibility forms and letter spacing must not carry a
 * blocked or masked word past it, while ordinary text in any script passes unchanged. Every case
 * goes through the real API, as a user's send (and an edit) would.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse } from "@parley/sdk/protocol";
import jwt from "jsonwebtoken";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let auth: string;
let app: string;
let key: { id: string; secret: string };
let alice: AuthResponse;
let group: string;
const n = Math.random().toString(36).slice(2, 8);

const srv = (body?: unknown) => ({ headers: { Authorization: auth }, ...(body === undefined ? {} : { body }) });
const WORDS = [
  { word: "badword", action: "block" },
  { word: "ass", action: "block" },
  { word: "corn", action: "block" },
  { word: "darn", action: "mask" },
];
const send = (text: string) => s.api.post(`/conversations/${group}/messages`, { token: alice.accessToken, body: { text } });

before(async () => {
  s = await startServer();
  ({ id: app } = await s.createTenant("Filtered"));
  key = await s.services.serverKeys.create(app);
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  assert.equal((await s.api.post("/server/users", srv({ sub: `alice-${n}`, name: "Alice" }))).status, 201);
  const tok = await s.api.post("/server/tokens", srv({ sub: `alice-${n}` }));
  alice = (await s.api.post<AuthResponse>("/auth/host-token", { app, body: { token: tok.body.hostToken } })).body;
  const conv = await s.api.post("/server/conversations", srv({ kind: "group", name: "Filtered room", users: [`alice-${n}`] }));
  assert.equal(conv.status, 201, JSON.stringify(conv.body));
  group = conv.body.conversation.id;
  const set = await s.api.put("/server/moderation/word-filter", srv({ words: WORDS }));
  assert.equal(set.status, 200, JSON.stringify(set.body));
});

after(async () => {
  await s?.close();
});

/** Each renders as (or reads plainly as) a word the app blocks. */
const BLOCKED: [string, string, string][] = [
  ["a zero-width space", "b\u200badword", "badword"],
  ["a soft hyphen", "bad\u00adword", "badword"],
  ["a word joiner", "bad\u2060word", "badword"],
  ["several invisibles in a row", "b\u200b\u200c\u200d\u2060\ufeffadword", "badword"],
  ["a variation selector", "ba\ufe0fdword", "badword"],
  ["a Cyrillic а for a Latin a", "b\u0430dword", "badword"],
  ["mixed scripts (Cyrillic а and о, Greek ο)", "b\u0430dw\u03bfrd and b\u0430dw\u043erd", "badword"],
  ["Cyrillic capitals that look Latin (В, А, О)", "\u0412\u0410DW\u041eRD", "badword"],
  ["Cyrillic ѕ (Macedonian dze) for s", "\u0430\u0455\u0455", "ass"],
  ["a combining acute", "ba\u0301dword", "badword"],
  ["a combining mark on every letter", "b\u0336a\u0336d\u0336w\u0336o\u0336r\u0336d\u0336", "badword"],
  ["stacked marks (zalgo)", "b\u0310\u0353a\u0352\u0346d\u0489word", "badword"],
  ["precomposed accents", "b\u00e1dw\u00f6rd", "badword"],
  ["full-width letters (NFKC)", "\uff42\uff41\uff44\uff57\uff4f\uff52\uff44", "badword"],
  ["mathematical bold letters", "\u{1d41b}\u{1d41a}\u{1d41d}\u{1d430}\u{1d428}\u{1d42b}\u{1d41d}", "badword"],
  ["spaces between the letters", "b a d w o r d", "badword"],
  ["dots between the letters", "b.a.d.w.o.r.d", "badword"],
  ["hyphens between the letters, in capitals", "B-A-D-W-O-R-D", "badword"],
  ["spaced look-alikes with invisibles", "b.\u0430.d.\u200bw.\u043e.r.d", "badword"],
  ["in a sentence", "you are such a b\u200badword, honestly", "badword"],
  // Red team 4: the word written backwards after a right-to-left override displays as the word.
  ["a right-to-left override (written backwards)", "\u202edrowdab", "badword"],
  ["a right-to-left override closed by a pop", "hi \u202edrowdab\u202c there", "badword"],
  ["a right-to-left override with look-alikes", "\u202edr\u043ewd\u0430b", "badword"],
  ["a right-to-left override in an isolate", "\u2067\u202essa\u202c\u2069 !", "ass"],
];

/** Each must arrive exactly as sent: no word the app filters is in it, whatever it shares with one. */
const INNOCENT: [string, string][] = [
  ["words that contain a blocked word", "I passed the class with my classmates"],
  ["French with accents", "très passé, la classe — passe-partout"],
  ["a longer word with the blocked one inside", "no badwords here, nor a badwordy thing"],
  ["the blocked word as two words", "that was a bad word"],
  ["Russian", "Привет! Как дела? Это хороший день, масса дел."],
  ["Russian letters that look Latin but spell no blocked word", "асс, сор, рос"],
  ["Greek", "Καλημέρα, τι κάνεις;"],
  ["Hindi (marks are vowels there)", "नमस्ते दोस्त, आप कैसे हैं?"],
  ["Thai", "สวัสดีครับ ขอบคุณมาก"],
  ["an m that is not rn", "write to me at someone@example.com"],
  ["initials and abbreviations", "e.g. J. R. R. Tolkien, U.S.A. and a.b.c"],
  ["spaced letters that spell another word", "C L A S S and d a r n e d"],
  ["emoji with joiners and selectors", "👩\u200d💻 coding at 10:00 ✔\ufe0f"],
  ["a masked word inside longer ones", "Darnell darned the socks"],
  ["a right-to-left override over a word that reads innocently backwards", "\u202essalc\u202c and \u202ednaw\u202c"],
  ["Hebrew and Arabic in their own direction", "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"],
];

/** The masked word `darn`, disguised: the text comes back with it as asterisks, the rest as sent. */
const MASKED: [string, string, string][] = [
  ["a zero-width space", "oh d\u200barn it", "oh **** it"],
  ["a soft hyphen", "oh dar\u00adn it", "oh **** it"],
  ["a Cyrillic а", "oh d\u0430rn it", "oh **** it"],
  ["a combining mark", "oh da\u0301rn it", "oh **** it"],
  ["a trailing combining mark", "oh darn\u0301 it", "oh **** it"],
  ["full-width letters", "oh \uff44\uff41\uff52\uff4e it", "oh **** it"],
  ["spaced letters (all of them masked)", "oh d a r n it", "oh ******* it"],
  ["twice, plain and disguised", "Darn, d\u2060arn!", "****, ****!"],
  ["a right-to-left override (written backwards)", "oh \u202enrad\u202c it", "oh \u202e****\u202c it"],
];

describe("the word filter sees through disguises", () => {
  for (const [what, text, word] of BLOCKED) {
    test(`blocks a word hidden by ${what}`, async () => {
      const res = await send(text);
      assertClientError(res, { status: 400, code: "content_blocked" });
      assert.deepEqual(res.body.error.details.words, [word]);
    });
  }

  for (const [what, text, expected] of MASKED) {
    test(`masks a word hidden by ${what}, in the text as sent`, async () => {
      const res = await send(text);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.text, expected);
    });
  }

  test("an edit is filtered the same way", async () => {
    const sent = await send("a clean start");
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const edit = (text: string) => s.api.patch(`/messages/${sent.body.id}`, { token: alice.accessToken, body: { text } });
    assertClientError(await edit("now a b\u00adadword"), { code: "content_blocked" });
    assert.equal((await edit("well d\u0430rn")).body.text, "well ****");
  });
});

describe("the word filter leaves ordinary text alone", () => {
  for (const [what, text] of INNOCENT) {
    test(`passes ${what} unchanged`, async () => {
      const res = await send(text);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.text, text);
    });
  }

  test("stays linear on hostile input (long spaced runs, piles of marks, invisibles)", async () => {
    for (const hostile of [`${"b a d w o r ".repeat(330)}x`, `b${"\u0301".repeat(3990)}`, `${"b\u200b".repeat(1990)}!`, `${"\u0430".repeat(3999)}!`]) {
      const started = Date.now();
      const res = await send(hostile);
      assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 200));
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    }
  });
});

describe("group and display names pass the filter when the app asks for it", () => {
  const me = (displayName: string) => s.api.patch("/me", { token: alice.accessToken, body: { displayName } });
  const upsert = (sub: string, name: string) => s.api.post("/server/users", srv({ sub, name }));
  /** A host token signed as the host's backend would, with the name it chose. */
  const hostSignIn = (sub: string, name: string) =>
    s.api.post<AuthResponse>("/auth/host-token", {
      app,
      body: { token: jwt.sign({ sub, name }, key.secret, { algorithm: "HS256", expiresIn: 300, keyid: key.id }) },
    });

  test("off unless the app turns it on: names are taken as given", async () => {
    assert.equal((await s.api.get("/server/moderation/word-filter", srv())).body.names, false);
    const res = await me("Darn B\u0430dword");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.displayName, "Darn B\u0430dword");
  });

  test("the option is set and read with the word list, by the host's backend and by moderators", async () => {
    const on = await s.api.put("/server/moderation/word-filter", srv({ words: WORDS, names: true }));
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal(on.body.names, true);
    assert.equal(on.body.words.length, 4);
    // Setting the words alone keeps the option as it was.
    const again = await s.api.put("/server/moderation/word-filter", srv({ words: WORDS }));
    assert.equal(again.body.names, true);
    assert.equal((await s.api.get("/server/moderation/word-filter", srv())).body.names, true);
    assertClientError(await s.api.put("/server/moderation/word-filter", srv({ words: WORDS, names: "yes" })), { status: 400, code: "validation_failed" });

    assert.equal((await s.api.put(`/server/moderators/alice-${n}`, srv({}))).status, 204);
    const tok = { token: alice.accessToken };
    assert.equal((await s.api.get("/moderation/word-filter", tok)).body.names, true);
    const off = await s.api.put("/moderation/word-filter", { ...tok, body: { words: WORDS, names: false } });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.names, false);
    assert.equal((await me("D\u200barn")).body.displayName, "D\u200barn");
    const onAgain = await s.api.put("/moderation/word-filter", { ...tok, body: { words: WORDS, names: true } });
    assert.equal(onAgain.body.names, true);
    // Names alone, with no words, is a filter that changes nothing.
    const bare = await s.api.put("/server/moderation/word-filter", srv({ words: [], names: true }));
    assert.deepEqual(bare.body, { words: [], names: true });
    assert.equal((await me("Badword Darn")).status, 200);
    assert.equal((await s.api.put("/server/moderation/word-filter", srv({ words: WORDS }))).body.names, true);
  });

  test("a user's own display name: refused with a blocked word, masked words masked, others as given", async () => {
    assertClientError(await me("The B\u0430dword"), { status: 400, code: "content_blocked" });
    assertClientError(await me("b a d w o r d"), { status: 400, code: "content_blocked" });
    assertClientError(await me("\u202eDROWDAB"), { status: 400, code: "content_blocked" });
    assert.equal((await me("Darn Fan")).body.displayName, "**** Fan");
    assert.equal((await me("Cassidy Classman")).body.displayName, "Cassidy Classman");
    const reg = (displayName: string) =>
      s.api.post("/auth/register", {
        app,
        body: { email: `r-${Math.random().toString(36).slice(2)}@example.com`, password: "correct horse battery", displayName },
      });
    assertClientError(await reg("bad\u00adword"), { status: 400, code: "content_blocked" });
    const registered = await reg("Mr D\u0430rn");
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.body.user.displayName, "Mr ****");
  });

  test("a name from the host: the server API's upsert and the host-token sign-in", async () => {
    assertClientError(await upsert(`bob-${n}`, "Bob B\u0430dword"), { status: 400, code: "content_blocked" });
    const bob = await upsert(`bob-${n}`, "Bob D\u200barn");
    assert.equal(bob.status, 201, JSON.stringify(bob.body));
    assert.equal(bob.body.user.displayName, "Bob ****");
    assertClientError(await hostSignIn(`carol-${n}`, "Carol \uff42\uff41\uff44\uff57\uff4f\uff52\uff44"), { status: 400, code: "content_blocked" });
    const carol = await hostSignIn(`carol-${n}`, "Carol Darn");
    assert.equal(carol.status, 200, JSON.stringify(carol.body));
    assert.equal(carol.body.user.displayName, "Carol ****");
    // A later sign-in with a changed name is filtered too.
    assertClientError(await hostSignIn(`carol-${n}`, "Carol b.a.d.w.o.r.d"), { status: 400, code: "content_blocked" });
    const same = await hostSignIn(`carol-${n}`, "Carol Classic");
    assert.equal(same.body.user.displayName, "Carol Classic");
  });

  test("group names: created and renamed by a member and by the host's backend", async () => {
    const mine = (name: string) => s.api.post("/conversations", { token: alice.accessToken, body: { name, memberIds: [] } });
    assertClientError(await mine("the b\u200badword room"), { status: 400, code: "content_blocked" });
    const room = await mine("Darn fine room");
    assert.equal(room.status, 201, JSON.stringify(room.body));
    assert.equal(room.body.conversation.name, "**** fine room");
    const rename = (name: string) => s.api.patch(`/conversations/${room.body.conversation.id}`, { token: alice.accessToken, body: { name } });
    assertClientError(await rename("B\u0410DWORD"), { status: 400, code: "content_blocked" });
    assert.equal((await rename("d a r n")).body.conversation.name, "*******");
    assert.equal((await rename("The class")).body.conversation.name, "The class");

    const hosted = (name: string) => s.api.post("/server/conversations", srv({ kind: "group", name, users: [`alice-${n}`] }));
    assertClientError(await hosted("ba\u0301dword club"), { status: 400, code: "content_blocked" });
    const club = await hosted("Darn club");
    assert.equal(club.status, 201, JSON.stringify(club.body));
    assert.equal(club.body.conversation.name, "**** club");
    const renamed = (name: string) => s.api.patch(`/server/conversations/${club.body.conversation.id}`, srv({ name }));
    assertClientError(await renamed("\u0430\u0455\u0455 club"), { status: 400, code: "content_blocked" });
    assert.equal((await renamed("D\u2060arn club")).body.conversation.name, "**** club");
  });
});
