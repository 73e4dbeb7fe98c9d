/**
 * AI agents (issue 54), continued: the day's tokens, tools and hand-off, over real HTTP and sockets
 * with the scripted OpenAI-compatible model server (helpers/model-server.ts: usage chunks and
 * streamed tool calls in OpenAI's delta format) and a real webhook receiver
 * (helpers/webhook-receiver.ts). Tokens are counted from the model's usage chunk and limited per
 * app a day (the reply past the limit says why), shown in /metrics and the console's usage; a tool
 * call reaches the app's webhook signed as any delivery, its answer goes back to the model as the
 * tool's turn, and a webhook that fails or is too slow is told to the model, never a hung reply.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Agent, AuthResponse, ConsoleUsageResponse, Message } from "@parley/sdk/protocol";
import { verifyWebhook } from "@parley/sdk/server";
import { TOKENS_USED_UP } from "../src/agents/agent-reply.js";
import type { ReqOptions, Res } from "./helpers/api.js";
import { consoleAccount } from "./helpers/console.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { ModelServer } from "./helpers/model-server.js";
import { type ClientSocket, connect, Recorder } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

interface Key {
  id: string;
  secret: string;
}

/** AGENT_TOKENS_PER_APP_PER_DAY of this server. */
const TOKENS_PER_APP = 100;
const TOOL_TIMEOUT_SEC = 0.5;

let s: TestServer;
const models = new ModelServer();
const receiver = new WebhookReceiver();
const sockets: ClientSocket[] = [];
let n = 0;

const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;
function srv<T = any>(key: Key, method: string, path: string, o: ReqOptions = {}): Promise<Res<T>> {
  return s.api.req<T>(method, `/server${path}`, { ...o, headers: { Authorization: basic(key), ...o.headers } });
}
/** A fresh app (its own day of tokens) with a server key. */
async function freshApp(): Promise<{ app: string; key: Key }> {
  const app = (await s.createTenant(`Agents ${++n}`)).id;
  return { app, key: await s.services.serverKeys.create(app) };
}
async function agentWith(key: Key, model: string, extra: Record<string, unknown> = {}): Promise<Agent> {
  const res = await srv<Agent>(key, "POST", "/agents", {
    body: { sub: `agent-${++n}`, name: `Helper ${n}`, endpoint: models.url, model, systemPrompt: "You help.", ...extra },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function dm(u: AuthResponse, agent: Agent): Promise<string> {
  const res = await s.api.post("/conversations/direct", { token: u.accessToken, body: { userId: agent.userId } });
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return res.body.conversation.id;
}
async function say(u: AuthResponse, conversationId: string, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conversationId}/messages`, { token: u.accessToken, body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function watch(u: AuthResponse): Promise<Recorder> {
  const sock = await connect(s, u.accessToken);
  sockets.push(sock);
  return new Recorder(sock);
}
/** The agent's replies as they ended, once there are `count` of them. */
async function replies(rec: Recorder, agent: Agent, count: number, ms = 10_000): Promise<Message[]> {
  const mine = () =>
    rec.events.filter((e) => e.name === "message.new" && e.payload.data.message.senderId === agent.userId).map((e) => e.payload.data.message as Message);
  await rec.wait("message.new", () => mine().length >= count, ms);
  return mine();
}
async function metric(line: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found ? Number(found.split(" ")[1]) : 0;
}

before(async () => {
  await Promise.all([models.start(), receiver.start()]);
  s = await startServer({
    AGENT_ALLOW_PRIVATE: "1",
    WEBHOOK_ALLOW_PRIVATE: "1",
    AGENT_FIRST_TOKEN_SEC: "2",
    AGENT_IDLE_SEC: "2",
    AGENT_TOKENS_PER_APP_PER_DAY: String(TOKENS_PER_APP),
    AGENT_TOOL_TIMEOUT_SEC: String(TOOL_TIMEOUT_SEC),
    METRICS_PUBLIC: "1",
  });
});

after(async () => {
  for (const sock of sockets) sock.close();
  await s?.close();
  await Promise.all([models.close(), receiver.close()]);
});

describe(`AI agents: tokens and tools on ${TEST_DB}`, () => {
  test("tokens a day: counted from the usage chunk; the reply past the app's limit says why; /metrics and the console's usage show them", async () => {
    const { app, key } = await freshApp();
    // 40 + 20 = 60 tokens a reply: the first two fit under 100 (0 and 60 used before them), the third finds 120.
    models.scripts.set("counted", { kind: "tokens", tokens: ["Fine, ", "thanks."], usage: { prompt_tokens: 40, completion_tokens: 20 } });
    const agent = await agentWith(key, "counted");
    const [ann, bob] = [await s.api.register(app, { displayName: "Ann" }), await s.api.register(app, { displayName: "Bob" })];
    const promptBefore = await metric('parley_agent_tokens_total{kind="prompt"}');
    const completionBefore = await metric('parley_agent_tokens_total{kind="completion"}');
    const annRec = await watch(ann);
    const annDm = await dm(ann, agent);
    await say(ann, annDm, "how are you?");
    await replies(annRec, agent, 1);
    await say(ann, annDm, "and now?");
    const two = await replies(annRec, agent, 2);
    assert.deepEqual(
      two.map((m) => [m.text, m.stream?.state]),
      [
        ["Fine, thanks.", "finished"],
        ["Fine, thanks.", "finished"],
      ],
    );
    assert.equal(models.for("counted")[0]?.body.stream_options?.include_usage, true, "the usage chunk was asked for");
    // Another member of the same app: the app's day is used up.
    const bobRec = await watch(bob);
    await say(bob, await dm(bob, agent), "hello?");
    const [limited] = await replies(bobRec, agent, 1);
    assert.equal(limited?.stream?.state, "failed");
    assert.equal(limited?.stream?.error, TOKENS_USED_UP);
    assert.equal(models.for("counted").length, 2, "the reply past the limit never reached the model");

    assert.equal((await metric('parley_agent_tokens_total{kind="prompt"}')) - promptBefore, 80);
    assert.equal((await metric('parley_agent_tokens_total{kind="completion"}')) - completionBefore, 40);
    assert.ok((await metric('parley_agent_replies_total{outcome="limited"}')) >= 1);
    const { browser } = await consoleAccount(s, { email: `op-${n}@ops.example`, role: "operator" });
    const usage = await browser.get<ConsoleUsageResponse>(`/apps/${app}/usage?days=7`);
    assert.equal(usage.status, 200, JSON.stringify(usage.body));
    const today = usage.body.series[usage.body.series.length - 1]!;
    assert.deepEqual([today.agentReplies, today.agentPromptTokens, today.agentCompletionTokens], [2, 80, 40]);
  });

  test("a model that sends no usage chunk: its tokens are estimated from the text (4 characters a token)", async () => {
    const { app, key } = await freshApp();
    models.scripts.set("uncounted", { kind: "tokens", tokens: ["x".repeat(40)] });
    const agent = await agentWith(key, "uncounted", { systemPrompt: "" });
    const u = await s.api.register(app, { displayName: "Al" });
    const rec = await watch(u);
    await say(u, await dm(u, agent), "12345678");
    await replies(rec, agent, 1);
    const { browser } = await consoleAccount(s, { email: `op-${++n}@ops.example`, role: "operator" });
    const today = (await browser.get<ConsoleUsageResponse>(`/apps/${app}/usage?days=7`)).body.series.at(-1)!;
    // The prompt: "Al: 12345678" (12 characters, 3 tokens); the answer: 40 characters, 10 tokens.
    assert.deepEqual([today.agentReplies, today.agentPromptTokens, today.agentCompletionTokens], [1, 3, 10]);
  });

  test("a tool call reaches the app's webhook, signed as any delivery; its answer is the tool's turn the model reads next; the reply completes", async () => {
    const { app, key } = await freshApp();
    const hook = await srv(key, "POST", "/webhooks", { body: { url: receiver.url, events: ["agent.tool_call"] } });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    receiver.reply = (r) => (r.body?.type === "agent.tool_call" && r.body.data.name === "order_status" ? { body: '{"status":"shipped"}' } : {});
    const args = '{"order":"A-17","verbose":true}';
    models.scripts.set("tooling", {
      kind: "turns",
      turns: [
        { kind: "tools", calls: [{ name: "order_status", arguments: args }], pieces: 4 },
        { kind: "tokens", tokens: ["Your order ", "has shipped."] },
      ],
    });
    const tool = { name: "order_status", description: "An order's status", parameters: { type: "object", properties: { order: { type: "string" } } } };
    const agent = await agentWith(key, "tooling", { tools: [tool] });
    assert.deepEqual(agent.tools, [tool]);
    const u = await s.api.register(app, { displayName: "Cy" });
    const rec = await watch(u);
    const c = await dm(u, agent);
    const asked = await say(u, c, "where is my order A-17?");
    const [final] = await replies(rec, agent, 1);
    assert.equal(final?.text, "Your order has shipped.");
    assert.equal(final?.stream?.state, "finished");

    const [got] = receiver.received.filter((r) => r.body?.type === "agent.tool_call" && r.body.appId === app);
    assert.ok(got, "the webhook got the call");
    // Verified as an app would: the SDK's verifyWebhook with the app's server key.
    const event = verifyWebhook({ headers: got.headers, body: got.raw }, { [key.id]: key.secret });
    assert.equal(event.type, "agent.tool_call");
    assert.deepEqual(got.body.data, {
      agentId: agent.id,
      agentUserId: agent.userId,
      conversationId: c,
      messageId: asked.id,
      askedBy: u.user.id,
      callId: "call_0",
      name: "order_status",
      arguments: { order: "A-17", verbose: true },
    });
    assert.throws(() => verifyWebhook({ headers: got.headers, body: got.raw }, { [key.id]: "not-the-secret" }));

    const [first, second] = models.for("tooling");
    assert.deepEqual(first?.body.tools, [{ type: "function", function: tool }]);
    assert.deepEqual(second?.body.messages.slice(-2), [
      { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "order_status", arguments: args } }] },
      { role: "tool", tool_call_id: "call_0", content: '{"status":"shipped"}' },
    ]);
    const states = rec.events.filter((e) => e.name === "ai.state" && e.payload.userId === agent.userId).map((e) => e.payload);
    assert.ok(
      states.some((p) => p.state === "tool" && p.tool === "order_status"),
      JSON.stringify(states),
    );
  });

  test("a webhook that answers 500 or too late: the model is told the error and the reply still ends, within the limits", async () => {
    const { app, key } = await freshApp();
    assert.equal((await srv(key, "POST", "/webhooks", { body: { url: receiver.url, events: ["agent.tool_call"] } })).status, 201);
    receiver.answer = (r) => (r.body?.data?.name === "broken" ? 500 : 200);
    receiver.reply = (r) => (r.body?.data?.name === "slow" ? { delayMs: TOOL_TIMEOUT_SEC * 1000 * 4, body: "late" } : {});
    const tools = ["broken", "slow"].map((name) => ({ name, description: name, parameters: { type: "object" } }));
    for (const name of ["broken", "slow"])
      models.scripts.set(`failing-${name}`, {
        kind: "turns",
        turns: [
          { kind: "tools", calls: [{ name, arguments: "{}" }] },
          { kind: "tokens", tokens: ["Sorry, ", "that did not work."] },
        ],
      });
    const u = await s.api.register(app, { displayName: "Di" });
    const rec = await watch(u);
    for (const name of ["broken", "slow"]) {
      const agent = await agentWith(key, `failing-${name}`, { tools });
      const t0 = Date.now();
      await say(u, await dm(u, agent), "try it");
      const [final] = await replies(rec, agent, 1);
      assert.equal(final?.stream?.state, "finished", name);
      assert.ok(Date.now() - t0 < 5_000, `${name}: not held past the tool timeout`);
      const told = models.for(`failing-${name}`)[1]?.body.messages.at(-1);
      assert.equal(told?.role, "tool");
      assert.match(String(told?.content), name === "broken" ? /HTTP 500/ : /did not answer within 500 ms/);
    }
    receiver.answer = () => 200;
    receiver.reply = () => ({});
  });

  test("tools are checked: the reserved name, a schema that is not an object, too many, twice the same name", async () => {
    const { key } = await freshApp();
    const good = { name: "t", description: "d", parameters: { type: "object" } };
    for (const tools of [
      [{ ...good, name: "handoff" }],
      [{ ...good, name: "has space" }],
      [{ ...good, parameters: { type: "string" } }],
      [{ ...good, parameters: { type: "object", big: "x".repeat(9000) } }],
      Array.from({ length: 17 }, (_, i) => ({ ...good, name: `t${i}` })),
      [good, good],
    ]) {
      const res = await srv(key, "POST", "/agents", { body: { sub: `bad-${++n}`, name: "Bad", endpoint: models.url, model: "m", tools } });
      assert.equal(res.status, 400, JSON.stringify(tools).slice(0, 80));
      assert.match(res.body.error.details[0].path, /^tools/);
    }
    const agent = await agentWith(key, "m", { tools: [good] });
    const cleared = await srv<Agent>(key, "PATCH", `/agents/${agent.id}`, { body: { tools: [] } });
    assert.deepEqual(cleared.body.tools, []);
  });
});
