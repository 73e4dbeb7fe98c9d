/**
 * Console sessions across nodes (issue 32, acceptance 4: "sign-out ends the session on every
 * node"): two servers on one database. A session is a row every node checks on every request, so
 * a sign-out through one node is refused by the other at once, and so is a session ended from the
 * list on the other node; a fresh sign-in works on both.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { In, Not } from "typeorm";
import { ConsoleAccountEntity, ConsoleRoleEntity } from "../src/console/console.entities.js";
import { ConsoleBrowser, consoleAccount, freshCode, PASSWORD } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";

describe("console sessions on two nodes", { timeout: 120_000 }, () => {
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    a = await startServer({}, { keepData: true });
    b = await startServer({}, { reuse: a, keepData: true });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await a?.dropData();
  });

  /** The same browser session, talking to node `to` (its own origin there). */
  const on = (to: TestServer, from: ConsoleBrowser): ConsoleBrowser => {
    const twin = new ConsoleBrowser(to);
    twin.cookie = from.cookie;
    twin.csrf = from.csrf;
    return twin;
  };

  test("signed out through node A: node B refuses the cookie at once; ended from B's list: A refuses it", async () => {
    const op = await consoleAccount(a, { email: "nodes@ops.example", role: "operator" });
    const viaA = op.browser;
    const viaB = on(b, viaA);
    assert.equal((await viaB.get("/me")).status, 200, "node B knows the session");
    assert.equal((await viaB.get("/apps")).status, 200);
    assert.equal((await viaA.del("/session")).status, 204);
    const refused = await viaB.get("/me");
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal((await viaB.post("/apps", { name: "Late", allowedOrigins: [] })).status, 401);

    // Two new sessions; the second ends the first from its list, through node B.
    const first = new ConsoleBrowser(a);
    assert.equal((await first.post("/session", { email: "nodes@ops.example", password: PASSWORD, code: await freshCode(op.secret!, op.used) })).status, 200);
    const second = new ConsoleBrowser(b);
    assert.equal((await second.post("/session", { email: "nodes@ops.example", password: PASSWORD, code: await freshCode(op.secret!, op.used) })).status, 200);
    const list = await second.get<{ items: { id: string; current: boolean }[] }>("/sessions");
    assert.equal(list.status, 200);
    const other = list.body.items.find((x) => !x.current);
    assert.ok(other, JSON.stringify(list.body));
    assert.equal((await second.del(`/sessions/${other.id}`)).status, 204);
    assert.equal((await first.get("/me")).status, 401, "ended on B, refused by A");
    assert.equal((await on(a, second).get("/me")).status, 200, "the other session goes on, on both nodes");
  });

  // Units run one at a time within a node, so only two nodes can race: the rows locked in the
  // unit (MySQL) are what keeps an operator and an owner when two take each other's at once.
  test("two operators taking each other's flag through two nodes at once, and two owners demoting each other: one of each stays", async () => {
    const n = Math.random().toString(36).slice(2, 8);
    const { id: appId } = await a.createTenant("Racing");
    const x = await consoleAccount(a, { email: `x-${n}@race.example`, role: "operator" });
    const y = await consoleAccount(a, { email: `y-${n}@race.example`, role: "operator" });
    const p = await consoleAccount(a, { email: `p-${n}@race.example`, role: "owner", appId });
    const q = await consoleAccount(a, { email: `q-${n}@race.example`, role: "owner", appId });
    const accounts = a.services.db.getRepository(ConsoleAccountEntity);
    const roles = a.services.db.getRepository(ConsoleRoleEntity);
    for (let round = 0; round < 4; round++) {
      await accounts.update({ operator: true }, { operator: false });
      await accounts.update({ id: x.me.account.id }, { operator: true });
      await accounts.update({ id: y.me.account.id }, { operator: true });
      await roles.update({ appId }, { role: "owner" });
      const [r1, r2, r3, r4] = await Promise.all([
        x.browser.req("PUT", `/accounts/${y.me.account.id}/operator`, { operator: false }),
        on(b, y.browser).req("PUT", `/accounts/${x.me.account.id}/operator`, { operator: false }),
        p.browser.req("PUT", `/apps/${appId}/members/${q.me.account.id}`, { role: "viewer" }),
        on(b, q.browser).req("PUT", `/apps/${appId}/members/${p.me.account.id}`, { role: "viewer" }),
      ]);
      const seen = JSON.stringify([r1.status, r2.status, r3.status, r4.status]);
      assert.equal(await accounts.countBy({ operator: true }), 1, `round ${round}: ${seen}`);
      assert.equal(await roles.countBy({ appId, role: "owner" }), 1, `round ${round}: ${seen}`);
    }
  });

  test("two operators deleting an app's two owners through two nodes at once: one owner stays", async () => {
    const n = Math.random().toString(36).slice(2, 8);
    const { id: appId } = await a.createTenant("Orchard race");
    const x = await consoleAccount(a, { email: `dx-${n}@race.example`, role: "operator" });
    const y = await consoleAccount(a, { email: `dy-${n}@race.example`, role: "operator" });
    const roles = a.services.db.getRepository(ConsoleRoleEntity);
    for (let round = 0; round < 3; round++) {
      const p = await consoleAccount(a, { email: `dp${round}-${n}@race.example`, role: "owner", appId });
      const q = await consoleAccount(a, { email: `dq${round}-${n}@race.example`, role: "owner", appId });
      // Only these two own the app this round.
      await roles.delete({ appId, role: "owner", accountId: Not(In([p.me.account.id, q.me.account.id])) });
      const [r1, r2] = await Promise.all([
        x.browser.del(`/accounts/${p.me.account.id}`, { confirm: p.me.account.email }),
        on(b, y.browser).del(`/accounts/${q.me.account.id}`, { confirm: q.me.account.email }),
      ]);
      const seen = JSON.stringify([r1.status, r2.status]);
      assert.equal(await roles.countBy({ appId, role: "owner" }), 1, `round ${round}: ${seen}`);
      assert.deepEqual([r1.status, r2.status].sort(), [204, 409], `round ${round}: ${seen}`);
    }
  });
});
