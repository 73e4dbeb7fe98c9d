/**
 * A unit's statements sent together on MariaDB (db/pipeline.ts, issue 56): its writes whose answers
 * nobody reads wait for its next statement, and the statements it asks for at one moment go out as
 * one query. Counted at the wire, through a TCP proxy: a send batch was a dozen round trips (the
 * server and MariaDB taking turns over each), three now. And what must not change: a unit reads
 * what it deferred, each statement gets its own answer, and a failure anywhere keeps nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { Conversation, Message } from "@parley/sdk/protocol";
import { deferWrite } from "../src/db/pipeline.js";
import { DbProxy } from "./helpers/db-proxy.js";
import { MYSQL_ADMIN_URL, startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, request } from "./helpers/sockets.js";

const skip = TEST_DB !== "mysql" ? "round trips to MariaDB: MySQL only (SQLite runs in the process)" : false;

describe("a unit's statements sent together on MariaDB", { skip }, () => {
  const proxy = new DbProxy();
  let s: TestServer;
  let admin: mysql.Connection;
  let probe: string;
  const recorders: Recorder[] = [];

  before(async () => {
    await proxy.listen();
    s = await startServer({}, { mysqlServerUrl: `mysql://root@127.0.0.1:${proxy.port}` });
    admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 5000 });
    // A table of the test's own, in the server's database, for units written here.
    probe = `\`${new URL(s.databaseUrl!).pathname.slice(1)}\`.pipeline_probe`;
    await admin.query(`CREATE TABLE ${probe} (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL)`);
  });
  after(async () => {
    for (const r of recorders) r.socket.close();
    await admin?.end();
    await s?.close();
    proxy.close();
  });

  const stored = async (): Promise<number[]> => {
    const [rows] = await admin.query(`SELECT id FROM ${probe} ORDER BY id`);
    return (rows as { id: number }[]).map((r) => r.id);
  };

  test("a send batch is three round trips to MariaDB, and the message and its event are stored", async () => {
    const app = (await s.createTenant("Round trips")).id;
    const [ann, ben] = [await s.api.register(app), await s.api.register(app)];
    const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } });
    const conversationId = dm.body.conversation.id;
    const r = new Recorder(await connect(s, ann.accessToken));
    recorders.push(r);

    // The sender's first send of the day also marks them active (usage: two more round trips, once).
    assert.ok((await request<Message>(r.socket, "message.send", { conversationId, text: "first today", clientMessageId: "rt-0" })).ok);
    proxy.transactions.length = 0;
    const ack = await request<Message>(r.socket, "message.send", { conversationId, text: "four round trips", clientMessageId: "rt-1" });
    assert.ok(ack.ok, JSON.stringify(ack));
    const batch = proxy.transactions.find((t) => t.sql.includes("INSERT INTO messages"));
    assert.ok(batch, `the send's transaction went through the proxy: ${JSON.stringify(proxy.transactions)}`);
    // [START, the conversation's lock, membership, retry look-up, moderation], [INSERT messages,
    // the last message, the read mark, the seq], [the event, the search row, the usage, COMMIT].
    assert.equal(batch.roundTrips, 3, `round trips of a send batch:\n${batch.sql}`);
    for (const statement of ["FOR UPDATE", "FROM members", "INSERT INTO events", "INSERT INTO message_search", "INSERT INTO usage_daily", "COMMIT"])
      assert.ok(batch.sql.includes(statement), `${statement} went out in the batch`);

    const [rows] = await admin.query(
      `SELECT m.text, e.type FROM \`${new URL(s.databaseUrl!).pathname.slice(1)}\`.messages m
         JOIN \`${new URL(s.databaseUrl!).pathname.slice(1)}\`.events e ON e.messageId = m.id WHERE m.id = ?`,
      [Number(ack.data.id)],
    );
    assert.deepEqual(rows, [{ text: "four round trips", type: "message.new" }]);
  });

  test("in a batch of many sends, each conversation's last message and each sender's read mark are their newest message", async () => {
    const app = (await s.createTenant("Last and read")).id;
    const people = await Promise.all(Array.from({ length: 6 }, () => s.api.register(app)));
    const db = new URL(s.databaseUrl!).pathname.slice(1);
    // Three DMs and a group of all six, each person on a socket.
    const dms = await Promise.all(
      [0, 2, 4].map(async (i) => {
        const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", {
          token: people[i]!.accessToken,
          body: { userId: people[i + 1]!.user.id },
        });
        return res.body.conversation.id;
      }),
    );
    const grp = await s.api.post<{ conversation: Conversation }>("/conversations", {
      token: people[0]!.accessToken,
      body: { name: "All six", memberIds: people.slice(1).map((p) => p.user.id) },
    });
    const sockets = await Promise.all(people.map(async (p) => new Recorder(await connect(s, p.accessToken))));
    recorders.push(...sockets);
    // Everyone at once, twice: DMs and the group interleaved in the same batches.
    const acks = await Promise.all(
      people.flatMap((_, i) =>
        [0, 1].flatMap((round) => [
          request<Message>(sockets[i]!.socket, "message.send", { conversationId: dms[Math.floor(i / 2)]!, text: `dm ${i}.${round}` }),
          request<Message>(sockets[i]!.socket, "message.send", { conversationId: grp.body.conversation.id, text: `group ${i}.${round}` }),
        ]),
      ),
    );
    for (const ack of acks) assert.ok(ack.ok, JSON.stringify(ack));
    const newest = new Map<string, number>();
    const newestBy = new Map<string, number>();
    for (const ack of acks)
      if (ack.ok) {
        const id = Number(ack.data.id);
        newest.set(ack.data.conversationId, Math.max(newest.get(ack.data.conversationId) ?? 0, id));
        const k = `${ack.data.conversationId} ${ack.data.senderId}`;
        newestBy.set(k, Math.max(newestBy.get(k) ?? 0, id));
      }
    const [convs] = await admin.query(`SELECT id, lastMessageId FROM \`${db}\`.conversations WHERE id IN (?)`, [[...newest.keys()]]);
    assert.deepEqual(
      Object.fromEntries((convs as { id: string; lastMessageId: number }[]).map((c) => [c.id, Number(c.lastMessageId)])),
      Object.fromEntries(newest),
      "each conversation's last message",
    );
    const [marks] = await admin.query(`SELECT conversationId, userId, lastReadMessageId FROM \`${db}\`.members WHERE conversationId IN (?)`, [
      [...newest.keys()],
    ]);
    assert.deepEqual(
      Object.fromEntries(
        (marks as { conversationId: string; userId: string; lastReadMessageId: number }[])
          .filter((r) => newestBy.has(`${r.conversationId} ${r.userId}`))
          .map((r) => [`${r.conversationId} ${r.userId}`, Number(r.lastReadMessageId)]),
      ),
      Object.fromEntries(newestBy),
      "each sender's read mark",
    );
  });

  test("a unit reads what it deferred; statements asked together are one round trip, each with its own answer", async () => {
    proxy.transactions.length = 0;
    const out = await s.services.uow.run(async ({ m }) => {
      await deferWrite(m, `INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [1, "deferred"]);
      return Promise.all([
        m.query(`SELECT note FROM ${probe} WHERE id = ?`, [1]),
        m.query("SELECT ? AS x", ["second"]),
        m.query("SELECT ? AS y, ? AS z", [3, "third"]),
      ]);
    });
    assert.deepEqual(JSON.parse(JSON.stringify(out)), [[{ note: "deferred" }], [{ x: "second" }], [{ y: 3, z: "third" }]]);
    assert.deepEqual(await stored(), [1]);
    const unit = proxy.transactions.find((t) => t.sql.includes("pipeline_probe"));
    // [START, the INSERT, the three reads], [COMMIT].
    assert.equal(unit?.roundTrips, 2, unit?.sql);
  });

  test("a deferred write that fails fails its unit: nothing of it is kept", async () => {
    await assert.rejects(
      s.services.uow.run(async ({ m }) => {
        await deferWrite(m, `INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [2, "kept?"]);
        await deferWrite(m, `INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [1, "duplicate"]);
        await m.query("SELECT 1");
      }),
      /Duplicate entry/,
    );
    assert.deepEqual(await stored(), [1], "the first INSERT went with the failed one");
    // The connection goes back clean: the next unit commits.
    await s.services.uow.run(async ({ m }) => deferWrite(m, `INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [3, "after"]));
    assert.deepEqual(await stored(), [1, 3]);
  });

  test("a caller that goes on past a failed statement cannot commit without the writes that went with it", async () => {
    await assert.rejects(
      s.services.uow.run(async ({ m }) => {
        await deferWrite(m, `INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [4, "first"]);
        const failed = m.query(`INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [1, "duplicate"]);
        // Asked at the same moment, behind the failing statement: MariaDB never runs it.
        await deferWrite(m, `INSERT INTO ${probe} (id, note) VALUES (?, ?)`, [5, "lost?"]);
        await failed.catch(() => undefined);
        await m.query("SELECT 1");
      }),
      /Duplicate entry/,
    );
    assert.deepEqual(await stored(), [1, 3], "neither write around the failed one is kept");
  });
});
