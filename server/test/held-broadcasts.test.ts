import assert from "node:assert/strict";
import { test } from "node:test";
import { HeldBroadcasts, MAX_QUEUED, seqOfPacket } from "../src/scale/held-broadcasts.js";

// The queue that keeps a conversation's events in order through a Redis Cluster failover
// (scale/held-broadcasts.ts); the failover drill (redis-cluster-failover.test.ts) shows it end to end.

test("held broadcasts wait while their room is held, go out in the order they came once released, and are bounded", () => {
  const heldRooms = new Set(["conv:a"]);
  const q = new HeldBroadcasts((_nsp, rooms) => rooms.some((r) => heldRooms.has(r)));
  const out: string[] = [];
  const send = (room: string, what: string) => {
    if (!q.hold("/", [room], () => out.push(what))) out.push(what);
  };
  send("conv:a", "a1");
  send("conv:b", "b1");
  send("conv:a", "a2");
  assert.deepEqual(out, ["b1"], "another room's broadcast is not held");
  heldRooms.add("conv:b");
  send("conv:b", "b2");
  heldRooms.delete("conv:a");
  q.release();
  assert.deepEqual(out, ["b1", "a1", "a2"], "a's in order; b's stays held");
  assert.equal(q.size, 1);
  heldRooms.clear();
  q.release();
  assert.deepEqual(out, ["b1", "a1", "a2", "b2"]);
  // Bounded: past MAX_QUEUED the oldest goes (the replay sends what the event log has of it).
  heldRooms.add("conv:a");
  for (let i = 0; i <= MAX_QUEUED; i++) send("conv:a", `x${i}`);
  assert.equal(q.size, MAX_QUEUED);
  assert.equal(q.dropped, 1);
  heldRooms.clear();
  q.release();
  assert.equal(out[4], "x1", "the oldest was dropped");
});

test("what is released goes out in the event log's order: a later seq that came first waits for the earlier ones released with it", () => {
  // Seen in the drill: while a shard was away, another node's newer message (seq 247) reached this
  // node before this node's own older one (seq 238) was broadcast and acknowledged; released in the
  // order they came, the sender heard 247 before its own 238.
  let holding = true;
  const q = new HeldBroadcasts(() => holding);
  const out: string[] = [];
  q.hold("/", ["conv:a"], () => out.push("remote 247"), 247);
  q.hold("/", ["conv:a"], () => out.push("typing"));
  q.hold("/", ["conv:a"], () => out.push("local 238"), 238);
  q.hold("/", ["conv:a"], () => out.push("ack 238"), 238);
  q.hold("/", ["conv:b"], () => out.push("remote 240"), 240);
  holding = false;
  q.release();
  // The events by seq (the two of 238 as they came), in the places the events held; the typing
  // indicator, which has no seq, where it came.
  assert.deepEqual(out, ["local 238", "typing", "ack 238", "remote 240", "remote 247"]);
});

test("a held broadcast's seq is read from its Socket.IO packet: a chat event's, none for the others", () => {
  assert.equal(seqOfPacket({ type: 2, nsp: "/", data: ["message.new", { seq: 238, type: "message.new", data: {} }] }), 238);
  assert.equal(seqOfPacket({ type: 2, nsp: "/", data: ["typing", { conversationId: "c", userId: "u" }] }), undefined);
  assert.equal(seqOfPacket({ type: 2, nsp: "/", data: ["presence", null] }), undefined);
  assert.equal(seqOfPacket(undefined), undefined);
});
