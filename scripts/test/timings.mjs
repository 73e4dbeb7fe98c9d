// A node:test reporter (beside spec) that keeps how long each test file took, as JSON in the file
// PARLEY_TEST_TIMINGS names: { "<file>": seconds, ... }, slowest first. scripts/test/run.ts prints
// the slowest in its summary, so a pass that grows slower says where.
//
// A file's time is from its file-level test's dequeue (its process starting) to that test's
// completion: its process's start, its hooks and its tests. The runner enqueues every file up
// front, so "from the previous event of another file" would be wrong. The file is written again
// at each completion, not once at the end: --test-force-exit ends the run before a reporter's last
// output is flushed.
import { writeFileSync } from "node:fs";
import path from "node:path";

export default async function* timings(source) {
  const out = process.env.PARLEY_TEST_TIMINGS;
  const cwd = `${process.cwd()}/`;
  const started = new Map();
  const took = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    // The file-level test is named after its file's path: absolute on Node 20, as given on Node 24.
    if (!out || !file || typeof event.data.name !== "string" || path.resolve(event.data.name) !== path.resolve(file)) continue;
    if (event.type === "test:dequeue") started.set(file, Date.now());
    else if (event.type === "test:complete" && started.has(file)) {
      took.set(file.startsWith(cwd) ? file.slice(cwd.length) : file, Math.round((Date.now() - started.get(file)) / 1000));
      writeFileSync(out, JSON.stringify(Object.fromEntries([...took].sort((a, b) => b[1] - a[1]))));
    }
  }
  yield "";
}
