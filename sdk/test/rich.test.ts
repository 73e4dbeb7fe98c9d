// @parley/sdk/rich (pins and polls for a signed-in ChatClient) and ParleyServer's pin and poll
// methods, against a real server: the calls, their typed answers, the events on chat.on, refusals
// as ChatError / ParleyServerError.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { isChatError, type PollUpdated } from "../src/index.js";
import { closePoll, createPoll, listPins, pinMessage, retractVote, unpinMessage, votePoll } from "../src/rich.js";
import { ParleyServer, ParleyServerError } from "../src/server/index.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
let parley: ParleyServer;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Rich SDK")).id;
  const key = await s.services.serverKeys.create(app);
  parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("@parley/sdk/rich", () => {
  test("pins and polls from a ChatClient, with the events on chat.on", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const sent = await dm.send("keep this");
    const pinned = await pinMessage(ben, sent.id);
    assert.equal(pinned.by, ben.user!.id);
    assert.deepEqual(
      (await listPins(ann, dm.id)).pins.map((p) => p.message.id),
      [sent.id],
    );
    await until(
      () => ann.store.state.threads[dm.id]?.messages.some((m) => m.id === sent.id && m.pinned?.by === ben.user!.id) ?? false,
      "Ann's store shows the pin",
    );
    await unpinMessage(ben, sent.id);
    assert.deepEqual((await listPins(ann, dm.id)).pins, []);

    const updates: PollUpdated[] = [];
    ann.on("poll.updated", (e) => updates.push(e.data));
    const asked = await createPoll(ann, dm.id, { question: "Tea?", options: ["Yes", "No"] });
    assert.equal(asked.text, "Tea?");
    const mine = await votePoll(ben, asked.id, ["0"]);
    assert.deepEqual(mine.mine, ["0"]);
    await until(() => updates.some((u) => u.messageId === asked.id && u.poll.options[0]!.votes === 1), "Ann hears of the vote");
    assert.equal((await retractVote(ben, asked.id)).voterCount, 0);
    assert.ok((await closePoll(ann, asked.id)).closedAt);
    await assert.rejects(votePoll(ben, asked.id, ["1"]), (e: unknown) => isChatError(e) && e.code === "conflict" && e.status === 409);
  });

  test("ParleyServer pins, lists, asks and closes", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const sent = await dm.send("from the site's view");
    const pin = await parley.pinMessage(sent.id);
    assert.equal(pin.by, null);
    assert.deepEqual(
      (await parley.listPins(dm.id)).pins.map((p) => p.message.id),
      [sent.id],
    );
    await parley.unpinMessage(sent.id);
    const poll = await parley.createPoll(dm.id, { question: "Rate us", options: ["Good", "Bad"], anonymous: true });
    assert.equal(poll.senderId, null);
    assert.equal(poll.poll?.anonymous, true);
    await votePoll(ann, poll.id, ["0"]);
    const closed = await parley.closePoll(poll.id);
    assert.equal(closed.options[0]!.votes, 1);
    assert.equal(closed.options[0]!.voters, undefined, "anonymous: no voters, not even for the host's backend");
    await assert.rejects(parley.pinMessage("999999999"), (e: unknown) => e instanceof ParleyServerError && e.status === 404);
  });
});
