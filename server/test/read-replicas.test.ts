/**
 * Read replicas (issue 35, acceptance 2), on real processes: a MariaDB primary and its replica of
 * this test's own (helpers/mariadb-replication.ts, ports 3330-3331), two Parley nodes sharing one
 * Redis, the replica delayed by 5 s with MASTER_DELAY. The nodes reach the replica as a user that
 * may only SELECT there, so a write sent to it would fail.
 *
 * - A user who just wrote (through one node) sees it in every read (search, the conversation
 *   list, an older history page) through the other node at once.
 * - Another user's reads of the same come from the replica: they lag (the write is missing at
 *   first, which shows the replica serves them), then catch up, and never go backwards.
 * - The replica stops: every read still answers 200, from the primary; it starts again and reads
 *   go back to it, still never backwards.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message, Page, SearchResponse } from "@parley/sdk/protocol";
import { basic, signIn } from "./helpers/bad-input-table.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { mariadbAvailable, startMariaDbReplication, type MariaDbReplication } from "./helpers/mariadb-replication.js";
import { connect, eventually, request, type ClientSocket } from "./helpers/sockets.js";

const BASE_PORT = 3330;
const skip = TEST_DB !== "mysql" ? "read replicas run with PARLEY_TEST_DB=mysql only" : await mariadbAvailable();

describe("read replicas: read-your-writes, never backwards, a replica that stops", { skip }, () => {
  let pair: MariaDbReplication;
  let a: TestServer;
  let b: TestServer;
  let socket: ClientSocket | undefined;
  let ann: AuthResponse;
  let bob: AuthResponse;
  let dm: string;
  let seed: Message;

  before(async () => {
    pair = await startMariaDbReplication({ basePort: BASE_PORT });
    // Created on the primary, replicated: on the replica it may only read (and read_only holds it).
    await pair.query("primary", "CREATE USER 'reader'@'%' IDENTIFIED BY ''");
    await pair.query("primary", "GRANT SELECT ON *.* TO 'reader'@'%'");
    const replicaServerUrl = pair.replicaUrl.replace("//root@", "//reader@");
    const env = {
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_PREFIX: `parley-rr-${randomBytes(4).toString("hex")}:`,
      DATABASE_REPLICA_MAX_LAG_MS: "10000",
      METRICS_PUBLIC: "1",
    };
    const opts = { mysqlPrimaryUrl: pair.primaryUrl, replicaServerUrl, keepData: true };
    a = await startServer(env, opts);
    b = await startServer(env, { ...opts, reuse: a });
    // The database, its migrations and the first heartbeats replicate; then both nodes use the replica.
    await eventually(async () => [a, b].every((s) => s.services.replicas!.states()[0]!.usable), "the replica in use on both nodes");

    const { id: app } = await a.createTenant("Replicas");
    const key = await a.services.serverKeys.create(app);
    ann = await signIn(a, basic(key.id, key.secret), app, "ann");
    bob = await signIn(a, basic(key.id, key.secret), app, "bob");
    const opened = await a.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: bob.user.id } });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    dm = opened.body.conversation.id;
    const sent = await a.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "the original seed", clientMessageId: "seed" } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    seed = sent.body;
    socket = await connect(a, ann.accessToken);
    // Everything so far is on the replica before it is delayed.
    await pair.waitForReplica();
    // Bob's sign-in marked him (a write): once the replica has passed it, it serves him.
    const signedIn = Date.now();
    await eventually(async () => b.services.replicas!.states()[0]!.appliedAt! > signedIn, "the replica past bob's sign-in");
    const served = b.services.replicas!.states()[0]!.served;
    assert.equal((await search(b, bob, "seed")).length, 1);
    assert.ok(b.services.replicas!.states()[0]!.served > served, "the replica served bob");
    await pair.setDelay(5);
  });

  after(async () => {
    socket?.close();
    await b?.close().catch(() => undefined);
    await a?.close();
    await a?.dropData().catch(() => undefined);
    await pair?.stop();
  });

  async function search(s: TestServer, who: AuthResponse, q: string): Promise<string[]> {
    const res = await s.api.get<SearchResponse>(`/search?q=${encodeURIComponent(q)}`, { token: who.accessToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((h) => h.message.id);
  }
  async function lastMessageId(s: TestServer, who: AuthResponse): Promise<number> {
    const res = await s.api.get<Page<Conversation>>("/conversations", { token: who.accessToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return Number(res.body.items.find((c) => c.id === dm)?.lastMessage?.id ?? 0);
  }
  async function olderPage(s: TestServer, who: AuthResponse, before: string): Promise<Message[]> {
    const res = await s.api.get<Page<Message>>(`/conversations/${dm}/messages?before=${before}`, { token: who.accessToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  }

  async function metrics(s: TestServer): Promise<string> {
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200);
    return res.text();
  }

  /** What bob sees, read by read; `check` fails the test at the first read that went back in time. */
  class Watcher {
    found = false;
    last = 0;
    edited = false;
    constructor(
      readonly word: string,
      readonly newest: string,
    ) {}
    async read(s: TestServer): Promise<void> {
      const [hits, last, page] = await Promise.all([search(s, bob, this.word), lastMessageId(s, bob), olderPage(s, bob, this.newest)]);
      const found = hits.includes(this.newest);
      const edited = page.find((m) => m.id === seed.id)?.text !== "the original seed";
      assert.ok(found || !this.found, `bob's search lost ${this.newest} after seeing it`);
      assert.ok(last >= this.last, `bob's list went back from message ${this.last} to ${last}`);
      assert.ok(edited || !this.edited, "bob's older page lost the edit after showing it");
      Object.assign(this, { found: found || this.found, last: Math.max(last, this.last), edited: edited || this.edited });
    }
    get caughtUp(): boolean {
      return this.found && this.last === Number(this.newest) && this.edited;
    }
  }

  test("the writer sees their write everywhere at once; the other user's reads lag, then catch up, never backwards", async () => {
    const served = b.services.replicas!.states()[0]!.served;
    const edit = await a.api.patch(`/messages/${seed.id}`, { token: ann.accessToken, body: { text: "the seed, edited" } });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    const word = `needle${randomBytes(3).toString("hex")}`;
    const ack = await request<Message>(socket!, "message.send", { conversationId: dm, text: `a ${word} here`, clientMessageId: word });
    assert.ok(ack.ok, JSON.stringify(ack));
    const newest = ack.data.id;

    // Ann wrote through node a (REST and socket); node b knows it from the mark she left in Redis.
    assert.deepEqual(await search(b, ann, word), [newest]);
    assert.equal(await lastMessageId(b, ann), Number(newest));
    assert.equal((await olderPage(b, ann, newest)).find((m) => m.id === seed.id)?.text, "the seed, edited");

    // Bob reads the replica, 5 s behind: none of it yet.
    const bobs = new Watcher(word, newest);
    await bobs.read(b);
    assert.equal(
      bobs.found || bobs.edited,
      false,
      `bob read the new message or the edit at once: his reads did not come from the delayed replica (${JSON.stringify([bobs, b.services.replicas!.states()])})`,
    );
    assert.ok(b.services.replicas!.states()[0]!.served > served, "node b's replica served bob");
    // Then it all arrives, and no read in between went back.
    await eventually(
      async () => {
        await bobs.read(b);
        return bobs.caughtUp;
      },
      "bob's reads catch up",
      20_000,
    );
    // All of it the replica answered itself: nothing failed there and ran again on the primary.
    assert.deepEqual(
      [a, b].map((s) => s.services.replicas!.states()[0]!.fellBack),
      [0, 0],
    );
  });

  test("a replica that stops: reads answer from the primary without an error, then return to it", async () => {
    const word = `pin${randomBytes(3).toString("hex")}`;
    const first = await request<Message>(socket!, "message.send", { conversationId: dm, text: `${word} one`, clientMessageId: `${word}-1` });
    assert.ok(first.ok);
    const bobs = new Watcher(word, first.data.id);
    const stopping = pair.stopReplica();
    // While it goes down and after: every read answers (a query the replica fails runs on the primary).
    await eventually(async () => {
      await bobs.read(a);
      await bobs.read(b);
      return bobs.found && [a, b].every((s) => !s.services.replicas!.states()[0]!.usable);
    }, "both nodes skip the stopped replica, and bob reads the primary");
    await stopping;
    assert.ok(bobs.found, "with the replica down bob reads the primary, which has the message");
    const skipped = [a, b].map((s) => s.services.replicas!.states()[0]!);
    assert.ok(
      skipped.every((st) => st.reason),
      JSON.stringify(skipped),
    );
    // Operators see it: the replica is down in /metrics.
    assert.match(await metrics(b), /^parley_db_replica_up\{replica="mysql:\/\/reader@127\.0\.0\.1:3331\/\w+"\} 0$/m);
    // An outage longer than the delay: once back, the replica jumps to 5 s ago, past bob's reads
    // that fell back as it went down, but not past what he reads on the primary from here.
    await eventually(async () => (b.services.replicas!.states()[0]!.lagMs ?? 0) > 11_000, "the replica down for longer than its delay");
    // Sent and read while the replica is down: bob saw it on the primary only.
    const mid = await request<Message>(socket!, "message.send", { conversationId: dm, text: `${word} mid`, clientMessageId: `${word}-mid` });
    assert.ok(mid.ok);
    const seenOnPrimary = new Watcher(word, mid.data.id);
    await seenOnPrimary.read(b);
    assert.ok(seenOnPrimary.found);

    await pair.startReplica();
    await eventually(async () => [a, b].every((s) => s.services.replicas!.states()[0]!.usable), "the replica in use again", 30_000);
    const second = await request<Message>(socket!, "message.send", { conversationId: dm, text: `${word} two`, clientMessageId: `${word}-2` });
    assert.ok(second.ok);
    // The replica is back but 5 s behind what bob saw on the primary: he still sees it (the
    // primary keeps answering him until the replica has it).
    const later = new Watcher(word, second.data.id);
    await bobs.read(b);
    await seenOnPrimary.read(b);
    await later.read(b);
    const lastRead = Date.now();
    // Once the replica has passed his last read, it serves him again, with all of it.
    await eventually(async () => b.services.replicas!.states()[0]!.appliedAt! > lastRead, "the replica passes bob's last read", 30_000);
    const served = b.services.replicas!.states()[0]!.served;
    await bobs.read(b);
    await seenOnPrimary.read(b);
    await later.read(b);
    assert.ok(later.caughtUp, "bob, back on the replica, sees everything");
    assert.ok(b.services.replicas!.states()[0]!.served > served, "the replica served bob again");
    const text = await metrics(b);
    assert.match(text, /^parley_db_replica_up\{replica="[^"]+"\} 1$/m);
    assert.match(text, /^parley_db_replica_lag_seconds\{replica="[^"]+"\} \d/m);
    assert.match(text, /^parley_db_replica_queries\{replica="[^"]+",outcome="served"\} [1-9]/m);
  });
});
