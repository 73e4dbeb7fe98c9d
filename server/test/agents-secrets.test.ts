/**
 * AI agents (issue 54): an agent's API key is never answered by a route nor written to the logs.
 * One server logs everything (LOG_LEVEL=trace) into this test (harness `logTo`) while the key is
 * set, refused with bad input, changed, sent to models that answer, fail with 500, refuse it
 * quoting the Authorization header back (as a status, as garbage, as an error event mid-stream)
 * or drop; and while the database refuses the agent's insert and update (a trigger), so that
 * the failed statement, whose values hold the key, is logged as an unhandled error. Then no
 * answer, no reply and no log line holds the key. The check sees what it claims: the lines of
 * those requests and both unhandled errors are there, their statement's values redacted.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Agent, AuthResponse, Message } from "@parley/sdk/protocol";
import type { ReqOptions, Res } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { ModelServer, type Script } from "./helpers/model-server.js";
import { type ClientSocket, connect, Recorder } from "./helpers/sockets.js";

/** The keys: random, so that nothing but a leak can put them in the output. */
const SECRET = randomBytes(12).toString("hex");
const KEY = `sk-parley-${SECRET}`;
const SECRET2 = randomBytes(12).toString("hex");
const KEY2 = `sk-parley-${SECRET2}`;
/** How long a reply may take to arrive on a loaded machine (no test here is about it). */
const WAIT_MS = 30_000;
/** The limits of the models' silences: none here is silent, so far past any pause of a loaded machine. */
const PATIENT_SEC = "60";

/** Every line the server logged. */
const lines: string[] = [];
let s: TestServer;
let app: string;
let key: { id: string; secret: string };
const models = new ModelServer();
const sockets: ClientSocket[] = [];
let n = 0;

function srv<T = any>(method: string, path: string, o: ReqOptions = {}): Promise<Res<T>> {
  const auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  return s.api.req<T>(method, `/server${path}`, { ...o, headers: { Authorization: auth, ...o.headers } });
}

/** Whether `text` holds either key, or the random part of one. */
const leaks = (text: string): boolean => [SECRET, SECRET2].some((k) => text.includes(k));

const agentBody = (model: string) => ({ sub: `agent-${++n}`, name: `Helper ${n}`, endpoint: models.url, model, apiKey: KEY });

/** The database refuses every insert into (or update of) `agents`, until `drop`. */
const REFUSE = {
  sqlite: (op: string) => `CREATE TRIGGER refuse_${op} BEFORE ${op} ON agents BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
  mysql: (op: string) => `CREATE TRIGGER refuse_${op} BEFORE ${op} ON agents FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'`,
};
const refuse = (op: "INSERT" | "UPDATE") => s.services.db.query(REFUSE[TEST_DB](op));
const allow = (op: "INSERT" | "UPDATE") => s.services.db.query(`DROP TRIGGER refuse_${op}`);

before(async () => {
  await models.start();
  s = await startServer(
    { AGENT_ALLOW_PRIVATE: "1", LOG_LEVEL: "trace", AGENT_FIRST_TOKEN_SEC: PATIENT_SEC, AGENT_IDLE_SEC: PATIENT_SEC },
    { logTo: { write: (line: string) => void lines.push(line) } },
  );
  app = (await s.createTenant("Secrets")).id;
  key = await s.services.serverKeys.create(app);
});

after(async () => {
  for (const sock of sockets) sock.close();
  await s?.close();
  await models.close();
});

describe(`an agent's API key on ${TEST_DB}`, () => {
  test("never in a route's answer, a reply, or a log line, whatever the model or the database does", async () => {
    // Set, refused with bad input, changed: never answered.
    const made = await srv<Agent>("POST", "/agents", { body: agentBody("answers") });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const bad = await srv("POST", "/agents", { body: { ...agentBody("answers"), temperature: 3 } });
    assert.equal(bad.status, 400);
    const changed = await srv<Agent>("PATCH", `/agents/${made.body.id}`, { body: { apiKey: KEY2, systemPrompt: "Be brief." } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const listed = await srv("GET", "/agents");
    const one = await srv("GET", `/agents/${made.body.id}`);
    for (const res of [made, bad, changed, listed, one]) assert.ok(!leaks(JSON.stringify(res.body)), JSON.stringify(res.body));

    // The database refuses the agent's insert, then its update: each a 500 whose error, logged, names the statement.
    await refuse("INSERT");
    const refusedCreate = await srv("POST", "/agents", { body: agentBody("answers") });
    await allow("INSERT");
    await refuse("UPDATE");
    const refusedUpdate = await srv("PATCH", `/agents/${made.body.id}`, { body: { apiKey: KEY } });
    await allow("UPDATE");
    for (const res of [refusedCreate, refusedUpdate]) {
      assert.equal(res.status, 500, JSON.stringify(res.body));
      assert.ok(!leaks(JSON.stringify(res.body)));
    }

    // Models that answer, fail, quote the key back, or drop.
    // Each with how its reply ends: finished, or failed saying why.
    const scripts: [string, Script, "finished" | RegExp][] = [
      ["answers", { kind: "tokens", tokens: ["All ", "good."], gapMs: 20 }, "finished"],
      ["down", { kind: "status", status: 500 }, /HTTP 500/],
      ["refuses", { kind: "status", status: 401, echo: true }, /HTTP 401/],
      ["garbled", { kind: "garbage", echo: true }, /not the chat completions protocol/],
      ["errs", { kind: "error", tokens: ["Sure, "], echo: true }, /reported an error/],
      ["dropping", { kind: "drop", tokens: ["Half an ", "ans"] }, /dropped/],
    ];
    for (const [model, script] of scripts) models.scripts.set(model, script);
    const agents = [changed.body];
    for (const [model] of scripts.slice(1)) {
      const res = await srv<Agent>("POST", "/agents", { body: agentBody(model) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      agents.push(res.body);
    }
    const replies = await Promise.all(
      agents.map(async (agent, i) => {
        const u: AuthResponse = await s.api.register(app, { displayName: `Asker ${i}` });
        const sock = await connect(s, u.accessToken);
        sockets.push(sock);
        const rec = new Recorder(sock);
        const dm = await s.api.post("/conversations/direct", { token: u.accessToken, body: { userId: agent.userId } });
        assert.ok(dm.status < 300, JSON.stringify(dm.body));
        const asked = await s.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: u.accessToken, body: { text: "hello?" } });
        assert.equal(asked.status, 201, JSON.stringify(asked.body));
        const e = await rec.wait("message.new", (ev) => ev.data.message.senderId === agent.userId, WAIT_MS);
        return e.data.message as Message;
      }),
    );
    scripts.forEach(([model, , end], i) => {
      const reply = replies[i]!;
      assert.equal(reply.stream?.state, end === "finished" ? end : "failed", `${model}: ${JSON.stringify(reply.stream)}`);
      if (end !== "finished") assert.match(reply.stream?.error ?? "", end, model);
      assert.ok(!leaks(JSON.stringify(reply)), `${model}'s reply: ${JSON.stringify(reply)}`);
      // The key did go out, as the bearer token, to each model: the changed one to the first.
      assert.equal(models.for(model)[0]?.headers.authorization, `Bearer ${i === 0 ? KEY2 : KEY}`, model);
    });

    // The logs: the lines of what was done are there (the check sees what it claims), no key in any.
    const logged = lines.join("");
    const entries = lines
      .flatMap((l) => l.split("\n"))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);
    assert.ok(
      entries.some((e) => e["msg"] === "request" && e["method"] === "PATCH" && String(e["path"]).startsWith("/v1/server/agents/")),
      "the requests are logged",
    );
    const unhandled = entries.filter((e) => e["msg"] === "unhandled error");
    assert.equal(unhandled.length, 2, "the refused insert and update are logged");
    for (const e of unhandled) assert.match(String(e["err"]?.["message"]), /refused by the test/);
    assert.ok(!leaks(logged), `a log line holds the key:\n${lines.filter(leaks).join("")}`);
    for (const e of unhandled) assert.equal(e["err"]?.["parameters"], "[redacted]", "the statement's values are not logged");
  });
});
