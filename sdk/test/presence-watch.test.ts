// Presence on request through the SDK (issue 56): in a group above the app's presence group size
// nobody is pushed the members' presence; `chat.watchPresence(ids)` asks for whom a view shows,
// puts their presence in `state.presence` and keeps it current, and asks again after a reconnect
// (a new socket watches nobody). Real server, real sockets.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer({ PRESENCE_GRACE_MS: "200", PRESENCE_GROUP_MAX: "2" });
  app = (await s.createTenant("SDK presence", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("presence on request through the SDK", () => {
  test("watchPresence: their presence now and their changes, also after this client reconnects; nothing unasked", async () => {
    const ada = await clients.signUp("Ada");
    const ben = await clients.signUp("Ben");
    const cai = await clients.signUp("Cai");
    const group = await ada.createGroup({ name: "Big enough", memberIds: [ben.user!.id, cai.user!.id] });
    await until(() => ada.store.state.connection === "connected" && ben.store.state.connection === "connected", "both connected");
    // Three members, above the server's PRESENCE_GROUP_MAX of 2: Ben's coming online was not pushed.
    await group.send("hello");
    await until(() => ben.store.state.conversations[group.id]?.lastMessage?.text === "hello", "Ben has the message");
    assert.equal(ada.store.state.presence[ben.user!.id], undefined, "nothing pushed in a big group");

    await ada.watchPresence([ben.user!.id, cai.user!.id]);
    assert.equal(ada.store.state.presence[ben.user!.id]?.online, true, "Ben: online, in the answer");
    assert.equal(ada.store.state.presence[cai.user!.id]?.online, true, "Cai: online");

    ben.disconnect();
    await until(() => ada.store.state.presence[ben.user!.id]?.online === false, "Ben's going offline reaches Ada");

    // Ada's own socket drops and comes back: the watch is asked again, so Ben's return reaches her.
    ada.disconnect();
    await until(() => ada.store.state.connection === "disconnected", "Ada offline");
    ada.connect();
    await until(() => ada.store.state.connection === "connected", "Ada back");
    ben.connect();
    await until(() => ada.store.state.presence[ben.user!.id]?.online === true, "Ben's return reaches Ada after her reconnect", 8000);

    // Watching nobody: Cai's going offline no longer comes.
    await ada.watchPresence([]);
    cai.disconnect();
    await until(() => ben.store.state.connection === "connected", "Ben connected");
    // Cai is offline once the grace has passed (her last-seen time is written right after it is
    // announced); a round trip of Ada's after that has everything sent to her before it.
    const seen = async (): Promise<boolean> =>
      Number(
        ((await s.services.db.query("SELECT COUNT(*) AS n FROM users WHERE id = ? AND lastSeenAt IS NOT NULL", [cai.user!.id])) as { n: number }[])[0]!.n,
      ) > 0;
    for (const deadline = Date.now() + 5000; !(await seen()); ) {
      assert.ok(Date.now() < deadline, "Cai's last-seen time was written");
      await new Promise((r) => setTimeout(r, 20));
    }
    await ada.watchPresence([]);
    assert.equal(ada.store.state.presence[cai.user!.id]?.online, true, "not told once unwatched");
  });
});
