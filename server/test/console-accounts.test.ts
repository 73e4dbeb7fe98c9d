import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ConsoleAccountSummary, ConsoleAccountsResponse, ConsoleMembersResponse } from "@parley/sdk/protocol";
import { ConsoleAccountEntity, ConsoleAuditEntity, ConsoleInviteEntity, ConsoleRoleEntity, ConsoleSessionEntity } from "../src/console/console.entities.js";
import { ConsoleBrowser, consoleAccount } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";

// Operators manage every console account (issue 32): list them with their roles, give and take the
// operator's powers (never the last operator's, even racing), and delete an account (never the
// last owner of an app, nor oneself) with its roles, its invitations and its sessions. SQLite and
// MariaDB, through the real routes with the session cookie, Origin and CSRF token.

describe("console accounts (operators)", { timeout: 180_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  const operator = (tag: string) => consoleAccount(s, { email: `${tag}-${n()}@ops.example`, role: "operator" });
  /** Only these accounts are operators (others made by earlier tests lose the flag): the "last operator" is then well defined. */
  const onlyOperators = async (...ids: string[]): Promise<void> => {
    const repo = s.services.db.getRepository(ConsoleAccountEntity);
    await repo.update({ operator: true }, { operator: false });
    for (const id of ids) await repo.update({ id }, { operator: true });
  };
  const audit = async (action: string): Promise<string[]> =>
    (await s.services.db.getRepository(ConsoleAuditEntity).findBy({ action })).map((a) => a.target ?? "");

  test("operators list every account by e-mail, keyset-paged and filtered, with roles by app name, in three statements; nobody else may", async () => {
    const { id: appId } = await s.createTenant("Ledger");
    const op = await operator("lister");
    const tag = `pg${n()}`;
    const made = [];
    for (const i of [3, 1, 4, 2, 5]) made.push(await consoleAccount(s, { email: `${tag}-${i}@list.example`, role: i % 2 ? "viewer" : "admin", appId }));
    const pages: ConsoleAccountSummary[][] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: ConsoleAccountsResponse } = await op.browser.get<ConsoleAccountsResponse>(
        `/accounts?q=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      pages.push(r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      pages.map((p) => p.map((a) => a.email.split("@")[0])),
      [[`${tag}-1`, `${tag}-2`], [`${tag}-3`, `${tag}-4`], [`${tag}-5`]],
    );
    const two = pages[0]![1]!;
    assert.deepEqual(two.roles, [{ appId, appName: "Ledger", role: "admin" }]);
    assert.deepEqual([two.operator, two.you, typeof two.createdAt], [false, false, "string"]);
    // Upper case and LIKE's wildcards are the e-mail's own characters.
    assert.equal((await op.browser.get<ConsoleAccountsResponse>(`/accounts?q=${tag.toUpperCase()}-1`)).body.items.length, 1);
    assert.equal((await op.browser.get<ConsoleAccountsResponse>(`/accounts?q=${tag}%25`)).body.items.length, 0);
    assert.equal((await op.browser.get<ConsoleAccountsResponse>(`/accounts?q=${tag}_1`)).body.items.length, 0);
    const mine = (await op.browser.get<ConsoleAccountsResponse>(`/accounts?q=${encodeURIComponent(op.me.account.email)}`)).body.items;
    assert.deepEqual([mine.length, mine[0]?.you, mine[0]?.operator], [1, true, true]);

    // The statements of a page do not grow with it.
    const count = async (limit: number) =>
      (await recordQueries(s.services, () => op.browser.get(`/accounts?q=${tag}&limit=${limit}`), /console_accounts|console_roles|apps/)).length;
    assert.equal(await count(1), await count(5));
    const bad = await op.browser.get(`/accounts?limit=1000`);
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error.details[0].path, "limit");

    // An owner (second factor on) and a viewer: 403 on all three routes.
    const owner = await consoleAccount(s, { email: `own-${n()}@list.example`, role: "owner", appId });
    const target = made[0]!.me.account;
    for (const b of [owner.browser, made[1]!.browser]) {
      assert.equal((await b.get("/accounts")).status, 403);
      assert.equal((await b.req("PUT", `/accounts/${target.id}/operator`, { operator: true })).status, 403);
      assert.equal((await b.del(`/accounts/${target.id}`, { confirm: target.email })).status, 403);
    }
    // No session: 401; a server key: 401 (the console API takes only its cookie).
    assert.equal((await new ConsoleBrowser(s).get("/accounts")).status, 401);
  });

  test("an operator makes another one and takes the flag back; the last operator keeps it, even with two taking each other's at once", async () => {
    const a = await operator("ada");
    const b = await consoleAccount(s, { email: `bo-${n()}@ops.example`, role: "viewer", appId: (await s.createTenant("Ops")).id });
    await onlyOperators(a.me.account.id);

    const self = await a.browser.req("PUT", `/accounts/${a.me.account.id}/operator`, { operator: false });
    assert.equal(self.status, 409, JSON.stringify(self.body));
    assert.equal(self.body.error.details.reason, "last_operator");

    const made = await a.browser.req<ConsoleAccountSummary>("PUT", `/accounts/${b.me.account.id}/operator`, { operator: true });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.operator, true);
    // B now acts as an operator (after enrolling a second factor, which operators must have).
    assert.equal((await b.browser.get("/accounts")).body.error?.details?.reason, "totp_enrolment_required");
    const setup = await b.browser.post<{ secret: string }>("/me/totp/setup");
    const { freshCode } = await import("./helpers/console.js");
    assert.equal((await b.browser.post("/me/totp", { code: await freshCode(setup.body.secret, b.used) })).status, 200);
    assert.equal((await b.browser.get("/accounts")).status, 200);
    assert.ok((await audit("account.operator_granted")).includes(b.me.account.email));

    // Each takes the other's flag at the same moment, three times over: one operator always stays.
    for (let round = 0; round < 3; round++) {
      await onlyOperators(a.me.account.id, b.me.account.id);
      const [x, y] = await Promise.all([
        a.browser.req("PUT", `/accounts/${b.me.account.id}/operator`, { operator: false }),
        b.browser.req("PUT", `/accounts/${a.me.account.id}/operator`, { operator: false }),
      ]);
      const statuses = [x.status, y.status].sort();
      const left = await s.services.db.getRepository(ConsoleAccountEntity).countBy({ operator: true });
      assert.equal(left, 1, `round ${round}: ${statuses}`);
      // Both may pass only one after the other (the loser then is no operator: 403), never both at once.
      assert.ok(
        JSON.stringify(statuses) === JSON.stringify([200, 403]) || JSON.stringify(statuses) === JSON.stringify([200, 409]),
        `round ${round}: ${statuses} ${JSON.stringify([x.body, y.body])}`,
      );
    }
    assert.ok((await audit("account.operator_revoked")).length >= 3);
    await onlyOperators(a.me.account.id);
    assert.equal((await a.browser.req("PUT", "/accounts/cac_missing/operator", { operator: true })).status, 404);
    const notBool = await a.browser.req("PUT", `/accounts/${b.me.account.id}/operator`, { operator: "yes" });
    assert.equal(notBool.status, 400, JSON.stringify(notBool.body));
    assert.equal(notBool.body.error.details[0].path, "operator");
  });

  test("deleting an account takes its roles, invitations and sessions; never oneself, the last operator, or an app's last owner", async () => {
    const { id: appId } = await s.createTenant("Orchard");
    const op = await operator("del");
    await onlyOperators(op.me.account.id);
    const owner = await consoleAccount(s, { email: `sole-${n()}@del.example`, role: "owner", appId });
    const pending = await owner.browser.post<{ link: string }>("/invites", { email: `later-${n()}@del.example`, role: "viewer", appId });
    assert.equal(pending.status, 201);
    const link = pending.body.link.split("/signup/")[1]!;
    const path = `/accounts/${owner.me.account.id}`;

    const typo = await op.browser.del(path, { confirm: "not-the-email@del.example" });
    assert.equal(typo.status, 400, JSON.stringify(typo.body));
    assert.equal(typo.body.error.details[0].path, "confirm");
    const sole = await op.browser.del(path, { confirm: owner.me.account.email });
    assert.equal(sole.status, 409, JSON.stringify(sole.body));
    assert.deepEqual([sole.body.error.details.reason, sole.body.error.details.apps], ["last_owner", [appId]]);
    assert.match(sole.body.error.message, /Orchard/);
    const me = await op.browser.del(`/accounts/${op.me.account.id}`, { confirm: op.me.account.email });
    assert.equal(me.status, 409, JSON.stringify(me.body));
    assert.equal(me.body.error.details.reason, "self");

    // Another owner first; then the deletion goes through, in capitals too.
    const second = await consoleAccount(s, { email: `heir-${n()}@del.example`, role: "owner", appId });
    const gone = await op.browser.del(path, { confirm: owner.me.account.email.toUpperCase() });
    assert.equal(gone.status, 204, JSON.stringify(gone.body));
    const db = s.services.db;
    assert.equal(await db.getRepository(ConsoleAccountEntity).countBy({ id: owner.me.account.id }), 0);
    assert.equal(await db.getRepository(ConsoleRoleEntity).countBy({ accountId: owner.me.account.id }), 0);
    assert.equal(await db.getRepository(ConsoleSessionEntity).countBy({ accountId: owner.me.account.id }), 0);
    assert.equal(await db.getRepository(ConsoleInviteEntity).countBy({ invitedBy: owner.me.account.id }), 0);
    assert.equal((await owner.browser.get("/me")).status, 401, "its session ended");
    assert.equal((await new ConsoleBrowser(s).get(`/invites/${link}`)).status, 404, "its invitation's link is dead");
    const members = await second.browser.get<ConsoleMembersResponse>(`/apps/${appId}/members`);
    assert.deepEqual(
      members.body.items.map((m) => m.email),
      [second.me.account.email],
    );
    assert.ok((await audit("account.deleted")).includes(owner.me.account.email));
    assert.equal((await op.browser.del(path, { confirm: owner.me.account.email })).status, 404);

    // Two operators deleting each other at once: one goes, one stays an operator.
    const other = await operator("other");
    await onlyOperators(op.me.account.id, other.me.account.id);
    const [x, y] = await Promise.all([
      op.browser.del(`/accounts/${other.me.account.id}`, { confirm: other.me.account.email }),
      other.browser.del(`/accounts/${op.me.account.id}`, { confirm: op.me.account.email }),
    ]);
    assert.equal([x.status, y.status].filter((st) => st === 204).length, 1, JSON.stringify([x.body, y.body]));
    assert.equal(await db.getRepository(ConsoleAccountEntity).countBy({ operator: true }), 1);
    const survivor = x.status === 204 ? op : other;
    const bad = await survivor.browser.del(`/accounts/${owner.me.account.id}`, { confirm: 42 });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error.details[0].path, "confirm");
  });
});
