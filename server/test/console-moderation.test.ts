import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type {
  AuditEntry,
  AuthResponse,
  ConsoleReportDetail,
  ConsoleSanctionResponse,
  ConsoleSanctionsResponse,
  Conversation,
  Page,
  Report,
  ReportResponse,
} from "@parley/sdk/protocol";
import { ConsoleAuditEntity } from "../src/console/console.entities.js";
import { consoleAccount, type Answer, type ConsoleBrowser } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";

// The console's moderation API (issue 32) over real HTTP: chat users report through the chat API,
// a console moderator works the queue, on SQLite and MariaDB.

const reason = (a: Answer): string | undefined => a.body?.error?.details?.reason;
/** The fields a 400 names (`details[].path`). */
const fieldsOf = (a: Answer): string[] => (Array.isArray(a.body?.error?.details) ? a.body.error.details.map((d: { path: string }) => d.path) : []);

describe("the console: moderation", { timeout: 240_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  const tok = (u: AuthResponse) => ({ token: u.accessToken });
  const send = (u: AuthResponse, conversationId: string, text: string) =>
    s.api.post(`/conversations/${conversationId}/messages`, { ...tok(u), body: { text } });
  const sent = async (u: AuthResponse, conversationId: string, text: string): Promise<string> => {
    const r = await send(u, conversationId, text);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return (r.body.message ?? r.body).id as string;
  };
  const report = async (u: AuthResponse, messageId: string, why = "harassment"): Promise<Report> => {
    const r = await s.api.post<ReportResponse>("/reports", { ...tok(u), body: { messageId, reason: why } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.report;
  };

  /** An app with three chat users in a group, 13 messages (the 7th, by bob, reported by alice), and a console moderator. */
  async function scene() {
    const { id: appId } = await s.createTenant("Moderated");
    const [alice, bob, carol] = [await s.api.register(appId), await s.api.register(appId), await s.api.register(appId)];
    const group = await s.api.post<{ conversation: Conversation }>("/conversations", {
      ...tok(alice),
      body: { name: "Room", memberIds: [bob.user.id, carol.user.id] },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const conv = group.body.conversation.id;
    const ids: string[] = [];
    for (let i = 0; i < 13; i++) ids.push(await sent(i === 6 ? bob : i % 2 ? alice : carol, conv, `message ${i}`));
    const mod = await consoleAccount(s, { email: `mod-${n()}@mod.example`, role: "moderator", appId });
    return { appId, alice, bob, carol, conv, ids, mod, b: mod.browser, base: `/apps/${appId}/moderation` };
  }

  test("a moderator lists the queue, reads a report in context, bans the sender (resolving it), mutes and lifts, dismisses, filters", async () => {
    const { appId, alice, bob, carol, conv, ids, mod, b, base } = await scene();
    const reported = await report(alice, ids[6]!);
    const other = await report(bob, ids[3]!, "spam");

    // The open queue, newest first.
    const queue = await b.get<Page<Report>>(`${base}/reports`);
    assert.equal(queue.status, 200, JSON.stringify(queue.body));
    assert.deepEqual(
      queue.body.items.map((r) => r.id),
      [other.id, reported.id],
    );
    const paged = await b.get<Page<Report>>(`${base}/reports?status=open&limit=1`);
    assert.deepEqual([paged.body.items.map((r) => r.id), typeof paged.body.nextCursor], [[other.id], "string"]);
    const rest = await b.get<Page<Report>>(`${base}/reports?status=open&limit=1&cursor=${paged.body.nextCursor}`);
    assert.deepEqual([rest.body.items.map((r) => r.id), rest.body.nextCursor], [[reported.id], null]);

    // The detail: the message, five before and five after, oldest first.
    const detail = await b.get<ConsoleReportDetail>(`${base}/reports/${reported.id}`);
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.deepEqual(detail.body.report, reported);
    assert.deepEqual([detail.body.message?.id, detail.body.message?.text, detail.body.message?.senderId], [ids[6], "message 6", bob.user.id]);
    assert.deepEqual(
      detail.body.before.map((m) => m.id),
      ids.slice(1, 6),
    );
    assert.deepEqual(
      detail.body.after.map((m) => m.id),
      ids.slice(7, 12),
    );
    assert.deepEqual(
      detail.body.after.map((m) => m.text),
      [7, 8, 9, 10, 11].map((i) => `message ${i}`),
    );

    // Ban the sender from the app for the report: resolved by the console account; bob is refused at once.
    const banned = await b.post<ConsoleSanctionResponse>(`/apps/${appId}/moderation/users/${bob.user.id}/ban`, {
      scope: "app",
      reason: "abusive messages",
      reportId: reported.id,
    });
    assert.equal(banned.status, 200, JSON.stringify(banned.body));
    assert.deepEqual(
      [banned.body.sanction.kind, banned.body.sanction.userId, banned.body.sanction.conversationId, banned.body.sanction.reason],
      ["ban", bob.user.id, null, "abusive messages"],
    );
    const actor = `console:${mod.me.account.id}`;
    assert.deepEqual([banned.body.report?.id, banned.body.report?.status, banned.body.report?.resolvedBy], [reported.id, "resolved", actor]);
    assert.match(banned.body.report!.resolution!, /abusive messages/);
    const refused = await send(bob, conv, "still here?");
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "banned");
    // The ban's reason comes with the refusal (requireAuth's, http/middleware.ts).
    assert.equal(refused.body.error.details?.banReason, "abusive messages");

    // The ban in the console's list, by id and actor; the host's backend sees the actor and reason in its audit log.
    const bans = await b.get<ConsoleSanctionsResponse>(`${base}/bans`);
    assert.equal(bans.status, 200, JSON.stringify(bans.body));
    assert.deepEqual(
      bans.body.items.map((x) => [x.userId, x.by, x.reason, x.conversationId]),
      [[bob.user.id, actor, "abusive messages", null]],
    );
    const key = await s.services.serverKeys.create(appId);
    const sk = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    const log = await s.api.get<Page<AuditEntry>>("/server/moderation/audit", { headers: sk });
    const banEntry = log.body.items.find((e) => e.action === "ban.app");
    assert.deepEqual([banEntry?.actorServerKey, banEntry?.targetUserId, banEntry?.reason], [actor, bob.user.id, "abusive messages"]);

    // The console's own audit names the moderator.
    const audit = await s.services.db.getRepository(ConsoleAuditEntity).find({ where: { appId, action: "moderation.ban" } });
    assert.deepEqual(
      audit.map((a) => [a.accountId, a.target]),
      [[mod.me.account.id, `${bob.user.id} abusive messages`]],
    );

    // Mute carol in the group for ten minutes, then lift it.
    const muted = await b.post<ConsoleSanctionResponse>(`${base}/users/${carol.user.id}/mute`, { minutes: 10, conversationId: conv, reason: "cool off" });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    const until = Date.parse(muted.body.sanction.until!);
    assert.ok(Math.abs(until - (Date.now() + 600_000)) < 30_000, muted.body.sanction.until!);
    assert.equal(muted.body.report, null);
    assert.equal((await send(carol, conv, "muted?")).body.error?.code, "muted");
    const mutes = await b.get<ConsoleSanctionsResponse>(`${base}/mutes`);
    assert.deepEqual(
      mutes.body.items.map((x) => [x.userId, x.conversationId, x.by, x.reason]),
      [[carol.user.id, conv, actor, "cool off"]],
    );
    const muteId = mutes.body.items[0]!.id;
    assert.equal((await b.del(`${base}/mutes/${muteId}`)).status, 204);
    assert.equal((await b.del(`${base}/mutes/${muteId}`)).status, 404);
    assert.equal((await b.get<ConsoleSanctionsResponse>(`${base}/mutes`)).body.items.length, 0);
    await sent(carol, conv, "unmuted");
    assert.deepEqual(
      (await s.services.db.getRepository(ConsoleAuditEntity).find({ where: { appId }, order: { at: "ASC" } }))
        .filter((a) => a.action.startsWith("moderation."))
        .map((a) => a.action),
      ["moderation.ban", "moderation.mute", "moderation.unmute"],
    );

    // Dismiss the other report, with a note; a second time is a 409.
    const dismissed = await b.post<ReportResponse>(`${base}/reports/${other.id}/dismiss`, { note: "not spam" });
    assert.equal(dismissed.status, 200, JSON.stringify(dismissed.body));
    assert.deepEqual([dismissed.body.report.status, dismissed.body.report.resolution, dismissed.body.report.resolvedBy], ["dismissed", "not spam", actor]);
    assert.equal((await b.post(`${base}/reports/${other.id}/dismiss`)).status, 409);
    assert.equal((await b.post(`${base}/reports/${other.id}/resolve`)).status, 409);

    // Status filters.
    const ids_ = async (status: string) => (await b.get<Page<Report>>(`${base}/reports?status=${status}`)).body.items.map((r) => r.id);
    assert.deepEqual(await ids_("open"), []);
    assert.deepEqual(await ids_("resolved"), [reported.id]);
    assert.deepEqual(await ids_("dismissed"), [other.id]);
    assert.deepEqual(await ids_("all"), [other.id, reported.id]);

    // Lift the ban: bob signs in again.
    const banId = bans.body.items[0]!.id;
    assert.equal((await b.del(`${base}/bans/${banId}`, { reason: "served" })).status, 204);
    assert.equal((await b.get<ConsoleSanctionsResponse>(`${base}/bans`)).body.items.length, 0);
    assert.equal((await b.del(`${base}/bans/${banId}`)).status, 404);
  });

  test("a message deleted for its report, a group ban from a report, and a report's conversation for a mute", async () => {
    const { alice, bob, carol, conv, ids, b, base } = await scene();
    // Carol reports alice's 10th message: the moderator deletes it for that report.
    const r = await report(carol, ids[9]!);
    const wrong = await b.del(`${base}/messages/${ids[8]}`, { reportId: r.id });
    assert.deepEqual([wrong.status, fieldsOf(wrong)], [400, ["reportId"]]);
    assert.equal((await b.del(`${base}/messages/${ids[9]}`, { reportId: r.id, reason: "rude" })).status, 204);
    const after = await b.get<ConsoleReportDetail>(`${base}/reports/${r.id}`);
    assert.deepEqual([after.body.report.status, after.body.message], ["resolved", null]);
    assert.equal(after.body.report.messageText, "message 9");
    assert.deepEqual([after.body.before.length, after.body.after.length], [5, 3]);
    assert.equal((await b.del(`${base}/messages/${ids[9]}`)).status, 404);

    // Alice reports carol's message: a mute from the report takes its conversation.
    const rc = await report(alice, ids[0]!);
    const muted = await b.post<ConsoleSanctionResponse>(`${base}/users/${carol.user.id}/mute`, { minutes: 60, reportId: rc.id });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    assert.deepEqual([muted.body.sanction.conversationId, muted.body.report?.status], [conv, "resolved"]);
    assert.equal((await b.post(`${base}/users/${carol.user.id}/mute`, { minutes: 60, reportId: rc.id })).status, 409);

    // Alice reports bob: a group ban from the report removes him from the group.
    const rb = await report(alice, ids[6]!);
    const ban = await b.post<ConsoleSanctionResponse>(`${base}/users/${bob.user.id}/ban`, { scope: "conversation", reason: "off topic", reportId: rb.id });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    assert.deepEqual([ban.body.sanction.conversationId, ban.body.report?.status], [conv, "resolved"]);
    assert.notEqual((await send(bob, conv, "let me in")).status, 201);
    const bans = await b.get<ConsoleSanctionsResponse>(`${base}/bans`);
    assert.deepEqual(
      bans.body.items.map((x) => [x.userId, x.conversationId, x.reason]),
      [[bob.user.id, conv, "off topic"]],
    );
    assert.equal((await b.del(`${base}/bans/${bans.body.items[0]!.id}`)).status, 204);
    // A mute's id is not a ban's.
    const mutes = await b.get<ConsoleSanctionsResponse>(`${base}/mutes`);
    assert.equal((await b.del(`${base}/bans/${mutes.body.items[0]!.id}`)).status, 404);
  });

  test("roles: a viewer is refused (403), another app's owner sees nothing (404), an admin may; bad input is a 400 at the field", async () => {
    const { appId, alice, bob, conv, ids, b, base } = await scene();
    const r = await report(alice, ids[6]!);
    const viewer = await consoleAccount(s, { email: `viewer-${n()}@mod.example`, role: "viewer", appId });
    const { id: elsewhere } = await s.createTenant("Elsewhere");
    const stranger = await consoleAccount(s, { email: `owner-${n()}@else.example`, role: "owner", appId: elsewhere });
    const admin = await consoleAccount(s, { email: `admin-${n()}@mod.example`, role: "admin", appId });

    const all = (who: ConsoleBrowser): Promise<Answer>[] => [
      who.get(`${base}/reports`),
      who.get(`${base}/reports/${r.id}`),
      who.post(`${base}/reports/${r.id}/resolve`),
      who.post(`${base}/reports/${r.id}/dismiss`),
      who.del(`${base}/messages/${ids[1]}`),
      who.post(`${base}/users/${bob.user.id}/mute`, { minutes: 10, conversationId: conv }),
      who.post(`${base}/users/${bob.user.id}/ban`, { scope: "app", reason: "x" }),
      who.get(`${base}/bans`),
      who.del(`${base}/bans/snc_missing`),
      who.get(`${base}/mutes`),
      who.del(`${base}/mutes/snc_missing`),
    ];
    for (const a of await Promise.all(all(viewer.browser))) assert.deepEqual([a.status, reason(a)], [403, "role"], JSON.stringify(a.body));
    for (const a of await Promise.all(all(stranger.browser))) assert.equal(a.status, 404, JSON.stringify(a.body));
    assert.equal((await admin.browser.get(`${base}/reports`)).status, 200);
    assert.equal((await admin.browser.get(`${base}/reports/${r.id}`)).status, 200);
    // Nothing was done by them.
    assert.equal((await b.get<Page<Report>>(`${base}/reports`)).body.items.length, 1);
    assert.equal((await b.get<ConsoleSanctionsResponse>(`${base}/bans`)).body.items.length, 0);

    const bad = async (a: Promise<Answer>, field: string) => {
      const got = await a;
      assert.deepEqual([got.status, fieldsOf(got)], [400, [field]], JSON.stringify(got.body));
    };
    const user = `${base}/users/${bob.user.id}`;
    await bad(b.post(`${user}/mute`, { minutes: 7, conversationId: conv }), "minutes");
    await bad(b.post(`${user}/mute`, { minutes: 10 }), "conversationId");
    await bad(b.post(`${user}/ban`, { scope: "planet", reason: "x" }), "scope");
    await bad(b.post(`${user}/ban`, { scope: "app" }), "reason");
    await bad(b.post(`${user}/ban`, { scope: "app", reason: "   " }), "reason");
    await bad(b.post(`${user}/ban`, { scope: "app", reason: "x", conversationId: conv }), "conversationId");
    await bad(b.post(`${user}/ban`, { scope: "conversation", reason: "x" }), "conversationId");
    await bad(b.post(`${user}/ban`, { scope: "app", reason: "x", extra: 1 }), "");
    await bad(b.post(`${base}/reports/${r.id}/resolve`, { note: 5 }), "note");
    await bad(b.get(`${base}/reports?status=closed`), "status");
    await bad(b.get(`${base}/bans?limit=0`), "limit");
    await bad(b.post(`/apps/${appId}/moderation/users/${alice.user.id}/ban`, { scope: "app", reason: "x", reportId: r.id }), "reportId");
    for (const a of [
      await b.get(`${base}/reports/rep_missing`),
      await b.post(`${base}/reports/rep_missing/resolve`),
      await b.post(`${user}/ban`, { scope: "app", reason: "x", reportId: "rep_missing" }),
      await b.post(`${base}/users/usr_missing/ban`, { scope: "app", reason: "x" }),
      await b.post(`${user}/mute`, { minutes: 10, conversationId: "cnv_missing" }),
      await b.del(`${base}/messages/not-a-message`),
      await b.del(`${base}/bans/snc_missing`),
    ])
      assert.equal(a.status, 404, JSON.stringify(a.body));
    // Still open after all that.
    assert.equal((await b.get<ConsoleReportDetail>(`${base}/reports/${r.id}`)).body.report.status, "open");
  });
});
