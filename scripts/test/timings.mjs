// A node:test reporter (beside spec) that keeps how long each test file took, as JSON in the file
// PARLEY_TEST_TIMINGS names: { "<file>": seconds, ... }, slowest first. scripts/test/run.ts prints
// the slowest in its summary, so a pass that grows slower says where.
//
// A pass runs one file at a time (--test-concurrency=1), so a file's time is from the previous
// file's last event to its own last event: its process's start, its hooks and its tests. The
// file is written again at each event, not once at the end: --test-force-exit ends the run
// before a reporter's last output is flushed.
import { writeFileSync } from "node:fs";

export default async function* timings(source) {
  const out = process.env.PARLEY_TEST_TIMINGS;
  const cwd = `${process.cwd()}/`;
  const last = new Map();
  const took = new Map();
  let previous = Date.now();
  let current;
  for await (const event of source) {
    const file = event.data?.file;
    if (!out || !file) continue;
    if (file !== current) {
      if (current !== undefined) previous = last.get(current);
      current = file;
    }
    last.set(file, Date.now());
    took.set(file.startsWith(cwd) ? file.slice(cwd.length) : file, Math.round((last.get(file) - previous) / 1000));
    writeFileSync(out, JSON.stringify(Object.fromEntries([...took].sort((a, b) => b[1] - a[1]))));
  }
  yield "";
}
