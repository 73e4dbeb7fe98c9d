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
 * Mutes and slow mode are now checked inside the batch (moderation's participant).
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
});

test("mutes and slow mode are checked inside the batch: refused sends fail alone, a retry of a stored message gets it back", async () => {
  const { id: tenantApp } = await s.createTenant("Moderated batch");
  const key = await s.services.serverKeys.create(tenantApp);
  const srv = (body?: unknown) => ({
    headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` },
    ...(body === undefined ? {} : { body }),
  });
  const person = async (sub: string): Promise<AuthResponse> => {
    assert.ok([200, 201].includes((await s.api.post("/server/users", srv({ sub, name: sub }))).status));
    const tok = await s.api.post<{ hostToken: string }>("/server/tokens", srv({ sub }));
    const session = await s.api.post<AuthResponse>("/auth/host-token", { app: tenantApp, body: { token: tok.body.hostToken } });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    return session.body;
  };
  const [mod, muted, slow, free] = [await person("mod"), await person("muted"), await person("slow"), await person("free")];
  assert.equal((await s.api.put("/server/moderators/mod", srv())).status, 204);
  const mkGroup = async (): Promise<string> => {
    const res = await s.api.post<{ conversation: Conversation }>(
      "/server/conversations",
      srv({ kind: "group", name: "Batch", users: ["mod", "muted", "slow", "free"] }),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.conversation.id;
  };
  const group = await mkGroup();
  const slowGroup = await mkGroup();
  const socketOf = async (u: AuthResponse): Promise<Recorder> => {
    const r = new Recorder(await connect(s, u.accessToken));
    sockets.push(r);
    return r;
  };
  const [mutedSocket, slowSocket, freeSocket] = [await socketOf(muted), await socketOf(slow), await socketOf(free)];
  const send = (r: Recorder, conversationId: string, text: string, clientMessageId: string) =>
    request<Message>(r.socket, "message.send", { conversationId, text, clientMessageId }, 30_000);

  // Stored before the mute: its retry must still answer the message.
  const before = await send(mutedSocket, group, "before the mute", "m-0");
  assert.ok(before.ok, JSON.stringify(before));
  const mute = await s.api.put(`/moderation/conversations/${group}/mutes/${muted.user.id}`, { token: mod.accessToken, body: { durationSec: 600 } });
  assert.equal(mute.status, 200, JSON.stringify(mute.body));
  const slowMode = await s.api.put(`/moderation/conversations/${slowGroup}/slow-mode`, { token: mod.accessToken, body: { seconds: 60 } });
  assert.equal(slowMode.status, 200, JSON.stringify(slowMode.body));

  // All at once: they share batches.
  const [retry, refused, fine, slow1, slow2, modInSlow] = await Promise.all([
    send(mutedSocket, group, "before the mute", "m-0"),
    send(mutedSocket, group, "after the mute", "m-1"),
    send(freeSocket, group, "not muted", "f-1"),
    send(slowSocket, slowGroup, "first in the interval", "s-1"),
    send(slowSocket, slowGroup, "second in the interval", "s-2"),
    request<Message>(
      (await socketOf(mod)).socket,
      "message.send",
      { conversationId: slowGroup, text: "moderators are not slowed", clientMessageId: "mod-1" },
      30_000,
    ),
  ]);
  assert.ok(retry.ok && before.ok && retry.data.id === before.data.id, `the retry gets the stored message: ${JSON.stringify(retry)}`);
  assert.ok(!refused.ok && refused.error.code === "muted", JSON.stringify(refused));
  assert.ok(fine.ok, JSON.stringify(fine));
  assert.ok(slow1.ok, JSON.stringify(slow1));
  assert.ok(!slow2.ok && slow2.error.code === "slow_mode", JSON.stringify(slow2));
  assert.ok(modInSlow.ok, JSON.stringify(modInSlow));

  const texts = async (conv: string): Promise<string[]> =>
    (await s.api.get<{ items: Message[] }>(`/conversations/${conv}/messages?limit=50`, { token: mod.accessToken })).body.items.map((m) => m.text ?? "").sort();
  assert.deepEqual(await texts(group), ["before the mute", "not muted"]);
  assert.deepEqual(await texts(slowGroup), ["first in the interval", "moderators are not slowed"]);
});

test("an app that never asked for a push key costs no web push look-up after its sends; once it has a key, the look-up runs", async () => {
  /** The push look-ups made for three sends of a DM in a new app, the key asked for first or not. */
  const lookups = async (withKey: boolean): Promise<number> => {
    const tenant = (await s.createTenant(withKey ? "Pushes" : "Never pushes")).id;
    const [a, b] = [await s.api.register(tenant), await s.api.register(tenant)];
    if (withKey) assert.equal((await s.api.get("/push/key", { token: b.accessToken })).status, 200);
    const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
    const seen = await recordQueries(
      s.services,
      async () => {
        for (const text of ["one", "two", "three"]) {
          const res = await s.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: a.accessToken, body: { text } });
          assert.equal(res.status, 201, JSON.stringify(res.body));
        }
        await s.services.pushNotifier.idle();
      },
      /FROM push_subscriptions/,
    );
    return seen.length;
  };
  assert.equal(await lookups(false), 0, "no look-up for an app without push keys");
  assert.ok((await lookups(true)) >= 1, "the look-up runs once the app has a key");
});
