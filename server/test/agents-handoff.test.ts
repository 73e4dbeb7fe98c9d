/**
 * Hand-off to people (issue 54), over real HTTP and sockets with the scripted model server
 * (helpers/model-server.ts): a member's "Talk to a person" and the model's built-in `handoff`
 * tool stop the agent in that conversation (a later message reaches no model: the model server's
 * requests are checked), bring in the app's people (named users; the moderators), say so in a
 * system message, and put the conversation in the console's moderation queue. Off by default;
 * non-members get the 404 of a missing conversation; the member's route is rate limited.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Agent, AgentSettings, AuthResponse, HandoffResponse, Message, Report } from "@parley/sdk/protocol";
import type { ReqOptions, Res } from "./helpers/api.js";
import { consoleAccount } from "./helpers/console.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { ModelServer } from "./helpers/model-server.js";
import { type ClientSocket, connect, Recorder } from "./helpers/sockets.js";

interface Key {
  id: string;
  secret: string;
}

let s: TestServer;
const models = new ModelServer();
const sockets: ClientSocket[] = [];
let n = 0;

const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;
function srv<T = any>(key: Key, method: string, path: string, o: ReqOptions = {}): Promise<Res<T>> {
  return s.api.req<T>(method, `/server${path}`, { ...o, headers: { Authorization: basic(key), ...o.headers } });
}
async function freshApp(): Promise<{ app: string; key: Key }> {
  const app = (await s.createTenant(`Hand-off ${++n}`)).id;
  return { app, key: await s.services.serverKeys.create(app) };
}
async function agentWith(key: Key, model: string): Promise<Agent> {
  const res = await srv<Agent>(key, "POST", "/agents", { body: { sub: `agent-${++n}`, name: `Helper ${n}`, endpoint: models.url, model } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function say(u: AuthResponse, conversationId: string, text: string, mentions?: string[]): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conversationId}/messages`, {
    token: u.accessToken,
    body: { text, ...(mentions ? { mentions } : {}) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function watch(u: AuthResponse): Promise<Recorder> {
  const sock = await connect(s, u.accessToken);
  sockets.push(sock);
  return new Recorder(sock);
}
const replyOf = (rec: Recorder, agent: Agent, ms = 10_000): Promise<Message> =>
  rec.wait("message.new", (e) => e.data.message.senderId === agent.userId, ms).then((e) => e.data.message as Message);
const handoff = (u: AuthResponse, conversationId: string): Promise<Res<HandoffResponse>> =>
  s.api.post<HandoffResponse>(`/conversations/${conversationId}/handoff`, { token: u.accessToken });
async function messagesOf(u: AuthResponse, conversationId: string): Promise<Message[]> {
  const res = await s.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages`, { token: u.accessToken });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}
/**
 * Proves an agent asked nothing for a message: a second agent is asked after it, in a
 * conversation of its own, and answers; the first one's route (started before, at the earlier
 * commit) has then long made its request if it was going to.
 */
async function settled(key: Key, app: string): Promise<void> {
  models.scripts.set("witness", { kind: "whole", text: "witness" });
  const witness = await agentWith(key, "witness");
  const w = await s.api.register(app, { displayName: "Witness" });
  const rec = await watch(w);
  const dm = (await s.api.post("/conversations/direct", { token: w.accessToken, body: { userId: witness.userId } })).body.conversation.id as string;
  await say(w, dm, "are you there?");
  await replyOf(rec, witness);
}
async function queue(app: string): Promise<Report[]> {
  const { browser } = await consoleAccount(s, { email: `op-${++n}@ops.example`, role: "operator" });
  const res = await browser.get<{ items: Report[] }>(`/apps/${app}/moderation/reports?status=open`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

before(async () => {
  await models.start();
  s = await startServer({ AGENT_ALLOW_PRIVATE: "1", AGENT_HANDOFFS_PER_USER_PER_MINUTE: "2" });
});

after(async () => {
  for (const sock of sockets) sock.close();
  await s?.close();
  await models.close();
});

describe(`AI agents: hand-off to people on ${TEST_DB}`, () => {
  test("settings: off by default; the people named must be the app's users", async () => {
    const { key } = await freshApp();
    assert.deepEqual((await srv<AgentSettings>(key, "GET", "/agent-settings")).body, {
      handoffTo: "off",
      handoffUserIds: [],
      translateAgentId: null,
      summarizeAgentId: null,
    });
    const unknown = await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "users", handoffUserIds: ["usr_nobody"] } });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    assert.equal(unknown.body.error.details[0].path, "handoffUserIds.0");
    assert.equal((await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "users" } })).status, 400, "users needs someone named");
    assert.deepEqual((await srv<AgentSettings>(key, "PUT", "/agent-settings", { body: { handoffTo: "moderators" } })).body, {
      handoffTo: "moderators",
      handoffUserIds: [],
      translateAgentId: null,
      summarizeAgentId: null,
    });
  });

  test("a member's Talk to a person in a DM: the agent stops there, the named person joins a group made for it, a notice says so, the console's queue lists it; refused to non-members; rate limited", async () => {
    const { app, key } = await freshApp();
    models.scripts.set("helpful", { kind: "tokens", tokens: ["Glad ", "to help."] });
    const agent = await agentWith(key, "helpful");
    const [ann, carol, eve] = [
      await s.api.register(app, { displayName: "Ann" }),
      await s.api.register(app, { displayName: "Carol" }),
      await s.api.register(app, { displayName: "Eve" }),
    ];
    const rec = await watch(ann);
    const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: agent.userId } })).body.conversation.id as string;
    await say(ann, dm, "hello");
    await replyOf(rec, agent);
    assert.equal(models.for("helpful").length, 1);

    const off = await handoff(ann, dm);
    assert.equal(off.status, 409, JSON.stringify(off.body));
    assert.equal((off.body as unknown as { error: { details: { reason: string } } }).error.details.reason, "handoff_off");
    assert.equal((await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "users", handoffUserIds: [carol.user.id] } })).status, 200);
    assert.equal((await handoff(eve, dm)).status, 404, "a non-member: as a missing conversation");

    const done = await handoff(ann, dm);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.created, true);
    assert.deepEqual(done.body.userIds, [carol.user.id]);
    const group = done.body.conversationId;
    assert.notEqual(group, dm, "a DM takes no more members: a group is made for it");
    // Carol is a member of it (she reads it), with Ann.
    const inGroup = await s.api.get(`/conversations/${group}`, { token: carol.accessToken });
    assert.equal(inGroup.status, 200, JSON.stringify(inGroup.body));
    assert.equal((await s.api.get(`/conversations/${group}`, { token: ann.accessToken })).status, 200);
    const notice = (await messagesOf(ann, dm)).find((m) => m.senderId === null);
    assert.match(notice?.text ?? "", /A person will join you/);
    assert.ok((await messagesOf(carol, group)).some((m) => m.senderId === null && /A person will join/.test(m.text ?? "")));

    // The agent answers there no more.
    await say(ann, dm, "are you still there?");
    await settled(key, app);
    assert.equal(models.for("helpful").length, 1, "no model request after the hand-off");

    const listed = (await queue(app)).filter((r) => r.reason === "handoff");
    assert.deepEqual(
      listed.map((r) => [r.conversationId, r.reporterId, r.userId]),
      [[dm, ann.user.id, agent.userId]],
    );

    const again = await handoff(ann, dm);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { conversationId: group, userIds: [carol.user.id], created: false });
    assert.equal((await queue(app)).filter((r) => r.reason === "handoff").length, 1, "once in the queue");
    const limited = await handoff(ann, dm);
    assert.equal(limited.status, 429, "the third in a minute");
  });

  test("Talk to a person while the agent writes: its reply stops (the model's connection closed), then the notice, in that order", async () => {
    const { app, key } = await freshApp();
    models.scripts.set("talkative", { kind: "tokens", tokens: Array.from({ length: 200 }, (_, i) => `word${i} `), gapMs: 50 });
    const agent = await agentWith(key, "talkative");
    const [bea, carol] = [await s.api.register(app, { displayName: "Bea" }), await s.api.register(app, { displayName: "Carol" })];
    assert.equal((await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "users", handoffUserIds: [carol.user.id] } })).status, 200);
    const rec = await watch(bea);
    const dm = (await s.api.post("/conversations/direct", { token: bea.accessToken, body: { userId: agent.userId } })).body.conversation.id as string;
    await say(bea, dm, "tell me everything");
    const first = await rec.wait("message.delta", (d) => d.conversationId === dm && d.text.length > 0, 10_000);
    const done = await handoff(bea, dm);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    await Promise.race([
      models.for("talkative")[0]!.closedEarly,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the model's connection was left open")), 10_000).unref()),
    ]);
    // Bea's stream: the reply's one message.new, stopped with the words it had, then the notice.
    await rec.wait("message.new", (e) => e.conversationId === dm && e.data.message.senderId === null, 10_000);
    const news = rec.events.filter((e) => e.name === "message.new" && e.payload.conversationId === dm).map((e) => e.payload.data.message as Message);
    const [stopped, notice] = news.filter((m) => m.id === first.messageId || m.senderId === null);
    assert.equal(stopped?.id, first.messageId, JSON.stringify(news));
    assert.equal(stopped?.stream?.state, "stopped");
    assert.match(stopped?.text ?? "", /^word0 /);
    assert.match(notice?.text ?? "", /A person will join you/);
  });

  test("the model's handoff tool in a group: offered when hand-off is on; the moderators join; the reply says so; the agent answers there no more", async () => {
    const { app, key } = await freshApp();
    const { user: mod } = await s.services.users.upsertBySub({ appId: app, server: "test" }, { sub: "mod-1", name: "Mo" });
    assert.equal((await srv(key, "PUT", "/moderators/mod-1")).status < 300, true);
    assert.equal((await srv(key, "PUT", "/agent-settings", { body: { handoffTo: "moderators" } })).status, 200);
    models.scripts.set("handing", { kind: "tools", calls: [{ name: "handoff", arguments: '{"reason":"wants a human"}' }] });
    const agent = await agentWith(key, "handing");
    const ann = await s.api.register(app, { displayName: "Ann" });
    const rec = await watch(ann);
    const g = await s.api.post("/conversations", { token: ann.accessToken, body: { name: "Shop", memberIds: [agent.userId] } });
    const group = g.body.conversation.id as string;
    await say(ann, group, "@Helper a human please", [agent.userId]);
    const final = await replyOf(rec, agent);
    assert.equal(final.stream?.state, "finished");
    assert.equal(final.text, "I am handing you over to a person.");
    assert.ok(
      models.for("handing")[0]?.body.tools?.some((t) => t.function.name === "handoff"),
      "offered",
    );
    const states = rec.events.filter((e) => e.name === "ai.state" && e.payload.userId === agent.userId).map((e) => e.payload);
    assert.ok(states.some((p) => p.state === "tool" && p.tool === "handoff"));
    // The moderator is a member now (and Ann heard it).
    await rec.wait("member.added", (e) => JSON.stringify(e).includes(mod.id), 5_000);
    const members: { userId: string }[] = await s.services.db.query("SELECT userId FROM members WHERE conversationId = ?", [group]);
    assert.ok(members.some((m) => m.userId === mod.id));
    const [item] = (await queue(app)).filter((r) => r.reason === "handoff");
    assert.equal(item?.conversationId, group);
    assert.equal(item?.note, "wants a human");
    assert.ok((await messagesOf(ann, group)).some((m) => m.senderId === null && /A person will join this conversation/.test(m.text ?? "")));

    await say(ann, group, "@Helper hello again?", [agent.userId]);
    await settled(key, app);
    assert.equal(models.for("handing").length, 1, "no model request after the hand-off");
  });

  test("hand-off off: the models are not offered the handoff tool", async () => {
    const { app, key } = await freshApp();
    models.scripts.set("plain", { kind: "whole", text: "hi" });
    const agent = await agentWith(key, "plain");
    const u = await s.api.register(app, { displayName: "Pat" });
    const rec = await watch(u);
    const dm = (await s.api.post("/conversations/direct", { token: u.accessToken, body: { userId: agent.userId } })).body.conversation.id as string;
    await say(u, dm, "hey");
    await replyOf(rec, agent);
    assert.equal(models.for("plain")[0]?.body.tools, undefined);
  });
});
