/**
 * The Redis Cluster failover drill (issue 35, acceptance 1). Four Parley nodes on one MariaDB
 * database and a 6-server Redis Cluster of this test's own (3 primaries, 3 replicas, ports
 * 7100-7105, cluster-node-timeout 2 s). Eight users, each on one node through the SDK (its outbox,
 * its catch-up, its store), chat in four DMs and two groups spanning the nodes at a steady rate.
 * Mid-stream the primary of the shard that owns the busiest group's channel
 * (`<prefix>socket.io#/#conv:<id>#`, found with CLUSTER KEYSLOT and CLUSTER NODES) is killed with
 * SIGKILL; its replica is promoted (polled until CLUSTER NODES says so). The group is one whose
 * channel shares that shard with the namespace's channel (`<prefix>socket.io#/#`: room joins,
 * multi-room broadcasts), so every node's every socket is at risk. From the kill until a node
 * finds the shard served again, node 1 also loses its publishes on that shard (they resolve
 * without reaching Redis, as publishes a primary accepted and never relayed before dying do):
 * those only the recovery can deliver, whatever the timing of the nodes' own retries (one to the
 * group at least: the last before the kill). For a second from its first publish to the group
 * after the promotion, node 4's are refused (a node whose client has not found the promoted
 * replica yet), and retried. Meanwhile user 0 (node 1) opens a
 * DM with user 5 (node 2), whose join is among them, and both keep writing in it. Then every acknowledged
 * message must reach every member of its conversation exactly once (live, or replayed by the
 * node after the failover: scale/sharded-adapter.ts, realtime/replay.ts) within 30 s of the
 * failover, none lost, none twice, and each member's thread in id order. What each client is told
 * keeps each conversation's order too (red team 4): the SDK's `message.new` events, and the
 * widget's `parley-message` events in a browser signed in as user 1 on node 3.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ChatClient } from "../../sdk/src/index.js";
import type { Browser } from "playwright-core";
import { BROWSER_SKIP, hostPageHtml, launchBrowser, loginViaForm, openHostPage, startHostSite, type HostSite } from "../../widget/test/helpers/browser.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { redisClusterUnavailable, startRedisCluster, type RedisCluster } from "./helpers/redis-cluster.js";
import { sleep } from "./helpers/sockets.js";

const BASE_PORT = 7100;
const NODES = 4;
const USERS = 8;
/** A send every this many ms, round robin over the conversations (~40 a second). */
const SEND_EVERY_MS = 25;
/** Load before the kill and after the failover (ms). */
const STEADY_MS = 1500;
/** How long node 4's publishes to the busy room are refused, from the first after the promotion (ms). */
const STALE_MS = 1000;
/** The acceptance's bound, from the replica's promotion. */
const DELIVERY_BOUND_MS = 30_000;
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : (await redisClusterUnavailable()) || BROWSER_SKIP;

const byId = (a: string, b: string): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

describe("Redis Cluster failover under load: nothing acknowledged is lost, duplicated or reordered", { skip }, () => {
  const prefix = `parley-drill-${randomBytes(4).toString("hex")}:`;
  let cluster: RedisCluster;
  const nodes: TestServer[] = [];
  const clients: ChatClient[] = [];
  let browser: Browser | undefined;
  let site: HostSite | undefined;

  /** Each node's recoveries and replays (its warnings), said when an assertion fails: which replays crossed. */
  const recoveries: string[] = [];
  /** Called when the first node finds the shard served again (before its replay reads the event log). */
  let onServedAgain = (): void => {};
  const logOf = (node: number) => ({
    write: (line: string) => {
      const { time, msg, ...rest } = JSON.parse(line) as { time: number; msg: string; level: number; err?: unknown };
      if (msg.startsWith("Redis Cluster slots served again")) onServedAgain();
      if (/replay|served again|unreachable|away too long/.test(msg))
        recoveries.push(
          `node ${node} ${new Date(time).toISOString().slice(17, 23)} ${msg} ${JSON.stringify({ ...rest, level: undefined, pid: undefined, hostname: undefined, err: undefined })}`,
        );
    },
  });

  before(async () => {
    cluster = await startRedisCluster({ basePort: BASE_PORT });
    const env = { REDIS_CLUSTER_NODES: cluster.seeds.join(","), REDIS_PREFIX: prefix, PRESENCE_GRACE_MS: "500", LOG_LEVEL: "warn" };
    nodes.push(await startServer(env, { keepData: true, logTo: logOf(1) }));
    for (let i = 1; i < NODES; i++) nodes.push(await startServer(env, { reuse: nodes[0]!, keepData: true, logTo: logOf(i + 1) }));
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    for (const c of clients) c.close();
    for (const n of nodes.slice().reverse()) await n.close().catch(() => undefined);
    await nodes[0]?.dropData();
    await cluster?.stop();
  });

  test("kill -9 the primary owning a busy group's channel mid-stream", async (t) => {
    const { id: app } = await nodes[0]!.createTenant("Drill", ["*"]);
    // User i on node i % 4: every conversation spans nodes.
    const users: ChatClient[] = [];
    const emails: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const c = new ChatClient({
        server: nodes[i % NODES]!.url,
        appId: app,
        storage: "memory",
        socket: { reconnectionDelay: 100, reconnectionDelayMax: 1000 },
      });
      clients.push(c);
      users.push(c);
      emails.push(`u${i}-${randomBytes(3).toString("hex")}@drill.example`);
      await c.register({ email: emails[i]!, password: "drill-test-password", displayName: `U${i}` });
    }
    await until("every client connected", () => users.every((c) => c.store.state.connection === "connected"), 15_000);
    const id = (i: number): string => users[i]!.user!.id;
    const conversations: { id: string; members: number[] }[] = [];
    for (const [x, y] of [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ] as const)
      conversations.push({ id: (await users[x]!.direct(id(y))).id, members: [x, y] });
    const group = async (members: number[]): Promise<{ id: string; members: number[] }> => ({
      id: (await users[members[0]!]!.createGroup({ name: `G${members[0]}`, memberIds: members.slice(1).map(id), isPublic: false })).id,
      members,
    });
    conversations.push(await group([4, 5, 6, 7]));
    // The busy room: a group of users 0-3 whose channel's slot is served by the primary that also
    // serves the namespace's channel (a third of groups are: a few tries).
    const channelOf = (conv: string): string => `${prefix}socket.io#/#conv:${conv}#`;
    const victim = await cluster.primaryOf(await cluster.keyslot(`${prefix}socket.io#/#`));
    let busy = await group([0, 1, 2, 3]);
    for (let tries = 1; (await cluster.primaryOf(await cluster.keyslot(channelOf(busy.id)))) !== victim; tries++) {
      assert.ok(tries < 40, "no group's channel on the namespace channel's shard");
      busy = await group([0, 1, 2, 3]);
    }
    conversations.push(busy);
    const slot = await cluster.keyslot(channelOf(busy.id));
    // Each member opens each of their conversations (a thread in the store, which live events fill).
    for (const conv of conversations) for (const m of conv.members) await users[m]!.conversation(conv.id).loadOlder();

    // What each client is told, per message id (the SDK emits an event once per seq it applies),
    // and in which order, per conversation (red team 4: after the failover, newer messages
    // published live came before the replay of the older ones missed).
    const heard = users.map(() => new Map<string, number>());
    const stream = users.map(() => new Map<string, string[]>());
    // When each message was sent, acknowledged and first heard by each user: an order failure says
    // where each message of an inversion was in the failover's timeline.
    const sentAt = new Map<string, { by: number; sent: number; acked: number }>();
    const heardAt = users.map(() => new Map<string, { at: number; seq: number }>());
    users.forEach((c, i) =>
      c.on("message.new", (e) => {
        if (!heardAt[i]!.has(e.data.message.id)) heardAt[i]!.set(e.data.message.id, { at: Date.now(), seq: e.seq });
        heard[i]!.set(e.data.message.id, (heard[i]!.get(e.data.message.id) ?? 0) + 1);
        const conv = e.data.message.conversationId;
        stream[i]!.set(conv, [...(stream[i]!.get(conv) ?? []), e.data.message.id]);
      }),
    );
    // The widget: user 1 signed in a second time, in a browser on node 3; its page records each
    // parley-message event (a message from someone else) as it comes.
    let widgetCount = 0;
    site = await startHostSite();
    browser = await launchBrowser();
    const { page } = await openHostPage(browser, site.page("/drill", hostPageHtml({ parleyUrl: nodes[2]!.url, appId: app })));
    await page.evaluate(`window.heard = []; document.addEventListener("parley-message", (e) => window.heard.push([e.detail.conversationId, e.detail.id]))`);
    await loginViaForm(page, { email: emails[1]!, password: "drill-test-password" });
    // Live before the load starts: user 0 writes to user 1 until the widget hears it live (a message
    // written before its socket joined is history, no event). These probes are left out of the
    // widget's count; the SDK clients hear them as any other message.
    const probes = new Set<string>();
    const liveBy = Date.now() + 20_000;
    while ((widgetCount = (await page.evaluate("window.heard.length")) as number) === 0) {
      assert.ok(Date.now() < liveBy, "timed out: the widget live");
      probes.add((await users[0]!.conversation(conversations[0]!.id).send(`probe ${probes.size}`)).id);
      await sleep(300);
    }
    const widgetHeard = async (): Promise<[string, string][]> =>
      ((await page.evaluate("window.heard")) as [string, string][]).filter(([, mid]) => !probes.has(mid));
    let lastHeardAt = Date.now();
    for (const c of users) c.on("message.new", () => (lastHeardAt = Date.now()));

    // Node 1's publishes on the victim's shard, lost while `losing` (see the header): to the busy
    // room, and on the namespace's channel (anything but a one-room broadcast to another room).
    // Lost only until a node finds the shard served again: a real loss is a publish the dead
    // primary took, so it was committed before any node's replay reads the event log. (Losing on
    // until this test saw the promotion lost a message for good once: the nodes had found the
    // promoted replica 0.4 s before and replayed, and node 1's next publish was dropped after.)
    let losing = false;
    onServedAgain = () => (losing = false);
    const lost = { room: 0, namespace: 0 };
    type Message = { type: number; data?: { opts?: { rooms?: string[] } } };
    type Publisher = { publishAndReturnOffset(m: Message): Promise<unknown> };
    const lossy = nodes[0]!.io.of("/").adapter as unknown as Publisher;
    const publish = lossy.publishAndReturnOffset.bind(lossy);
    lossy.publishAndReturnOffset = (m) => {
      const rooms = m.data?.opts?.rooms ?? [];
      const oneRoom = m.type === 3 && rooms.length === 1; // BROADCAST to one room: its own channel
      if (losing && oneRoom && rooms[0] === `conv:${busy.id}`) return Promise.resolve((lost.room++, ""));
      if (losing && !oneRoom) return Promise.resolve((lost.namespace++, ""));
      return publish(m);
    };
    // Node 4's publishes to the busy room after the promotion, refused for STALE_MS from the first,
    // as those of a node whose client has not found the promoted replica yet are (the CI of
    // 35d3a0f: another node's newer message, published at once, reached user 0 before the retries
    // of older ones, after user 0's node had sent its replay). Retried by node 4
    // (scale/local-first.ts) until taken.
    let refusing = false;
    let refused = 0;
    let firstRefused: number | undefined;
    const stale = nodes[3]!.io.of("/").adapter as unknown as Publisher;
    const publish4 = stale.publishAndReturnOffset.bind(stale);
    stale.publishAndReturnOffset = (m) => {
      const rooms = m.data?.opts?.rooms ?? [];
      if (refusing && m.type === 3 && rooms.length === 1 && rooms[0] === `conv:${busy.id}` && Date.now() - (firstRefused ??= Date.now()) < STALE_MS) {
        refused++;
        return Promise.reject(new Error("CLUSTERDOWN The cluster is down (this node's view of it is stale)"));
      }
      return publish4(m);
    };

    // Steady load: one send every SEND_EVERY_MS, each by the next member of the next conversation.
    const acked = new Map<string, string>([...probes].map((mid) => [mid, conversations[0]!.id])); // message id -> conversation id
    const sentBy1 = new Set<string>();
    const sends: Promise<void>[] = [];
    let n = 0;
    let stopped = false;
    let paused: Promise<void> | undefined;
    const sendOne = (sender: number, conv: { id: string }, text: string): Promise<void> => {
      const sent = Date.now();
      const done = users[sender]!.conversation(conv.id)
        .send(text)
        .then((m) => {
          sentAt.set(m.id, { by: sender, sent, acked: Date.now() });
          acked.set(m.id, conv.id);
          if (sender === 1) sentBy1.add(m.id);
        });
      sends.push(done);
      return done;
    };
    const loop = (async () => {
      while (!stopped) {
        await paused;
        const conv = conversations[n % conversations.length]!;
        const sender = conv.members[Math.floor(n / conversations.length) % conv.members.length]!;
        void sendOne(sender, conv, `m${n++}`);
        await sleep(SEND_EVERY_MS);
      }
    })();
    await sleep(STEADY_MS);
    // The primary dies with a publish of node 1 to the group taken and not relayed: the last one to
    // its channel (a primary relays a channel's publishes in order, so none after it got through).
    let resume = (): void => {};
    paused = new Promise<void>((r) => (resume = r));
    await Promise.all(sends);
    losing = true;
    await sendOne(0, busy, "taken by the primary as it died");
    const sentBeforeKill = n;
    const killedAt = Date.now();
    await cluster.kill(victim);
    resume();
    paused = undefined;
    // A new DM while the shard is away: its join (node 1 -> user 5's socket on node 2) is lost.
    const fresh = { id: (await users[0]!.direct(id(5))).id, members: [0, 5] };
    conversations.push(fresh);
    const promoted = await cluster.waitForFailover(slot, victim);
    losing = false;
    const failedOverAt = Date.now();
    refusing = true;
    await sleep(STEADY_MS);
    stopped = true;
    await loop;
    await Promise.all(sends); // the outbox retries until acknowledged
    t.diagnostic(
      `channel slot ${slot}: primary ${victim} killed after ${sentBeforeKill} sends, replica ${promoted} promoted in ${failedOverAt - killedAt} ms; ${acked.size} messages acknowledged; node 1 lost ${lost.room} publishes to the group, ${lost.namespace} on the namespace's channel; node 4's were refused ${refused} times after the promotion`,
    );
    assert.ok(lost.room > 0 && lost.namespace > 0, "node 1 published on the victim's shard while it was away");
    assert.ok(refused > 0, "node 4 published to the group while its publishes were refused");
    assert.equal(acked.size, sends.length + probes.size, "every send acknowledged");
    assert.notEqual(promoted, victim);

    // Every member hears every message of their conversations, once, within the bound.
    const expected = users.map((_, i) => [...acked].filter(([, conv]) => conversations.find((c) => c.id === conv)!.members.includes(i)).map(([mid]) => mid));
    const missing = (): number => users.reduce((sum, _, i) => sum + expected[i]!.filter((mid) => !heard[i]!.has(mid)).length, 0);
    const deadline = failedOverAt + DELIVERY_BOUND_MS;
    while (missing() > 0 && Date.now() < deadline) await sleep(50);
    t.diagnostic(`all delivered ${Date.now() - failedOverAt} ms after the promotion (${missing()} missing)`);
    t.diagnostic(`the nodes' recoveries:\n${recoveries.filter((l) => /served again|unreachable|away too long/.test(l)).join("\n")}`);
    const which = users.flatMap((_, i) =>
      expected[i]!.filter((mid) => !heard[i]!.has(mid)).map((mid) => {
        const conv = acked.get(mid)!;
        return `user ${i} (node ${(i % NODES) + 1}) missed ${mid} of ${conv === busy.id ? "the busy group" : conv === fresh.id ? "the new DM" : conv}`;
      }),
    );
    assert.equal(missing(), 0, `messages not delivered within ${DELIVERY_BOUND_MS / 1000} s of the failover: ${which.join("; ")}`);
    // Nothing more arrives late (a retried publish, a replay): quiet for a second.
    while (Date.now() - lastHeardAt < 1000) await sleep(100);
    for (let i = 0; i < USERS; i++) {
      const twice = [...heard[i]!].filter(([, k]) => k > 1).map(([mid]) => mid);
      assert.deepEqual(twice, [], `user ${i} was told twice`);
      const strangers = [...heard[i]!.keys()].filter((mid) => !expected[i]!.includes(mid));
      assert.deepEqual(strangers, [], `user ${i} heard messages of conversations they are not in`);
    }
    // Each client's event stream keeps each conversation's order: no message comes after a newer one.
    for (let i = 0; i < USERS; i++) {
      for (const [conv, ids] of stream[i]!) {
        const inversions = ids.filter((mid, k) => k > 0 && byId(mid, ids[k - 1]!) < 0);
        const at = (ms: number | undefined): string => (ms === undefined ? "never" : new Date(ms).toISOString().slice(17, 23));
        const timeline = [...new Set(inversions.flatMap((mid) => [ids[ids.indexOf(mid) - 1]!, mid]))].sort(byId).map((mid) => {
          const s = sentAt.get(mid);
          return `${mid}: by user ${s?.by} (node ${s ? (s.by % NODES) + 1 : "?"}), sent ${at(s?.sent)}, acked ${at(s?.acked)}, heard ${at(heardAt[i]!.get(mid)?.at)} (seq ${heardAt[i]!.get(mid)?.seq})`;
        });
        assert.deepEqual(
          inversions,
          [],
          `user ${i}'s events of ${conv === busy.id ? "the busy group" : conv}: out of order: ${ids.join(",")}; killed ${at(killedAt)}, promoted ${at(failedOverAt)}; ${timeline.join("; ")}; the nodes' recoveries:\n${recoveries.join("\n")}`,
        );
      }
    }
    // The widget's events likewise: every message of someone else in user 1's conversations, once, in order.
    const fromOthers = [...acked]
      .filter(([mid, conv]) => conversations.find((c) => c.id === conv)!.members.includes(1) && !sentBy1.has(mid) && !probes.has(mid))
      .map(([mid]) => mid);
    await until(
      "the widget heard every message of others",
      () => widgetCount >= fromOthers.length,
      DELIVERY_BOUND_MS,
      async () => (widgetCount = (await widgetHeard()).length),
    );
    const inWidget = new Map<string, string[]>();
    for (const [conv, mid] of await widgetHeard()) inWidget.set(conv, [...(inWidget.get(conv) ?? []), mid]);
    assert.deepEqual([...inWidget.values()].flat().sort(byId), fromOthers.sort(byId), "the widget's parley-message events: each message of others once");
    for (const [conv, ids] of inWidget) {
      const inversions = ids.filter((mid, k) => k > 0 && byId(mid, ids[k - 1]!) < 0);
      assert.deepEqual(inversions, [], `the widget's events of ${conv === busy.id ? "the busy group" : conv}: out of order: ${ids.join(",")}`);
    }
    // The DM opened during the failover: user 5's socket on node 2 is in its room now (its join was
    // lost: the recovery set the rooms again), so a message sent now arrives live.
    const late = await users[0]!.conversation(fresh.id).send("after the failover");
    await until("the DM's next message live", () => heard[5]!.get(late.id) === 1, 10_000);
    // Each member's thread: every acknowledged message once, in id order (the server's order).
    for (const conv of conversations.filter((c) => c !== fresh)) {
      const want = [...acked]
        .filter(([, c]) => c === conv.id)
        .map(([mid]) => mid)
        .sort(byId);
      for (const m of conv.members) {
        const got = users[m]!.store.state.threads[conv.id]!.messages.filter((x) => x.status === "sent").map((x) => x.id);
        assert.deepEqual(got, want, `user ${m}'s thread of ${conv.id}`);
      }
    }
  });
});

async function until(what: string, ok: () => boolean, ms: number, refresh?: () => Promise<unknown>): Promise<void> {
  const end = Date.now() + ms;
  for (await refresh?.(); !ok(); await refresh?.()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await sleep(50);
  }
}
