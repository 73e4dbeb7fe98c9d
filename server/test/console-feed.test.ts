import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { io, type Socket } from "socket.io-client";
import type { AuthResponse, ConsoleFeedEvents, ConsoleSessionsResponse, Conversation, Report, ReportResponse } from "@parley/sdk/protocol";
import { ConsoleSessionEntity } from "../src/console/console.entities.js";
import { consoleAccount, type ConsoleBrowser } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, request } from "./helpers/sockets.js";

// The console's live feed (issue 32, acceptance 2's server part) over a real Socket.IO connection,
// and the ban's reason in the refusal of the banned user's next send, on SQLite and MariaDB.

type Feed = Socket<ConsoleFeedEvents>;

describe("the console feed and the ban's reason", { timeout: 120_000 }, () => {
  let s: TestServer;
  const feeds: Feed[] = [];
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    for (const f of feeds) f.close();
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  const tok = (u: AuthResponse) => ({ token: u.accessToken });

  /** A socket on /console as the console's page would open it: its cookie, from its own origin. */
  function feedOf(b: ConsoleBrowser | null, origin = s.url): Feed {
    const headers: Record<string, string> = { Origin: origin };
    if (b?.cookie) headers["Cookie"] = b.cookie;
    const f: Feed = io(`${s.url}/console`, { transports: ["websocket"], extraHeaders: headers, reconnection: false, forceNew: true });
    feeds.push(f);
    return f;
  }
  const connected = async (f: Feed): Promise<void> => {
    if (!f.connected) await once(f as unknown as NodeJS.EventEmitter, "connect");
  };
  const refusal = async (f: Feed): Promise<string | undefined> => {
    const [err] = (await once(f as unknown as NodeJS.EventEmitter, "connect_error")) as [Error & { data?: { code?: string } }];
    return err.data?.code;
  };
  /** The next `count` reports the feed hears. */
  const heard = (f: Feed, count: number): Promise<{ appId: string; report: Report }[]> =>
    new Promise((resolve) => {
      const got: { appId: string; report: Report }[] = [];
      const on = (e: { appId: string; report: Report }) => {
        got.push(e);
        if (got.length === count) {
          f.off("report", on);
          resolve(got);
        }
      };
      f.on("report", on);
    });

  async function scene() {
    const { id: appId } = await s.createTenant("Live");
    const [alice, bob] = [await s.api.register(appId), await s.api.register(appId)];
    const group = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(alice), body: { name: "Room", memberIds: [bob.user.id] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const conv = group.body.conversation.id;
    const said = await s.api.post(`/conversations/${conv}/messages`, { ...tok(bob), body: { text: `spam ${n()}` } });
    assert.equal(said.status, 201, JSON.stringify(said.body));
    return { appId, alice, bob, conv, messageId: (said.body.message ?? said.body).id as string };
  }
  const file = async (u: AuthResponse, messageId: string): Promise<Report> => {
    const r = await s.api.post<ReportResponse>("/reports", { ...tok(u), body: { messageId, reason: "spam", note: "links" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.report;
  };

  test("a moderator's feed hears each report of their app as it is filed and settled, and nothing of other apps; a viewer's hears none", async () => {
    const { appId, alice, messageId } = await scene();
    const other = await scene();
    const mod = await consoleAccount(s, { email: `mod-${n()}@live.example`, role: "moderator", appId });
    const viewer = await consoleAccount(s, { email: `view-${n()}@live.example`, role: "viewer", appId });
    const modFeed = feedOf(mod.browser);
    const viewFeed = feedOf(viewer.browser);
    await Promise.all([connected(modFeed), connected(viewFeed)]);
    let viewerHeard = 0;
    viewFeed.on("report", () => viewerHeard++);

    const next = heard(modFeed, 2);
    await file(other.alice, other.messageId); // another app's: not heard
    const filed = await file(alice, messageId);
    const dismissed = await mod.browser.post<ReportResponse>(`/apps/${appId}/moderation/reports/${filed.id}/dismiss`, { note: "fine" });
    assert.equal(dismissed.status, 200, JSON.stringify(dismissed.body));
    const got = await next;
    assert.deepEqual(
      got.map((e) => [e.appId, e.report.id, e.report.status, e.report.note]),
      [
        [appId, filed.id, "open", "links"],
        [appId, filed.id, "dismissed", "links"],
      ],
    );
    // Both reports of this app were emitted to the app's room by now: a viewer is not in it.
    assert.equal(viewerHeard, 0);
  });

  test("the feed refuses a socket without a session, one from another site's page, and closes when its session ends", async () => {
    const { appId } = await scene();
    assert.equal(await refusal(feedOf(null)), "unauthenticated");
    const mod = await consoleAccount(s, { email: `mod-${n()}@live.example`, role: "moderator", appId });
    assert.equal(await refusal(feedOf(mod.browser, "https://evil.example")), "forbidden");
    const f = feedOf(mod.browser);
    await connected(f);
    const closed = once(f as unknown as NodeJS.EventEmitter, "disconnect");
    const out = await mod.browser.del("/session");
    assert.equal(out.status, 204, JSON.stringify(out.body));
    assert.equal((await closed)[0], "io server disconnect");
    assert.equal(await refusal(feedOf(mod.browser)), "unauthenticated");
  });

  test("a session that lapses while only its feed is open closes the feed when it lapses, not at the next request", async () => {
    const { appId } = await scene();
    const mod = await consoleAccount(s, { email: `mod-${n()}@live.example`, role: "moderator", appId });
    const current = (await mod.browser.get<ConsoleSessionsResponse>("/sessions")).body.items.find((x) => x.current)!;
    // Its absolute end, brought near: the feed opens in time and is closed at the end, with no request in between.
    await s.services.db.getRepository(ConsoleSessionEntity).update({ id: current.id }, { expiresAt: Date.now() + 1500 });
    const f = feedOf(mod.browser);
    await connected(f);
    const [reason] = await once(f as unknown as NodeJS.EventEmitter, "disconnect");
    assert.equal(reason, "io server disconnect");
    assert.equal(await s.services.db.getRepository(ConsoleSessionEntity).countBy({ id: current.id }), 0, "the lapsed session is removed");
    assert.equal((await mod.browser.get("/me")).status, 401);
  });

  test("a role granted, changed or taken moves the account's open feed into or out of the app's reports", async () => {
    const a = await scene();
    const b = await scene();
    const owner = await consoleAccount(s, { email: `own-${n()}@live.example`, role: "owner", appId: a.appId });
    const who = await consoleAccount(s, { email: `who-${n()}@live.example`, role: "viewer", appId: a.appId });
    // A moderator of app B too: a report of B heard after one of A means A's would have been heard by then.
    const bOwner = await consoleAccount(s, { email: `bown-${n()}@live.example`, role: "owner", appId: b.appId });
    const inviteB = await bOwner.browser.post<{ link: string }>("/invites", { email: who.me.account.email, role: "moderator", appId: b.appId });
    assert.equal((await who.browser.post(`/invites/${inviteB.body.link.split("/signup/")[1]}/accept`)).status, 200);
    const f = feedOf(who.browser);
    await connected(f);
    const setRole = async (role: string | null) => {
      const path = `/apps/${a.appId}/members/${who.me.account.id}`;
      const r = role ? await owner.browser.req("PUT", path, { role }) : await owner.browser.del(path);
      assert.ok(r.status === 200 || r.status === 204, JSON.stringify(r.body));
    };
    /** Which apps' reports the feed hears of one filed in A, then one in B. */
    const hearsOf = async (): Promise<string[]> => {
      const got: string[] = [];
      const onReport = (e: { appId: string; report: Report }) => got.push(e.appId);
      f.on("report", onReport);
      const bHeard = new Promise<void>((resolve) => f.on("report", (e: { appId: string }) => e.appId === b.appId && resolve()));
      for (const sc of [a, b]) {
        const said = await s.api.post(`/conversations/${sc.conv}/messages`, { ...tok(sc.bob), body: { text: `spam ${n()}` } });
        assert.equal(said.status, 201, JSON.stringify(said.body));
        await file(sc.alice, (said.body.message ?? said.body).id as string);
      }
      await bHeard;
      f.off("report");
      return got;
    };
    assert.deepEqual(await hearsOf(), [b.appId], "a viewer of A hears none of A");
    await setRole("moderator");
    assert.deepEqual(await hearsOf(), [a.appId, b.appId], "made moderator of A: hears A");
    await setRole("viewer");
    assert.deepEqual(await hearsOf(), [b.appId], "back to viewer");
    await setRole("admin");
    assert.deepEqual(await hearsOf(), [a.appId, b.appId], "admin");
    await setRole(null);
    assert.deepEqual(await hearsOf(), [b.appId], "removed from A");
  });

  test("an operator's flag given or taken moves its open feed into or out of every app's reports; a deleted account's feed closes", async () => {
    const a = await scene();
    const b = await scene();
    const op = await consoleAccount(s, { email: `op-${n()}@live.example`, role: "operator" });
    // A moderator of B: a report of B heard after one of A means A's would have been heard by then.
    const who = await consoleAccount(s, { email: `flag-${n()}@live.example`, role: "moderator", appId: b.appId }, { totp: true });
    const f = feedOf(who.browser);
    await connected(f);
    const flag = async (operator: boolean) => {
      const r = await op.browser.req("PUT", `/accounts/${who.me.account.id}/operator`, { operator });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    const hearsA = async (): Promise<boolean> => {
      let got = false;
      const onReport = (e: { appId: string }) => {
        if (e.appId === a.appId) got = true;
      };
      f.on("report", onReport);
      const bHeard = new Promise<void>((resolve) => f.on("report", (e: { appId: string }) => e.appId === b.appId && resolve()));
      for (const sc of [a, b]) {
        const said = await s.api.post(`/conversations/${sc.conv}/messages`, { ...tok(sc.bob), body: { text: `spam ${n()}` } });
        assert.equal(said.status, 201, JSON.stringify(said.body));
        await file(sc.alice, (said.body.message ?? said.body).id as string);
      }
      await bHeard;
      f.off("report");
      return got;
    };
    assert.equal(await hearsA(), false, "a viewer hears no reports");
    await flag(true);
    assert.equal(await hearsA(), true, "made operator: hears every app");
    await flag(false);
    assert.equal(await hearsA(), false, "an operator no more");

    const closed = once(f as unknown as NodeJS.EventEmitter, "disconnect");
    const gone = await op.browser.del(`/accounts/${who.me.account.id}`, { confirm: who.me.account.email });
    assert.equal(gone.status, 204, JSON.stringify(gone.body));
    await closed;
  });

  test("a feed opened before its account must have a second factor closes when it must (made operator or owner without TOTP), as every HTTP route answers 403 (red team 4)", async () => {
    const a = await scene();
    const op = await consoleAccount(s, { email: `op2-${n()}@live.example`, role: "operator" });
    for (const change of ["operator", "owner"] as const) {
      // A moderator needs no second factor: this one has none.
      const who = await consoleAccount(s, { email: `no2fa-${change}-${n()}@live.example`, role: "moderator", appId: a.appId }, { totp: false });
      assert.equal(who.secret, null);
      const f = feedOf(who.browser);
      await connected(f);
      const closed = once(f as unknown as NodeJS.EventEmitter, "disconnect");
      const r =
        change === "operator"
          ? await op.browser.req("PUT", `/accounts/${who.me.account.id}/operator`, { operator: true })
          : await op.browser.req("PUT", `/apps/${a.appId}/members/${who.me.account.id}`, { role: "owner" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const http = await who.browser.get(`/apps/${a.appId}/moderation/reports`);
      assert.equal(http.status, 403);
      assert.equal(http.body.error.details.reason, "totp_enrolment_required", "HTTP refuses it");
      await closed;
      // And a new feed is refused until the account enrols.
      assert.equal(await refusal(feedOf(who.browser)), "forbidden");
    }
  });

  test("a user banned from a group with a reason is refused their next send there with it (HTTP and socket); banned from the app, every request says why", async () => {
    const { appId, bob, conv } = await scene();
    const mod = await consoleAccount(s, { email: `mod-${n()}@live.example`, role: "moderator", appId });
    const ban = await mod.browser.post(`/apps/${appId}/moderation/users/${bob.user.id}/ban`, {
      scope: "conversation",
      conversationId: conv,
      reason: "Posting scam links",
    });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));

    const refused = await s.api.post(`/conversations/${conv}/messages`, { ...tok(bob), body: { text: "hello?" } });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.deepEqual([refused.body.error.code, refused.body.error.details?.banReason], ["banned", "Posting scam links"]);

    const sock = await connect(s, bob.accessToken);
    try {
      const ack = await request<unknown>(sock, "message.send", { conversationId: conv, text: "over the socket?" }, 10_000);
      assert.equal(ack.ok, false);
      if (!ack.ok) assert.deepEqual([ack.error.code, (ack.error.details as { banReason?: string } | undefined)?.banReason], ["banned", "Posting scam links"]);
    } finally {
      sock.close();
    }

    // A non-member who was never banned still gets the 404 of a conversation they cannot see.
    const { conv: elsewhere } = await scene();
    const stranger = await s.api.post(`/conversations/${elsewhere}/messages`, { ...tok(bob), body: { text: "hi" } });
    assert.equal(stranger.status, 404, JSON.stringify(stranger.body));

    const appBan = await mod.browser.post(`/apps/${appId}/moderation/users/${bob.user.id}/ban`, { scope: "app", reason: "Fraud" });
    assert.equal(appBan.status, 200, JSON.stringify(appBan.body));
    const me = await s.api.get("/me", tok(bob));
    assert.deepEqual([me.status, me.body.error?.code, me.body.error?.details?.banReason], [403, "banned", "Fraud"]);
  });
});
