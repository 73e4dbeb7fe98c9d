import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ConsoleAppsResponse, ConsoleInviteInfo, ConsoleMember, ConsoleMembersResponse, ConsoleSessionResponse } from "@parley/sdk/protocol";
import { ConsoleAuditEntity } from "../src/console/console.entities.js";
import { ConsoleBrowser, consoleAccount, inviteToken, PASSWORD } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";

// An app's console members (issue 32): invitations to an e-mail that already has an account are
// accepted signed in, and owners list, change and remove roles, never the last owner; on SQLite
// and MariaDB, through the real routes with the session cookie, Origin and CSRF token.

describe("console members and invitations", { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  const invite = async (b: ConsoleBrowser, body: object): Promise<string> => {
    const r = await b.post<{ link: string }>("/invites", body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.link.split("/signup/")[1]!;
  };
  const audit = async (appId: string, action: string): Promise<string[]> =>
    (await s.services.db.getRepository(ConsoleAuditEntity).findBy({ appId, action })).map((a) => a.target ?? "");

  test("an invitation to an e-mail with an account is accepted signed in, by that account only, once; its role replaces the one held", async () => {
    const { id: appId } = await s.createTenant("Members");
    const { id: otherApp } = await s.createTenant("Elsewhere");
    const owner = await consoleAccount(s, { email: `owner-${n()}@m.example`, role: "owner", appId });
    const email = `ada-${n()}@m.example`;
    const ada = await consoleAccount(s, { email, role: "viewer", appId: otherApp });
    const stranger = await consoleAccount(s, { email: `eve-${n()}@m.example`, role: "viewer", appId: otherApp });

    const token = await invite(owner.browser, { email, role: "moderator", appId });
    const info = await new ConsoleBrowser(s).get<ConsoleInviteInfo>(`/invites/${token}`);
    assert.equal(info.status, 200);
    assert.deepEqual([info.body.email, info.body.role, info.body.appName, info.body.accountExists], [email, "moderator", "Members", true]);
    // Signing up again with it: the account exists, so sign in and accept instead.
    const up = await new ConsoleBrowser(s).post("/signup", { token, password: PASSWORD });
    assert.equal(up.status, 409, JSON.stringify(up.body));
    assert.equal(up.body.error.code, "email_taken");

    const wrong = await stranger.browser.post(`/invites/${token}/accept`);
    assert.equal(wrong.status, 403, JSON.stringify(wrong.body));
    assert.equal(wrong.body.error.details.reason, "other_email");
    const noCsrf = await ada.browser.req("POST", `/invites/${token}/accept`, {}, { "X-Parley-CSRF": "" });
    assert.equal(noCsrf.status, 403, JSON.stringify(noCsrf.body));
    const ok = await ada.browser.post<ConsoleSessionResponse>(`/invites/${token}/accept`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const accepted = ok.body;
    assert.deepEqual(
      accepted.account.roles.find((r) => r.appId === appId),
      { appId, role: "moderator" },
    );
    const apps = await ada.browser.get<ConsoleAppsResponse>("/apps");
    assert.deepEqual(
      apps.body.items.map((a) => [a.id, a.role]).sort(),
      [
        [appId, "moderator"],
        [otherApp, "viewer"],
      ].sort(),
    );
    // Used once.
    assert.equal((await ada.browser.post(`/invites/${token}/accept`)).status, 404);
    assert.equal((await new ConsoleBrowser(s).get(`/invites/${token}`)).status, 404);

    // A second invitation to the same app: the new role replaces the one held.
    const again = await invite(owner.browser, { email, role: "admin", appId });
    assert.equal((await ada.browser.post(`/invites/${again}/accept`)).status, 200);
    const list = await owner.browser.get<ConsoleMembersResponse>(`/apps/${appId}/members`);
    assert.deepEqual(
      list.body.items.map((m) => [m.email, m.role, m.you]).sort(),
      [
        [email, "admin", false],
        [owner.me.account.email, "owner", true],
      ].sort(),
    );
    assert.deepEqual((await audit(appId, "invite.accepted")).sort(), ["admin", "moderator"]);
  });

  test("owners list members and pending invitations, change roles, remove members and revoke invitations; the last owner stays", async () => {
    const { id: appId } = await s.createTenant("Team");
    const owner = await consoleAccount(s, { email: `owner-${n()}@t.example`, role: "owner", appId });
    const viewer = await consoleAccount(s, { email: `view-${n()}@t.example`, role: "viewer", appId });
    const pendingEmail = `later-${n()}@t.example`;
    const pending = await invite(owner.browser, { email: pendingEmail, role: "moderator", appId });

    const list = await owner.browser.get<ConsoleMembersResponse>(`/apps/${appId}/members`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const me = list.body.items.find((m) => m.you)!;
    assert.deepEqual([me.email, me.role, me.totpEnabled], [owner.me.account.email, "owner", true]);
    assert.deepEqual(
      list.body.invites.map((i) => [i.email, i.role, i.invitedBy]),
      [[pendingEmail, "moderator", owner.me.account.email]],
    );

    // The only owner can neither step down nor leave.
    const demote = await owner.browser.req("PUT", `/apps/${appId}/members/${owner.me.account.id}`, { role: "admin" });
    assert.equal(demote.status, 409, JSON.stringify(demote.body));
    assert.equal(demote.body.error.details.reason, "last_owner");
    assert.equal((await owner.browser.del(`/apps/${appId}/members/${owner.me.account.id}`)).status, 409);

    // The viewer becomes an admin: they may configure now (a key), still not manage members.
    const promoted = await owner.browser.req<ConsoleMember>("PUT", `/apps/${appId}/members/${viewer.me.account.id}`, { role: "admin" });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    assert.deepEqual([promoted.body.role, promoted.body.email], ["admin", viewer.me.account.email]);
    assert.equal((await viewer.browser.post(`/apps/${appId}/keys`, { name: "ci" })).status, 201);
    assert.equal((await viewer.browser.get(`/apps/${appId}/members`)).status, 403);

    // Revoked: the link stops working.
    const revoke = await owner.browser.del(`/apps/${appId}/invites/${list.body.invites[0]!.id}`);
    assert.equal(revoke.status, 204, JSON.stringify(revoke.body));
    assert.equal((await new ConsoleBrowser(s).get(`/invites/${pending}`)).status, 404);
    assert.equal((await owner.browser.del(`/apps/${appId}/invites/${list.body.invites[0]!.id}`)).status, 404);

    // Removed: the app is gone for them (404, as any app they have no part in).
    assert.equal((await owner.browser.del(`/apps/${appId}/members/${viewer.me.account.id}`)).status, 204);
    assert.equal((await viewer.browser.get(`/apps/${appId}`)).status, 404);
    assert.equal((await owner.browser.req("PUT", `/apps/${appId}/members/${viewer.me.account.id}`, { role: "viewer" })).status, 404);

    // With a second owner, the first may step down.
    const second = await consoleAccount(s, { email: `owner2-${n()}@t.example`, role: "owner", appId });
    assert.equal((await owner.browser.req("PUT", `/apps/${appId}/members/${owner.me.account.id}`, { role: "viewer" })).status, 200);
    assert.equal((await second.browser.get(`/apps/${appId}/members`)).status, 200);
    assert.equal((await owner.browser.get(`/apps/${appId}/members`)).status, 403);

    assert.deepEqual(await audit(appId, "member.removed"), [`${viewer.me.account.id} admin`]);
    assert.deepEqual(
      (await audit(appId, "member.role_changed")).sort(),
      [`${owner.me.account.id} owner->viewer`, `${viewer.me.account.id} viewer->admin`].sort(),
    );
    assert.equal((await audit(appId, "invite.revoked")).length, 1);
  });

  test("two owners demoting each other at once: one wins, the app keeps an owner", async () => {
    const { id: appId } = await s.createTenant("Race");
    const a = await consoleAccount(s, { email: `a-${n()}@r.example`, role: "owner", appId });
    const b = await consoleAccount(s, { email: `b-${n()}@r.example`, role: "owner", appId });
    for (let round = 0; round < 3; round++) {
      const [ab, ba] = await Promise.all([
        a.browser.req("PUT", `/apps/${appId}/members/${b.me.account.id}`, { role: "viewer" }),
        b.browser.req("PUT", `/apps/${appId}/members/${a.me.account.id}`, { role: "viewer" }),
      ]);
      // The loser is refused as the last owner (409), or, when the winner's change landed first, as a viewer (403).
      const statuses = [ab.status, ba.status].sort();
      assert.ok(statuses[0] === 200 && (statuses[1] === 403 || statuses[1] === 409), `${JSON.stringify(ab.body)} ${JSON.stringify(ba.body)}`);
      const list = await (ab.status === 200 ? a : b).browser.get<ConsoleMembersResponse>(`/apps/${appId}/members`);
      assert.deepEqual(list.body.items.filter((m) => m.role === "owner").length, 1);
      // Back to two owners for the next round.
      const [winner, loser] = ab.status === 200 ? [a, b] : [b, a];
      assert.equal((await winner.browser.req("PUT", `/apps/${appId}/members/${loser.me.account.id}`, { role: "owner" })).status, 200);
    }
  });

  test("an invitation is only as good as its inviter: an owner removed cannot come back through a link they made", async () => {
    const { id: appId } = await s.createTenant("Standing");
    const keeper = await consoleAccount(s, { email: `keep-${n()}@s.example`, role: "owner", appId });
    const leaving = await consoleAccount(s, { email: `leave-${n()}@s.example`, role: "owner", appId });
    const back = await invite(leaving.browser, { email: `alias-${n()}@s.example`, role: "owner", appId });
    const own = await invite(leaving.browser, { email: leaving.me.account.email, role: "owner", appId });
    assert.equal((await new ConsoleBrowser(s).get(`/invites/${back}`)).status, 200);
    assert.equal((await keeper.browser.del(`/apps/${appId}/members/${leaving.me.account.id}`)).status, 204);
    assert.equal((await new ConsoleBrowser(s).get(`/invites/${back}`)).status, 404);
    assert.equal((await new ConsoleBrowser(s).post("/signup", { token: back, password: PASSWORD })).status, 404);
    assert.equal((await leaving.browser.post(`/invites/${own}/accept`)).status, 404);
    assert.equal((await leaving.browser.get(`/apps/${appId}`)).status, 404);
    // The keeper's own links still work.
    const fresh = await invite(keeper.browser, { email: `new-${n()}@s.example`, role: "viewer", appId });
    assert.equal((await new ConsoleBrowser(s).post("/signup", { token: fresh, password: PASSWORD })).status, 201);
  });

  test("roles: admins, moderators and viewers 403 on every members route, another app's owner 404; bad input at its field", async () => {
    const { id: appId } = await s.createTenant("Guarded");
    const { id: otherApp } = await s.createTenant("Other");
    const owner = await consoleAccount(s, { email: `owner-${n()}@g.example`, role: "owner", appId });
    const outsider = await consoleAccount(s, { email: `out-${n()}@g.example`, role: "owner", appId: otherApp });
    const target = owner.me.account.id;
    const calls: [string, string, unknown][] = [
      ["GET", `/apps/${appId}/members`, undefined],
      ["PUT", `/apps/${appId}/members/${target}`, { role: "viewer" }],
      ["DELETE", `/apps/${appId}/members/${target}`, undefined],
      ["DELETE", `/apps/${appId}/invites/cin_nothing`, undefined],
      ["POST", "/invites", { email: `x-${n()}@g.example`, role: "viewer", appId }],
    ];
    for (const role of ["admin", "moderator", "viewer"] as const) {
      const who = await consoleAccount(s, { email: `${role}-${n()}@g.example`, role, appId });
      for (const [m, p, body] of calls) {
        const r = await who.browser.req(m, p, body);
        assert.equal(r.status, 403, `${role} ${m} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    for (const [m, p, body] of calls) {
      const r = await outsider.browser.req(m, p, body);
      assert.equal(r.status, 404, `outsider ${m} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const bad: [string, string, unknown, string][] = [
      ["PUT", `/apps/${appId}/members/${target}`, { role: "operator" }, "role"],
      ["PUT", `/apps/${appId}/members/${target}`, { role: "owner", extra: 1 }, ""],
      ["PUT", `/apps/${appId}/members/${target}`, {}, "role"],
    ];
    for (const [m, p, body, field] of bad) {
      const r = await owner.browser.req(m, p, body);
      assert.equal(r.status, 400, `${m} ${p} ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
      if (field) assert.ok(JSON.stringify(r.body.error.details).includes(field), JSON.stringify(r.body));
    }
    assert.equal((await owner.browser.req("PUT", `/apps/${appId}/members/${"a".repeat(40)}`, { role: "viewer" })).status, 404);
    assert.equal((await owner.browser.req("PUT", `/apps/${appId}/members/cac_missing`, { role: "viewer" })).status, 404);
    // A token no link has (too short, too long, unknown): the 404 of a used link.
    for (const t of ["x", "y".repeat(101), "z".repeat(32)]) assert.equal((await owner.browser.post(`/invites/${t}/accept`)).status, 404, t);
    // A link made by the CLI for an operator, accepted by an existing account: it becomes an operator.
    const token = await inviteToken(s, { email: outsider.me.account.email, role: "operator" });
    const op = await outsider.browser.post<ConsoleSessionResponse>(`/invites/${token}/accept`);
    assert.equal(op.status, 200, JSON.stringify(op.body));
    assert.equal(op.body.account.operator, true);
    assert.equal((await outsider.browser.get(`/apps/${appId}/members`)).status, 200);
  });
});
