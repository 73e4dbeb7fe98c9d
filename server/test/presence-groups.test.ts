import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io as ioc } from "socket.io-client";
import type { AuthResponse, ConsoleAppSettings, Conversation, Presence, PresenceSnapshot } from "@parley/sdk/protocol";
import { consoleAccount, type ConsoleBrowser } from "./helpers/console.js";
import { TEST_DB, startServer, type TestServer } from "./helpers/harness.js";
import { Recorder, request, type ClientSocket } from "./helpers/sockets.js";

/**
 * Presence in big groups on request (issue 56): members of a conversation above the app's
 * presence group size (`presenceGroupMax`, else PRESENCE_GROUP_MAX) are not pushed each other's
 * presence, neither in their snapshot, nor when one comes online, nor when one joins; a client
 * asks for whom it shows (`presence.watch`) and is told their changes. A group of n coming online
 * then costs O(n) frames, not n² (counted here, both ways).
 */

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const redisSkip = TEST_DB !== "mysql" ? "the Redis variant runs with PARLEY_TEST_DB=mysql" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

function suite(name: string, env: () => Record<string, string>, opts: { skip?: string | false } = {}): void {
  describe(name, { skip: opts.skip ?? false, timeout: 180_000 }, () => {
    let s: TestServer;
    let app: string;
    let owner: ConsoleBrowser;
    const sockets: ClientSocket[] = [];

    before(async () => {
      s = await startServer({ PRESENCE_GRACE_MS: "300", ...env() });
      app = (await s.createTenant("Town hall")).id;
      owner = (await consoleAccount(s, { email: `owner-${Math.random().toString(36).slice(2, 8)}@town.example`, role: "owner", appId: app })).browser;
    });
    after(async () => {
      for (const so of sockets) so.close();
      await s?.close();
    });

    const reg = (): Promise<AuthResponse> => s.api.register(app);
    const tok = (u: AuthResponse) => ({ token: u.accessToken });
    /** Sets the app's presence group size through the console (null: the server's). */
    async function setGroupMax(presenceGroupMax: number | null): Promise<ConsoleAppSettings> {
      const res = await owner.req<ConsoleAppSettings>("PUT", `/apps/${app}/settings`, { presenceGroupMax });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    }
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
    async function group(by: AuthResponse, members: AuthResponse[]): Promise<Conversation> {
      const res = await s.api.post("/conversations", { ...tok(by), body: { name: "Room", memberIds: members.map((m) => m.user.id) } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.conversation ?? res.body;
    }
    /** Frames on one socket arrive in order: once this ack is back, nothing sent to it before is still on its way. */
    const settled = async (r: Recorder, conversationId: string): Promise<void> => {
      const ack = await request(r.socket, "typing", { conversationId, typing: false });
      assert.ok(ack.ok, JSON.stringify(ack));
    };
    const toldOf = (r: Recorder, userId: string): Presence[] => [
      ...r.events.filter((e) => e.name === "presence" && e.payload.userId === userId).map((e) => e.payload as Presence),
      ...r.events.filter((e) => e.name === "presence.snapshot").flatMap((e) => (e.payload as PresenceSnapshot).users.filter((p) => p.userId === userId)),
    ];
    /**
     * What a client shows from the presence frames a socket got, as the protocol says to read them:
     * the highest version of each user wins (an introduction computed before a connect's snapshot
     * may arrive after it), a frame without a version applies in arrival order.
     */
    const shownTo = (r: Recorder): Map<string, boolean> => {
      const latest = new Map<string, Presence>();
      for (const e of r.events) {
        const frames = e.name === "presence" ? [e.payload as Presence] : e.name === "presence.snapshot" ? (e.payload as PresenceSnapshot).users : [];
        for (const p of frames) {
          const had = latest.get(p.userId);
          if (had?.version === undefined || p.version === undefined || p.version >= had.version) latest.set(p.userId, p);
        }
      }
      return new Map([...latest].map(([id, p]) => [id, p.online]));
    };
    const watch = (r: Recorder, userIds: string[]) => request<PresenceSnapshot>(r.socket, "presence.watch", { userIds });

    test("the console sets the app's presence group size; the server's is the default; bad input is answered at its field", async () => {
      const first = await setGroupMax(null);
      assert.deepEqual([first.presenceGroupMax, first.defaults.presenceGroupMax], [null, 100]);
      for (const bad of [1, 2.5, "ten", 1_000_001]) {
        const res = await owner.req("PUT", `/apps/${app}/settings`, { presenceGroupMax: bad });
        assert.equal(res.status, 400, `${bad}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(
          res.body.error.details.map((d: { path: string }) => d.path),
          ["presenceGroupMax"],
        );
      }
      assert.equal((await setGroupMax(3)).presenceGroupMax, 3);
    });

    test("above the size, members are not pushed each other's presence (snapshot, coming online, joining); at or below it they are", async () => {
      await setGroupMax(3);
      const [ann, bob, cat, dan, eve, fay] = [await reg(), await reg(), await reg(), await reg(), await reg(), await reg()];
      const big = await group(ann, [bob, cat, dan, eve]); // 5 members: above 3
      await group(ann, [bob, cat]); // 3 members: pushed
      const [b, d] = [await open(bob), await open(dan)];
      const a = await open(ann);
      await a.wait("presence.snapshot");
      await b.wait("presence", (p) => p.userId === ann.user.id && p.online);
      await settled(a, big.id);
      // The small group's introduction (sent after its creation, not awaited by it) may reach ann
      // before or after her connect's snapshot: what she is shown is what the versions settle on.
      assert.deepEqual(
        [...shownTo(a)].filter(([id]) => id !== ann.user.id).sort(),
        [
          [bob.user.id, true],
          [cat.user.id, false],
        ].sort(),
        "ann is shown the small group's members, not dan or eve (the big group only)",
      );
      assert.deepEqual([...toldOf(a, dan.user.id), ...toldOf(a, eve.user.id)], [], "ann is told nothing of the big group's other members");
      await settled(d, big.id);
      assert.deepEqual(toldOf(d, ann.user.id), [], "dan, in the big group only, is not told ann came online");
      assert.deepEqual(toldOf(d, bob.user.id), []);

      // Joining: fay is introduced to the small group's members, not to the big group's.
      const f = await open(fay);
      const added = await s.api.post(`/conversations/${big.id}/members`, { ...tok(ann), body: { userIds: [fay.user.id] } });
      assert.ok(added.status < 300, JSON.stringify(added.body));
      await f.wait("member.added", () => true, 5000);
      await settled(f, big.id);
      assert.deepEqual(
        f.events.filter((e) => e.name === "presence.snapshot").flatMap((e) => e.payload.users),
        [],
        "no introduction into the big group",
      );
      // Creating a big group introduces nobody; creating a small one does (below).
      const [gus, hal] = [await reg(), await reg()];
      const g = await open(gus);
      const bigTwo = await group(ann, [fay, gus, hal]);
      await g.wait("conversation.created", () => true, 5000);
      await settled(g, bigTwo.id);
      assert.deepEqual(
        g.events.filter((e) => e.name === "presence.snapshot").flatMap((e) => e.payload.users),
        [],
        "no introduction in a big group created with its members online",
      );
      const smallTwo = await group(ann, [fay]);
      const intro: PresenceSnapshot = await f.wait("presence.snapshot", (x: PresenceSnapshot) => x.users.some((p) => p.userId === ann.user.id));
      assert.equal(intro.users.find((p) => p.userId === ann.user.id)?.online, true);
      await settled(f, smallTwo.id);
    });

    test("presence.watch answers whom a member shows and tells their changes until they watch others; never a stranger or across a block", async () => {
      await setGroupMax(3);
      const [ann, bob, cat, dan, eve, stranger] = [await reg(), await reg(), await reg(), await reg(), await reg(), await reg()];
      const big = await group(ann, [bob, cat, dan, eve]);
      assert.equal((await s.api.post("/blocks", { ...tok(eve), body: { userId: dan.user.id } })).status, 204);
      const d = await open(dan);
      const a = await open(ann);
      await settled(d, big.id);
      assert.deepEqual(toldOf(d, ann.user.id), [], "not pushed: the group is big");

      const answer = await watch(d, [ann.user.id, cat.user.id, eve.user.id, stranger.user.id, dan.user.id]);
      assert.ok(answer.ok, JSON.stringify(answer));
      assert.deepEqual(
        answer.data.users.map((p) => [p.userId, p.online]).sort(),
        [
          [ann.user.id, true],
          [cat.user.id, false],
        ].sort(),
        "ann and cat; not eve (she blocked dan), a stranger or dan himself",
      );
      assert.ok(answer.data.users.every((p) => typeof p.version === "number"));

      // Ann's going offline reaches her watcher.
      a.socket.close();
      const off: Presence = await d.wait("presence", (p) => p.userId === ann.user.id && !p.online, 5000);
      assert.ok(off.lastSeenAt);
      // Cat coming online too.
      const c = await open(cat);
      await d.wait("presence", (p) => p.userId === cat.user.id && p.online, 5000);

      // Watching someone else: cat's changes no longer come.
      assert.ok((await watch(d, [ann.user.id])).ok);
      c.socket.close();
      const a2 = await open(ann);
      await d.wait("presence", (p) => p.userId === ann.user.id && p.online, 5000);
      // Cat's offline is announced after the grace (300 ms); ann's online came after cat closed:
      // anything for cat would have been sent before the frames below.
      await new Promise<void>((resolve) => {
        const t = setInterval(async () => {
          const rows: { n: number }[] = await s.services.db.query("SELECT COUNT(*) AS n FROM users WHERE id = ? AND lastSeenAt IS NOT NULL", [cat.user.id]);
          if (Number(rows[0]!.n) > 0) resolve(clearInterval(t));
        }, 50);
      });
      await settled(d, big.id);
      assert.deepEqual(
        toldOf(d, cat.user.id).filter((p) => !p.online),
        [],
        "cat's going offline is not told to a socket that no longer watches her",
      );
      a2.socket.close();

      // Bad input: a clear error, the socket still works.
      for (const bad of [{ userIds: Array.from({ length: 101 }, (_, i) => `u${i}`) }, { userIds: "all" }, {}]) {
        const res = await request(d.socket, "presence.watch", bad);
        assert.ok(!res.ok && res.error.code === "validation_failed", JSON.stringify(res));
      }
      assert.ok((await watch(d, [])).ok);
    });

    test("a group of 30 coming online: O(n) presence frames above the size, n² at or below it (counted)", async () => {
      const size = 30;
      const members = await Promise.all(Array.from({ length: size }, () => reg()));
      await group(members[0]!, members.slice(1));
      const framesWhenAllOnline = async (): Promise<number[]> => {
        const rs: Recorder[] = [];
        for (const m of members) rs.push(await open(m));
        // Everyone is online: each socket's own view of the last one to come online is settled
        // once its ack of a command sent after that is back.
        const conv = (await s.api.get("/conversations", tok(members[0]!))).body.items[0].id as string;
        for (const r of rs) await settled(r, conv);
        const frames = rs.map((r) => r.events.filter((e) => e.name === "presence").length + toldOfSnapshot(r));
        for (const r of rs) r.socket.close();
        // Wait until everyone is offline again (the grace), so the next round starts the same.
        for (const m of members)
          await new Promise<void>((resolve) => {
            const t = setInterval(async () => {
              const rows: { n: number }[] = await s.services.db.query("SELECT COUNT(*) AS n FROM users WHERE id = ? AND lastSeenAt IS NOT NULL", [m.user.id]);
              if (Number(rows[0]!.n) > 0) resolve(clearInterval(t));
            }, 50);
          });
        return frames;
      };
      const toldOfSnapshot = (r: Recorder): number => r.events.filter((e) => e.name === "presence.snapshot").flatMap((e) => e.payload.users).length;

      await setGroupMax(3);
      const onRequest = await framesWhenAllOnline();
      await setGroupMax(null); // the server's 100: the group of 30 is pushed
      const pushed = await framesWhenAllOnline();
      const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
      console.log(`# group of ${size} coming online: ${sum(onRequest)} presence entries on request, ${sum(pushed)} pushed`);
      assert.ok(Math.max(...onRequest) === 0, `on request: no member is told anyone's presence unasked (${onRequest.join(",")})`);
      // Pushed: the k-th to come online is told the k-1 before (snapshot) and the n-k after (live).
      assert.ok(sum(pushed) >= size * (size - 1) - size, `pushed: about n² (${sum(pushed)})`);
    });
  });
}

suite("presence in big groups, on request (in-process presence)", () => ({}));
suite("presence in big groups, on request (Redis presence)", () => ({ REDIS_URL }), { skip: redisSkip });
