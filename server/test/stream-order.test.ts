import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamOrder } from "../src/scale/stream-order.js";

// The rules of StreamOrder (scale/stream-order.ts) on node:test's mocked clock; the two nodes on
// one Redis it is for are in send-order-nodes.test.ts ("a node's own message waits…").

const PUBLISHED_WAIT_MS = 250;

function setUp() {
  const order = new StreamOrder(PUBLISHED_WAIT_MS, 1000);
  const delivered: string[] = [];
  const add = (name: string) => order.add(() => delivered.push(name));
  return { order, delivered, add };
}

/** Runs the timers due in `ms`, and the setImmediate each of them leaves. */
function advance(t: { mock: { timers: { tick(ms: number): void } } }, ms: number): void {
  t.mock.timers.tick(ms);
  t.mock.timers.tick(0);
}

test("an own chat event goes out once the reader has passed its entry, and in the order they were broadcast", () => {
  const { order, delivered, add } = setUp();
  const first = add("first");
  const second = add("second");
  second.taken("1700000000000-1");
  first.taken("1700000000000-0");
  order.read("1699999999999-7");
  assert.deepEqual(delivered, [], "the reader has not reached either");
  order.read("1700000000000-0");
  assert.deepEqual(delivered, ["first"]);
  order.read("1700000000000-1");
  assert.deepEqual(delivered, ["first", "second"]);
  assert.equal(order.size, 0);
});

test("a later entry read back waits for an earlier one Redis has not taken", () => {
  const { order, delivered, add } = setUp();
  add("first");
  const second = add("second");
  second.taken("5-0");
  order.read("5-0");
  assert.deepEqual(delivered, [], "the second waits its turn");
});

test("Redis away: an entry not taken goes out after the time a send holds its locks, and those behind it with it", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setImmediate", "Date"] });
  const { order, delivered, add } = setUp();
  add("first");
  const second = add("second");
  second.taken("5-0");
  order.read("5-0");
  advance(t, PUBLISHED_WAIT_MS - 1);
  assert.deepEqual(delivered, []);
  advance(t, 1);
  assert.deepEqual(delivered, ["first", "second"]);
});

test("a reader that does not get there: an entry taken goes out a second after", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setImmediate", "Date"] });
  const { delivered, add } = setUp();
  add("only").taken("9-0");
  advance(t, 999);
  assert.deepEqual(delivered, []);
  advance(t, 1);
  assert.deepEqual(delivered, ["only"]);
});

test("a publish given up, or one with no offset, goes out at once", () => {
  const { delivered, add } = setUp();
  add("dropped").givenUp();
  add("no offset").taken("");
  assert.deepEqual(delivered, ["dropped", "no offset"]);
});
