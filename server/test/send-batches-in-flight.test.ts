/**
 * Two send batches in flight on MariaDB (issue 56): DATABASE_WRITERS transactions of a node run at
 * once, so the next batch's statements go out while the database works on the one before. The
 * catches: a conversation's batches still write and commit one after the other (each locks its
 * conversations first), acks and events keep each conversation's order, and a batch that fails
 * fails only its own sends. With one writer, the first test's second batch waits behind the first.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { Ack, AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { DbProxy } from "./helpers/db-proxy.js";
import { MYSQL_ADMIN_URL, startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { connect, eventually, Recorder, request, sleep } from "./helpers/sockets.js";

const skip = TEST_DB !== "mysql" ? "several transactions at once: MySQL only (SQLite has one writer)" : false;
/** Added to each statement on its way to MariaDB, so that batches last long enough to overlap. */
const LINK_MS = 2;

describe("send batches in flight on MariaDB", { skip }, () => {
  const proxy = new DbProxy();
  let s: TestServer;
  let admin: mysql.Connection;
  let dbName: string;
  const recorders: Recorder[] = [];

  before(async () => {
    await proxy.listen();
    s = await startServer({ DATABASE_WRITERS: "2" }, { mysqlServerUrl: `mysql://root@127.0.0.1:${proxy.port}` });
    dbName = new URL(s.databaseUrl!).pathname.slice(1);
    admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 5000 });
  });
  after(async () => {
    for (const r of recorders) r.socket.close();
    await admin?.end();
    await s?.close();
    proxy.close();
  });

  const open = async (u: AuthResponse): Promise<Recorder> => {
    const r = new Recorder(await connect(s, u.accessToken));
    recorders.push(r);
    return r;
  };
  const send = (r: Recorder, conversationId: string, text: string, clientMessageId?: string): Promise<Ack<Message>> =>
    request<Message>(r.socket, "message.send", { conversationId, text, ...(clientMessageId ? { clientMessageId } : {}) }, 30_000);
  const group = async (owner: AuthResponse, others: AuthResponse[], name: string): Promise<string> => {
    const res = await s.api.post<{ conversation: Conversation }>("/conversations", {
      token: owner.accessToken,
      body: { name, memberIds: others.map((u) => u.user.id) },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.conversation.id;
  };

  test("a batch stuck on a lock holds up no other conversation's batch; killed, it fails only its own sends", async () => {
    const app = (await s.createTenant("In flight")).id;
    const [ann, ben, cat, dan] = [await s.api.register(app), await s.api.register(app), await s.api.register(app), await s.api.register(app)];
    const stuck = await group(ann, [ben, cat, dan], "Stuck");
    const free = await group(ann, [ben, cat, dan], "Free");
    const [a, b, watcher, d] = [await open(ann), await open(ben), await open(cat), await open(dan)];

    // Another writer holds the first group's row: a batch of that group waits at its first statement.
    const holder = await mysql.createConnection({ uri: `${MYSQL_ADMIN_URL}/${dbName}`, connectTimeout: 5000 });
    await holder.query("START TRANSACTION");
    await holder.query("SELECT id FROM conversations WHERE id = ? FOR UPDATE", [stuck]);
    const waiting = async (): Promise<number[]> => {
      const [rows] = await admin.query(
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'SELECT id FROM conversations WHERE id IN%FOR UPDATE'",
        [dbName],
      );
      return (rows as { id: number }[]).map((r) => Number(r.id));
    };
    try {
      const blocked = [send(a, stuck, "one", "stuck-1"), send(a, stuck, "two", "stuck-2")];
      let blockedAnswered = false;
      void Promise.all(blocked).finally(() => (blockedAnswered = true));
      let ids: number[] = [];
      await eventually(async () => (ids = await waiting()).length === 1, "the first group's batch waiting for its row", 10_000);

      // The second writer takes the other group's sends meanwhile: answered while the first still waits.
      const acks = await Promise.all([send(b, free, "three"), send(d, free, "four")]);
      for (const ack of acks) assert.equal(ack.ok, true, JSON.stringify(ack));
      // (With one writer they would wait for the first batch to give up: its statement's timeout.)
      assert.equal(blockedAnswered, false, "the first group's sends are still unanswered");
      assert.deepEqual(await waiting(), ids, "the first batch still waits");
      const heard = await watcher.wait("message.new", (e) => e.data.message.text === "four");
      assert.equal(heard.conversationId, free);

      // Killed (a connection lost mid-batch): its two sends fail, retryable; nothing of them is stored.
      await admin.query(`KILL ${ids[0]}`);
      for (const ack of await Promise.all(blocked)) {
        assert.equal(ack.ok, false, JSON.stringify(ack));
        assert.equal(!ack.ok && ack.error.code, "service_unavailable");
      }
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    const [stored] = await admin.query(`SELECT conversationId, text FROM \`${dbName}\`.messages WHERE conversationId IN (?, ?) ORDER BY id`, [stuck, free]);
    assert.deepEqual(
      (stored as { conversationId: string; text: string }[]).map((r) => [r.conversationId === stuck ? "stuck" : "free", r.text]),
      [
        ["free", "three"],
        ["free", "four"],
      ],
    );
    // Sent again (the SDK's outbox does): stored once each.
    const again = await Promise.all([send(a, stuck, "one", "stuck-1"), send(a, stuck, "two", "stuck-2")]);
    assert.deepEqual(
      again.map((x) => x.ok && x.data.text),
      ["one", "two"],
    );
  });

  test("under load batches overlap, and each conversation's log, acks and streams keep its order", async () => {
    proxy.latencyMs = LINK_MS;
    try {
      const app = (await s.createTenant("Overlap")).id;
      const people = await Promise.all(Array.from({ length: 7 }, () => s.api.register(app)));
      const [watcher, ...senders] = people as [AuthResponse, ...AuthResponse[]];
      const convs = [await group(watcher, senders, "G1"), await group(watcher, senders, "G2"), await group(watcher, senders, "G3")];
      const listen = await open(watcher);
      const sockets = await Promise.all(senders.map(open));

      proxy.mostInTransaction = proxy.inTransaction;
      const perSocket: Promise<Ack<Message>>[][] = sockets.map(() => []);
      for (let tick = 0; tick < 150; tick++) {
        sockets.forEach((r, i) => perSocket[i]!.push(send(r, convs[(tick + i) % convs.length]!, `t${tick} s${i}`)));
        await sleep(3);
      }
      const acks = await Promise.all(perSocket.map((list) => Promise.all(list)));
      for (const list of acks) for (const ack of list) assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.ok(proxy.mostInTransaction >= 2, `two of the server's transactions open at once (most: ${proxy.mostInTransaction})`);

      const total = acks.flat().length;
      const byConv = new Map<string, number[]>();
      for (const ack of acks.flat()) if (ack.ok) byConv.set(ack.data.conversationId, [...(byConv.get(ack.data.conversationId) ?? []), Number(ack.data.id)]);
      // A socket's sends to one conversation: acked with increasing ids, in the order they were sent.
      for (const [i, list] of acks.entries())
        for (const conv of convs) {
          const mine = list.flatMap((ack) => (ack.ok && ack.data.conversationId === conv ? [Number(ack.data.id)] : []));
          assert.deepEqual(
            mine,
            [...mine].sort((x, y) => x - y),
            `socket ${i}'s acks in ${conv}`,
          );
        }
      for (const conv of convs) {
        const [rows] = await admin.query(`SELECT messageId FROM \`${dbName}\`.events WHERE conversationId = ? AND type = 'message.new' ORDER BY seq`, [conv]);
        const inLog = (rows as { messageId: string | number }[]).map((r) => Number(r.messageId));
        assert.deepEqual(
          inLog,
          [...byConv.get(conv)!].sort((x, y) => x - y),
          `${conv}: the log by seq, every message once, in id order`,
        );
      }
      const heard = (): { conv: string; id: number }[] =>
        listen.events.filter((e) => e.name === "message.new").map((e) => ({ conv: e.payload.conversationId as string, id: Number(e.payload.data.message.id) }));
      await eventually(async () => heard().length === total, "the watcher heard every message");
      for (const conv of convs) {
        const ids = heard()
          .filter((h) => h.conv === conv)
          .map((h) => h.id);
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
          `${conv}: the watcher's stream in id order`,
        );
      }
    } finally {
      proxy.latencyMs = 0;
    }
  });
  test("a batch that inserted and then waits keeps a later batch of another conversation from taking an earlier seq", async () => {
    const app = (await s.createTenant("Seq order")).id;
    const [ann, ben, cat, dan] = [await s.api.register(app), await s.api.register(app), await s.api.register(app), await s.api.register(app)];
    const first = await group(ann, [ben], "First");
    const second = await group(cat, [dan], "Second");
    const [a, c] = [await open(ann), await open(cat)];
    // Another writer holds Ann's member row in the first group: her batch inserts its message, then
    // waits where it moves her read mark, before its seqs.
    const holder = await mysql.createConnection({ uri: `${MYSQL_ADMIN_URL}/${dbName}`, connectTimeout: 5000 });
    await holder.query("START TRANSACTION");
    await holder.query("SELECT userId FROM members WHERE conversationId = ? AND userId = ? FOR UPDATE", [first, ann.user.id]);
    const waitingAt = async (like: string): Promise<boolean> => {
      const [rows] = await admin.query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE ?", [dbName, like]);
      return (rows as unknown[]).length > 0;
    };
    let released = false;
    try {
      const one = send(a, first, "inserted first");
      await eventually(() => waitingAt("UPDATE members%"), "Ann's batch waiting at her read mark", 10_000);
      // Cat's batch, of other people in another conversation, comes after. It may wait (for the
      // app's seq counter), or not; either way its message must not take an earlier seq.
      const two = send(c, second, "inserted second");
      let twoAnswered = false;
      void two.finally(() => (twoAnswered = true));
      await eventually(async () => twoAnswered || (await waitingAt("SELECT id FROM apps WHERE id IN%FOR UPDATE")), "Cat's batch answered or waiting", 10_000);
      await holder.query("ROLLBACK");
      released = true;
      const [ackOne, ackTwo] = await Promise.all([one, two]);
      assert.ok(ackOne.ok && ackTwo.ok, JSON.stringify([ackOne, ackTwo]));
      const [rows] = await admin.query(`SELECT messageId FROM \`${dbName}\`.events WHERE appId = ? AND type = 'message.new' ORDER BY seq`, [app]);
      assert.deepEqual(
        (rows as { messageId: string | number }[]).map((r) => String(r.messageId)),
        [ackOne.data.id, ackTwo.data.id].sort((x, y) => Number(x) - Number(y)),
        "the app's log by seq in id order (a batch takes the app's seq counter before its INSERT)",
      );
    } finally {
      if (!released) await holder.query("ROLLBACK");
      await holder.end();
    }
  });
});
