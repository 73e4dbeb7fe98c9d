import assert from "node:assert/strict";
import { test } from "node:test";
import { type Disruption, planRecovery } from "../src/scale/disruptions.js";

// When a node recovers from Redis Cluster disruptions (scale/disruptions.ts, scale/sharded-adapter.ts);
// the failover drill (redis-cluster-failover.test.ts) shows a recovery end to end.

const disruption = (since: number, slots: number[], holding = true): Disruption => ({ since, slots: new Set(slots), back: false, holding });

test("two shards lost a few seconds apart: nothing is replayed until both are served, then one replay from the earlier loss", () => {
  // Shard A (slots 0-1) lost at 1,000 ms and still failing over; shard B (slots 2-3) lost at
  // 4,000 ms and served again already (a quick restart, or a faster promotion).
  const primary = new Map<number, string>([
    [2, "b2:7004"],
    [3, "b2:7004"],
  ]);
  const disrupted = new Map([
    ["a:7000", disruption(1_000, [0, 1])],
    ["b:7001", disruption(4_000, [2, 3])],
  ]);
  const of = (slot: number): string | undefined => primary.get(slot);
  // B's replay alone (from 4,000 less the margin) would send the newest messages of A's rooms
  // before the older ones A holds: out of order.
  assert.equal(planRecovery(disrupted, of), null, "no replay while A still holds broadcasts back");

  primary.set(0, "a2:7003").set(1, "a2:7003");
  assert.deepEqual(planRecovery(disrupted, of), { addresses: ["a:7000", "b:7001"], since: 1_000, slots: new Set([0, 1, 2, 3]) });
});

test("a shard is served again by its promoted replica, or by the same node back; one away past the hold waits for nobody", () => {
  const primary = new Map<number, string>([[0, "a:7000"]]);
  const a = disruption(1_000, [0]);
  const disrupted = new Map([["a:7000", a]]);
  const of = (slot: number): string | undefined => primary.get(slot);
  assert.equal(planRecovery(disrupted, of), null, "the slot is still mapped to the node that went away");
  a.back = true;
  assert.deepEqual(planRecovery(disrupted, of)?.addresses, ["a:7000"], "the same node answered again");

  // Not served at all (no primary known for the slot): nothing to replay yet.
  primary.delete(0);
  assert.equal(planRecovery(disrupted, of), null);

  // C away past MAX_HOLD_MS has released what it held: A's recovery does not wait for it.
  primary.set(0, "a:7000");
  disrupted.set("c:7002", disruption(500, [9], false));
  assert.deepEqual(planRecovery(disrupted, of), { addresses: ["a:7000"], since: 1_000, slots: new Set([0]) });
  disrupted.get("c:7002")!.holding = true;
  assert.equal(planRecovery(disrupted, of), null, "while C holds, A waits for it");
});
