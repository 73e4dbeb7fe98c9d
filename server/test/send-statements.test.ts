import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { recordQueries } from "./helpers/queries.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, request } from "./helpers/sockets.js";

/**
 * The send path's database work is per batch, not per message (issue 34): many members sending at
 * once cost the statements of a few batches. The moderation check before a send (mute, slow
 * mode, role) and the web push look-up after it used to run once per message — two statements per
 * message outside the batch, most of the database's and half of the driver's work at 3,000 msg/s.
 */

let s: TestServer;
let app: string;
const sockets: Recorder[] = [];

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Busy")).id;
});
after(async () => {
  for (const r of sockets) r.socket.close();
  await s?.close();
});

/** A statement's shape: literals and placeholder lists folded, so one statement per message shows as one shape many times. */
const shape = (sql: string): string =>
  sql
    .replace(/'[^']*'/g, "?")
    .replace(/\d+/g, "N")
    .replace(/(\?\s*,\s*)+\?/g, "?")
    .replace(/\s+/g, " ")
    .trim();

test("40 members sending at once: no statement runs once per message", async () => {
  const SENDERS = 40;
  const users: AuthResponse[] = [];
  for (let i = 0; i < SENDERS * 2; i++) users.push(await s.api.register(app));
  const pairs: { from: AuthResponse; conv: string; r: Recorder }[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const [a, b] = [users[2 * i]!, users[2 * i + 1]!];
    const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    const r = new Recorder(await connect(s, a.accessToken));
    sockets.push(r);
    pairs.push({ from: a, conv: res.body.conversation.id, r });
  }

  const statements = await recordQueries(s.services, async () => {
    const acks = await Promise.all(
      pairs.map((p, i) => request<Message>(p.r.socket, "message.send", { conversationId: p.conv, text: `at once ${i}`, clientMessageId: `c-${i}` }, 30_000)),
    );
    for (const [i, ack] of acks.entries()) assert.ok(ack.ok, `send ${i}: ${JSON.stringify(ack)}`);
    // What follows a send off its path (web push) is part of its cost too.
    await s.services.pushNotifier.idle();
  });

  const counts = new Map<string, number>();
  for (const st of statements) counts.set(shape(st.sql), (counts.get(shape(st.sql)) ?? 0) + 1);
  const perMessage = [...counts].filter(([, n]) => n >= SENDERS / 2);
  assert.deepEqual(
    perMessage.map(([sql, n]) => `${n}x ${sql.slice(0, 160)}`),
    [],
    `statements run about once per message (${statements.length} statements for ${SENDERS} sends)`,
  );
  assert.ok(statements.length < SENDERS, `${statements.length} statements for ${SENDERS} sends`);
});
