import assert from "node:assert/strict";
import { test } from "node:test";
import { HeldBroadcasts, MAX_QUEUED } from "../src/scale/held-broadcasts.js";

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
