// Data rights in the SDK (issue 17): ChatClient.exportMyData / deleteAccount against a real
// server, and ParleyServer.exportUser / exportUserZip / deleteUser with a real server key.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatError, type Message } from "../src/index.js";
import { ParleyServer, ParleyServerError } from "../src/server/index.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const n = Math.random().toString(36).slice(2, 8);

before(async () => {
  s = await startServer();
  app = (await s.createTenant("SDK data rights", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("ChatClient", () => {
  test("exportMyData has my messages and not my partner's; deleteAccount needs my password, then signs me out and tombstones what I wrote", async () => {
    const alice = await clients.signUp("Alice");
    const bob = await clients.signUp("Bob");
    const conv = await alice.direct(bob.user!.id);
    const mine = await conv.send(`alice secret ${n}`);
    await until(() => (bob.store.state.threads[conv.id]?.messages ?? []).some((m) => m.id === mine.id), "bob has alice's message");
    await bob.conversation(conv.id).send(`bob words ${n}`);

    const ex = await alice.exportMyData();
    assert.equal(ex.profile.id, alice.user!.id);
    assert.deepEqual(
      ex.messages.map((m) => m.text),
      [`alice secret ${n}`],
    );
    assert.equal(JSON.stringify(ex).includes(`bob words ${n}`), false);

    await assert.rejects(alice.deleteAccount({ password: "wrong password" }), (e: unknown) => e instanceof ChatError && e.code === "invalid_credentials");
    assert.ok(alice.user, "still signed in after a refused deletion");

    await alice.deleteAccount({ password: "correct horse battery" });
    assert.equal(alice.user, null);
    assert.deepEqual(alice.store.state.conversations, {}, "the local state is cleared");
    await assert.rejects(alice.me(), (e: unknown) => e instanceof ChatError && e.code === "not_signed_in");

    // Bob's client turns her message into a tombstone live (user.deleted).
    const find = (): Message | undefined => bob.store.state.threads[conv.id]?.messages.find((m) => m.id === mine.id);
    await until(() => find()?.deletedAt != null, "bob sees alice's message as a tombstone");
    assert.equal(find()?.text, null);
  });
});

describe("ParleyServer", () => {
  test("exportUser, exportUserZip and deleteUser by sub", async () => {
    const key = await s.services.serverKeys.create(app, "sdk");
    const parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
    const sub = `sdk-${n}`;
    await parley.upsertUser({ sub, name: "Sdk User", email: `sdk-${n}@shop.example` });
    const ex = await parley.exportUser(sub);
    assert.equal(ex.profile.sub, sub);
    assert.equal(ex.profile.email, `sdk-${n}@shop.example`);
    const zip = unzipSync(await parley.exportUserZip(sub));
    assert.equal(JSON.parse(new TextDecoder().decode(zip["export.json"])).profile.sub, sub);

    await parley.deleteUser(sub);
    await assert.rejects(parley.exportUser(sub), (e: unknown) => e instanceof ParleyServerError && e.status === 404 && e.code === "not_found");
    await assert.rejects(parley.exportUserZip(sub), (e: unknown) => e instanceof ParleyServerError && e.status === 404);
    await assert.rejects(parley.deleteUser(sub), (e: unknown) => e instanceof ParleyServerError && e.status === 404);
  });
});
