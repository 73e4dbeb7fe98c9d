import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Presence, PresenceSnapshot } from "@parley/sdk/protocol";
import { TEST_DB, startServer, type TestServer } from "./helpers/harness.js";
import { RefreshTokenEntity } from "../src/auth/refresh-token.entity.js";
import { MemberEntity } from "../src/conversations/member.entity.js";
import { recordQueries } from "./helpers/queries.js";
import { io as ioc } from "socket.io-client";
import { Recorder, request, type ClientSocket } from "./helpers/sockets.js";

/**
 * What a socket connect costs in relations (issue 34): its snapshot and the announcement of its
 * user coming online both need the user's contacts, conversations and blocks. They read them
 * once (presence.audience.ts `relationsOf`), after the user's online state is set, so a block or
 * a membership made a moment before still holds for both, and one made a moment after is met by
 * the change's own introduction. With Redis the change is announced after a Redis round trip:
 * the snapshot reads them then once for itself, and the announcement once.
 */

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const redisSkip = TEST_DB !== "mysql" ? "the Redis variant runs with PARLEY_TEST_DB=mysql" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

/** A statement TypeORM's query builder made: it names the entity as the table's alias. */
const builtByQueryBuilder = (sql: string): boolean => /\b(FROM|JOIN)\s+[`"]?\w+[`"]?\s+[`"]?\w+Entity\b/i.test(sql);

/** Statements that read `table` (FROM or JOIN it), whatever the dialect's quoting. */
const reading = (table: string) => (sql: string) => new RegExp(`\\b(FROM|JOIN)\\s+[\`"]?${table}[\`"]?(\\s|$)`, "i").test(sql);

function suite(name: string, env: () => Record<string, string>, relationReads: number, opts: { skip?: string | false } = {}): void {
  describe(name, { skip: opts.skip ?? false }, () => {
    let s: TestServer;
    let app: string;
    const sockets: ClientSocket[] = [];

    before(async () => {
      s = await startServer({ PRESENCE_GRACE_MS: "300", ...env() });
      app = (await s.createTenant("Circle")).id;
    });
    after(async () => {
      for (const so of sockets) so.close();
      await s?.close();
    });

    const reg = (): Promise<AuthResponse> => s.api.register(app);
    const tok = (u: AuthResponse) => ({ token: u.accessToken });
    /** A socket recorded from its first frame: the snapshot may come right behind the connect. */
    async function open(u: AuthResponse): Promise<Recorder> {
      const socket: ClientSocket = ioc(s.url, { auth: { token: u.accessToken }, transports: ["websocket"], reconnection: false, forceNew: true });
      sockets.push(socket);
      const r = new Recorder(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      return r;
    }
    async function befriend(a: AuthResponse, b: AuthResponse): Promise<void> {
      const req = await s.api.post("/contacts/requests", { ...tok(a), body: { userId: b.user.id } });
      assert.equal(req.status, 201, JSON.stringify(req.body));
      assert.equal((await s.api.post(`/contacts/requests/${req.body.id}/accept`, tok(b))).status, 200);
    }
    async function group(owner: AuthResponse, members: AuthResponse[]): Promise<Conversation> {
      const res = await s.api.post("/conversations", { ...tok(owner), body: { name: "Circle", memberIds: members.map((m) => m.user.id) } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.conversation ?? res.body;
    }
    /** Frames on one socket arrive in order: once this ack is back, nothing sent to it before is still on its way. */
    const settled = async (r: Recorder, conversationId: string): Promise<void> => {
      const ack = await request(r.socket, "typing", { conversationId, typing: false });
      assert.ok(ack.ok, JSON.stringify(ack));
    };
    const toldOf = (r: Recorder, userId: string): Presence[] =>
      r.events.filter((e) => e.name === "presence" && e.payload.userId === userId).map((e) => e.payload as Presence);

    test(`a connect reads its user's contacts, blocks and memberships for its snapshot and its coming online ${relationReads === 1 ? "once" : "once each"}`, async () => {
      const alice = await reg();
      const contact = await reg();
      const coMember = await reg();
      const blocked = await reg();
      const [c, m, b] = [await open(contact), await open(coMember), await open(blocked)];
      // The befriending and the group introduce alice to them and them to her, after the requests
      // are answered (not awaited by them): a socket of hers takes them in first, so that no
      // introduction's statements fall in the recorded connect's.
      const earlier = await open(alice);
      const introduced = (to: Recorder, who: AuthResponse) =>
        to.wait("presence.snapshot", (x: PresenceSnapshot) => x.users.some((p) => p.userId === who.user.id), 5000);
      await befriend(alice, contact);
      await Promise.all([introduced(earlier, contact), introduced(c, alice)]);
      const g = await group(alice, [coMember, blocked]);
      await Promise.all([introduced(earlier, coMember), introduced(m, alice), introduced(b, alice)]);
      assert.equal((await s.api.post("/blocks", { ...tok(alice), body: { userId: blocked.user.id } })).status, 204);
      earlier.socket.close();
      await c.wait("presence", (p) => p.userId === alice.user.id && !p.online, 5000);
      await settled(b, g.id);
      // From here on, what they are told comes from the connect below.
      for (const r of [c, m, b]) r.events.length = 0;

      let a: Recorder | undefined;
      const statements = await recordQueries(s.services, async () => {
        a = await open(alice);
        const snapshot = await a.wait("presence.snapshot");
        assert.deepEqual(
          (snapshot.users as Presence[]).map((p) => [p.userId, p.online]).sort(),
          [
            [contact.user.id, true],
            [coMember.user.id, true],
          ].sort(),
        );
        await c.wait("presence", (p) => p.userId === alice.user.id && p.online);
        await m.wait("presence", (p) => p.userId === alice.user.id && p.online);
      });
      await settled(b, g.id);
      assert.deepEqual(toldOf(b, alice.user.id), [], "the blocked user is not told");

      // Alice's own (with Redis, an earlier socket's coming online may be announced meanwhile).
      const sql = statements.filter((st) => st.params.includes(alice.user.id)).map((st) => st.sql);
      const count = (...tables: string[]) => sql.filter((q) => tables.some((t) => reading(t)(q))).length;
      const detail = sql.join("\n");
      assert.equal(count("contacts"), relationReads, detail);
      assert.equal(count("blocks"), relationReads, detail);
      // The handshake's rooms, then the relations: one statement for all three tables each time.
      assert.equal(count("members"), 1 + relationReads, detail);
      assert.equal(count("contacts", "blocks", "members"), 1 + relationReads, detail);
      // The app's presence group size comes from the app cache the handshake uses (app-watch drops a
      // changed app on every node within seconds), not from a read of the apps table a connect (issue 56).
      const appReads = statements.filter((st) => reading("apps")(st.sql)).map((st) => st.sql);
      assert.deepEqual(appReads, [], appReads.join("\n"));
      a!.socket.close();
    });

    test("a connect checks its session twice and reads its rooms once, each a plain statement that stops at its first row", async () => {
      const alice = await reg();
      const other = await reg();
      await group(alice, [other]);
      const { sessionId } = s.services.tokens.verifyAccess(alice.accessToken);
      const logger = s.services.db.logger;
      let checks = 0;
      let bothChecked: () => void = () => undefined;
      const checked = new Promise<void>((resolve) => {
        bothChecked = resolve;
      });
      const statements = await recordQueries(s.services, async () => {
        // The second check runs after the connect (a logout in between): wait for it to be asked.
        const inner = logger.logQuery.bind(logger);
        logger.logQuery = (sql, params, qr) => {
          if (reading("refresh_tokens")(sql) && Array.isArray(params) && params.includes(sessionId) && ++checks === 2) bothChecked();
          return inner(sql, params, qr);
        };
        try {
          const a = await open(alice);
          await a.wait("presence.snapshot");
          await checked;
          a.socket.close();
        } finally {
          logger.logQuery = inner;
        }
      });
      const sessionChecks = statements.filter((st) => reading("refresh_tokens")(st.sql) && st.params.includes(sessionId)).map((st) => st.sql);
      const rooms = statements
        .filter((st) => st.params.includes(alice.user.id) && reading("members")(st.sql) && !reading("contacts")(st.sql))
        .map((st) => st.sql);
      // Both checks kept: the handshake's, and the one covering a logout before the connect.
      assert.equal(sessionChecks.length, 2, sessionChecks.join("\n"));
      assert.equal(rooms.length, 1, rooms.join("\n"));
      for (const sql of sessionChecks) assert.ok(!/COUNT\(/i.test(sql) && /\bLIMIT 1$/.test(sql), `stops at the first live token: ${sql}`);
      // Issue 34: the query builder cost more CPU than these index lookups themselves.
      for (const sql of [...sessionChecks, ...rooms]) assert.ok(!builtByQueryBuilder(sql), `plain SQL, not the query builder's: ${sql}`);
    });

    test("the plain-statement check sees the query builder's statements (sanity)", () => {
      const { db } = s.services;
      const count = db.getRepository(RefreshTokenEntity).createQueryBuilder().select("COUNT(1)").where("familyId = :f", { f: "x" }).getQuery();
      const find = db.getRepository(MemberEntity).createQueryBuilder().select("conversationId").where("appId = :a", { a: "x" }).getQuery();
      assert.ok(builtByQueryBuilder(count), count);
      assert.ok(builtByQueryBuilder(find), find);
      assert.ok(!builtByQueryBuilder("SELECT conversationId FROM members WHERE appId = ? AND userId = ?"));
    });

    test("a block made just before a connect holds for its snapshot and its coming online; an unblock too", async () => {
      const alice = await reg();
      const blocker = await reg();
      const witness = await reg();
      const [bl, w] = [await open(blocker), await open(witness)];
      const g = await group(witness, [alice, blocker]);
      // The group's introduction is sent after its creation is answered: once the witness has it,
      // it cannot reach alice's first socket below in place of her connect's snapshot.
      await w.wait("presence.snapshot", (x: PresenceSnapshot) => x.users.some((p) => p.userId === alice.user.id), 5000);

      for (const round of [1, 2, 3]) {
        assert.equal((await s.api.post("/blocks", { ...tok(blocker), body: { userId: alice.user.id } })).status, 204);
        const a = await open(alice);
        const snapshot = await a.wait("presence.snapshot");
        assert.deepEqual(
          (snapshot.users as Presence[]).map((p) => p.userId),
          [witness.user.id],
          `round ${round}: the snapshot leaves the blocker out`,
        );
        await w.wait("presence", (p) => p.userId === alice.user.id && p.online && toldOf(w, alice.user.id).filter((x) => x.online).length === 2 * round - 1);
        await settled(bl, g.id);
        assert.equal(toldOf(bl, alice.user.id).length, 2 * (round - 1), `round ${round}: the blocker is not told`);

        a.socket.close();
        await w.wait("presence", (p) => p.userId === alice.user.id && !p.online && toldOf(w, alice.user.id).filter((x) => !x.online).length === 2 * round - 1);
        assert.equal((await s.api.del(`/blocks/${alice.user.id}`, tok(blocker))).status, 204);
        const again = await open(alice);
        const snap = await again.wait("presence.snapshot");
        assert.deepEqual(
          (snap.users as Presence[]).map((p) => p.userId).sort(),
          [witness.user.id, blocker.user.id].sort(),
          `round ${round}: unblocked, the snapshot has both`,
        );
        await bl.wait("presence", (p) => p.userId === alice.user.id && p.online && toldOf(bl, alice.user.id).length === 2 * round - 1);
        again.socket.close();
        await bl.wait("presence", (p) => p.userId === alice.user.id && !p.online && toldOf(bl, alice.user.id).length === 2 * round);
        await w.wait("presence", (p) => p.userId === alice.user.id && !p.online && toldOf(w, alice.user.id).filter((x) => !x.online).length === 2 * round);
      }
    });
  });
}

suite("in-process presence", () => ({}), 1);
suite("presence through Redis", () => ({ REDIS_URL, REDIS_PREFIX: `parley-pc-${randomBytes(4).toString("hex")}:` }), 2, { skip: redisSkip });
