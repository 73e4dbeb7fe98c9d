import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, ServerUser } from "@parley/sdk/protocol";
import { TypeORMError } from "typeorm";
import { ConversationEntity } from "../src/conversations/conversation.entity.js";
import { UserEntity } from "../src/users/user.entity.js";
import { assertClientError, type ReqOptions, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

/**
 * Issue 36, the null-in-where audit. TypeORM 0.3 dropped a `null` or `undefined` value from a
 * find/update/delete condition, so `findOneBy({ appId, externalKey: undefined })` answered some
 * row of the app; TypeORM 1.x throws instead (which a route would answer as a 500). Every query
 * whose value can be missing is either guarded (null → `IsNull()`, undefined → not asked) or
 * cannot receive one; each such path is driven here through the API with the value missing, and
 * answers what it should: not another row, not every row, not a 500.
 */

let s: TestServer;
let app: string;
let key: { id: string; secret: string };
const n = Math.random().toString(36).slice(2, 8);

function srv<T = any>(method: string, path: string, o: ReqOptions = {}): Promise<Res<T>> {
  const auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  return s.api.req<T>(method, `/server${path}`, { ...o, headers: { Authorization: auth, ...o.headers } });
}

async function upsert(sub: string): Promise<ServerUser> {
  const res = await srv<{ user: ServerUser }>("POST", "/users", { body: { sub, name: `User ${sub}` } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.user;
}

async function hostSession(sub: string): Promise<AuthResponse> {
  await upsert(sub);
  const t = await srv<{ hostToken: string }>("POST", "/tokens", { body: { sub } });
  const res = await s.api.post<AuthResponse>("/auth/host-token", { app, body: { token: t.body.hostToken } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

before(async () => {
  // Consent on (the production default): a group with a stranger invites them.
  s = await startServer({ GROUP_DIRECT_ADD: "0" });
  app = (await s.createTenant("Audit")).id;
  key = await s.services.serverKeys.create(app, "backend");
});
after(() => s?.close());

describe("null and undefined in where conditions", () => {
  test("the data source keeps TypeORM 1.x's refusal: an undefined or null condition throws instead of matching every row", async () => {
    await s.api.register(app);
    const users = s.services.db.getRepository(UserEntity);
    assert.ok((await users.countBy({ appId: app })) > 0);
    // Both would have answered the app's first user on TypeORM 0.3 (the condition dropped).
    await assert.rejects(users.findOneBy({ appId: app, id: undefined }), TypeORMError);
    await assert.rejects(users.findOneBy({ appId: app, id: null as unknown as string }), TypeORMError);
    await assert.rejects(
      s.services.db.manager.update(UserEntity, { appId: app, email: undefined }, { displayName: "Everyone" }),
      TypeORMError,
      "an update with a missing condition renames no one",
    );
    assert.equal(await users.countBy({ appId: app, displayName: "Everyone" }), 0);
  });

  test("server API: a group asked for without a key is a new group, never an existing keyless one", async () => {
    const subs = [`k1-${n}`, `k2-${n}`, `k3-${n}`];
    for (const sub of subs) await upsert(sub);
    const first = await srv<{ conversation: Conversation }>("POST", "/conversations", { body: { kind: "group", name: "One", users: subs } });
    const second = await srv<{ conversation: Conversation }>("POST", "/conversations", { body: { kind: "group", name: "Two", users: subs } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(second.status, 201, "externalKey is not asked for when no key is given");
    assert.notEqual(second.body.conversation.id, first.body.conversation.id);
    assert.equal(second.body.conversation.name, "Two");
    // The list without ?key= (no key condition at all) lists both.
    const all = await srv<{ items: Conversation[] }>("GET", "/conversations");
    assert.equal(all.status, 200);
    for (const c of [first, second]) assert.ok(all.body.items.some((i) => i.id === c.body.conversation.id));
  });

  test("server API: a keyless direct conversation is found by its pair (directKey), and a group's null directKey matches nothing", async () => {
    await upsert(`d1-${n}`);
    await upsert(`d2-${n}`);
    const a = await srv<{ conversation: Conversation }>("POST", "/conversations", { body: { kind: "direct", users: [`d1-${n}`, `d2-${n}`] } });
    const b = await srv<{ conversation: Conversation }>("POST", "/conversations", { body: { kind: "direct", users: [`d2-${n}`, `d1-${n}`] } });
    assert.deepEqual([a.status, b.status], [201, 200]);
    assert.equal(b.body.conversation.id, a.body.conversation.id);
    const direct = await s.services.db.getRepository(ConversationEntity).findOneByOrFail({ appId: app, id: a.body.conversation.id });
    assert.equal(direct.externalKey, null);
  });

  test("a host-signed account (no password hash) changing its password is a 403, and no one's password changes", async () => {
    const session = await hostSession(`pw-${n}`);
    const other = await s.api.register(app, { password: "the other password" });
    const res = await s.api.post("/auth/password", {
      token: session.accessToken,
      body: { currentPassword: "anything at all", newPassword: "a new password here" },
    });
    assertClientError(res, { status: 403, code: "forbidden" });
    const login = await s.api.post("/auth/login", { app, body: { email: other.user.email, password: "the other password" } });
    assert.equal(login.status, 200, "the other account's password is as it was");
  });

  test("a user never seen (lastSeenAt null) and an upload not yet attached (conversationId null) answer as they should", async () => {
    const viewer = await s.api.register(app);
    const fresh = await upsert(`fresh-${n}`);
    const seen = await s.api.get(`/users/${fresh.id}`, { token: viewer.accessToken });
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.lastSeenAt ?? null, null);

    const owner = await s.api.register(app);
    const form = new FormData();
    form.set("file", new Blob(["hello"], { type: "text/plain" }), "hello.txt");
    const up = await fetch(`${s.url}/v1/uploads`, { method: "POST", headers: { Authorization: `Bearer ${owner.accessToken}` }, body: form });
    assert.equal(up.status, 201);
    const { id } = (await up.json()) as { id: string };
    assert.equal((await fetch(`${s.url}/v1/uploads/${id}`, { headers: { Authorization: `Bearer ${owner.accessToken}` } })).status, 200);
    const stranger = await fetch(`${s.url}/v1/uploads/${id}`, { headers: { Authorization: `Bearer ${viewer.accessToken}` } });
    assert.equal(stranger.status, 404, "an unattached upload is its uploader's only");
  });

  test("contact requests (conversationId null) and group invitations (set) stay apart", async () => {
    const [ann, bob, cat] = [await s.api.register(app), await s.api.register(app), await s.api.register(app)];
    const tok = (u: AuthResponse) => ({ token: u.accessToken });
    assert.equal((await s.api.post("/contacts/requests", { ...tok(ann), body: { userId: bob.user.id } })).status, 201);
    const group = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(cat), body: { name: "Invite", memberIds: [bob.user.id] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const invitations = await s.api.get("/conversations/invitations", tok(bob));
    assert.equal(invitations.status, 200, JSON.stringify(invitations.body));
    assert.deepEqual(
      invitations.body.items.map((i: { conversationId: string }) => i.conversationId),
      [group.body.conversation.id],
    );
    const contacts = await s.api.get("/contacts", tok(bob));
    assert.equal(contacts.status, 200);
    assert.deepEqual(
      contacts.body.incoming.map((r: { fromUserId: string }) => r.fromUserId),
      [ann.user.id],
      "the invitation is not a contact request",
    );
  });
});
