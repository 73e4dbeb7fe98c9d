// Per-conversation mute through the SDK (issue 31): `conversation.mute()` on one device sets
// `muted` in that device's store at once and in the user's other device's store live (the
// `conversation.muted` event); the other member's store never shows it, not even after an event
// about the conversation. Real server, real sockets.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatClient } from "../src/index.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const extra: ChatClient[] = [];

before(async () => {
  s = await startServer();
  app = (await s.createTenant("SDK mute", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  for (const c of extra) c.close();
  await s?.close();
});

describe("mute through the SDK", () => {
  test("muting on one device reaches the user's other device live, never the other member", async () => {
    const ada = await clients.signUp("Ada");
    const ben = await clients.signUp("Ben");
    const dm = await ada.direct(ben.user!.id);
    // Ada's second device: the same account, signed in separately.
    const laptop = new ChatClient({ server: s.url, appId: app });
    extra.push(laptop);
    await laptop.login(ada.user!.email!, "correct horse battery");
    await until(() => laptop.store.state.connection === "connected", "the laptop connected");
    await laptop.listConversations();
    assert.ok(dm.id in laptop.store.state.conversations, "the laptop lists the conversation");
    await ben.listConversations();
    assert.ok(dm.id in ben.store.state.conversations, "Ben lists the conversation");

    const answered = await dm.mute();
    assert.equal(answered.muted, true);
    assert.equal(ada.store.state.conversations[dm.id]?.muted, true, "this device at once");
    await until(() => laptop.store.state.conversations[dm.id]?.muted === true, "the other device, live");

    // Ben's store: an event about the conversation (Ada's message) carries nobody's mute.
    await dm.send("hi");
    await until(() => ben.store.state.conversations[dm.id]?.lastMessage?.text === "hi", "Ben has the message");
    assert.equal(ben.store.state.conversations[dm.id]?.muted, undefined, "Ben never sees Ada's mute");

    await laptop.conversation(dm.id).mute(false);
    assert.equal(laptop.store.state.conversations[dm.id]?.muted, undefined);
    await until(() => ada.store.state.conversations[dm.id]?.muted === undefined, "unmuted on the first device, live");
  });
});
