// AI features through the SDK (issue 54), against the real server and the scripted model server:
// "Talk to a person" (`Streams.talkToPerson`) asks the server to hand the conversation to people;
// `Streams.translate` and `Streams.summarize`. Each is refused with the server's code while the app
// has not turned it on, and `chat.user.ai` says when translation and summaries are.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ModelServer } from "../../server/test/helpers/model-server.js";
import { isChatError } from "../src/index.js";
import { Streams } from "../src/streams.js";
import { clientFactory } from "./helpers/clients.js";

let s: TestServer;
let app: string;
let auth: string;
const models = new ModelServer();
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  await models.start();
  s = await startServer({ AGENT_ALLOW_PRIVATE: "1" });
  app = (await s.createTenant("SDK AI", ["*"])).id;
  const key = await s.services.serverKeys.create(app);
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
});
after(async () => {
  clients.closeAll();
  await s?.close();
  await models.close();
});

async function server(method: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/v1/server${path}`, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe("hand-off through the SDK", () => {
  test("talkToPerson: refused with handoff_off while the app hands off to nobody; then the agent's conversation is handed off", async () => {
    const agent = await server("POST", "/agents", { sub: "concierge", name: "Concierge", endpoint: models.url, model: "unused" });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const alice = await clients.signUp("Alice");
    const group = await alice.createGroup({ name: "Shop", memberIds: [agent.body.userId] });
    const streams = new Streams(alice);
    try {
      await assert.rejects(streams.talkToPerson(group.id), (e: unknown) => {
        assert.ok(isChatError(e));
        assert.equal(e.code, "conflict");
        assert.equal((e.details as { reason?: string }).reason, "handoff_off");
        return true;
      });
      assert.equal((await server("PUT", "/agent-settings", { handoffTo: "moderators" })).status, 200);
      assert.deepEqual(await streams.talkToPerson(group.id), { conversationId: group.id, userIds: [], created: true });
    } finally {
      streams.close();
    }
  });
});

describe("translation and summaries through the SDK", () => {
  test("translate and summarize: translate_off while off; then the model's answers, kept the second time", async () => {
    models.scripts.set("sdk-ai", { kind: "whole", text: "Bonjour" });
    const agent = await server("POST", "/agents", { sub: "helper", name: "Helper", endpoint: models.url, model: "sdk-ai" });
    assert.equal(agent.status, 201, JSON.stringify(agent.body));
    const [alice, bob] = [await clients.signUp("Alice"), await clients.signUp("Bob")];
    const dm = await alice.direct(bob.user!.id);
    const hello = await dm.send("Hello");
    await dm.send("How are you?");
    const streams = new Streams(bob);
    try {
      await assert.rejects(streams.translate(hello.id, "fr"), (e: unknown) => {
        assert.ok(isChatError(e));
        assert.equal(e.code, "translate_off");
        assert.equal(e.status, 409);
        return true;
      });
      assert.equal(bob.user?.ai, undefined);
      const set = await server("PUT", "/agent-settings", { handoffTo: "off", translateAgentId: agent.body.id, summarizeAgentId: agent.body.id });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.deepEqual((await bob.me()).ai, { translate: true, summarize: true });

      assert.deepEqual(await streams.translate(hello.id, "fr"), { messageId: hello.id, language: "fr", text: "Bonjour", cached: false });
      assert.deepEqual(await streams.translate(hello.id, "fr"), { messageId: hello.id, language: "fr", text: "Bonjour", cached: true });
      const summary = await streams.summarize(dm.id, "fr");
      assert.deepEqual(summary, { conversationId: dm.id, language: "fr", text: "Bonjour", messageCount: 2, cached: false });
      assert.equal((await streams.summarize(dm.id, "fr")).cached, true);
      assert.equal(models.for("sdk-ai").length, 2);
    } finally {
      streams.close();
    }
  });
});
