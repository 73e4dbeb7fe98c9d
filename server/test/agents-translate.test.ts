/**
 * Translation and summaries (issue 54), over real HTTP with the scripted model server
 * (helpers/model-server.ts): off by default (409 translate_off / summarize_off, no `Me.ai`); once
 * the app names an agent, a member's translation is the model's answer through the word filter,
 * kept (the model server counts one request) per message, language and text; a summary is of the
 * caller's unread messages only (the request the model received is read); a model that fails is a
 * clear 503 and nothing is kept; the agents' limits apply; an account's deletion removes the texts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Agent, AgentSettings, AuthResponse, ConversationSummary, Me, Message, MessageTranslation } from "@parley/sdk/protocol";
import { errorCode, type ReqOptions, type Res } from "./helpers/api.js";
import { consoleAccount } from "./helpers/console.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { ModelServer } from "./helpers/model-server.js";

interface Key {
  id: string;
  secret: string;
}

let s: TestServer;
const models = new ModelServer();
let n = 0;

const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;
function srv<T = any>(key: Key, method: string, path: string, o: ReqOptions = {}): Promise<Res<T>> {
  return s.api.req<T>(method, `/server${path}`, { ...o, headers: { Authorization: basic(key), ...o.headers } });
}
async function freshApp(): Promise<{ app: string; key: Key }> {
  const app = (await s.createTenant(`Translate ${++n}`)).id;
  return { app, key: await s.services.serverKeys.create(app) };
}
/** An agent whose model is scripted as `model`, named to translate and summarize for the app. */
async function helperOf(key: Key, model: string, script: Parameters<typeof models.scripts.set>[1]): Promise<Agent> {
  models.scripts.set(model, script);
  const res = await srv<Agent>(key, "POST", "/agents", { body: { sub: `agent-${++n}`, name: `Helper ${n}`, endpoint: models.url, model } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const set = await srv<AgentSettings>(key, "PUT", "/agent-settings", {
    body: { handoffTo: "off", translateAgentId: res.body.id, summarizeAgentId: res.body.id },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  return res.body;
}
async function say(u: AuthResponse, conversationId: string, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conversationId}/messages`, { token: u.accessToken, body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function dmOf(a: AuthResponse, b: AuthResponse): Promise<string> {
  return (await s.api.post("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } })).body.conversation.id as string;
}
const translate = (u: AuthResponse, messageId: string, language: string): Promise<Res<MessageTranslation>> =>
  s.api.post<MessageTranslation>(`/messages/${messageId}/translate`, { token: u.accessToken, body: { language } });
const summarize = (u: AuthResponse, conversationId: string, language: string): Promise<Res<ConversationSummary>> =>
  s.api.post<ConversationSummary>(`/conversations/${conversationId}/summary`, { token: u.accessToken, body: { language } });
async function aiTexts(app: string): Promise<{ kind: string; messageId: string | number | null; conversationId: string }[]> {
  return s.services.db.query("SELECT kind, messageId, conversationId FROM ai_texts WHERE appId = ?", [app]);
}

before(async () => {
  await models.start();
  s = await startServer({ AGENT_ALLOW_PRIVATE: "1", AGENT_FIRST_TOKEN_SEC: "1", AGENT_REQUESTS_PER_USER_PER_MINUTE: "5" });
});

after(async () => {
  await s?.close();
  await models.close();
});

describe(`AI agents: translation and summaries on ${TEST_DB}`, () => {
  test("off by default: 409 translate_off and summarize_off, no Me.ai; the settings name only the app's agents", async () => {
    const { app, key } = await freshApp();
    const settings = await srv<AgentSettings>(key, "GET", "/agent-settings");
    assert.deepEqual(settings.body, { handoffTo: "off", handoffUserIds: [], translateAgentId: null, summarizeAgentId: null });
    const [ann, bob] = [await s.api.register(app, { displayName: "Ann" }), await s.api.register(app, { displayName: "Bob" })];
    const dm = await dmOf(ann, bob);
    const hello = await say(ann, dm, "hello");
    const off = await translate(bob, hello.id, "de");
    assert.equal(off.status, 409, JSON.stringify(off.body));
    assert.equal(errorCode(off), "translate_off");
    const noSummary = await summarize(bob, dm, "de");
    assert.equal(noSummary.status, 409, JSON.stringify(noSummary.body));
    assert.equal(errorCode(noSummary), "summarize_off");
    const me = await s.api.get<Me>("/me", { token: bob.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.ai, undefined);

    const unknown = await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "off", translateAgentId: "agt_nobody" } });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    assert.equal(errorCode(unknown), "validation_failed");
    assert.equal(unknown.body.error.details[0].path, "translateAgentId");
    // Another app's agent is no agent of this one.
    const other = await freshApp();
    const theirs = await helperOf(other.key, "other-app", { kind: "whole", text: "x" });
    assert.equal((await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "off", summarizeAgentId: theirs.id } })).status, 400);
    assert.equal(models.requests.length, 0, "no model was asked");
  });

  test("the console's agent settings: viewers read them, admins set who translates and summarizes (left out: unchanged)", async () => {
    const { app, key } = await freshApp();
    models.scripts.set("console-model", { kind: "whole", text: "x" });
    const agent = (await srv<Agent>(key, "POST", "/agents", { body: { sub: `agent-${++n}`, name: "Helper", endpoint: models.url, model: "console-model" } }))
      .body;
    const admin = await consoleAccount(s, { email: `admin-${++n}@ops.example`, role: "admin", appId: app });
    const viewer = await consoleAccount(s, { email: `viewer-${++n}@ops.example`, role: "viewer", appId: app });
    const path = `/apps/${app}/agent-settings`;
    const set = await admin.browser.req<AgentSettings>("PUT", path, { handoffTo: "off", translateAgentId: agent.id });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, { handoffTo: "off", handoffUserIds: [], translateAgentId: agent.id, summarizeAgentId: null });
    const kept = await admin.browser.req<AgentSettings>("PUT", path, { handoffTo: "moderators", summarizeAgentId: agent.id });
    assert.deepEqual(kept.body, { handoffTo: "moderators", handoffUserIds: [], translateAgentId: agent.id, summarizeAgentId: agent.id });
    assert.deepEqual((await viewer.browser.get<AgentSettings>(path)).body, kept.body);
    assert.equal((await viewer.browser.req("PUT", path, { handoffTo: "off", translateAgentId: null })).status, 403, "viewers only read");
    const off = await admin.browser.req<AgentSettings>("PUT", path, { handoffTo: "off", translateAgentId: null });
    assert.deepEqual(off.body, { handoffTo: "off", handoffUserIds: [], translateAgentId: null, summarizeAgentId: agent.id });
    const unknown = await admin.browser.req("PUT", path, { handoffTo: "off", summarizeAgentId: "agt_nobody" });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
  });

  test("translate: the model's answer; asked again it is kept (the model got one request); another language and an edited text ask again; Me.ai says so", async () => {
    const { app, key } = await freshApp();
    const agent = await helperOf(key, "translator", { kind: "tokens", tokens: ["Hallo ", "Welt"] });
    const [ann, bob, eve] = [
      await s.api.register(app, { displayName: "Ann" }),
      await s.api.register(app, { displayName: "Bob" }),
      await s.api.register(app, { displayName: "Eve" }),
    ];
    assert.deepEqual((await s.api.get<Me>("/me", { token: bob.accessToken })).body.ai, { translate: true, summarize: true });
    const dm = await dmOf(ann, bob);
    const msg = await say(ann, dm, "Hello world");

    const first = await translate(bob, msg.id, "de");
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { messageId: msg.id, language: "de", text: "Hallo Welt", cached: false });
    const asked = models.for("translator");
    assert.equal(asked.length, 1);
    assert.deepEqual(
      asked[0]!.body.messages.map((t) => [t.role, t.content]),
      [
        ["system", "Translate the user's message into German. Answer with the translation only."],
        ["user", "Hello world"],
      ],
    );

    const again = await translate(ann, msg.id, "de");
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body, { messageId: msg.id, language: "de", text: "Hallo Welt", cached: true });
    assert.equal(models.for("translator").length, 1, "kept: the model was not asked again");

    const french = await translate(bob, msg.id, "FR");
    assert.equal(french.status, 200, JSON.stringify(french.body));
    assert.equal(french.body.language, "fr", "the tag as Parley spells it");
    assert.equal(french.body.cached, false);
    assert.equal(models.for("translator").length, 2);
    assert.match(models.for("translator")[1]!.body.messages[0]!.content ?? "", /into French\./);

    assert.equal((await s.api.patch(`/messages/${msg.id}`, { token: ann.accessToken, body: { text: "Goodbye world" } })).status, 200);
    const edited = await translate(bob, msg.id, "de");
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.cached, false, "an edited text is translated anew");
    assert.equal(models.for("translator").length, 3);
    assert.equal(models.for("translator")[2]!.body.messages[1]!.content, "Goodbye world");
    // A browser's regional tag asks for its language: "de-AT" is German, kept already.
    const regional = await translate(bob, msg.id, "de-AT");
    assert.equal(regional.status, 200, JSON.stringify(regional.body));
    assert.deepEqual([regional.body.language, regional.body.cached], ["de", true]);

    // Refusals: a non-member (as a missing message), a language Parley does not have, a deleted message.
    const stranger = await translate(eve, msg.id, "de");
    assert.equal(stranger.status, 404, JSON.stringify(stranger.body));
    for (const bad of ["xx", "pt-PT", "", "de; drop table"]) {
      const res = await translate(bob, msg.id, bad);
      assert.equal(res.status, 400, `${bad}: ${JSON.stringify(res.body)}`);
      assert.equal(errorCode(res), "validation_failed");
    }
    assert.equal((await s.api.post(`/messages/${msg.id}/translate`, { token: bob.accessToken, body: {} })).status, 400);
    assert.equal((await translate(bob, "999999999", "de")).status, 404);
    assert.equal((await s.api.del(`/messages/${msg.id}`, { token: ann.accessToken })).status, 204);
    assert.equal((await translate(bob, msg.id, "de")).status, 404, "a deleted message");
    assert.equal(models.for("translator").length, 3, "no refusal reached the model");

    // Removing the agent turns translation off.
    assert.equal((await srv(key, "DELETE", `/agents/${agent.id}`)).status, 204);
    assert.equal((await s.api.get<Me>("/me", { token: bob.accessToken })).body.ai, undefined);
    const settings = (await srv<AgentSettings>(key, "GET", "/agent-settings")).body;
    assert.equal(settings.translateAgentId, null);
    assert.equal(settings.summarizeAgentId, null);
  });

  test("the model's answer passes the app's word filter", async () => {
    const { app, key } = await freshApp();
    await helperOf(key, "rude", { kind: "tokens", tokens: ["darn ", "good"] });
    assert.equal((await srv(key, "PUT", "/moderation/word-filter", { body: { words: [{ word: "darn", action: "mask" }] } })).status, 200);
    const [ann, bob] = [await s.api.register(app), await s.api.register(app)];
    const msg = await say(ann, await dmOf(ann, bob), "very good");
    const res = await translate(bob, msg.id, "es");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.doesNotMatch(res.body.text, /darn/);
    assert.match(res.body.text, /good$/);
  });

  test("a model that fails answers 503 model_unavailable (an error status, garbage, silence), nothing kept; then it answers", async () => {
    const { app, key } = await freshApp();
    await helperOf(key, "flaky", { kind: "status", status: 500 });
    const [ann, bob] = [await s.api.register(app), await s.api.register(app)];
    const msg = await say(ann, await dmOf(ann, bob), "Hello");
    for (const script of [{ kind: "status", status: 500 }, { kind: "garbage" }, { kind: "stall" }] as const) {
      models.scripts.set("flaky", script);
      const started = Date.now();
      const res = await translate(bob, msg.id, "it");
      assert.equal(res.status, 503, `${script.kind}: ${JSON.stringify(res.body)}`);
      assert.equal(errorCode(res), "model_unavailable", script.kind);
      assert.ok(Date.now() - started < 10_000, `${script.kind}: bounded`);
    }
    assert.equal((await aiTexts(app)).length, 0, "nothing kept");
    models.scripts.set("flaky", { kind: "whole", text: "Ciao" });
    const ok = await translate(bob, msg.id, "it");
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { messageId: msg.id, language: "it", text: "Ciao", cached: false });
  });

  test("questions to the model are limited per user (AGENT_REQUESTS_PER_USER_PER_MINUTE): 429 past it; a kept answer still comes", async () => {
    const { app, key } = await freshApp();
    await helperOf(key, "busy", { kind: "whole", text: "done" });
    const [ann, bob] = [await s.api.register(app), await s.api.register(app)];
    const msg = await say(ann, await dmOf(ann, bob), "Hello");
    for (const language of ["de", "fr", "es", "it", "nl"]) assert.equal((await translate(bob, msg.id, language)).status, 200, language);
    const over = await translate(bob, msg.id, "pl");
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(errorCode(over), "rate_limited");
    assert.equal(models.for("busy").length, 5);
    const kept = await translate(bob, msg.id, "de");
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.cached, true);
    assert.equal((await translate(ann, msg.id, "pl")).status, 200, "another user has questions of their own");
  });

  test("summarize: the caller's unread messages only, with their writers' names (never another conversation's), kept the second time; few unread: the last messages", async () => {
    const { app, key } = await freshApp();
    await helperOf(key, "summarizer", { kind: "tokens", tokens: ["Ann and Carol ", "plan lunch."] });
    const [ann, bob, carol, eve] = [
      await s.api.register(app, { displayName: "Ann" }),
      await s.api.register(app, { displayName: "Bob" }),
      await s.api.register(app, { displayName: "Carol" }),
      await s.api.register(app, { displayName: "Eve" }),
    ];
    const group = (await s.api.post("/conversations", { token: ann.accessToken, body: { name: "Lunch", memberIds: [bob.user.id, carol.user.id] } })).body
      .conversation.id as string;
    const elsewhere = await dmOf(bob, carol);
    await say(bob, elsewhere, "a secret of another conversation");
    await say(bob, group, "read already by bob");
    await say(ann, group, "apples at noon");
    await say(carol, group, "I bring pears");

    const res = await summarize(bob, group, "en");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { conversationId: group, language: "en", text: "Ann and Carol plan lunch.", messageCount: 2, cached: false });
    const asked = models.for("summarizer");
    assert.equal(asked.length, 1);
    assert.match(asked[0]!.body.messages[0]!.content ?? "", /^Summarize .* in English/);
    const prompt = asked[0]!.body.messages.map((t) => t.content).join("\n");
    assert.match(prompt, /Ann: apples at noon\nCarol: I bring pears/);
    assert.doesNotMatch(prompt, /read already by bob/, "what Bob read is not in it");
    assert.doesNotMatch(prompt, /secret of another conversation/);

    const again = await summarize(bob, group, "en");
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.cached, true);
    assert.equal(again.body.messageCount, 2);
    assert.equal(models.for("summarizer").length, 1, "kept: the model was not asked again");

    // Carol wrote last: nothing unread, so the conversation's last messages.
    const recent = await summarize(carol, group, "de");
    assert.equal(recent.status, 200, JSON.stringify(recent.body));
    assert.equal(recent.body.messageCount, 3);
    assert.equal(models.for("summarizer").length, 2);
    assert.match(models.for("summarizer")[1]!.body.messages[1]!.content ?? "", /^Bob: read already by bob\nAnn: apples at noon\nCarol: I bring pears$/);

    assert.equal((await summarize(eve, group, "en")).status, 404, "a non-member: as a missing conversation");
    assert.equal((await summarize(bob, group, "tlh")).status, 400);
  });

  test("an account's deletion removes the translations of its messages and the summaries of the conversations it wrote in", async () => {
    const { app, key } = await freshApp();
    await helperOf(key, "forgetful", { kind: "whole", text: "Résumé" });
    const [ann, bob, carol] = [
      await s.api.register(app, { displayName: "Ann", password: "correct horse battery" }),
      await s.api.register(app, { displayName: "Bob" }),
      await s.api.register(app, { displayName: "Carol" }),
    ];
    const dm = await dmOf(ann, bob);
    const hers = await say(ann, dm, "hers");
    const his = await say(bob, dm, "his");
    assert.equal((await translate(bob, hers.id, "fr")).status, 200);
    assert.equal((await translate(ann, his.id, "fr")).status, 200);
    assert.equal((await summarize(bob, dm, "fr")).status, 200);
    const theirs = await dmOf(bob, carol);
    await say(bob, theirs, "one");
    await say(carol, theirs, "two");
    await say(carol, theirs, "three");
    assert.equal((await summarize(bob, theirs, "fr")).status, 200);
    assert.equal((await aiTexts(app)).length, 4);

    const gone = await s.api.del("/me", { token: ann.accessToken, body: { password: "correct horse battery" } });
    assert.equal(gone.status, 204, JSON.stringify(gone.body));
    const left = await aiTexts(app);
    assert.deepEqual(
      left.map((r) => [r.kind, r.messageId === null ? null : String(r.messageId), r.conversationId]).sort(),
      [
        ["summary", null, theirs],
        ["translation", his.id, dm],
      ].sort(),
    );
  });
});
