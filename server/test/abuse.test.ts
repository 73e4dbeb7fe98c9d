/**
 * Issue 15, abuse paths: each test performs the attack the red team found and asserts it fails.
 * Old text after edits and deletes, blocks, group spam (consent, quotas, size), sockets that
 * outlive their session, typing floods, socket floods, reaction keys, and lastSeenAt.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io as ioc } from "socket.io-client";
import WebSocket from "ws";
import type { AuthResponse, ChatEvent, Conversation, GroupInvitation, Message, Page, SyncResponse, User } from "@parley/sdk/protocol";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { tmpdir } from "node:os";
import { loadConfig } from "../src/config.js";
import { connect, Recorder, request, sleep, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let app: string;

// The settings under test, spelled out so a looser harness default cannot hide a regression.
const LIMITS = {
  GROUP_DIRECT_ADD: "0",
  GROUPS_CREATED_PER_HOUR: "5",
  GROUP_MEMBERS_ADDED_PER_HOUR: "12",
  SOCKETS_PER_USER_MAX: "3",
  PRESENCE_GRACE_MS: "150",
};

test("the defaults a server starts with are the safe ones: consent for strangers, hourly caps, a socket cap", () => {
  const c = loadConfig({ NODE_ENV: "production", DATA_DIR: tmpdir(), JWT_SECRET: "x".repeat(40) });
  assert.equal(c.groups.directAdd, false);
  assert.equal(c.groups.createdPerUser.points, 20);
  assert.equal(c.groups.addedPerUser.points, 200);
  assert.equal(c.socketsPerUserMax, 20);
});

before(async () => {
  s = await startServer(LIMITS);
  app = (await s.createTenant("Abuse")).id;
});
after(() => s?.close());

const reg = (a = app): Promise<AuthResponse> => s.api.register(a);
const tok = (u: AuthResponse) => ({ token: u.accessToken });

function expectError(res: Res, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(errorCode(res), code);
}

async function befriend(a: AuthResponse, b: AuthResponse): Promise<void> {
  const req = await s.api.post("/contacts/requests", { ...tok(a), body: { userId: b.user.id } });
  assert.equal(req.status, 201, JSON.stringify(req.body));
  assert.equal((await s.api.post(`/contacts/requests/${req.body.id}/accept`, tok(b))).status, 200);
}

async function createGroup(owner: AuthResponse, members: AuthResponse[], name = "Team"): Promise<Res<{ conversation: Conversation }>> {
  return s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(owner), body: { name, memberIds: members.map((m) => m.user.id) } });
}

async function group(owner: AuthResponse, members: AuthResponse[], name = "Team"): Promise<Conversation> {
  const res = await createGroup(owner, members, name);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation;
}

async function send(u: AuthResponse, conv: string, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conv}/messages`, { ...tok(u), body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function sync(u: AuthResponse): Promise<ChatEvent[]> {
  const res = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", tok(u));
  assert.equal(res.status, 200);
  return res.body.events;
}

async function invitations(u: AuthResponse): Promise<GroupInvitation[]> {
  const res = await s.api.get<Page<GroupInvitation>>("/conversations/invitations", tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

async function conversationIds(u: AuthResponse): Promise<string[]> {
  const res = await s.api.get<Page<Conversation>>("/conversations?limit=100", tok(u));
  assert.equal(res.status, 200);
  return res.body.items.map((c) => c.id);
}

// ---------------------------------------------------------------------------------------------

describe("old text is unreadable after an edit or a delete", () => {
  test("a rename's conversation.updated preview is rewritten: /sync, the list, GET and history never show the old text", async () => {
    const alice = await reg();
    const bob = await reg();
    await befriend(alice, bob);
    const conv = await group(alice, [bob]);
    const readers = async (): Promise<string> => {
      const [events, list, one, history] = await Promise.all([
        sync(bob),
        s.api.get("/conversations", tok(bob)),
        s.api.get(`/conversations/${conv.id}`, tok(bob)),
        s.api.get(`/conversations/${conv.id}/messages`, tok(bob)),
      ]);
      return JSON.stringify([events, list.body, one.body, history.body]);
    };

    const edited = await send(alice, conv.id, "original wording XJ1");
    // The rename snapshots the conversation, last-message preview included, into the event log.
    assert.equal((await s.api.patch(`/conversations/${conv.id}`, { ...tok(alice), body: { name: "Renamed" } })).status, 200);
    assert.match(await readers(), /original wording XJ1/, "the preview is there before the edit");
    assert.equal((await s.api.patch(`/messages/${edited.id}`, { ...tok(alice), body: { text: "new wording" } })).status, 200);
    const afterEdit = await readers();
    assert.doesNotMatch(afterEdit, /original wording XJ1/);
    assert.match(afterEdit, /new wording/);

    const deleted = await send(alice, conv.id, "regrettable secret QZ9");
    assert.equal((await s.api.patch(`/conversations/${conv.id}`, { ...tok(alice), body: { name: "Renamed again" } })).status, 200);
    assert.equal((await s.api.del(`/messages/${deleted.id}`, tok(alice))).status, 204);
    assert.doesNotMatch(await readers(), /regrettable secret QZ9/);
    const preview = (await sync(bob)).filter((e) => e.type === "conversation.updated").at(-1);
    assert.equal(preview?.type === "conversation.updated" && preview.data.conversation.lastMessage?.text, null, "the preview is the tombstone");
  });
});

// ---------------------------------------------------------------------------------------------

describe("blocks hold on every path", () => {
  test("the blocked user cannot create a group with the blocker, nor add or invite them to one", async () => {
    const blocker = await reg();
    const blocked = await reg();
    const friend = await reg();
    await befriend(blocked, friend);
    await befriend(blocked, blocker);
    assert.equal((await s.api.post("/blocks", { ...tok(blocker), body: { userId: blocked.user.id } })).status, 204);

    expectError(await createGroup(blocked, [blocker]), 403, "forbidden");
    expectError(await createGroup(blocked, [friend, blocker]), 403, "forbidden");
    const g = await group(blocked, [friend]);
    expectError(await s.api.post(`/conversations/${g.id}/members`, { ...tok(blocked), body: { userIds: [blocker.user.id] } }), 403, "forbidden");
    // And the other way round: the blocker must unblock first.
    expectError(await createGroup(blocker, [blocked]), 403, "forbidden");

    assert.deepEqual(await conversationIds(blocker), []);
    assert.deepEqual(await invitations(blocker), []);
  });

  test("a block hides presence and lastSeenAt from the blocked user, also in a group they share", async () => {
    const blocker = await reg();
    const blocked = await reg();
    const other = await reg();
    await befriend(other, blocker);
    await befriend(other, blocked);
    const g = await group(other, [blocker, blocked]);
    assert.equal(g.members.length, 3);
    await s.services.db.query("UPDATE users SET lastSeenAt = ? WHERE id = ?", [Date.now() - 60_000, blocker.user.id]);
    assert.equal((await s.api.post("/blocks", { ...tok(blocker), body: { userId: blocked.user.id } })).status, 204);

    const watcher = new Recorder(await connect(s, blocked.accessToken));
    const witness = new Recorder(await connect(s, other.accessToken));
    const b = await connect(s, blocker.accessToken);
    await witness.wait("presence", (p) => p.userId === blocker.user.id && p.online);
    b.close();
    await witness.wait("presence", (p) => p.userId === blocker.user.id && !p.online);
    await sleep(100);
    assert.deepEqual(
      watcher.events.filter((e) => e.name === "presence" && e.payload.userId === blocker.user.id),
      [],
    );
    watcher.socket.close();
    witness.socket.close();

    const profile = await s.api.get<User>(`/users/${blocker.user.id}`, tok(blocked));
    assert.equal(profile.body.lastSeenAt, null);
    const conv = await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(blocked));
    assert.equal(conv.body.conversation.users.find((u) => u.id === blocker.user.id)?.lastSeenAt, null);
    const seenByOther = await s.api.get<User>(`/users/${blocker.user.id}`, tok(other));
    assert.ok(seenByOther.body.lastSeenAt, "a co-member without a block still sees it");
  });
});

// ---------------------------------------------------------------------------------------------

describe("adding someone to a group needs their consent unless they are a contact", () => {
  test("a stranger added to a group is only invited: no membership, no messages, nothing in their list until they accept", async () => {
    const spammer = await reg();
    const victim = await reg();
    const created = await group(spammer, [victim], "Cheap watches");
    assert.deepEqual(
      created.members.map((m) => m.userId),
      [spammer.user.id],
    );
    assert.deepEqual(created.invitedUserIds, [victim.user.id]);
    await send(spammer, created.id, "buy now SPAM1");

    assert.deepEqual(await conversationIds(victim), []);
    expectError(await s.api.get(`/conversations/${created.id}`, tok(victim)), 404, "not_found");
    expectError(await s.api.get(`/conversations/${created.id}/messages`, tok(victim)), 404, "not_found");
    const events = await sync(victim);
    assert.doesNotMatch(JSON.stringify(events), /SPAM1/);
    assert.deepEqual(
      events.map((e) => e.type),
      ["invitation.updated"],
    );

    const [inv] = await invitations(victim);
    assert.equal(inv?.conversationId, created.id);
    assert.equal(inv?.name, "Cheap watches");
    assert.equal(inv?.invitedBy.id, spammer.user.id);
    assert.equal(inv?.status, "pending");
    // Nobody else answers it, and it is not a contact request.
    const eve = await reg();
    expectError(await s.api.post(`/conversations/invitations/${inv!.id}/accept`, tok(eve)), 404, "not_found");
    expectError(await s.api.post(`/contacts/requests/${inv!.id}/accept`, tok(victim)), 404, "not_found");
    assert.equal((await s.api.get("/contacts", tok(victim))).body.incoming.length, 0);

    assert.equal((await s.api.post(`/conversations/invitations/${inv!.id}/decline`, tok(victim))).status, 204);
    assert.deepEqual(await invitations(victim), []);
    assert.deepEqual(await conversationIds(victim), []);
    expectError(await s.api.post(`/conversations/invitations/${inv!.id}/accept`, tok(victim)), 409, "conflict");
  });

  test("accepting an invitation joins the group; adding a stranger later invites them too", async () => {
    const owner = await reg();
    const friend = await reg();
    const stranger = await reg();
    await befriend(owner, friend);
    const g = await group(owner, [friend]);
    assert.deepEqual(g.members.map((m) => m.userId).sort(), [owner.user.id, friend.user.id].sort(), "a contact is added at once");
    assert.equal(g.invitedUserIds, undefined);

    const added = await s.api.post<{ conversation: Conversation }>(`/conversations/${g.id}/members`, { ...tok(owner), body: { userIds: [stranger.user.id] } });
    assert.equal(added.status, 200);
    assert.equal(added.body.conversation.members.length, 2);
    assert.deepEqual(added.body.conversation.invitedUserIds, [stranger.user.id]);
    const live = new Recorder(await connect(s, stranger.accessToken));
    const [inv] = await invitations(stranger);
    const accepted = await s.api.post<{ conversation: Conversation }>(`/conversations/invitations/${inv!.id}/accept`, tok(stranger));
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.conversation.myRole, "member");
    assert.equal(accepted.body.conversation.invitedUserIds, undefined);
    assert.deepEqual(await conversationIds(stranger), [g.id]);
    await live.wait("member.added", (e) => e.conversationId === g.id);
    await send(owner, g.id, "welcome");
    await live.wait("message.new", (e) => e.data.message.text === "welcome");
    live.socket.close();
  });

  test("an app that allows direct adds adds strangers at once", async () => {
    const open = (await s.createTenant("Open groups")).id;
    await s.services.db.query("UPDATE apps SET groupDirectAdd = ? WHERE id = ?", [1, open]);
    const owner = await reg(open);
    const stranger = await reg(open);
    const g = await group(owner, [stranger]);
    assert.equal(g.members.length, 2);
    assert.deepEqual(await conversationIds(stranger), [g.id]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("group quotas and size", () => {
  test("groups created per user per hour: the sixth is 429 with Retry-After", async () => {
    const u = await reg();
    for (let i = 0; i < 5; i++) await group(u, [], `G${i}`);
    const res = await createGroup(u, [], "one too many");
    expectError(res, 429, "rate_limited");
    assert.ok(Number(res.headers.get("retry-after")) > 0);
  });

  test("users added or invited per user per hour, creation included: past 12 is 429", async () => {
    const u = await reg();
    const others = await Promise.all(Array.from({ length: 14 }, () => reg()));
    const g = await group(u, others.slice(0, 10));
    assert.equal(g.invitedUserIds?.length, 10);
    expectError(
      await s.api.post(`/conversations/${g.id}/members`, { ...tok(u), body: { userIds: others.slice(10, 13).map((o) => o.user.id) } }),
      429,
      "rate_limited",
    );
    // The quota is the caller's: someone else still adds.
    const other = await reg();
    assert.equal((await group(other, others.slice(10, 12))).invitedUserIds?.length, 2);
  });

  test("an app's maximum group size holds on create, add, accept and public join", async () => {
    const small = (await s.createTenant("Small groups")).id;
    await s.services.db.query("UPDATE apps SET groupMaxMembers = ? WHERE id = ?", [3, small]);
    const [owner, a, b, c, d] = await Promise.all([reg(small), reg(small), reg(small), reg(small), reg(small)]);
    expectError(await createGroup(owner, [a, b, c]), 400, "validation_failed");
    // Pending invitations take seats too, so a spammer cannot queue more than fit.
    const g = await group(owner, [a, b]);
    expectError(await s.api.post(`/conversations/${g.id}/members`, { ...tok(owner), body: { userIds: [c.user.id] } }), 400, "validation_failed");

    const pub = await s.api.post<{ conversation: Conversation }>("/conversations", {
      ...tok(owner),
      body: { name: "Open", memberIds: [a.user.id], isPublic: true },
    });
    assert.equal(pub.status, 201);
    const pubId = pub.body.conversation.id;
    assert.equal((await s.api.post(`/conversations/${pubId}/join`, tok(b))).status, 200);
    assert.equal((await s.api.post(`/conversations/${pubId}/join`, tok(c))).status, 200);
    const invA = (await invitations(a)).find((i) => i.conversationId === pubId);
    assert.ok(invA);
    expectError(await s.api.post(`/conversations/invitations/${invA.id}/accept`, tok(a)), 409, "conflict");
    expectError(await s.api.post(`/conversations/${pubId}/join`, tok(d)), 409, "conflict");
  });
});

// ---------------------------------------------------------------------------------------------

/** Opens a socket without the helper's promise, to watch what happens to it whatever that is. */
function rawSocket(token: string): { socket: ClientSocket; outcome: Promise<"refused" | "dropped" | "alive"> } {
  const socket: ClientSocket = ioc(s.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  const outcome = new Promise<"refused" | "dropped" | "alive">((resolve) => {
    socket.once("connect_error", () => resolve("refused"));
    socket.once("connect", () => {
      socket.once("disconnect", () => resolve("dropped"));
      setTimeout(() => resolve(socket.connected ? "alive" : "dropped"), 1500);
    });
  });
  return { socket, outcome };
}

/**
 * Holds the handshake's session check of `sessionId` after it read "active" until `release`
 * resolves: the widest form of the race where a logout lands while the handshake is in flight.
 */
function holdSessionCheck(sessionId: string): { reached: Promise<void>; release: () => void; restore: () => void } {
  const auth = s.services.auth;
  const real = auth.isSessionActive.bind(auth);
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const releaseP = new Promise<void>((r) => (release = r));
  let held = false;
  auth.isSessionActive = async (id: string) => {
    const active = await real(id);
    if (id === sessionId && !held) {
      held = true;
      reached();
      await releaseP;
    }
    return active;
  };
  return { reached: reachedP, release, restore: () => void (auth.isSessionActive = real) };
}

const sessionOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).sid;

describe("ending a session ends its sockets, also those still connecting", () => {
  for (const how of ["logout", "password change"] as const) {
    test(`a ${how} while the handshake is in flight leaves no live socket`, async () => {
      const password = "correct horse battery";
      const u = await s.api.register(app, { password });
      const hold = holdSessionCheck(sessionOf(u.accessToken));
      try {
        const { socket, outcome } = rawSocket(u.accessToken);
        await Promise.race([hold.reached, sleep(5000).then(() => assert.fail("the handshake never checked the session"))]);
        const res =
          how === "logout"
            ? await s.api.post("/auth/logout", { app, body: { refreshToken: u.refreshToken } })
            : await s.api.post("/auth/password", { ...tok(u), body: { currentPassword: password, newPassword: "another horse battery" } });
        assert.ok(res.status < 300, JSON.stringify(res.body));
        hold.release();
        assert.notEqual(await outcome, "alive");
        assert.equal(socket.connected, false);
        socket.close();
      } finally {
        hold.restore();
      }
    });
  }

  test("20 logouts racing 20 handshakes: no socket survives", async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => reg()));
    const runs = users.map(async (u, i) => {
      const { socket, outcome } = rawSocket(u.accessToken);
      await sleep(i % 5);
      await s.api.post("/auth/logout", { app, body: { refreshToken: u.refreshToken } });
      const end = await outcome;
      socket.close();
      return end;
    });
    assert.equal((await Promise.all(runs)).filter((o) => o === "alive").length, 0);
  });
});

// ---------------------------------------------------------------------------------------------

describe("throttles and caps on sockets, typing and reactions", () => {
  test("a user holds at most SOCKETS_PER_USER_MAX sockets; the next is refused until one closes", async () => {
    const u = await reg();
    const open = await Promise.all([1, 2, 3].map(() => connect(s, u.accessToken)));
    await assert.rejects(connect(s, u.accessToken), (e: Error & { data?: { code?: string } }) => e.data?.code === "rate_limited");
    // A burst of parallel handshakes does not slip past the cap either.
    const burst = await Promise.allSettled([1, 2, 3, 4].map(() => connect(s, u.accessToken)));
    assert.equal(burst.filter((r) => r.status === "fulfilled").length, 0);
    open[0]!.close();
    await sleep(100);
    const again = await connect(s, u.accessToken);
    assert.equal(again.connected, true);
    for (const so of [...open, again]) so.close();
    const other = await reg();
    (await connect(s, other.accessToken)).close();
  });

  test("connections dropped in the middle of their handshake give their slot back", async () => {
    const u = await reg();
    for (let i = 0; i < 6; i++) {
      const ws = new WebSocket(`${s.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
      ws.on("error", () => undefined);
      await new Promise<void>((resolve) => ws.once("message", () => resolve()));
      ws.send(`40${JSON.stringify({ token: u.accessToken })}`);
      // Over the frame limit: the server closes the connection while it is still checking the handshake.
      ws.send(`42${JSON.stringify(["typing", "x".repeat(100 * 1024)])}`);
      await new Promise<void>((resolve) => ws.once("close", () => resolve()));
    }
    await sleep(200);
    const open = await Promise.all([1, 2, 3].map(() => connect(s, u.accessToken)));
    for (const so of open) so.close();
  });

  test("typing: false floods and true/false flips relay at most twice a second", async () => {
    const alice = await reg();
    const bob = await reg();
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(alice), body: { userId: bob.user.id } })).body.conversation;
    const a = await connect(s, alice.accessToken);
    const b = new Recorder(await connect(s, bob.accessToken));
    for (let i = 0; i < 20; i++) await request(a, "typing", { conversationId: dm.id, typing: false });
    for (let i = 0; i < 20; i++) await request(a, "typing", { conversationId: dm.id, typing: i % 2 === 0 });
    await sleep(200);
    const relayed = b.events.filter((e) => e.name === "typing");
    assert.ok(relayed.length <= 2, `relayed ${relayed.length}: ${JSON.stringify(relayed.map((e) => e.payload.typing))}`);
    assert.deepEqual(
      relayed.map((e) => e.payload.typing),
      [true, false],
      "a real start and stop still arrive",
    );
    a.close();
    b.socket.close();
  });

  test("reaction keys are emoji or short names, and a message carries at most 20 different ones", async () => {
    const alice = await reg();
    const bob = await reg();
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(alice), body: { userId: bob.user.id } })).body.conversation;
    const msg = await send(alice, dm.id, "react");
    const put = (u: AuthResponse, key: string) => s.api.put<Message>(`/messages/${msg.id}/reactions/${encodeURIComponent(key)}`, tok(u));
    const del = (u: AuthResponse, key: string) => s.api.del<Message>(`/messages/${msg.id}/reactions/${encodeURIComponent(key)}`, tok(u));
    // Red team 4: 👍 with tag characters was a key of its own that drew as 👍; two emoji are no one emoji.
    for (const bad of ["Visit-Shop", "ｆｒｅｅ", "a\u202Eb", "see\u200Bthis", "Ω", "👍\u200B", "👍\u{E0041}\u{E0042}\u{E007F}", "\u200D👍", "👍👍", "#"])
      expectError(await put(alice, bad), 400, "validation_failed");
    // One emoji is one key: the picker's 👍 with a redundant VS16 is 👍, a bare ❤ is ❤️.
    const same = await put(alice, "👍\uFE0F");
    assert.equal(same.status, 200);
    assert.deepEqual(
      same.body.reactions.map((r) => r.emoji),
      ["👍"],
    );
    assert.deepEqual((await put(alice, "❤")).body.reactions.map((r) => r.emoji).sort(), ["❤️", "👍"].sort());
    assert.equal((await del(alice, "❤")).status, 200);
    for (const good of ["👍", "👨‍👩‍👧", "🇫🇷", "1️⃣", "party_parrot", "+1"]) assert.equal((await put(alice, good)).status, 200, good);
    for (let i = 0; i < 14; i++) assert.equal((await put(bob, `k${i}`)).status, 200);
    expectError(await put(bob, "one_more"), 409, "conflict");
    const again = await put(bob, "👍");
    assert.equal(again.status, 200, "an existing key still counts up");
    assert.equal(again.body.reactions.length, 20);
    assert.equal(again.body.reactions.find((r) => r.emoji === "👍")?.count, 2);
  });

  test("racing new reaction keys cannot push a message past the cap", async () => {
    const alice = await reg();
    const bob = await reg();
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(alice), body: { userId: bob.user.id } })).body.conversation;
    const msg = await send(alice, dm.id, "race");
    const put = (u: AuthResponse, key: string) => s.api.put<Message>(`/messages/${msg.id}/reactions/${encodeURIComponent(key)}`, tok(u));
    for (let i = 0; i < 18; i++) assert.equal((await put(alice, `base${i}`)).status, 200);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => put(i % 2 ? alice : bob, `race${i}`)));
    assert.equal(answers.filter((a) => a.status === 200).length, 2, JSON.stringify(answers.map((a) => a.status)));
    const final = await s.api.get<Message>(`/messages/${msg.id}`, tok(alice));
    assert.equal(final.body.reactions.length, 20);
  });
});

// ---------------------------------------------------------------------------------------------

describe("lastSeenAt: contacts and conversation partners only, and the user may hide it", () => {
  test("strangers never see it; contacts and partners do until the user hides it", async () => {
    const bob = await reg();
    const contact = await reg();
    const partner = await reg();
    const stranger = await reg();
    await befriend(contact, bob);
    await s.api.post("/conversations/direct", { ...tok(partner), body: { userId: bob.user.id } });
    await s.services.db.query("UPDATE users SET lastSeenAt = ? WHERE id = ?", [Date.now() - 60_000, bob.user.id]);

    const seen = async (viewer: AuthResponse): Promise<(string | null | undefined)[]> => {
      const one = await s.api.get<User>(`/users/${bob.user.id}`, tok(viewer));
      const search = await s.api.get<Page<User>>(`/users?q=${encodeURIComponent(bob.user.displayName)}`, tok(viewer));
      return [one.body.lastSeenAt, search.body.items.find((u) => u.id === bob.user.id)?.lastSeenAt];
    };
    assert.deepEqual(await seen(stranger), [null, null]);
    for (const v of [contact, partner]) for (const x of await seen(v)) assert.ok(x, "related users see it");
    const viaContacts = (await s.api.get("/contacts", tok(contact))).body.contacts[0].user.lastSeenAt;
    assert.ok(viaContacts);
    // Asking to become a contact does not show it either.
    await s.api.post("/contacts/requests", { ...tok(stranger), body: { userId: bob.user.id } });
    const asked = (await s.api.get("/contacts", tok(stranger))).body.outgoing;
    assert.equal(asked[0].user.lastSeenAt, null);

    expectError(await s.api.patch("/me", { ...tok(bob), body: { showLastSeen: "no" } }), 400, "validation_failed");
    const hidden = await s.api.patch("/me", { ...tok(bob), body: { showLastSeen: false } });
    assert.equal(hidden.status, 200);
    assert.equal(hidden.body.showLastSeen, false);
    assert.ok(hidden.body.lastSeenAt, "the user still sees their own");
    for (const v of [contact, partner]) assert.deepEqual(await seen(v), [null, null]);
    const list = await s.api.get<Page<Conversation>>("/conversations", tok(partner));
    assert.equal(list.body.items[0]!.users.find((u) => u.id === bob.user.id)?.lastSeenAt, null);

    // Presence carries no lastSeenAt either once hidden.
    const watch = new Recorder(await connect(s, partner.accessToken));
    (await connect(s, bob.accessToken)).close();
    const offline = await watch.wait("presence", (p) => p.userId === bob.user.id && !p.online);
    assert.equal(offline.lastSeenAt, null);
    watch.socket.close();
  });
});
