/**
 * Reads asked at the same moment go to MariaDB as one query (db/read-batch.ts, issue 56): a burst
 * of connects asks each socket's session, rooms and relations, one round trip each before.
 * Counted at the wire, through a TCP proxy. And what must not change: each read gets its own
 * answer, and one failing read fails no other.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse } from "@parley/sdk/protocol";
import { batchedRead } from "../src/db/read-batch.js";
import { PresenceAudience } from "../src/presence/presence.audience.js";
import { DbProxy } from "./helpers/db-proxy.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";

const skip = TEST_DB !== "mysql" ? "round trips to MariaDB: MySQL only (SQLite runs in the process)" : false;

const sessionOf = (a: AuthResponse): string => (JSON.parse(Buffer.from(a.accessToken.split(".")[1]!, "base64url").toString()) as { sid: string }).sid;

describe("reads asked together go to MariaDB together", { skip }, () => {
  const proxy = new DbProxy();
  let s: TestServer;

  before(async () => {
    await proxy.listen();
    s = await startServer({}, { mysqlServerUrl: `mysql://root@127.0.0.1:${proxy.port}` });
  });
  after(async () => {
    await s?.close();
    proxy.close();
  });

  /** The queries sent since `from` that carry any of `parts` (the server's pollers send theirs meanwhile). */
  const sentWith = (from: number, ...parts: string[]): string[] => proxy.queries.slice(from).filter((q) => parts.some((p) => q.includes(p)));

  test("20 users' session checks and rooms, and 5 users' relations, at once: one round trip, each its own answer", async () => {
    const app = (await s.createTenant("Burst")).id;
    const users: AuthResponse[] = [];
    for (let i = 0; i < 20; i++) users.push(await s.api.register(app));
    // Five of them signed out everywhere: their session checks must say so, amid the others'.
    for (const u of users.slice(15)) await s.services.auth.endAllSessions(app, u.user.id);
    const { id: group } = await s.services.conversations.createGroup(
      { appId: app, user: users[0]!.user.id },
      { name: "Some", memberIds: users.slice(1, 5).map((u) => u.user.id), isPublic: false },
    );

    // As realtime.ts makes it; the app is in the cache (createGroup read it), so no read of its own.
    const audience = new PresenceAudience(s.services.db, s.services.presence, 100, s.services.apps);
    await s.services.apps.findAny(app);
    const sent = proxy.queries.length;
    const [active, rooms, relations] = await Promise.all([
      Promise.all(users.map((u) => s.services.auth.isSessionActive(sessionOf(u)))),
      Promise.all(users.map((u) => s.services.membership.conversationIds(app, u.user.id))),
      Promise.all(users.slice(0, 5).map((u) => audience.relationsOf(app, u.user.id, { circle: true }))),
    ]);
    const burst = sentWith(sent, "refresh_tokens", "FROM members");
    assert.equal(burst.length, 1, `45 reads asked in one turn: one query (${burst.length})`);
    assert.equal(burst[0]!.split("refresh_tokens").length - 1, 20, "with every session check");
    assert.deepEqual(
      active,
      users.map((_, i) => i < 15),
    );
    assert.deepEqual(
      rooms,
      users.map((_, i) => (i < 5 ? [group] : [])),
    );
    for (const [i, r] of relations.entries())
      assert.deepEqual(new Set(r.coMembers), new Set(users.slice(0, 5).map((u) => u.user.id)), `user ${i}'s co-members`);
  });

  test("a read that fails fails alone: the others of its query are answered", async () => {
    const db = s.services.db;
    const sent = proxy.queries.length;
    const [one, bad, three] = await Promise.allSettled([
      batchedRead<{ read_batch_probe: number }[]>(db, "SELECT ? AS read_batch_probe", [1]),
      batchedRead(db, "SELECT nothing FROM no_such_table"),
      batchedRead<{ read_batch_probe: number }[]>(db, "SELECT ? AS read_batch_probe", [3]),
    ]);
    assert.deepEqual(one.status === "fulfilled" && one.value.map((r) => Number(r.read_batch_probe)), [1]);
    assert.deepEqual(three.status === "fulfilled" && three.value.map((r) => Number(r.read_batch_probe)), [3]);
    assert.equal(bad.status, "rejected");
    assert.match(String((bad as PromiseRejectedResult).reason), /no_such_table/);
    // Together first; then, that query having failed, each alone.
    assert.equal(sentWith(sent, "read_batch_probe", "no_such_table").length, 4);
  });
});
