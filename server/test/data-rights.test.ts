import assert from "node:assert/strict";
import { access, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import type { Attachment, AuthResponse, ChatEvent, Conversation, DataExport, Message, ServerUser, SyncResponse, ThreadPage } from "@parley/sdk/protocol";
import { encodePng } from "../src/shared/png.js";
import { errorCode, type ReqOptions, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, sleep, type ClientSocket } from "./helpers/sockets.js";

/**
 * Data rights (issue 17): a user's export holds everything of theirs and nothing of anyone
 * else's; deleting an account (DELETE /v1/me, or the server API by sub) leaves nothing of theirs
 * readable through any route, socket event, /sync, the event log or the webhook outbox, ends
 * their sessions and sockets, and refuses them at login. Then a bad-input table for the routes.
 */

interface Key {
  id: string;
  secret: string;
}

let s: TestServer;
let app: string;
let otherApp: string;
let key: Key;
let foreignKey: Key;
const n = Math.random().toString(36).slice(2, 8);
const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });
const PASSWORD = "correct horse battery";

function srv<T = any>(method: string, p: string, o: ReqOptions & { key?: Key } = {}): Promise<Res<T>> {
  const { key: k = key, headers, ...rest } = o;
  return s.api.req<T>(method, `/server${p}`, { ...rest, headers: { Authorization: basic(k), ...headers } });
}

function ok<T>(res: Res<T>, status = 200): T {
  assert.equal(res.status, status, JSON.stringify(res.body));
  return res.body;
}

function form(bytes: Buffer, name: string, type: string): FormData {
  const fd = new FormData();
  fd.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
  return fd;
}

async function upload(u: AuthResponse, bytes: Buffer, name: string): Promise<Attachment> {
  return ok(await s.api.post<Attachment>("/uploads", { ...tok(u), raw: form(bytes, name, "text/plain") }), 201);
}

async function send(u: AuthResponse, conversationId: string, body: Record<string, unknown>): Promise<Message> {
  return ok(await s.api.post<Message>(`/conversations/${conversationId}/messages`, { ...tok(u), body }), 201);
}

async function befriend(a: AuthResponse, b: AuthResponse): Promise<void> {
  const req = ok(await s.api.post("/contacts/requests", { ...tok(a), body: { userId: b.user.id } }), 201);
  ok(await s.api.post(`/contacts/requests/${req.id}/accept`, tok(b)));
}

/** Every event /sync hands `u` from 0, all pages. */
async function syncAll(u: AuthResponse): Promise<ChatEvent[]> {
  const all: ChatEvent[] = [];
  let since = 0;
  for (;;) {
    const page = ok(await s.api.get<SyncResponse>(`/sync?since=${since}&limit=1000`, tok(u)));
    all.push(...page.events);
    if (!page.hasMore) return all;
    since = page.lastSeq;
  }
}

/** A host-signed user made through the server API, signed in. */
async function hostUser(sub: string, extra: Record<string, unknown> = {}): Promise<AuthResponse> {
  ok(await srv<{ user: ServerUser }>("POST", "/users", { body: { sub, name: `Host ${sub}`, ...extra } }), 201);
  const t = ok(await srv<{ hostToken: string }>("POST", "/tokens", { body: { sub } }), 201);
  return ok(await s.api.post<AuthResponse>("/auth/host-token", { app, body: { token: t.hostToken } }));
}

/** Asserts none of `secrets` occurs in `where` (any JSON or text), naming the first that does. */
function noneIn(where: string, what: string, secrets: string[]): void {
  for (const secret of secrets) assert.ok(!where.includes(secret), `${what} still holds ${JSON.stringify(secret)}`);
}

before(async () => {
  // Webhook deliveries to a closed port stay pending (retried much later): the outbox check below.
  s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_RETRY_BASE_MS: "3600000", WEBHOOK_ENDPOINT_CACHE_MS: "0" });
  app = (await s.createTenant("Data rights")).id;
  otherApp = (await s.createTenant("Other")).id;
  key = await s.services.serverKeys.create(app, "backend");
  foreignKey = await s.services.serverKeys.create(otherApp, "other backend");
  ok(
    await srv("POST", "/webhooks", {
      body: { url: "http://127.0.0.1:9/hook", events: ["message.new", "message.updated", "member.added", "conversation.created"] },
    }),
    201,
  );
});
after(() => s?.close());

describe("export and DELETE /v1/me", () => {
  let alice: AuthResponse, bob: AuthResponse, carol: AuthResponse, dave: AuthResponse, stranger: AuthResponse;
  let dm: Conversation, group: Conversation;
  let first: Message, edited: Message, inGroup: Message, bobReply: Message, bobOwn: Message, carolOwn: Message, inThread: Message;
  let file: Attachment;
  let avatarName = "";
  const fileBytes = Buffer.from(`ALICE-UPLOAD-BYTES-${n}`);
  const secret = {
    first: `alice first secret ${n}`,
    editedAway: `alice text edited away ${n}`,
    edited: `alice edited secret ${n}`,
    group: `alice group secret ${n}`,
    thread: `alice thread secret ${n}`,
    name: `Alice Qx${n}`,
    bio: `alice bio ${n}`,
    email: `alice-${n}@example.com`,
    fileName: `alice-notes-${n}.txt`,
    bytes: fileBytes.toString(),
  };
  const bobText = `bob private words ${n}`;
  const carolText = `carol private words ${n}`;
  const otherAppText = `other app words ${n}`;

  before(async () => {
    alice = await s.api.register(app, { email: secret.email, displayName: secret.name });
    bob = await s.api.register(app, { displayName: `Bob ${n}` });
    carol = await s.api.register(app, { displayName: `Carol ${n}` });
    dave = await s.api.register(app, { displayName: `Dave ${n}` });
    stranger = await s.api.register(app, { displayName: `Stranger ${n}` });
    ok(await s.api.patch("/me", { ...tok(alice), body: { bio: secret.bio } }));
    const png = encodePng(2, 2, () => [255, 0, 0, 255]);
    const me = ok(await s.api.put("/me/avatar", { ...tok(alice), raw: form(png, "me.png", "image/png") }));
    avatarName = String(me.avatarUrl).split("/").pop()!;
    await befriend(alice, bob);
    await befriend(carol, alice);
    ok(await s.api.post("/blocks", { ...tok(alice), body: { userId: dave.user.id } }), 204);
    // A pending request to the stranger: a relation the deletion must also forget.
    ok(await s.api.post("/contacts/requests", { ...tok(alice), body: { userId: stranger.user.id } }), 201);
    dm = ok(await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(alice), body: { userId: bob.user.id } }), 201).conversation;
    group = ok(
      await s.api.post<{ conversation: Conversation }>("/conversations", {
        ...tok(alice),
        body: { name: `Group ${n}`, memberIds: [bob.user.id, carol.user.id] },
      }),
      201,
    ).conversation;
    file = await upload(alice, fileBytes, secret.fileName);
    first = await send(alice, dm.id, { text: secret.first, attachmentIds: [file.id] });
    bobOwn = await send(bob, dm.id, { text: bobText });
    bobReply = await send(bob, dm.id, { text: `re ${n}`, replyToId: first.id });
    edited = await send(alice, dm.id, { text: secret.editedAway, replyToId: bobOwn.id });
    edited = ok(await s.api.patch<Message>(`/messages/${edited.id}`, { ...tok(alice), body: { text: secret.edited } }));
    inGroup = await send(alice, group.id, { text: secret.group });
    carolOwn = await send(carol, group.id, { text: carolText });
    // A thread reply mentioning Bob, and Bob's mention of her: threads and mentions forget her too.
    inThread = await send(alice, group.id, { text: secret.thread, threadId: carolOwn.id, mentions: [bob.user.id] });
    await send(bob, group.id, { text: `@Alice ${n}`, threadId: carolOwn.id, mentions: [alice.user.id] });
    ok(await s.api.put(`/messages/${bobOwn.id}/reactions/${encodeURIComponent("👍")}`, tok(alice)));
    ok(await s.api.put(`/messages/${carolOwn.id}/reactions/${encodeURIComponent("🎉")}`, tok(alice)));
    ok(await s.api.put(`/messages/${first.id}/reactions/${encodeURIComponent("❤️")}`, tok(bob)));
    const other = await s.api.register(otherApp, { displayName: `Other ${n}` });
    const other2 = await s.api.register(otherApp);
    const oc = ok(await s.api.post("/conversations/direct", { ...tok(other), body: { userId: other2.user.id } }), 201).conversation;
    await send(other, oc.id, { text: otherAppText });
  });

  test("the export holds every category of the user's data", async () => {
    const ex = ok(await s.api.get<DataExport>("/me/export", tok(alice)));
    assert.equal(ex.format, "parley-export/1");
    assert.equal(ex.profile.id, alice.user.id);
    assert.equal(ex.profile.email, secret.email);
    assert.equal(ex.profile.displayName, secret.name);
    assert.equal(ex.profile.bio, secret.bio);
    assert.equal(ex.profile.sub, null);
    const byId = new Map(ex.messages.map((m) => [m.id, m]));
    assert.deepEqual(
      ex.messages.map((m) => m.text),
      [secret.first, secret.edited, secret.group, secret.thread],
    );
    assert.equal(byId.get(inThread.id)?.threadId, carolOwn.id);
    assert.deepEqual(byId.get(first.id)?.attachmentIds, [file.id]);
    assert.equal(byId.get(first.id)?.conversationId, dm.id);
    assert.equal(byId.get(first.id)?.conversationName, null);
    assert.equal(byId.get(inGroup.id)?.conversationName, `Group ${n}`);
    assert.equal(byId.get(edited.id)?.replyToId, bobOwn.id);
    assert.ok(byId.get(edited.id)?.editedAt);
    assert.deepEqual(
      ex.reactions.map((r) => [r.messageId, r.conversationId, r.emoji]).sort(),
      [
        [bobOwn.id, dm.id, "👍"],
        [carolOwn.id, group.id, "🎉"],
      ].sort(),
    );
    assert.deepEqual(
      ex.uploads.map((u) => [u.id, u.name, u.size, u.conversationId, u.messageId]),
      [[file.id, secret.fileName, fileBytes.length, dm.id, first.id]],
    );
    assert.equal(ex.uploads[0]!.file, undefined, "no archive path in the JSON form");
    const convs = new Map(ex.conversations.map((c) => [c.id, c]));
    assert.equal(convs.get(dm.id)?.kind, "direct");
    assert.deepEqual(convs.get(dm.id)?.with, { id: bob.user.id, displayName: `Bob ${n}` });
    assert.equal(convs.get(group.id)?.role, "owner");
    assert.deepEqual(ex.contacts.map((c) => c.user.id).sort(), [bob.user.id, carol.user.id].sort());
    assert.deepEqual(
      ex.requests.map((r) => [r.direction, r.user.id, r.status]).sort(),
      [
        ["received", carol.user.id, "accepted"],
        ["sent", bob.user.id, "accepted"],
        ["sent", stranger.user.id, "pending"],
      ].sort(),
    );
    assert.deepEqual(
      ex.blocks.map((b) => b.user),
      [{ id: dave.user.id, displayName: `Dave ${n}` }],
    );
  });

  test("the export holds nothing of anyone else's: no other member's text, email or bio, nothing of another app", async () => {
    const text = JSON.stringify(ok(await s.api.get<DataExport>("/me/export", tok(alice))));
    noneIn(text, "the export", [bobText, carolText, `re ${n}`, otherAppText, bob.user.email!, carol.user.email!, secret.editedAway]);
    // Bob's export names Alice only as a partner, never with her texts.
    const bobs = JSON.stringify(ok(await s.api.get<DataExport>("/me/export", tok(bob))));
    noneIn(bobs, "bob's export", [secret.first, secret.edited, secret.group, secret.email, secret.bio]);
    assert.ok(bobs.includes(bobText));
  });

  test("the zip form holds export.json, the uploaded files' bytes and the avatar", async () => {
    const res = await fetch(`${s.url}/v1/me/export?format=zip`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/zip");
    assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename="parley-export-/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const json = JSON.parse(new TextDecoder().decode(entries["export.json"])) as DataExport;
    assert.equal(json.profile.id, alice.user.id);
    const entry = json.uploads[0]!.file!;
    assert.equal(entry, `uploads/${file.id}-${secret.fileName}`);
    assert.deepEqual(Buffer.from(entries[entry]!), fileBytes);
    assert.ok(entries[`avatar-${avatarName}`], `the avatar is in the archive: ${Object.keys(entries).join(", ")}`);
  });

  test("a wrong or missing password is refused and nothing is deleted", async () => {
    const wrong = await s.api.del("/me", { ...tok(alice), body: { password: "not my password" } });
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), "invalid_credentials");
    const missing = await s.api.del("/me", tok(alice));
    assert.equal(missing.status, 400);
    assert.equal(errorCode(missing), "validation_failed");
    assert.equal(ok(await s.api.get("/me", tok(alice))).displayName, secret.name);
    assert.equal(ok(await s.api.get<Message>(`/messages/${first.id}`, tok(bob))).text, secret.first);
  });

  describe("after DELETE /v1/me", () => {
    let aliceSocket: ClientSocket;
    let aliceClosed: Promise<string>;
    let bobLive: Recorder;
    const texts = (): string[] => [
      secret.first,
      secret.edited,
      secret.editedAway,
      secret.group,
      secret.thread,
      secret.name,
      secret.bio,
      secret.email,
      secret.fileName,
      secret.bytes,
    ];

    before(async () => {
      aliceSocket = await connect(s, alice.accessToken);
      aliceClosed = new Promise((resolve) => aliceSocket.on("disconnect", (reason) => resolve(reason)));
      bobLive = new Recorder(await connect(s, bob.accessToken));
      const res = await s.api.del("/me", { ...tok(alice), body: { password: PASSWORD } });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    });
    after(() => {
      aliceSocket?.close();
      bobLive?.socket.close();
    });

    test("the user's open socket is closed; their refresh token, login and access token are refused", async () => {
      assert.equal(await aliceClosed, "io server disconnect");
      const refresh = await s.api.post("/auth/refresh", { app, body: { refreshToken: alice.refreshToken } });
      assert.equal(refresh.status, 401);
      const login = await s.api.post("/auth/login", { app, body: { email: secret.email, password: PASSWORD } });
      assert.equal(login.status, 401);
      assert.equal(errorCode(login), "invalid_credentials");
      await assert.rejects(connect(s, alice.accessToken), "a new socket is refused at the handshake");
      // The access token outlives the session by a few minutes: it finds no account.
      assert.equal((await s.api.get("/me", tok(alice))).status, 404);
      assert.equal((await s.api.patch("/me", { ...tok(alice), body: { displayName: "Back again" } })).status, 404);
      assert.equal((await s.api.get("/me/export", tok(alice))).status, 404);
      // Nor does it start anything new as the tombstone: no conversation, contact request or block.
      assert.equal((await s.api.post("/conversations/direct", { ...tok(alice), body: { userId: carol.user.id } })).status, 404);
      assert.equal((await s.api.post("/conversations", { ...tok(alice), body: { name: "Again", memberIds: [bob.user.id] } })).status, 404);
      assert.equal((await s.api.post("/contacts/requests", { ...tok(alice), body: { userId: dave.user.id } })).status, 404);
      assert.equal((await s.api.post("/blocks", { ...tok(alice), body: { userId: dave.user.id } })).status, 404);
      assert.equal((await s.api.del("/me", { ...tok(alice), body: { password: PASSWORD } })).status, 401, "the session has ended");
    });

    test("members heard it live: member.removed and user.deleted in each conversation, with the tombstone profile", async () => {
      for (const c of [dm, group]) {
        await bobLive.wait("member.removed", (e) => e.conversationId === c.id && e.data.userId === alice.user.id);
        const e = await bobLive.wait("user.deleted", (e) => e.conversationId === c.id);
        assert.equal(e.data.userId, alice.user.id);
        assert.equal(e.data.user.displayName, "Deleted user");
        assert.equal(e.data.user.deleted, true);
      }
      noneIn(JSON.stringify(bobLive.events), "bob's live events", texts());
    });

    test("every read route of her partners shows only tombstones", async () => {
      const reads: [AuthResponse, string][] = [
        [bob, "/conversations"],
        [bob, `/conversations/${dm.id}`],
        [bob, `/conversations/${dm.id}/messages?limit=100`],
        [bob, `/conversations/${group.id}/messages?limit=100`],
        [carol, `/conversations/${group.id}`],
        [carol, "/conversations"],
        [bob, `/messages/${bobReply.id}`],
        [carol, `/messages/${carolOwn.id}/thread`],
        [bob, "/contacts"],
        [carol, "/contacts"],
        [stranger, "/contacts"],
        [bob, `/users/${alice.user.id}`],
        [bob, `/users?q=${encodeURIComponent("Alice")}`],
        [bob, `/users?q=${encodeURIComponent("Deleted")}`],
        [bob, "/me/export"],
        [carol, "/me/export"],
        [bob, "/conversations/invitations"],
      ];
      for (const [u, p] of reads) {
        const res = await s.api.get(p, tok(u));
        assert.ok(res.status < 500, `${p}: ${res.status}`);
        noneIn(JSON.stringify(res.body), `GET ${p}`, texts());
      }
      const history = ok(await s.api.get<{ items: Message[] }>(`/conversations/${dm.id}/messages?limit=100`, tok(bob)));
      const tomb = history.items.find((m) => m.id === first.id)!;
      assert.equal(tomb.text, null);
      assert.deepEqual(tomb.attachments, []);
      assert.deepEqual(tomb.reactions, []);
      assert.ok(tomb.deletedAt);
      assert.equal(tomb.senderId, alice.user.id, "the sender id stays: it names the tombstone user");
      assert.equal(history.items.find((m) => m.id === bobReply.id)?.replyToId, first.id);
      assert.equal(history.items.find((m) => m.id === bobOwn.id)?.reactions.length, 0, "her reaction is gone");
      const thread = ok(await s.api.get<ThreadPage>(`/messages/${carolOwn.id}/thread`, tok(carol)));
      const hers = thread.items.find((m) => m.id === inThread.id)!;
      assert.deepEqual([hers.text, hers.mentions, Boolean(hers.deletedAt)], [null, undefined, true], "her reply: a tombstone naming no one");
      assert.deepEqual(
        thread.items.filter((m) => m.id !== inThread.id).map((m) => m.mentions),
        [undefined],
        "Bob's mention of her is gone (his text stays his)",
      );
      const user = ok(await s.api.get(`/users/${alice.user.id}`, tok(bob)));
      assert.deepEqual([user.displayName, user.bio, user.avatarUrl, user.deleted], ["Deleted user", "", null, true]);
      const search = ok(await s.api.get<{ items: { id: string }[] }>("/users?q=Deleted", tok(bob)));
      assert.equal(
        search.items.some((u) => u.id === alice.user.id),
        false,
      );
      const conv = ok(await s.api.get<{ conversation: Conversation }>(`/conversations/${group.id}`, tok(carol))).conversation;
      assert.equal(
        conv.members.some((m) => m.userId === alice.user.id),
        false,
      );
      assert.equal(conv.members.filter((m) => m.role === "owner").length, 1, "the group got a new owner");
      for (const id of [first.id, edited.id, inGroup.id]) assert.equal((await s.api.get(`/messages/${id}`, tok(bob))).status, 404);
      const contacts = ok(await s.api.get("/contacts", tok(bob)));
      assert.equal(JSON.stringify(contacts).includes(alice.user.id), false);
    });

    test("her files are gone: the upload and the avatar answer 404 and are off the disk", async () => {
      const f = await fetch(`${s.url}/v1/uploads/${file.id}`, { headers: { Authorization: `Bearer ${bob.accessToken}` } });
      assert.equal(f.status, 404);
      assert.equal((await fetch(`${s.url}/v1/avatars/${avatarName}`)).status, 404);
      await assert.rejects(access(path.join(s.dataDir, "uploads", "avatars", avatarName)));
      const dir = path.join(s.dataDir, "uploads", "files");
      for (const name of await readdir(dir)) noneIn((await readFile(path.join(dir, name))).toString(), `the stored file ${name}`, [secret.bytes]);
    });

    test("/sync from 0, a fresh socket and the server API show nothing of hers", async () => {
      for (const u of [bob, carol, stranger, dave]) noneIn(JSON.stringify(await syncAll(u)), "a /sync from 0", texts());
      const fresh = new Recorder(await connect(s, bob.accessToken));
      await sleep(300);
      fresh.socket.close();
      noneIn(JSON.stringify(fresh.events), "a fresh socket's events", texts());
      for (const p of ["/conversations", `/conversations/${dm.id}`, `/conversations/${dm.id}/messages`, `/conversations/${group.id}/messages`]) {
        const res = ok(await srv("GET", p));
        noneIn(JSON.stringify(res), `server GET ${p}`, texts());
      }
    });

    test("the event log and the webhook outbox hold no copy of her data", async () => {
      const events: { data: string }[] = await s.services.db.query("SELECT data FROM events WHERE appId = ?", [app]);
      assert.ok(events.length > 10);
      noneIn(events.map((e) => String(e.data)).join("\n"), "the event log", texts());
      const pending: { data: string }[] = await s.services.db.query("SELECT data FROM webhook_deliveries WHERE appId = ? AND status = 'pending'", [app]);
      assert.ok(pending.length > 0, "deliveries to the closed port are pending");
      noneIn(pending.map((e) => String(e.data)).join("\n"), "the pending webhook deliveries", texts());
      // The tombstones are what is left: her message events now carry no text.
      const mine: { data: string }[] = await s.services.db.query("SELECT data FROM events WHERE appId = ? AND messageId = ? AND type = 'message.new'", [
        app,
        Number(first.id),
      ]);
      assert.equal((JSON.parse(String(mine[0]!.data)) as { message: Message }).message.text, null);
    });

    test("the user row is a tombstone: no email, password, sub, bio, avatar or data", async () => {
      const rows: Record<string, unknown>[] = await s.services.db.query(
        "SELECT displayName, email, passwordHash, externalId, bio, avatarUrl, data, deletedAt FROM users WHERE id = ?",
        [alice.user.id],
      );
      const r = rows[0]!;
      assert.deepEqual(
        [r["displayName"], r["email"], r["passwordHash"], r["externalId"], r["bio"], r["avatarUrl"], r["data"]],
        ["Deleted user", null, null, null, "", null, null],
      );
      assert.ok(r["deletedAt"]);
      const left: { n: number | string }[] = await s.services.db.query(
        "SELECT (SELECT COUNT(*) FROM members WHERE userId = ?) + (SELECT COUNT(*) FROM contacts WHERE userId = ? OR contactId = ?) + (SELECT COUNT(*) FROM blocks WHERE blockerId = ? OR blockedId = ?) + (SELECT COUNT(*) FROM contact_requests WHERE fromUserId = ? OR toUserId = ?) + (SELECT COUNT(*) FROM reactions WHERE userId = ?) + (SELECT COUNT(*) FROM uploads WHERE uploaderId = ?) AS n",
        Array(9).fill(alice.user.id),
      );
      assert.equal(Number(left[0]!.n), 0, "no membership, contact, block, request, reaction or upload row is left");
    });
  });
});

describe("host-signed users and the server API", () => {
  test("a host-token user deletes their account without a password; the server API exports and deletes by sub", async () => {
    const bob = await s.api.register(app);
    const ginaSub = `gina-${n}`;
    const gina = await hostUser(ginaSub, { email: `gina-${n}@shop.example`, data: { tier: `gold-${n}` } });
    const hankSub = `hank-${n}`;
    const hank = await hostUser(hankSub, { email: `hank-${n}@shop.example` });
    for (const u of [gina, hank]) {
      const c = ok(await s.api.post("/conversations/direct", { ...tok(u), body: { userId: bob.user.id } }), 201).conversation;
      await send(u, c.id, { text: `${u.user.displayName} secret ${n}` });
    }
    const hankFile = await upload(hank, Buffer.from(`HANK-BYTES-${n}`), `hank-${n}.txt`);
    const exported = ok(await srv<DataExport>("GET", `/users/${encodeURIComponent(hankSub)}/export`));
    assert.equal(exported.profile.sub, hankSub);
    assert.deepEqual(
      exported.messages.map((m) => m.text),
      [`Host ${hankSub} secret ${n}`],
    );
    const zip = await fetch(`${s.url}/v1/server/users/${encodeURIComponent(hankSub)}/export?format=zip`, { headers: { Authorization: basic(key) } });
    assert.equal(zip.status, 200);
    const entries = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    assert.equal(new TextDecoder().decode(entries[`uploads/${hankFile.id}-hank-${n}.txt`]), `HANK-BYTES-${n}`);
    assert.equal((await srv("GET", `/users/${encodeURIComponent(hankSub)}/export`, { key: foreignKey })).status, 404, "another app's key");

    assert.equal((await s.api.del("/me", tok(gina))).status, 204, "no password for a host-signed user");
    assert.equal((await srv("DELETE", `/users/${encodeURIComponent(hankSub)}`)).status, 204);
    assert.equal((await srv("DELETE", `/users/${encodeURIComponent(hankSub)}`)).status, 404, "deleting again: no such user");
    assert.equal((await srv("GET", `/users/${encodeURIComponent(hankSub)}/export`)).status, 404);
    assert.equal((await s.api.post("/auth/refresh", { app, body: { refreshToken: hank.refreshToken } })).status, 401);

    const traces = [ginaSub, hankSub, `gina-${n}@shop.example`, `hank-${n}@shop.example`, `gold-${n}`, `secret ${n}`, `HANK-BYTES-${n}`];
    noneIn(JSON.stringify(await syncAll(bob)), "bob's /sync", traces);
    noneIn(JSON.stringify(ok(await s.api.get("/conversations", tok(bob)))), "bob's conversations", traces);
    const events: { data: string }[] = await s.services.db.query("SELECT data FROM events WHERE appId = ?", [app]);
    noneIn(events.map((e) => String(e.data)).join("\n"), "the event log", traces);

    // The sub is free again: the host may create a new, empty user with it.
    const again = ok(await srv<{ user: ServerUser }>("POST", "/users", { body: { sub: hankSub, name: "Hank again" } }), 201);
    assert.notEqual(again.user.id, hank.user.id);
    assert.deepEqual(ok(await srv<DataExport>("GET", `/users/${encodeURIComponent(hankSub)}/export`)).messages, []);
  });
});

describe("bad input on the data-rights routes: 4xx with the error body, never 500", () => {
  let u: AuthResponse;
  let foreignSub: string;
  before(async () => {
    u = await s.api.register(app);
    foreignSub = `foreign-${n}`;
    ok(await srv("POST", "/users", { key: foreignKey, body: { sub: foreignSub, name: "Foreign" } }), 201);
  });

  const cases: [string, () => Promise<Res>, number][] = [
    ["export: unknown format", () => s.api.get("/me/export?format=xml", tok(u)), 400],
    ["export: format twice", () => s.api.get("/me/export?format=zip&format=json", tok(u)), 400],
    ["export: an extra parameter", () => s.api.get("/me/export?format=json&all=1", tok(u)), 400],
    ["export: unauthenticated", () => s.api.get("/me/export"), 401],
    ["export: a garbage token", () => s.api.get("/me/export", { token: "not.a.token" }), 401],
    ["delete: password of the wrong type", () => s.api.del("/me", { ...tok(u), body: { password: 12345678 } }), 400],
    ["delete: an extra field", () => s.api.del("/me", { ...tok(u), body: { password: PASSWORD, force: true } }), 400],
    ["delete: an array body", () => s.api.del("/me", { ...tok(u), body: [PASSWORD] }), 400],
    ["delete: an empty password", () => s.api.del("/me", { ...tok(u), body: { password: "" } }), 400],
    ["delete: an oversized password", () => s.api.del("/me", { ...tok(u), body: { password: "x".repeat(5000) } }), 400],
    ["delete: an oversized body", () => s.api.del("/me", { ...tok(u), body: { password: "x".repeat(2 * 1024 * 1024) } }), 413],
    ["delete: malformed JSON", () => s.api.del("/me", { ...tok(u), raw: '{"password":', contentType: "application/json" }), 400],
    ["delete: not JSON", () => s.api.del("/me", { ...tok(u), raw: `password=${PASSWORD}`, contentType: "application/x-www-form-urlencoded" }), 415],
    ["delete: unauthenticated", () => s.api.del("/me", { body: { password: PASSWORD } }), 401],
    ["server export: unknown sub", () => srv("GET", "/users/nobody-here/export"), 404],
    ["server export: another app's user", () => srv("GET", `/users/${foreignSub}/export`), 404],
    ["server export: a sub too long", () => srv("GET", `/users/${"s".repeat(300)}/export`), 404],
    ["server export: bad format", () => srv("GET", `/users/${foreignSub}/export?format=tar`, { key: foreignKey }), 400],
    ["server export: no key", () => s.api.get(`/server/users/${foreignSub}/export`), 401],
    ["server export: a wrong secret", () => srv("GET", `/users/${foreignSub}/export`, { key: { id: foreignKey.id, secret: "sk_wrong" } }), 401],
    ["server export: from a browser", () => srv("GET", `/users/${foreignSub}/export`, { key: foreignKey, headers: { Origin: "https://x.example" } }), 403],
    ["server delete: unknown sub", () => srv("DELETE", "/users/nobody-here"), 404],
    ["server delete: another app's user", () => srv("DELETE", `/users/${foreignSub}`), 404],
    ["server delete: a body with fields", () => srv("DELETE", `/users/${foreignSub}`, { key: foreignKey, body: { hard: true } }), 400],
    ["server delete: not JSON", () => srv("DELETE", `/users/${foreignSub}`, { key: foreignKey, raw: "x", contentType: "text/plain" }), 415],
    ["server delete: no key", () => s.api.del(`/server/users/${foreignSub}`), 401],
  ];
  for (const [name, call, status] of cases) {
    test(name, async () => {
      const res = await call();
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.ok(errorCode(res));
    });
  }

  test("after the table: both users are intact", async () => {
    assert.equal((await s.api.get("/me", tok(u))).status, 200);
    assert.equal((await srv("GET", `/users/${foreignSub}/export`, { key: foreignKey })).status, 200);
  });
});
