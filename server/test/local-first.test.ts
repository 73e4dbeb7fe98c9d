import assert from "node:assert/strict";
import { test } from "node:test";
import type { Namespace } from "socket.io";
import { type ClusterAdapterLike, localFirst, type Publishing } from "../src/scale/local-first.js";

// When a send batch may let its conversations' named locks go (scale/local-first.ts `published`,
// db/unit-of-work.ts): not before its publishes have reached Redis, unless Redis is away and not
// failing over. The failover drill (redis-cluster-failover.test.ts) shows the order end to end;
// here the adapter under localFirst answers each publish when the test says, and the clock is
// node:test's, so "not yet after a second" is a fact, not a wait.

const HOLD_MS = 30_000;

function setUp() {
  const heldRooms = new Set<string>();
  const answers: { room: string; take(): void; fail(): void }[] = [];
  const upstream: ClusterAdapterLike = {
    uid: "node-a",
    rooms: new Map(),
    sids: new Map(),
    broadcast: async () => undefined,
    addSockets: async () => undefined,
    delSockets: async () => undefined,
    disconnectSockets: async () => undefined,
    publishAndReturnOffset: (m) =>
      new Promise((take, fail) => {
        const room = (m.data as { opts: { rooms: string[] } }).opts.rooms[0]!;
        answers.push({ room, take: () => take(""), fail: () => fail(new Error("MOVED")) });
      }),
  };
  const nsp = { name: "/", server: { opts: {} } } as unknown as Namespace;
  const adapter = new (
    localFirst(() => upstream as never, {
      retryForMs: HOLD_MS,
      holdMs: HOLD_MS,
      held: { hold: (_nsp, rooms) => [...rooms].some((r) => heldRooms.has(r)), isHeld: (_nsp, rooms) => rooms.some((r) => heldRooms.has(r)) },
    }) as unknown as new (
      n: Namespace,
    ) => ClusterAdapterLike & Publishing
  )(nsp);
  const broadcast = (room: string) => adapter.broadcast({ type: 2, data: ["message.new", {}] }, { rooms: new Set([room]) });
  /** Whether `p` has settled, once the microtasks queued so far have run. */
  const settled = async (p: Promise<void>): Promise<boolean> => {
    let done = false;
    void p.then(() => (done = true));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return done;
  };
  return { heldRooms, answers, broadcast, published: () => adapter.published(), settled };
}

/** Moves the mocked clock on by `ms`, in steps, so that a timer set by a timer's callback fires in time too. */
function advance(t: { mock: { timers: { tick(ms: number): void } } }, ms: number): void {
  for (let left = ms; left > 0; left -= 50) t.mock.timers.tick(Math.min(50, left));
}

test("an unanswered publish lets the lock go after 250 ms when Redis is away; one taken at once", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const { answers, broadcast, published, settled } = setUp();
  await broadcast("conv:a");
  const first = published();
  assert.equal(await settled(first), false);
  answers[0]!.take();
  assert.equal(await settled(first), true, "taken: published at once");

  await broadcast("conv:a");
  const second = published();
  advance(t, 249);
  assert.equal(await settled(second), false);
  advance(t, 1);
  assert.equal(await settled(second), true, "unanswered, no shard away: let go after 250 ms");
});

test("an unanswered publish whose shard is away holds the lock until it is answered, after the shard serves again too (bounded)", async (t) => {
  // The CI of 64bbaf8: node 3's message 174, unanswered while its shard failed over, let the lock
  // go after 250 ms; node 2, replayed already, published 178 at once, and 174 came after it.
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const { heldRooms, answers, broadcast, published, settled } = setUp();
  heldRooms.add("conv:a");
  await broadcast("conv:a");
  const p = published();
  advance(t, 1_000);
  assert.equal(await settled(p), false, "still unanswered, its shard away: waits");
  heldRooms.clear(); // the shard is found served again; its client has not answered yet
  advance(t, 1_000);
  assert.equal(await settled(p), false, "seen away once: waits for the answer");
  answers[0]!.take();
  assert.equal(await settled(p), true);

  // Bounded: a shard away for good lets the lock go after holdMs.
  heldRooms.add("conv:b");
  await broadcast("conv:b");
  const q = published();
  advance(t, 250); // first seen away
  advance(t, HOLD_MS - 1);
  assert.equal(await settled(q), false);
  advance(t, 1);
  assert.equal(await settled(q), true, "away for holdMs: let go");
});
