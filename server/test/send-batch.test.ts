import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { In } from "typeorm";
import type { Ack, Attachment, AuthResponse, Conversation, EventOf, Message, Page, SyncResponse } from "@parley/sdk/protocol";
import { EventEntity } from "../src/events/event.entity.js";
import { MessageEntity } from "../src/messages/message.entity.js";
import { UploadEntity } from "../src/uploads/upload.entity.js";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { DbProxy } from "./helpers/db-proxy.js";
import { connect, Recorder, request, sleep } from "./helpers/sockets.js";

/**
 * Sends are group-committed (SendBatcher + SendWriter): every send queued while the previous
 * transaction ran is written in one transaction. These tests fire many sends in one tick (socket
 * emits without awaiting, concurrent REST POSTs) so that they share batches, and check that each
 * one is answered and stored exactly as if it had been sent alone.
 */

let s: TestServer;
let app: string;
let otherApp: string;
const recorders: Recorder[] = [];

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Shop")).id;
  otherApp = (await s.createTenant("Other")).id;
});
after(async () => {
  for (const r of recorders) r.socket.close();
  await s?.close();
});

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

const register = (appId = app) => s.api.register(appId);

async function dm(a: AuthResponse, b: AuthResponse): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.conversation.id;
}

async function group(owner: AuthResponse, others: AuthResponse[]): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations", {
    token: owner.accessToken,
    body: { name: "Batch group", memberIds: others.map((u) => u.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

async function open(u: AuthResponse): Promise<Recorder> {
  const r = new Recorder(await connect(s, u.accessToken));
  recorders.push(r);
  return r;
}

/** Emits `message.send` without waiting: the promise settles with the ack. */
const emit = (r: Recorder, payload: unknown): Promise<Ack<Message>> => request<Message>(r.socket, "message.send", payload, 60_000);
const post = (u: AuthResponse, conv: string, body: unknown): Promise<Res<Message>> =>
  s.api.post<Message>(`/conversations/${conv}/messages`, { token: u.accessToken, body });

async function postOk(u: AuthResponse, conv: string, body: { text: string } & Record<string, unknown>): Promise<Message> {
  const res = await post(u, conv, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function uploadPdf(u: AuthResponse): Promise<Attachment> {
  const fd = new FormData();
  fd.append("file", new Blob([new Uint8Array(PDF)], { type: "application/pdf" }), "doc.pdf");
  const res = await s.api.post<Attachment>("/uploads", { token: u.accessToken, raw: fd });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** The whole history of a conversation as the user sees it, oldest first. */
async function history(u: AuthResponse, conv: string): Promise<Message[]> {
  const out: Message[] = [];
  let cursor: string | null = null;
  do {
    const res: Res<Page<Message>> = await s.api.get<Page<Message>>(`/conversations/${conv}/messages?limit=100${cursor ? `&before=${cursor}` : ""}`, {
      token: u.accessToken,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out.reverse();
}

/** The ok ack's message (fails the test with the error otherwise). */
function okData(ack: Ack<Message>, what: string): Message {
  assert.ok(ack.ok, `${what}: ${JSON.stringify(ack)}`);
  return ack.data;
}

/** The error ack's code (fails the test if the send was accepted). */
function ackCode(ack: Ack<Message>, what: string): string {
  assert.ok(!ack.ok, `${what} was accepted: ${JSON.stringify(ack)}`);
  return ack.error.code;
}

/** The first detail's path of a validation error. */
const detailPath = (error: { details?: unknown }): unknown => (error.details as { path?: unknown }[] | undefined)?.[0]?.path;

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const messageNews = (r: Recorder, conv?: string): EventOf<"message.new">[] =>
  r.events.filter((e) => e.name === "message.new" && (conv === undefined || e.payload.conversationId === conv)).map((e) => e.payload);

const isIncreasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
const ids = (ms: Message[]): number[] => ms.map((m) => Number(m.id));

async function messageNewEventsOf(messageIds: string[]): Promise<EventEntity[]> {
  return s.services.db.getRepository(EventEntity).find({ where: { type: "message.new", messageId: In(messageIds.map(Number)) }, order: { seq: "ASC" } });
}

describe("a mixed batch", () => {
  test("valid sends of several users in DMs and a group are stored once; every refused send of the same tick gets its own error and stores nothing", async () => {
    const [alice, bob, carol, dave, erin] = await Promise.all([register(), register(), register(), register(), register()]);
    const [mallory, mo] = await Promise.all([register(otherApp), register(otherApp)]);
    const ab = await dm(alice, bob);
    const ac = await dm(alice, carol);
    const bd = await dm(bob, dave);
    const g = await group(alice, [bob, carol]);
    const foreignConv = await dm(mallory, mo);
    const target = await postOk(bob, ab, { text: "target" });
    const elsewhere = await postOk(alice, ac, { text: "elsewhere" });
    const gone = await postOk(alice, ab, { text: "gone" });
    assert.equal((await s.api.del(`/messages/${gone.id}`, { token: alice.accessToken })).status, 204);
    assert.equal((await s.api.post("/blocks", { token: bob.accessToken, body: { userId: dave.user.id } })).status, 204);
    const bobsFile = await uploadPdf(bob);
    const alicesFile = await uploadPdf(alice);
    const views = [
      [alice, ab],
      [alice, ac],
      [bob, bd],
      [alice, g],
      [mallory, foreignConv],
    ] as const;
    const before = new Map<string, string[]>();
    for (const [u, c] of views)
      before.set(
        c,
        (await history(u, c)).map((m) => m.id),
      );

    const [a1, a2, b1, c1, d1, e1, m1] = await Promise.all([open(alice), open(alice), open(bob), open(carol), open(dave), open(erin), open(mallory)]);

    // Everything below leaves in one tick.
    type Expect = { conv: string; text: string; sender: AuthResponse; replyToId?: string; file?: string; clientMessageId?: string };
    const good: { ack: Promise<Ack<Message>>; want: Expect; socket?: Recorder }[] = [];
    const bad: { ack: Promise<Ack<Message>>; code: string; path?: string; what: string }[] = [];
    const ok = (r: Recorder, sender: AuthResponse, conv: string, text: string, extra: Record<string, unknown> = {}) => {
      const want: Expect = { conv, text, sender };
      if (extra["replyToId"]) want.replyToId = String(extra["replyToId"]);
      if (extra["clientMessageId"]) want.clientMessageId = String(extra["clientMessageId"]);
      good.push({ ack: emit(r, { conversationId: conv, text, ...extra }), want, socket: r });
    };
    const no = (r: Recorder, conv: string, text: string, code: string, extra: Record<string, unknown> = {}, path?: string) => {
      bad.push({ ack: emit(r, { conversationId: conv, text, ...extra }), code, ...(path ? { path } : {}), what: text });
    };
    for (let i = 0; i < 8; i++) {
      ok(a1, alice, ab, `mixed a1 ab ${i}`);
      ok(a2, alice, g, `mixed a2 g ${i}`);
      ok(b1, bob, i % 2 ? ab : g, `mixed b1 ${i}`);
      ok(c1, carol, i % 2 ? ac : g, `mixed c1 ${i}`);
      if (i === 1) {
        no(e1, ab, "erin is no member", "not_found");
        no(c1, ab, "carol is no member of ab", "not_found");
        no(a1, foreignConv, "into another app's conversation", "not_found");
        no(m1, g, "another app's user into g", "not_found");
        // One clientMessageId, three senders (two apps): three messages.
        ok(a1, alice, ab, "shared id alice", { clientMessageId: "shared-id" });
        ok(b1, bob, ab, "shared id bob", { clientMessageId: "shared-id" });
        ok(m1, mallory, foreignConv, "shared id mallory", { clientMessageId: "shared-id" });
      }
      if (i % 3 === 0) ok(m1, mallory, foreignConv, `other app ${i}`);
      if (i === 3) {
        no(d1, bd, "dave is blocked 1", "forbidden");
        ok(b1, bob, bd, "bob may still write to dave");
        no(d1, bd, "dave is blocked 2", "forbidden");
        no(a1, ab, "reply to another conversation", "validation_failed", { replyToId: elsewhere.id }, "replyToId");
        ok(a1, alice, ab, "a good reply", { replyToId: target.id });
      }
      if (i === 5) {
        no(a2, ab, "reply to a deleted message", "validation_failed", { replyToId: gone.id }, "replyToId");
        no(a1, ab, "bob's file", "validation_failed", { attachmentIds: [bobsFile.id] }, "attachmentIds");
        good.push({
          ack: emit(a2, { conversationId: ab, text: "alice's file", attachmentIds: [alicesFile.id] }),
          want: { conv: ab, text: "alice's file", sender: alice, file: alicesFile.id },
          socket: a2,
        });
        no(a1, ab, "reply to a message that does not exist", "validation_failed", { replyToId: "999999999999" }, "replyToId");
      }
    }
    const restGood = [0, 1, 2, 3].map((i) => ({
      res: post(alice, ac, { text: `mixed rest ac ${i}` }),
      want: { conv: ac, text: `mixed rest ac ${i}`, sender: alice },
    }));
    restGood.push(...[0, 1, 2].map((i) => ({ res: post(bob, g, { text: `mixed rest g ${i}` }), want: { conv: g, text: `mixed rest g ${i}`, sender: bob } })));
    const restBad = [
      { res: post(erin, ab, { text: "rest erin" }), status: 404, code: "not_found" },
      { res: post(dave, bd, { text: "rest dave blocked" }), status: 403, code: "forbidden" },
      { res: post(alice, ab, { text: "rest foreign reply", replyToId: elsewhere.id }), status: 400, code: "validation_failed" },
      { res: post(mallory, ab, { text: "rest other app" }), status: 404, code: "not_found" },
      { res: post(alice, ab, { text: "rest bob's file", attachmentIds: [bobsFile.id] }), status: 400, code: "validation_failed" },
    ];

    for (const b of bad) {
      const ack = await b.ack;
      assert.equal(ackCode(ack, b.what), b.code, b.what);
      if (b.path && !ack.ok) assert.equal(detailPath(ack.error), b.path, b.what);
    }
    for (const b of restBad) {
      const res = await b.res;
      assert.equal(res.status, b.status, JSON.stringify(res.body));
      assert.equal(errorCode(res), b.code);
    }

    const acked: { message: Message; want: Expect; socket?: Recorder }[] = [];
    for (const x of good) acked.push({ message: okData(await x.ack, x.want.text), want: x.want, ...(x.socket ? { socket: x.socket } : {}) });
    for (const x of restGood) {
      const res = await x.res;
      assert.equal(res.status, 201, JSON.stringify(res.body));
      acked.push({ message: res.body, want: x.want });
    }

    // Every answer is the stored row, as the sender reads it back.
    const stored = new Map<string, Message>();
    for (const [u, c] of views) for (const m of await history(u, c)) stored.set(m.id, m);
    for (const { message, want } of acked) {
      assert.equal(message.conversationId, want.conv, want.text);
      assert.equal(message.senderId, want.sender.user.id, want.text);
      assert.equal(message.text, want.text);
      assert.equal(message.replyToId, want.replyToId ?? null, want.text);
      assert.equal(message.clientMessageId, want.clientMessageId ?? null, want.text);
      assert.deepEqual(
        message.attachments.map((a) => a.id),
        want.file ? [want.file] : [],
        want.text,
      );
      assert.deepEqual(message, stored.get(message.id), `${want.text}: the answer is what was stored`);
    }
    assert.equal(new Set(acked.map((a) => a.message.id)).size, acked.length, "one id per send");
    // Each socket's accepted sends (the attachment one, written alone, included) keep their order.
    for (const r of [a1, a2, b1, c1, m1]) {
      const mineInOrder = acked.filter((a) => a.socket === r).map((a) => Number(a.message.id));
      assert.ok(mineInOrder.length > 0 && isIncreasing(mineInOrder), `ids ${mineInOrder.join(",")} follow the emit order`);
    }

    // Stored: exactly the accepted sends, once each, and nothing of the refused ones.
    for (const [u, c] of views) {
      const now = (await history(u, c)).filter((m) => !before.get(c)!.includes(m.id));
      const expected = acked
        .filter((a) => a.want.conv === c)
        .map((a) => a.message.id)
        .sort((x, y) => Number(x) - Number(y));
      assert.deepEqual(
        now.map((m) => m.id),
        expected,
        `conversation ${c} holds exactly the accepted sends`,
      );
    }
    const refusedTexts = [...bad.map((b) => b.what), "rest erin", "rest dave blocked", "rest foreign reply", "rest other app", "rest bob's file"];
    assert.equal(await s.services.db.getRepository(MessageEntity).countBy({ text: In(refusedTexts) }), 0, "no refused send was stored");
    const upload = await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id: bobsFile.id });
    assert.equal(upload.messageId, null, "bob's file stays unattached");
    // One message.new per stored message, none for the refused ones.
    const events = await messageNewEventsOf(acked.map((a) => a.message.id));
    assert.deepEqual(events.map((e) => String(e.messageId)).sort(), acked.map((a) => a.message.id).sort());
  });
});

describe("order", () => {
  test("each socket's back-to-back sends get increasing ids in emit order; recipients get each message.new once, in id order, seqs rising with ids", async () => {
    const [alice, bob, carol] = await Promise.all([register(), register(), register()]);
    const ab = await dm(alice, bob);
    const g = await group(alice, [bob, carol]);
    const [a1, a2, b1, c1, bobWatch, carolWatch] = await Promise.all([open(alice), open(alice), open(bob), open(carol), open(bob), open(carol)]);
    const N = 25;
    const plan: [Recorder, string, string][] = [
      [a1, ab, "a1"],
      [a2, g, "a2"],
      [b1, ab, "b1"],
      [c1, g, "c1"],
    ];
    const sent = plan.map(([r, conv, name]) => Array.from({ length: N }, (_, i) => emit(r, { conversationId: conv, text: `${name} #${i}` })));
    const acks = await Promise.all(sent.map((list) => Promise.all(list)));
    acks.forEach((list, k) => {
      const [, , name] = plan[k]!;
      const ms = list.map((a, i) => okData(a, `${name} #${i}`));
      assert.deepEqual(
        ms.map((m) => m.text),
        Array.from({ length: N }, (_, i) => `${name} #${i}`),
      );
      assert.ok(isIncreasing(ids(ms)), `${name}: ids ${ids(ms).join(",")} follow the emit order`);
    });

    for (const [watch, convs] of [
      [bobWatch, [ab, g]],
      [carolWatch, [g]],
    ] as const) {
      for (const conv of convs) {
        const want = ids(await history(alice, conv));
        await until(() => messageNews(watch, conv).length >= want.length, `message.new in ${conv}`);
      }
    }
    await sleep(300); // nothing more may arrive
    for (const [watch, convs] of [
      [bobWatch, [ab, g]],
      [carolWatch, [g]],
    ] as const) {
      for (const conv of convs) {
        const stored = await history(alice, conv);
        const got = messageNews(watch, conv);
        assert.deepEqual(
          got.map((e) => Number(e.data.message.id)),
          ids(stored),
          `each message of ${conv} once, in id order`,
        );
        assert.deepEqual(
          got.map((e) => e.data.message),
          stored,
          "the event carries the stored message",
        );
        assert.ok(isIncreasing(got.map((e) => e.seq)), "seqs rise with ids");
      }
      // Across conversations too: one process hands out ids and seqs in the same (commit) order.
      const all = messageNews(watch);
      assert.ok(isIncreasing(all.map((e) => e.seq)), "events arrive in seq order");
      assert.ok(isIncreasing(all.map((e) => Number(e.data.message.id))), "and in id order");
    }
    assert.equal(messageNews(carolWatch, ab).length, 0, "carol is not in ab");
  });
});

describe("clientMessageId in batches", () => {
  let alice: AuthResponse, bob: AuthResponse, dave: AuthResponse, erin: AuthResponse;
  let ab: string, g: string, bd: string, de: string;
  let bobWatch: Recorder;
  let gone: Message, elsewhere: Message;
  before(async () => {
    [alice, bob, dave, erin] = await Promise.all([register(), register(), register(), register()]);
    ab = await dm(alice, bob);
    g = await group(alice, [bob]);
    bd = await dm(bob, dave);
    de = await group(dave, [erin]);
    assert.equal((await s.api.post("/blocks", { token: bob.accessToken, body: { userId: dave.user.id } })).status, 204);
    gone = await postOk(alice, ab, { text: "to be deleted" });
    assert.equal((await s.api.del(`/messages/${gone.id}`, { token: alice.accessToken })).status, 204);
    elsewhere = await postOk(alice, g, { text: "in the group" });
    bobWatch = await open(bob);
  });
  const rowsWith = (senderId: string, clientMessageId: string) => s.services.db.getRepository(MessageEntity).findBy({ senderId, clientMessageId });
  const fillers = (r: Recorder, conv: string, tag: string, n: number) =>
    Array.from({ length: n }, (_, i) => emit(r, { conversationId: conv, text: `${tag} filler ${i}` }));

  test("twice in one batch (same conversation): one message stored, both acks carry it, one message.new in the log", async () => {
    const a1 = await open(alice);
    const head = fillers(a1, ab, "dup", 4);
    const first = emit(a1, { conversationId: ab, text: "dup first", clientMessageId: "same-batch" });
    const mid = fillers(a1, ab, "dup-mid", 3);
    const second = emit(a1, { conversationId: ab, text: "dup second", clientMessageId: "same-batch" });
    const tail = fillers(a1, ab, "dup-tail", 3);
    for (const f of [...head, ...mid, ...tail]) okData(await f, "filler");
    const m1 = okData(await first, "first");
    const m2 = okData(await second, "second");
    assert.equal(m1.text, "dup first");
    assert.deepEqual(m2, m1, "the duplicate answers the first send's message");
    const rows = await rowsWith(alice.user.id, "same-batch");
    assert.deepEqual(
      rows.map((r) => String(r.id)),
      [m1.id],
    );
    await until(() => messageNews(bobWatch).some((e) => e.data.message.id === m1.id), "bob's message.new");
    assert.equal((await messageNewEventsOf([m1.id])).length, 1, "one event in the log");
  });

  test("twice in one tick over REST: one 201 and one 200 with the same message, one row", async () => {
    const others = [0, 1, 2, 3].map((i) => post(alice, ab, { text: `rest filler ${i}` }));
    const pair = [post(alice, ab, { text: "rest dup", clientMessageId: "rest-dup" }), post(alice, ab, { text: "rest dup", clientMessageId: "rest-dup" })];
    const more = [0, 1, 2].map((i) => post(bob, ab, { text: `rest filler bob ${i}` }));
    for (const r of [...others, ...more]) assert.equal((await r).status, 201);
    const [x, y] = await Promise.all(pair);
    assert.deepEqual([x!.status, y!.status].sort(), [200, 201]);
    assert.deepEqual(x!.body, y!.body);
    assert.deepEqual(
      (await rowsWith(alice.user.id, "rest-dup")).map((r) => String(r.id)),
      [x!.body.id],
    );
  });

  test("in two conversations in one batch: the second is a 409 conflict and stores nothing", async () => {
    const a1 = await open(alice);
    const head = fillers(a1, g, "two", 3);
    const first = emit(a1, { conversationId: ab, text: "two convs 1", clientMessageId: "two-convs" });
    const second = emit(a1, { conversationId: g, text: "two convs 2", clientMessageId: "two-convs" });
    const tail = fillers(a1, g, "two-tail", 3);
    for (const f of [...head, ...tail]) okData(await f, "filler");
    const m1 = okData(await first, "first");
    assert.equal(ackCode(await second, "second"), "conflict");
    assert.deepEqual(
      (await rowsWith(alice.user.id, "two-convs")).map((r) => [String(r.id), r.conversationId]),
      [[m1.id, ab]],
    );
  });

  test("a retry after the first was stored answers the original and publishes its message.new again, same seq", async () => {
    const a1 = await open(alice);
    const first = await post(alice, ab, { text: "original", clientMessageId: "retry-me" });
    assert.equal(first.status, 201);
    const id = first.body.id;
    await until(() => messageNews(bobWatch).some((e) => e.data.message.id === id), "the first message.new");
    const seq = messageNews(bobWatch).find((e) => e.data.message.id === id)!.seq;

    // Retried inside a busy batch, over the socket and over REST.
    const head = fillers(a1, ab, "retry", 4);
    const again = emit(a1, { conversationId: ab, text: "retried text", clientMessageId: "retry-me" });
    const tail = fillers(a1, ab, "retry-tail", 4);
    const rest = post(alice, ab, { text: "retried over rest", clientMessageId: "retry-me" });
    for (const f of [...head, ...tail]) okData(await f, "filler");
    assert.deepEqual(okData(await again, "socket retry"), first.body);
    const r = await rest;
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, first.body);

    // At least once more (twice when the two retries were written in different batches).
    await until(() => messageNews(bobWatch).filter((e) => e.data.message.id === id).length >= 2, "the re-published message.new");
    await sleep(200);
    const copies = messageNews(bobWatch).filter((e) => e.data.message.id === id);
    assert.ok(copies.length === 2 || copies.length === 3, `${copies.length} copies`);
    for (const c of copies) {
      assert.equal(c.seq, seq, "the same event each time (the SDK drops it by seq)");
      assert.deepEqual(c.data.message, first.body);
    }
    assert.equal((await rowsWith(alice.user.id, "retry-me")).length, 1);
    assert.equal((await messageNewEventsOf([id])).length, 1, "the log still has one event");
  });

  test("a refused send does not decide for a later send with its clientMessageId in the same batch (same conversation)", async () => {
    // Sent one by one, the first is refused and stores nothing, so the second is new.
    const a1 = await open(alice);
    const head = fillers(a1, ab, "refused", 3);
    const first = emit(a1, { conversationId: ab, text: "bad reply", replyToId: gone.id, clientMessageId: "after-refusal" });
    const second = emit(a1, { conversationId: ab, text: "good one", clientMessageId: "after-refusal" });
    for (const f of head) okData(await f, "filler");
    assert.equal(ackCode(await first, "first"), "validation_failed");
    const m = okData(await second, "second");
    assert.equal(m.text, "good one");
    assert.deepEqual(
      (await rowsWith(alice.user.id, "after-refusal")).map((r) => String(r.id)),
      [m.id],
    );
  });

  test("a refused send does not make a later send with its clientMessageId in another conversation a 409", async () => {
    const [a1, d1] = await Promise.all([open(alice), open(dave)]);
    const head = fillers(a1, g, "refused2", 3);
    const first = emit(a1, { conversationId: ab, text: "reply elsewhere", replyToId: elsewhere.id, clientMessageId: "refused-cross" });
    const second = emit(a1, { conversationId: g, text: "fine in g", clientMessageId: "refused-cross" });
    const blocked = emit(d1, { conversationId: bd, text: "blocked", clientMessageId: "blocked-cross" });
    const daves = emit(d1, { conversationId: de, text: "fine in de", clientMessageId: "blocked-cross" });
    for (const f of head) okData(await f, "filler");
    assert.equal(ackCode(await first, "first"), "validation_failed");
    assert.equal(ackCode(await blocked, "blocked"), "forbidden");
    const m = okData(await second, "second");
    const d = okData(await daves, "dave's second");
    assert.deepEqual(
      (await rowsWith(alice.user.id, "refused-cross")).map((r) => [String(r.id), r.conversationId]),
      [[m.id, g]],
    );
    assert.deepEqual(
      (await rowsWith(dave.user.id, "blocked-cross")).map((r) => [String(r.id), r.conversationId]),
      [[d.id, de]],
    );
  });

  test("a clientMessageId with edge whitespace (MariaDB's PAD collation would take it for a stored one) is refused alone; its batch-mates go through in order", async () => {
    const a1 = await open(alice);
    await postOk(alice, ab, { text: "padded original", clientMessageId: "pad" });
    const head = fillers(a1, ab, "pad", 5);
    const padded = emit(a1, { conversationId: ab, text: "padded retry?", clientMessageId: "pad " });
    const leading = emit(a1, { conversationId: ab, text: "leading space", clientMessageId: " pad" });
    const tail = fillers(a1, ab, "pad-tail", 5);
    const fromBob = [0, 1, 2].map((i) => post(bob, ab, { text: `pad bob ${i}`, clientMessageId: `pad-bob-${i}` }));
    const ms: Message[] = [];
    for (const f of [...head, ...tail]) ms.push(okData(await f, "batch-mate"));
    for (const r of fromBob) assert.equal((await r).status, 201);
    for (const refused of [await padded, await leading]) {
      assert.equal(refused.ok, false);
      assert.equal(refused.ok ? "" : refused.error.code, "validation_failed");
    }
    assert.ok(isIncreasing(ids(ms)), "the batch-mates keep their order");
    const stored = await history(alice, ab);
    for (const m of ms) assert.equal(stored.filter((x) => x.id === m.id).length, 1, "stored once");
    assert.equal(stored.filter((x) => x.text === "padded retry?" || x.text === "leading space").length, 0, "nothing stored for the refused ids");
  });
});

describe("side effects of a batch", () => {
  test("conversation list shows each conversation's newest message and right unread counts; sync has one message.new per message in seq order", async () => {
    const [pat, quinn, rita] = await Promise.all([register(), register(), register()]);
    const pq = await dm(pat, quinn);
    const pr = await dm(pat, rita);
    const grp = await group(pat, [quinn, rita]);
    const early = [await postOk(quinn, pq, { text: "early 1" }), await postOk(quinn, pq, { text: "early 2" }), await postOk(quinn, pq, { text: "early 3" })];
    assert.equal((await s.api.post(`/conversations/${pq}/read`, { token: pat.accessToken, body: { messageId: early[0]!.id } })).status, 204);
    const bogus = await postOk(rita, pr, { text: "soon deleted" });
    assert.equal((await s.api.del(`/messages/${bogus.id}`, { token: rita.accessToken })).status, 204);

    const [p1, p2, q1, r1] = await Promise.all([open(pat), open(pat), open(quinn), open(rita)]);
    const sends: Promise<Ack<Message>>[] = [];
    for (let i = 0; i < 6; i++) {
      sends.push(emit(p1, { conversationId: pq, text: `p pq ${i}` }));
      sends.push(emit(q1, { conversationId: pq, text: `q pq ${i}` }));
      if (i < 4) sends.push(emit(r1, { conversationId: pr, text: `r pr ${i}` }));
      if (i < 3) sends.push(emit(p2, { conversationId: pr, text: `p pr ${i}` }));
      sends.push(emit(q1, { conversationId: grp, text: `q grp ${i}` }));
      sends.push(emit(p2, { conversationId: grp, text: `p grp ${i}` }));
    }
    // Rita only reads grp; her refused sends must move nothing.
    const refused = [emit(r1, { conversationId: pr, text: "bad", replyToId: early[0]!.id }), emit(r1, { conversationId: pq, text: "not mine" })];
    sends.push(emit(q1, { conversationId: pq, text: "q pq last" }));
    for (const [i, a] of (await Promise.all(sends)).entries()) okData(a, `send ${i}`);
    assert.deepEqual(await Promise.all(refused.map(async (a) => ackCode(await a, "refused"))), ["validation_failed", "not_found"]);

    const convs = [pq, pr, grp];
    const hist = new Map<string, Message[]>();
    for (const c of convs) hist.set(c, await history(pat, c));
    for (const u of [pat, quinn, rita]) {
      const list = await s.api.get<Page<Conversation>>("/conversations?limit=50", { token: u.accessToken });
      assert.equal(list.status, 200);
      for (const c of list.body.items) {
        const msgs = hist.get(c.id)!;
        const live = msgs.filter((m) => m.deletedAt === null);
        assert.deepEqual(c.lastMessage, msgs[msgs.length - 1], `${c.id}: lastMessage is the newest`);
        // Nobody called read during the batch: each member's mark is their own newest message
        // (or the earlier explicit read, whichever is newer).
        for (const member of c.members) {
          const own = msgs.filter((m) => m.senderId === member.userId).map((m) => Number(m.id));
          const explicit = member.userId === pat.user.id && c.id === pq ? Number(early[0]!.id) : 0;
          assert.equal(member.lastReadMessageId, String(Math.max(explicit, ...own, 0)), `${c.id}: read mark of ${member.userId}`);
        }
        const mark = Number(c.members.find((m) => m.userId === u.user.id)!.lastReadMessageId);
        const unread = live.filter((m) => Number(m.id) > mark && m.senderId !== u.user.id).length;
        assert.equal(c.unreadCount, unread, `${c.id}: unread for ${u.user.id}`);
      }
      assert.deepEqual(list.body.items.map((c) => c.id).sort(), convs.filter((c) => c !== (u === quinn ? pr : u === rita ? pq : "")).sort());
    }
    // Spot check that the expectations above are not vacuous: Rita wrote nothing in grp.
    const ritasGrp = (await s.api.get<Page<Conversation>>("/conversations", { token: rita.accessToken })).body.items.find((c) => c.id === grp)!;
    assert.equal(ritasGrp.unreadCount, 12);
    assert.equal(ritasGrp.members.find((m) => m.userId === rita.user.id)!.lastReadMessageId, "0");
    assert.equal(ritasGrp.lastMessage?.id, hist.get(grp)!.at(-1)!.id);

    const sync = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", { token: pat.accessToken });
    assert.equal(sync.status, 200);
    assert.equal(sync.body.hasMore, false);
    const news = sync.body.events.filter((e): e is EventOf<"message.new"> => e.type === "message.new");
    const all = convs.flatMap((c) => hist.get(c)!).sort((a, b) => Number(a.id) - Number(b.id));
    assert.deepEqual(
      news.map((e) => e.data.message.id),
      all.map((m) => m.id),
      "one message.new per message, in id order",
    );
    assert.ok(isIncreasing(news.map((e) => e.seq)), "in seq order");
    for (const e of news) {
      const m = all.find((x) => x.id === e.data.message.id)!;
      assert.deepEqual(e.data.message, m, "the event holds the message as stored (deleted ones as tombstones)");
    }
  });
});

describe("bad input in a batch", () => {
  test("non-string text, 5000 characters, long or malformed conversation ids and objects get their own errors; the same tick's good sends all land", async () => {
    const [ann, ben] = await Promise.all([register(), register()]);
    const conv = await dm(ann, ben);
    const [r1, r2, r3] = await Promise.all([open(ann), open(ann), open(ben)]);
    const good: Promise<Ack<Message>>[] = [];
    const bad: { ack: Promise<Ack<Message>>; code: string; what: string }[] = [];
    const shout = conv.toUpperCase();
    const cases: [unknown, string, string][] = [
      [{ conversationId: conv, text: 42 }, "validation_failed", "number text"],
      [{ conversationId: conv, text: { toString: "x" } }, "validation_failed", "object text"],
      [{ conversationId: conv, text: "x".repeat(5000) }, "validation_failed", "5000 characters"],
      [{ conversationId: conv, text: "  \n\t " }, "validation_failed", "blank text"],
      [{ conversationId: "c".repeat(33), text: "hi" }, "validation_failed", "33-char id"],
      [{ conversationId: `${conv}x`.padEnd(40, "y"), text: "hi" }, "validation_failed", "40-char id"],
      [{ conversationId: { id: conv }, text: "hi" }, "validation_failed", "object id"],
      [{ conversationId: [conv], text: "hi" }, "validation_failed", "array id"],
      [{ conversationId: "", text: "hi" }, "validation_failed", "empty id"],
      [{ conversationId: "cnv_doesnotexist00000000", text: "hi" }, "not_found", "unknown id"],
      [{ conversationId: shout, text: "hi" }, "not_found", "upper-cased id"],
      [{ conversationId: `${conv} `, text: "hi" }, "not_found", "trailing space"],
      [{ conversationId: "💬".repeat(16), text: "hi" }, "not_found", "emoji id"],
      [{ conversationId: conv, text: "hi", replyToId: 5 }, "validation_failed", "numeric replyToId"],
      [{ conversationId: conv, text: "hi", replyToId: "0001" }, "validation_failed", "zero-padded replyToId"],
      [{ conversationId: conv, text: "hi", clientMessageId: { a: 1 } }, "validation_failed", "object clientMessageId"],
      [{ conversationId: conv, text: "hi", clientMessageId: "k".repeat(65) }, "validation_failed", "65-char clientMessageId"],
      [{ conversationId: conv, text: "hi", attachmentIds: "upl_x" }, "validation_failed", "string attachmentIds"],
      [{ conversationId: conv, text: "hi", attachmentIds: ["upl_none"] }, "validation_failed", "unknown attachment"],
      ["just a string", "validation_failed", "string payload"],
      [null, "validation_failed", "null payload"],
      [[conv, "hi"], "validation_failed", "array payload"],
    ];
    cases.forEach(([payload, code, what], i) => {
      good.push(emit(i % 2 ? r1 : r3, { conversationId: conv, text: `good ${i}` }));
      bad.push({ ack: emit(i % 3 ? r2 : r3, payload), code, what });
    });
    good.push(emit(r1, { conversationId: conv, text: " " + "y".repeat(4000) + " " }));
    const restBad = [
      { res: post(ann, "c".repeat(40), { text: "long id" }), status: 404 },
      { res: post(ann, conv.toUpperCase(), { text: "shouting" }), status: 404 },
      { res: post(ann, encodeURIComponent("💬".repeat(20)), { text: "emoji id" }), status: 404 },
      { res: post(ann, conv, { text: 7 }), status: 400 },
      { res: post(ann, conv, { text: ["a"] }), status: 400 },
      { res: post(ann, conv, { text: "z".repeat(5000) }), status: 400 },
      { res: post(ann, conv, { text: "ok", replyToId: { id: 1 } }), status: 400 },
      { res: post(ann, conv, "not an object"), status: 400 },
    ];
    const restGood = [post(ben, conv, { text: "rest good 1" }), post(ann, conv, { text: "rest good 2" })];

    for (const b of bad) assert.equal(ackCode(await b.ack, b.what), b.code, b.what);
    for (const b of restBad) {
      const res = await b.res;
      assert.equal(res.status, b.status, JSON.stringify(res.body));
      errorCode(res);
    }
    const ms: Message[] = [];
    for (const [i, a] of (await Promise.all(good)).entries()) ms.push(okData(a, `good ${i}`));
    for (const r of restGood) {
      const res = await r;
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ms.push(res.body);
    }
    assert.equal(ms[ms.length - 3]!.text, "y".repeat(4000), "4000 characters after trimming are fine");
    const stored = await history(ann, conv);
    assert.deepEqual(
      stored.map((m) => m.id),
      ms.map((m) => m.id).sort((a, b) => Number(a) - Number(b)),
      "exactly the good sends are stored",
    );
    for (const m of ms)
      assert.deepEqual(
        stored.find((x) => x.id === m.id),
        m,
      );
  });
});

describe("a batch over the cap", () => {
  test("450 sends from 30 sockets in one tick: all acked ok, stored once with one event each, ids increasing per socket", async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => register()));
    const everyone = await group(users[0]!, users.slice(1));
    const pairs: string[] = [];
    for (let i = 0; i < users.length; i += 2) pairs.push(await dm(users[i]!, users[i + 1]!));
    const sockets: { r: Recorder; conv: string; name: string }[] = [];
    for (const [i, u] of users.entries()) {
      const [x, y, z] = await Promise.all([open(u), open(u), open(u)]);
      sockets.push(
        { r: x, conv: everyone, name: `u${i}-g` },
        { r: y, conv: pairs[i >> 1]!, name: `u${i}-dm-a` },
        { r: z, conv: pairs[i >> 1]!, name: `u${i}-dm-b` },
      );
    }
    const PER = 15;
    const sent = sockets.map(({ r, conv, name }) =>
      Array.from({ length: PER }, (_, i) => emit(r, { conversationId: conv, text: `${name} ${i}`, clientMessageId: `${name}-${i}` })),
    );
    const acks = await Promise.all(sent.map((list) => Promise.all(list)));
    const all: Message[] = [];
    acks.forEach((list, k) => {
      const { name, conv } = sockets[k]!;
      const ms = list.map((a, i) => okData(a, `${name} ${i}`));
      assert.deepEqual(
        ms.map((m) => [m.text, m.conversationId, m.clientMessageId]),
        ms.map((_, i) => [`${name} ${i}`, conv, `${name}-${i}`]),
      );
      assert.ok(isIncreasing(ids(ms)), `${name}: ids follow the emit order`);
      all.push(...ms);
    });
    assert.equal(all.length, 450);
    assert.equal(new Set(all.map((m) => m.id)).size, 450, "450 distinct messages");

    const rows = await s.services.db.getRepository(MessageEntity).findBy({ conversationId: In([everyone, ...pairs]) });
    assert.equal(rows.length, 450, "stored once each");
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    for (const m of all) {
      const r = byId.get(m.id)!;
      assert.deepEqual(
        [r.text, r.conversationId, r.senderId, r.clientMessageId, new Date(r.createdAt).toISOString()],
        [m.text, m.conversationId, m.senderId, m.clientMessageId, m.createdAt],
      );
    }
    const events = await messageNewEventsOf(all.map((m) => m.id));
    assert.equal(events.length, 450, "one message.new each");
    const sortedById = [...events].sort((a, b) => Number(a.messageId) - Number(b.messageId));
    assert.ok(isIncreasing(sortedById.map((e) => Number(e.seq))), "seqs rise with ids");
    // The tick really was group-committed: some messages share a batch (and so a createdAt).
    assert.ok(new Set(rows.map((r) => r.createdAt)).size < rows.length, "sends shared batches");
  });
});

describe("the first batch during a database outage", {
  skip: TEST_DB !== "mysql" ? "cuts a TCP proxy in front of MariaDB: PARLEY_TEST_DB=mysql only" : false,
}, () => {
  const proxy = new DbProxy();
  let srv: TestServer;
  const mine: Recorder[] = [];
  before(async () => {
    await proxy.listen();
    srv = await startServer({}, { mysqlServerUrl: `mysql://root@127.0.0.1:${proxy.port}` });
  });
  after(async () => {
    for (const r of mine) r.socket.close();
    if (proxy.isCut) await proxy.restore();
    await srv?.close();
    proxy.close();
  });

  test("sends work again once the database is back, even when the very first batch of the process met the outage", async () => {
    const tenant = (await srv.createTenant("Outage")).id;
    const [ann, ben] = [await srv.api.register(tenant), await srv.api.register(tenant)];
    const res = await srv.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } });
    assert.equal(res.status, 201);
    const conv = res.body.conversation.id;
    const r = new Recorder(await connect(srv, ann.accessToken));
    mine.push(r);

    proxy.cut();
    const during = await Promise.all([0, 1, 2].map((i) => emit(r, { conversationId: conv, text: `during ${i}` })));
    for (const a of during) assert.equal(ackCode(a, "send during the outage"), "service_unavailable");
    await proxy.restore();

    // The pool reconnects on demand: allow a few failed attempts, not a lasting failure.
    let sent: Message | undefined;
    let last: Ack<Message> | undefined;
    for (const end = Date.now() + 10_000; !sent && Date.now() < end; await sleep(250)) {
      last = await emit(r, { conversationId: conv, text: "after", clientMessageId: "after-outage" });
      if (last.ok) sent = last.data;
    }
    assert.ok(sent, `still failing 10 s after the restore: ${JSON.stringify(last)}`);
    assert.equal(sent?.text, "after");
    const stored = await srv.services.db.getRepository(MessageEntity).findBy({ conversationId: conv });
    assert.deepEqual(
      stored.map((m) => [String(m.id), m.text]),
      [[sent!.id, "after"]],
      "nothing of the failed batch was stored",
    );
  });
});
