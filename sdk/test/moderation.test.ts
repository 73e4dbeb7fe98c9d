// Moderation in the SDK (issue 17): new Moderation(chat) (report; a moderator's mute, slow mode,
// word filter, deletion, audit) and ParleyServer's moderation methods, against a real server.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatError, isChatError, Moderation } from "../src/index.js";
import { ParleyServer, ParleyServerError } from "../src/server/index.js";
import { clientFactory } from "./helpers/clients.js";

let s: TestServer;
let app: string;
let parley: ParleyServer;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("SDK moderation", ["*"])).id;
  const key = await s.services.serverKeys.create(app);
  parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("moderation through the SDK", () => {
  test("a member reports; a moderator (set by the server SDK) mutes, filters, deletes and reads the audit log", async () => {
    const mod = await clients.signUp("Mod");
    const amy = await clients.signUp("Amy");
    // The server SDK names users by sub: give the registered accounts none, so promote through the service.
    await s.services.moderation.setModerator({ appId: app, server: "test" }, { userId: mod.user!.id, moderator: true });
    assert.equal((await mod.me()).moderator, true);
    assert.equal(mod.user?.moderator, true);

    const conv = await mod.createGroup({ name: "Club", memberIds: [], isPublic: true });
    await amy.join(conv.id);

    const sent = await amy.conversation(conv.id).send("spammy words");
    const report = await new Moderation(amy).report({ messageId: sent.id, reason: "spam", note: "test" }).catch((e: unknown) => e);
    // Amy cannot report herself.
    assert.ok(isChatError(report) && report.code === "validation_failed");
    const byMod = await new Moderation(mod).report({ messageId: sent.id, reason: "spam" });
    assert.equal(byMod.userId, amy.user!.id);
    assert.equal((await new Moderation(mod).reports()).items[0]?.id, byMod.id);

    await new Moderation(mod).mute(conv.id, amy.user!.id, { durationSec: 600, reason: "cool down" });
    const refused = await amy
      .conversation(conv.id)
      .send("muted?")
      .catch((e: unknown) => e);
    assert.ok(refused instanceof ChatError, String(refused));
    assert.equal(refused.code, "muted");
    await new Moderation(mod).unmute(conv.id, amy.user!.id);

    await new Moderation(mod).setWordFilter([{ word: "heck", action: "mask" }]);
    assert.equal((await amy.conversation(conv.id).send("what the heck")).text, "what the ****");
    await new Moderation(mod).deleteMessage(sent.id, "spam");

    const forbidden = await new Moderation(amy).audit().catch((e: unknown) => e);
    assert.ok(isChatError(forbidden) && forbidden.code === "forbidden");
    const actions = (await new Moderation(mod).audit()).items.map((e) => e.action);
    for (const a of ["mute", "unmute", "word_filter.set", "message.delete"]) assert.ok(actions.includes(a as never), a);

    const entries = await parley.moderationAudit({ limit: 100 });
    assert.equal(entries.items.length, actions.length);
    const reports = await parley.listReports();
    assert.equal((await parley.resolveReport(reports.items[0]!.id, { status: "dismissed" })).status, "dismissed");
  });

  test("the server SDK sets moderators and bans by sub", async () => {
    await parley.upsertUser({ sub: "seller", name: "Seller" });
    await parley.setModerator("seller", true, "trusted");
    assert.ok((await parley.listModerators()).some((m) => m.sub === "seller"));
    await parley.upsertUser({ sub: "troll", name: "Troll" });
    const ban = await parley.ban("troll", { reason: "abuse" });
    assert.equal(ban.kind, "ban");
    assert.equal(ban.conversationId, null);
    const { hostToken } = await parley.createToken({ sub: "troll" });
    const troll = await clients.signUp("Other");
    const refused = await troll.connectWithHostToken(hostToken).catch((e: unknown) => e);
    assert.ok(isChatError(refused) && refused.code === "banned", String(refused));
    await parley.unban("troll");
    const missing = await parley.ban("nobody").catch((e: unknown) => e);
    assert.ok(missing instanceof ParleyServerError && missing.code === "not_found");
    await parley.setModerator("seller", false);
    assert.ok(!(await parley.listModerators()).some((m) => m.sub === "seller"));
  });
});
