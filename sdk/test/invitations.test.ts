// Group invitations in the SDK (issue 31): the Invitations module and the store's `invitations`, against
// a real server where adding a non-contact to a group invites them (GROUP_DIRECT_ADD=0, the
// production default) — the invitation shows live, accept brings the group and its history in,
// decline and a withdrawal take it out, pages of the list, refusals; then the reducer alone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { INITIAL_STATE, Invitations, isChatError, type ChatClient, type GroupInvitation } from "../src/index.js";
import { withInvitation, withInvitations } from "../src/reducer.js";
import { clientFactory, heldAnswers, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer({ GROUP_DIRECT_ADD: "0" });
  app = (await s.createTenant("SDK invitations", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

const idOf = (c: ChatClient): string => c.user!.id;
const modules = new Map<ChatClient, Invitations>();
/** The client's Invitations module (one per client, as the module asks). */
const invitations = (c: ChatClient): Invitations => modules.get(c) ?? modules.set(c, new Invitations(c)).get(c)!;
const pending = (c: ChatClient): GroupInvitation[] => c.store.state.invitations?.items ?? [];

/** `owner` makes a private group with `invitee` in it: a stranger to the owner, so invited. */
async function invite(owner: ChatClient, invitee: ChatClient, name = `Group ${Math.random().toString(36).slice(2, 6)}`): Promise<string> {
  const g = await owner.createGroup({ name, memberIds: [idOf(invitee)], isPublic: false });
  assert.deepEqual(g.state?.invitedUserIds, [idOf(invitee)], "invited, not added");
  assert.ok(!g.state?.members.some((m) => m.userId === idOf(invitee)));
  return g.id;
}

/** Waits for `invitee`'s store to list the invitation to group `g`; returns it. */
async function invitationTo(invitee: ChatClient, g: string): Promise<GroupInvitation> {
  await until(() => pending(invitee).some((i) => i.conversationId === g), "the invitation shows in the invitee's store");
  return pending(invitee).find((i) => i.conversationId === g)!;
}

/** The ChatError a call is refused with. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; status?: number | undefined }> {
  try {
    await p;
  } catch (e: unknown) {
    assert.ok(isChatError(e), String(e));
    return { code: e.code, status: e.status };
  }
  assert.fail("not refused");
}

describe("group invitations through the SDK", () => {
  test("a stranger's invitation shows live; accepting brings the group in, its earlier history loads, and it goes live", async () => {
    const ada = await clients.signUp("Ada");
    const bob = await clients.signUp("Bob");
    assert.equal(bob.store.state.invitations, undefined, "not loaded yet");
    assert.deepEqual(await invitations(bob).load(), { items: [], nextCursor: null });
    assert.deepEqual(bob.store.state.invitations, { items: [], nextCursor: null });

    const g = await invite(ada, bob, "Book club");
    const early = await ada.conversation(g).send("sent before Bob joined");
    const inv = await invitationTo(bob, g);
    assert.equal(inv.status, "pending");
    assert.equal(inv.name, "Book club");
    assert.equal(inv.invitedBy.id, idOf(ada));
    assert.ok(!(g in bob.store.state.conversations), "not a member yet");

    const handle = await invitations(bob).accept(inv.id);
    assert.equal(handle.id, g);
    assert.equal(bob.store.state.conversations[g]?.myRole, "member", "the group is in the store at once");
    assert.ok(bob.store.state.conversationOrder.includes(g));
    assert.deepEqual(pending(bob), [], "the invitation left the list");

    await handle.loadOlder();
    assert.ok(
      handle.messages.some((m) => m.id === early.id && m.text === "sent before Bob joined"),
      "the message sent before the accept loads",
    );
    await until(() => ada.store.state.conversations[g]!.members.some((m) => m.userId === idOf(bob)), "Ada sees Bob join");
    const later = await ada.conversation(g).send("welcome");
    await until(() => handle.messages.some((m) => m.id === later.id), "Bob gets the group's messages live");
  });

  test("declining takes the invitation out of the list; the group stays closed to the invitee and the inviter hears of it", async () => {
    const cy = await clients.signUp("Cy");
    const dee = await clients.signUp("Dee");
    await invitations(dee).load();
    const g = await invite(cy, dee);
    await cy.conversation(g).send("private");
    const inv = await invitationTo(dee, g);

    const heard: string[] = [];
    cy.on("invitation.updated", (e) => heard.push(`${e.data.invitation.id}:${e.data.status}`));
    await invitations(dee).decline(inv.id);
    assert.deepEqual(pending(dee), []);
    assert.equal(dee.store.state.conversations[g], undefined);
    assert.deepEqual(await refusal(dee.conversation(g).refresh()), { code: "not_found", status: 404 }, "not a member: the group is not found");
    assert.deepEqual(await refusal(dee.conversation(g).loadOlder()), { code: "not_found", status: 404 }, "nor its history");
    await until(() => heard.includes(`${inv.id}:declined`), "the inviter gets invitation.updated (declined)");
    assert.deepEqual(await refusal(invitations(dee).accept(inv.id)), { code: "conflict", status: 409 }, "answered already");
    assert.deepEqual(pending(dee), []);
  });

  test("an invitation withdrawn by the group's owner leaves the invitee's list live", async () => {
    const eli = await clients.signUp("Eli");
    const fay = await clients.signUp("Fay");
    await invitations(fay).load();
    const g = await invite(eli, fay);
    await invitationTo(fay, g);
    await eli.conversation(g).removeMember(idOf(fay));
    await until(() => pending(fay).length === 0, "the withdrawn invitation leaves Fay's list");
  });

  test("a list read while an invitation comes or goes keeps what the event said (the page was read before it)", async () => {
    // The answer to the next list read is held, once the server has read it, until `until` settles.
    const answers = heldAnswers((url) => url.includes("/conversations/invitations?"));
    const gus = await clients.signUp("Gus", { fetch: answers.fetch });
    const holdNextList = answers.holdNext;
    const hal = await clients.signUp("Hal");

    let read = holdNextList(new Promise((heard) => gus.on("invitation.updated", (e) => e.data.status === "pending" && heard(e))));
    let loading = invitations(gus).load();
    await read;
    const g = await invite(hal, gus);
    await loading;
    assert.deepEqual(
      pending(gus).map((i) => i.conversationId),
      [g],
      "the invitation that came while the page was on its way is listed",
    );

    read = holdNextList(new Promise((heard) => gus.on("invitation.updated", (e) => e.data.status !== "pending" && heard(e))));
    loading = invitations(gus).load();
    await read;
    await hal.conversation(g).removeMember(idOf(gus));
    await loading;
    assert.deepEqual(pending(gus), [], "the invitation withdrawn while the page was on its way stays out");
  });

  test("away past the server's retention (an expired cursor): after reconnecting, the list is the server's again", async () => {
    const lea = await clients.signUp("Lea");
    const max = await clients.signUp("Max");
    await invitations(max).load();
    const gone = await invite(lea, max);
    await invitationTo(max, gone);

    max.disconnect();
    await until(() => max.store.state.connection === "disconnected", "Max offline");
    const cursor = max.store.state.lastSeq;
    await lea.conversation(gone).removeMember(idOf(max));
    const fresh = await invite(lea, max);
    // Every event so far becomes older than the retention window and is pruned: none is replayed.
    await s.services.db.query("UPDATE events SET createdAt = ? WHERE appId = ?", [Date.now() - 40 * 86_400_000, app]);
    await s.services.retention.prune();
    const [row] = (await s.services.db.query("SELECT prunedSeq FROM apps WHERE id = ?", [app])) as { prunedSeq: string | number }[];
    assert.ok(Number(row!.prunedSeq) > cursor, "Max's cursor is older than what the server keeps");

    max.connect();
    await until(() => pending(max).length === 1 && pending(max)[0]!.conversationId === fresh, "the withdrawn invitation is gone and the new one shows");
  });

  test("the list pages by keyset past one page, newest first, each invitation once; a new one comes first, live", async () => {
    const gus = await clients.signUp("Gus");
    const hal = await clients.signUp("Hal");
    const groups: string[] = [];
    for (let i = 0; i < 5; i++) groups.push(await invite(gus, hal, `Page ${i}`));
    const all = (await invitations(hal).load(100)).items.map((x) => x.id);
    assert.equal(all.length, 5);

    const first = await invitations(hal).load(2);
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor, "more to come");
    assert.deepEqual(
      pending(hal).map((x) => x.id),
      all.slice(0, 2),
      "the first page replaced the longer list",
    );
    await invitations(hal).loadMore(2);
    await invitations(hal).loadMore(2);
    assert.deepEqual(
      pending(hal).map((x) => x.id),
      all,
      "three pages: every invitation once, in the server's order",
    );
    assert.equal(hal.store.state.invitations?.nextCursor, null);
    assert.deepEqual(new Set(pending(hal).map((x) => x.conversationId)), new Set(groups));
    const times = pending(hal).map((x) => x.createdAt);
    assert.deepEqual(times, [...times].sort().reverse(), "newest first");
    const before = hal.store.state.invitations;
    assert.deepEqual(await invitations(hal).loadMore(), { items: [], nextCursor: null }, "nothing more");
    assert.equal(hal.store.state.invitations, before, "the list is left as it was");

    const g = await invite(gus, hal, "Newest");
    await invitationTo(hal, g);
    assert.equal(pending(hal)[0]?.conversationId, g, "a new invitation comes first");
    assert.equal(pending(hal).length, 6);
  });

  test("an unknown id, or another user's invitation, is refused with not_found and changes nothing", async () => {
    const ivy = await clients.signUp("Ivy");
    const jay = await clients.signUp("Jay");
    const kim = await clients.signUp("Kim");
    await invitations(jay).load();
    await invitations(kim).load();
    const gj = await invite(ivy, jay);
    const gk = await invite(ivy, kim);
    const mine = await invitationTo(jay, gj);
    const theirs = await invitationTo(kim, gk);

    const before = jay.store.state;
    for (const id of [theirs.id, "inv_unknown", "no such id"]) {
      assert.deepEqual(await refusal(invitations(jay).accept(id)), { code: "not_found", status: 404 }, `accept ${id}`);
      assert.deepEqual(await refusal(invitations(jay).decline(id)), { code: "not_found", status: 404 }, `decline ${id}`);
    }
    assert.equal(jay.store.state.invitations, before.invitations, "Jay's invitations unchanged");
    assert.equal(jay.store.state.conversations, before.conversations, "Jay's conversations unchanged");
    assert.deepEqual(
      pending(jay).map((x) => x.id),
      [mine.id],
    );
    assert.deepEqual(
      (await invitations(kim).load()).items.map((x) => x.id),
      [theirs.id],
      "Kim's invitation is still pending",
    );
    assert.equal(kim.store.state.conversations[gk], undefined);
  });
});

// --- The reducer alone ------------------------------------------------------------------------

const at = (i: number): string => new Date(Date.parse("2025-01-01T00:00:00Z") + i * 1000).toISOString();

function invitation(id: string, extra: Partial<GroupInvitation> = {}): GroupInvitation {
  return {
    id,
    conversationId: `cnv_${id}`,
    name: `G ${id}`,
    memberCount: 2,
    invitedBy: { id: "usr_peer", displayName: "Peer", bio: "", avatarUrl: null, externalId: null, lastSeenAt: null, createdAt: at(0) },
    status: "pending",
    createdAt: at(1),
    ...extra,
  };
}

const loaded = (...items: GroupInvitation[]) => withInvitations(INITIAL_STATE, { items, nextCursor: "cur" }, false);

describe("the updaters: invitations", () => {
  test("nothing changes while the list is not loaded", () => {
    assert.equal(withInvitation(INITIAL_STATE, "a", invitation("a")), INITIAL_STATE);
    assert.equal(withInvitation(INITIAL_STATE, "a"), INITIAL_STATE);
  });

  test("a pending one comes first, listed once (twice is once); an answered or withdrawn one leaves; an unknown one changes nothing", () => {
    const s = withInvitation(withInvitation(loaded(invitation("b"), invitation("c")), "a", invitation("a")), "a", invitation("a"));
    assert.deepEqual(s.invitations, { items: [invitation("a"), invitation("b"), invitation("c")], nextCursor: "cur" });
    assert.deepEqual(
      withInvitation(s, "b").invitations?.items.map((x) => x.id),
      ["a", "c"],
    );
    assert.equal(withInvitation(s, "zz"), s, "not listed: the same state object");
  });

  test("a further page comes after the list, the first page replaces it", () => {
    const one = withInvitations(INITIAL_STATE, { items: [invitation("a")], nextCursor: "c1" }, false);
    const two = withInvitations(one, { items: [invitation("b")], nextCursor: null }, true);
    assert.deepEqual(
      two.invitations?.items.map((x) => x.id),
      ["a", "b"],
    );
    assert.equal(two.invitations?.nextCursor, null);
    assert.deepEqual(withInvitations(two, { items: [invitation("z")], nextCursor: "c2" }, false).invitations, {
      items: [invitation("z")],
      nextCursor: "c2",
    });
  });
});
