/**
 * AI agents (issue 54), the server's side, over real HTTP and sockets, with an OpenAI-compatible
 * model server started here (helpers/model-server.ts: the real chat completions protocol, server-sent
 * events, scripted tokens). An agent answers in a DM with it and where it is @mentioned: its reply
 * streams to the members as deltas, each going on where the last ended, and ends as one message
 * whose text is the tokens joined (the deltas a beginning of it: what the last interval held when
 * the stream ended is in the final message only, messages/streaming-deltas.ts); the
 * model is told the system prompt and that conversation's messages, nothing of another; the API key
 * goes to the model as a bearer token and is never answered. A model that answers 500, garbage,
 * nothing, or drops or stalls mid-answer ends the reply failed, saying why, within the limits (the
 * silent and the stalling one on a second server whose first-token and idle limits are short); a
 * member's Stop
 * closes the connection to the model; the fourth question of a user in a minute is answered with
 * why; bad input is refused at its field, another app's agent is not found, and a private endpoint
 * needs AGENT_ALLOW_PRIVATE.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Agent, AuthResponse, Message, MessageDeltaEvent } from "@parley/sdk/protocol";
import { AgentsService } from "../src/agents/agents.service.js";
import type { ReqOptions, Res } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { type ModelRequest, ModelServer } from "./helpers/model-server.js";
import { type ClientSocket, connect, Recorder, request } from "./helpers/sockets.js";

interface Key {
  id: string;
  secret: string;
}

/** A server of this file, with its app and that app's server key. */
interface Site {
  s: TestServer;
  app: string;
  key: Key;
}

const API_KEY = "sk-parley-test-0123456789";
/**
 * AGENT_FIRST_TOKEN_SEC and AGENT_IDLE_SEC of the main server: no test here is about them, so they
 * are far past any pause of a loaded machine (the scripted model answers at once, but this process
 * shares two cores with the other pass and its database).
 */
const PATIENT_SEC = 60;
/** AGENT_FIRST_TOKEN_SEC of the second server, where only the silent and the stalling model are asked: the limit tested. */
const LIMIT_SEC = 2;
/** AGENT_IDLE_SEC of the second server: the limit tested on the model that stalls mid-answer (longer than LIMIT_SEC, to tell them apart). */
const IDLE_SEC = 3;
/** How long a reply may take to arrive on a loaded machine (no test here is about it). */
const WAIT_MS = 30_000;

let s: TestServer;
let app: string;
let foreignKey: Key;
let main: Site;
/** The second server: short first-token and idle limits, for the model that never answers and the one that stalls. */
let impatient: Site;
const models = new ModelServer();
const sockets: ClientSocket[] = [];
let n = 0;

const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;
/** The server API of `at` (the main server unless told). */
function srv<T = any>(method: string, path: string, o: ReqOptions & { key?: Key; at?: Site } = {}): Promise<Res<T>> {
  const { at = main, key: k = at.key, headers, ...rest } = o;
  return at.s.api.req<T>(method, `/server${path}`, { ...rest, headers: { Authorization: basic(k), ...headers } });
}

async function agentWith(model: string, extra: Record<string, unknown> = {}, at = main): Promise<Agent> {
  const res = await srv<Agent>("POST", "/agents", {
    at,
    body: { sub: `agent-${++n}`, name: `Helper ${n}`, endpoint: models.url, model, apiKey: API_KEY, systemPrompt: "You are the shop's helper.", ...extra },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
const person = (name: string, at = main): Promise<AuthResponse> => at.s.api.register(at.app, { displayName: name });
async function dm(u: AuthResponse, agent: Agent, at = main): Promise<string> {
  const res = await at.s.api.post("/conversations/direct", { token: u.accessToken, body: { userId: agent.userId } });
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return res.body.conversation.id;
}
async function say(u: AuthResponse, conversationId: string, text: string, o: { mentions?: string[]; at?: Site } = {}): Promise<Message> {
  const { mentions, at = main } = o;
  const res = await at.s.api.post<Message>(`/conversations/${conversationId}/messages`, {
    token: u.accessToken,
    body: { text, ...(mentions ? { mentions } : {}) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function watch(u: AuthResponse, at = main): Promise<Recorder> {
  const sock = await connect(at.s, u.accessToken);
  sockets.push(sock);
  return new Recorder(sock);
}
/** The agent's reply as it ended (its one `message.new`). */
const reply = (rec: Recorder, agent: Agent, ms = WAIT_MS): Promise<Message> =>
  rec.wait("message.new", (e) => e.data.message.senderId === agent.userId, ms).then((e) => e.data.message as Message);

/** Resolves once the model's connection for `req` is closed by the server, or fails saying `what` was left open. */
async function closed(req: ModelRequest, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} was left open`)), WAIT_MS)));
  await Promise.race([req.closedEarly, late]).finally(() => clearTimeout(timer));
}

/** A server whose agents may use a model on loopback, with an app and its server key. */
async function site(env: Record<string, string>): Promise<Site> {
  const server = await startServer({ AGENT_ALLOW_PRIVATE: "1", ...env });
  const id = (await server.createTenant("Agents")).id;
  return { s: server, app: id, key: await server.services.serverKeys.create(id) };
}

before(async () => {
  await models.start();
  main = await site({
    AGENT_FIRST_TOKEN_SEC: String(PATIENT_SEC),
    AGENT_IDLE_SEC: String(PATIENT_SEC),
    AGENT_REQUESTS_PER_USER_PER_MINUTE: "3",
    STREAM_SWEEP_SEC: "0.1",
    METRICS_PUBLIC: "1",
  });
  ({ s, app } = main);
  foreignKey = await s.services.serverKeys.create((await s.createTenant("Other")).id);
  impatient = await site({ AGENT_FIRST_TOKEN_SEC: String(LIMIT_SEC), AGENT_IDLE_SEC: String(IDLE_SEC) });
});

after(async () => {
  for (const sock of sockets) sock.close();
  await s?.close();
  await impatient?.s.close();
  await models.close();
});

describe(`AI agents on ${TEST_DB}`, () => {
  test("a DM: the reply streams as deltas and ends once as the tokens joined; the model saw the prompt and this conversation only; the key is never answered", async () => {
    const tokens = ["Hel", "lo", ", ", "Ann", "! ", "How can I help?"];
    models.scripts.set("scripted", { kind: "tokens", tokens, gapMs: 30 });
    const agent = await agentWith("scripted");
    const ann = await person("Ann");
    const bob = await person("Bob");
    // Another conversation's secret, which the agent must never be told.
    const other = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: bob.user.id } })).body.conversation.id;
    await say(ann, other, "the vault code is 4711");
    const rec = await watch(ann);
    const c = await dm(ann, agent);
    const asked = await say(ann, c, "hi there");

    const final = await reply(rec, agent);
    assert.equal(final.text, tokens.join(""));
    assert.deepEqual(final.stream, { state: "finished" });
    assert.equal(final.replyToId, asked.id);
    // The growth, as a member saw it: deltas in order, each going on where the last ended, all
    // before the final message, joined a beginning of its text. Not always all of it: what came
    // in the last delta interval before the end goes out in the final message only (the tail
    // "How can I help?", 30 ms after "! ", often does).
    const ended = rec.events.findIndex((e) => e.name === "message.new" && e.payload.data.message.id === final.id);
    let grown = "";
    rec.events.forEach((e, i) => {
      if (e.name !== "message.delta" || e.payload.messageId !== final.id) return;
      const d = e.payload as MessageDeltaEvent;
      assert.ok(i < ended, "no delta after the final message");
      assert.equal(d.offset, grown.length, "each delta goes on where the last ended");
      grown += d.text;
    });
    assert.ok(grown.length > 0, "the reply streamed: text came as deltas before it ended");
    assert.ok(final.text.startsWith(grown), `the deltas joined begin the final text: ${JSON.stringify(grown)}`);
    assert.equal(rec.events.filter((e) => e.name === "message.new" && e.payload.data.message.id === final.id).length, 1, "one final message");
    const states = rec.events.filter((e) => e.name === "ai.state" && e.payload.userId === agent.userId).map((e) => e.payload.state);
    assert.deepEqual(states.slice(0, 2), ["thinking", "generating"]);

    // What the model was told: the system prompt, then this DM's messages.
    const [req] = models.for("scripted");
    assert.ok(req);
    assert.equal(req.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(req.body.stream, true);
    assert.deepEqual(req.body.messages, [
      { role: "system", content: "You are the shop's helper." },
      { role: "user", content: "Ann: hi there" },
    ]);
    assert.ok(!JSON.stringify(models.requests.map((r) => r.body)).includes("vault"), "nothing of another conversation");

    // The key: write-only.
    for (const res of [await srv("GET", "/agents"), await srv("GET", `/agents/${agent.id}`)]) {
      assert.equal(res.status, 200);
      assert.ok(!JSON.stringify(res.body).includes(API_KEY));
    }
    assert.deepEqual(agent.apiKey, { set: true });
    assert.deepEqual((await srv<Agent>("PATCH", `/agents/${agent.id}`, { body: { apiKey: null } })).body.apiKey, { set: false });

    // The agent's own earlier reply comes back as the assistant's turn.
    await say(ann, c, "thanks");
    await rec.wait("message.new", (e) => e.data.message.senderId === agent.userId && e.data.message.id !== final.id, WAIT_MS);
    assert.deepEqual(models.for("scripted")[1]?.body.messages.slice(1), [
      { role: "user", content: "Ann: hi there" },
      { role: "assistant", content: tokens.join("") },
      { role: "user", content: "Ann: thanks" },
    ]);
  });

  test("a group: only a message that mentions the agent asks it, with what was said before", async () => {
    models.scripts.set("group", { kind: "whole", text: "Happy to help." });
    const agent = await agentWith("group");
    const ann = await person("Ann");
    const g = await s.api.post("/conversations", { token: ann.accessToken, body: { name: "Shop", memberIds: [agent.userId] } });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    const c = g.body.conversation.id as string;
    const rec = await watch(ann);
    await say(ann, c, "is anyone here?");
    await say(ann, c, "@Helper what are the opening hours?", { mentions: [agent.userId] });
    const final = await reply(rec, agent);
    assert.equal(final.text, "Happy to help.", "a model that does not stream is read whole");
    assert.equal(models.for("group").length, 1, "the message without a mention asked nothing");
    assert.deepEqual(
      models.for("group")[0]!.body.messages.map((m) => m.content),
      ["You are the shop's helper.", "Ann: is anyone here?", "Ann: @Helper what are the opening hours?"],
    );
  });

  test("a model that answers 500, garbage, nothing, or drops or stalls mid-answer: the reply ends failed, saying why, within the limits", async () => {
    models.scripts.set("down", { kind: "status", status: 500 });
    models.scripts.set("garbage", { kind: "garbage" });
    models.scripts.set("silent", { kind: "stall" });
    models.scripts.set("dropping", { kind: "drop", tokens: ["Half an ", "ans"] });
    // Two tokens, then nothing more on a connection it keeps open.
    models.scripts.set("stalling", { kind: "tokens", tokens: ["Let me look ", "that up", " for you."], gapMs: 30, stallAfter: 2 });
    const cases = [
      ["down", /HTTP 500/],
      ["garbage", /not the chat completions protocol/],
      ["silent", /did not answer in time/],
      ["dropping", /dropped/],
      ["stalling", /stopped answering/],
    ] as const;
    await Promise.all(
      cases.map(async ([model, why]) => {
        const at = model === "silent" || model === "stalling" ? impatient : main;
        const agent = await agentWith(model, {}, at);
        const u = await person(`Asker ${model}`, at);
        const rec = await watch(u, at);
        const c = await dm(u, agent, at);
        // Taken before the question: the model is asked (and its first-token clock starts) after it.
        const t0 = Date.now();
        await say(u, c, "hello?", { at });
        const final = await reply(rec, agent);
        const took = Date.now() - t0;
        assert.equal(final.stream?.state, "failed", model);
        assert.match(final.stream?.error ?? "", why, model);
        if (model === "silent") {
          assert.ok(took >= LIMIT_SEC * 1000 - 50, `not given up before the first-token limit (${took} ms)`);
          assert.ok(took < (LIMIT_SEC + 10) * 1000, `given up at the first-token limit, not a later one (${took} ms)`);
          await closed(models.for("silent")[0]!, "the silent model's connection");
        }
        if (model === "stalling") {
          // The idle clock starts at the last token, after t0: failing sooner would be a wrong limit.
          assert.ok(took >= IDLE_SEC * 1000 - 50, `not given up before the idle limit (${took} ms)`);
          assert.ok(took < (IDLE_SEC + 10) * 1000, `given up at the idle limit, not a later one (${took} ms)`);
          assert.equal(final.text, "Let me look that up", "what came before the stall stays");
          await closed(models.for("stalling")[0]!, "the stalled model's connection");
        }
        if (model === "dropping") assert.equal(final.text, "Half an ans", "what came stays");
      }),
    );
  });

  test("Stop: a member stops the reply; the server ends it and the connection to the model is closed", async () => {
    models.scripts.set("slow", { kind: "tokens", tokens: Array.from({ length: 400 }, (_, i) => `word${i} `), gapMs: 50 });
    const agent = await agentWith("slow");
    const ann = await person("Ann");
    const rec = await watch(ann);
    const c = await dm(ann, agent);
    await say(ann, c, "tell me a long story");
    const first: MessageDeltaEvent = await rec.wait("message.delta", (d) => d.conversationId === c && d.text.length > 0, WAIT_MS);
    const ack = await request<unknown>(rec.socket, "message.stop" as never, { messageId: first.messageId }, WAIT_MS);
    assert.ok(!(ack as { error?: unknown }).error, JSON.stringify(ack));
    const final = await reply(rec, agent);
    assert.equal(final.stream?.state, "stopped");
    await models.for("slow")[0]!.closedEarly;
    assert.ok((final.text ?? "").length < 400 * 6, "it stopped early");
  });

  test("the fourth question of a user in a minute is answered with why", async () => {
    models.scripts.set("quick", { kind: "whole", text: "ok" });
    const agent = await agentWith("quick");
    const u = await person("Eager");
    const rec = await watch(u);
    const c = await dm(u, agent);
    for (const q of ["one?", "two?", "three?", "four?"]) await say(u, c, q);
    await rec.wait(
      "message.new",
      () => rec.events.filter((e) => e.name === "message.new" && e.payload.data.message.senderId === agent.userId).length >= 4,
      WAIT_MS,
    );
    const replies = rec.events
      .filter((e) => e.name === "message.new" && e.payload.data.message.senderId === agent.userId)
      .map((e) => e.payload.data.message as Message);
    assert.deepEqual(replies.map((m) => m.stream?.state).sort(), ["failed", "finished", "finished", "finished"]);
    assert.match(replies.find((m) => m.stream?.state === "failed")?.stream?.error ?? "", /Too many questions/);
    assert.equal(models.for("quick").length, 3);
  });

  test("the app's word filter: masked words never shown unmasked, not even in a delta; a blocked word withholds the reply", async () => {
    const set = await srv("PUT", "/moderation/word-filter", {
      body: {
        words: [
          { word: "darn", action: "mask" },
          { word: "forbidden", action: "block" },
        ],
      },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    models.scripts.set("masked", { kind: "tokens", tokens: ["Oh ", "da", "rn, ", "that ", "broke."], gapMs: 80 });
    models.scripts.set("blocked", { kind: "tokens", tokens: ["This is ", "forbidden ", "stuff."], gapMs: 80 });
    const masked = await agentWith("masked");
    const blocked = await agentWith("blocked");
    const u = await person("Filtered");
    const rec = await watch(u);
    await say(u, await dm(u, masked), "what happened?");
    const clean = await reply(rec, masked);
    assert.equal(clean.text, "Oh ****, that broke.");
    const shown = rec.events.filter((e) => e.name === "message.delta" && e.payload.messageId === clean.id).map((e) => (e.payload as MessageDeltaEvent).text);
    assert.ok(shown.length > 1, "it streamed");
    assert.ok(!shown.join("").includes("darn"), shown.join("|"));
    assert.ok(!shown.some((t) => /darn|da$|^rn/.test(t)), `never a piece of the word: ${shown.join("|")}`);
    await say(u, await dm(u, blocked), "and now?");
    const withheld = await reply(rec, blocked);
    assert.equal(withheld.stream?.state, "failed");
    assert.match(withheld.stream?.error ?? "", /withheld/);
    assert.ok(!(withheld.text ?? "").includes("forbidden"));
    assert.equal((await srv("PUT", "/moderation/word-filter", { body: { words: [] } })).status, 200);
  });

  test("/metrics counts the replies by how they ended", async () => {
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    for (const outcome of ["finished", "failed", "stopped", "limited"])
      assert.match(metrics, new RegExp(`parley_agent_replies_total\\{outcome="${outcome}"\\} [1-9]`), outcome);
  });

  test("bad input at its field; another app's agent is not found; a private endpoint needs AGENT_ALLOW_PRIVATE", async () => {
    const good = { sub: "agent-bad", name: "Bad", endpoint: models.url, model: "m" };
    for (const [body, path] of [
      [{ ...good, endpoint: "ftp://models.example/v1" }, "endpoint"],
      [{ ...good, endpoint: "http://user:pw@models.example/v1" }, "endpoint"],
      [{ ...good, model: "" }, "model"],
      [{ ...good, temperature: 3 }, "temperature"],
      [{ ...good, contextMessages: 0 }, "contextMessages"],
      [{ ...good, unknown: 1 }, ""],
    ] as const) {
      const res = await srv("POST", "/agents", { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      if (path) assert.equal(res.body.error.details[0].path, path, JSON.stringify(res.body));
    }
    const agent = await agentWith("anything");
    assert.equal((await srv("GET", `/agents/${agent.id}`, { key: foreignKey })).status, 404);
    assert.equal((await srv("PATCH", `/agents/${agent.id}`, { key: foreignKey, body: { enabled: false } })).status, 404);
    assert.equal((await srv("DELETE", `/agents/${agent.id}`, { key: foreignKey })).status, 404);
    assert.equal((await srv("GET", "/agents/agt_missing")).status, 404);

    const strict = new AgentsService({ db: s.services.db, uow: s.services.uow, users: s.services.users, allowPrivate: false });
    await assert.rejects(
      strict.create({ appId: app, server: "test" }, { ...good, sub: "agent-private" }),
      (err: { code?: string; details?: { path: string }[] }) => {
        assert.equal(err.code, "validation_failed");
        assert.equal(err.details?.[0]?.path, "endpoint");
        return true;
      },
    );

    assert.equal((await srv("DELETE", `/agents/${agent.id}`)).status, 204);
    assert.equal((await srv("GET", `/agents/${agent.id}`)).status, 404);
  });
});
