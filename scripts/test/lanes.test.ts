// npm test's lanes (scripts/test/lanes.ts): every job runs once, the lanes share the work, and no
// two browser files run at once. The jobs here are timers, not test files: what is tested is the
// queue, the same one `npm test` runs the suites with.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test } from "node:test";
import { type Job, jobKey, queueOrder, runLanes } from "./lanes.js";

const job = (file: string, browser = false, pass = "sqlite"): Job => ({ pass, file, browser });

describe("npm test's lanes", () => {
  test("the browser files first, then the rest; each part longest first by the last run's times, unknown ones after in their order", () => {
    const jobs = [job("a"), job("b"), job("w1", true), job("c"), job("w2", true), job("a", false, "mysql")];
    const times = new Map([
      [jobKey(job("c")), 30],
      [jobKey(job("a", false, "mysql")), 50],
      [jobKey(job("w2", true)), 20],
      [jobKey(job("w1", true)), 10],
    ]);
    assert.deepEqual(queueOrder(jobs, times).map(jobKey), ["sqlite w2", "sqlite w1", "mysql a", "sqlite c", "sqlite a", "sqlite b"]);
    assert.deepEqual(queueOrder(jobs, new Map()).map(jobKey), ["sqlite w1", "sqlite w2", "sqlite a", "sqlite b", "sqlite c", "mysql a"]);
  });

  test("every job runs once; the lanes run at the same time; never two browser files at once", async () => {
    const queue = queueOrder([job("w1", true), job("w2", true), job("w3", true), ...["a", "b", "c", "d", "e", "f"].map((f) => job(f))], new Map());
    const ran: string[] = [];
    const lanesUsed = new Set<number>();
    let running = 0;
    let most = 0;
    let browsers = 0;
    let mostBrowsers = 0;
    await runLanes(queue, 2, async (j, lane) => {
      running++;
      most = Math.max(most, running);
      if (j.browser) mostBrowsers = Math.max(mostBrowsers, ++browsers);
      lanesUsed.add(lane);
      // A browser file takes longer, so the other lane meets the next browser file while one runs.
      await sleep(j.browser ? 30 : 5);
      if (j.browser) browsers--;
      running--;
      ran.push(j.file);
    });
    assert.deepEqual([...ran].sort(), ["a", "b", "c", "d", "e", "f", "w1", "w2", "w3"]);
    assert.equal(most, 2, "two lanes: two jobs at a time");
    assert.deepEqual([...lanesUsed].sort(), [1, 2]);
    assert.equal(mostBrowsers, 1, "one browser file at a time");
  });

  test("a lane with only browser files left waits for the running one, then takes the next; a failing job stops nothing", async () => {
    const queue = [job("w1", true), job("w2", true)];
    const order: string[] = [];
    await assert.rejects(
      runLanes(queue, 2, async (j) => {
        order.push(`start ${j.file}`);
        await sleep(10);
        order.push(`end ${j.file}`);
        if (j.file === "w1") throw new Error("w1 failed");
      }),
      /w1 failed/,
    );
    assert.deepEqual(order, ["start w1", "end w1", "start w2", "end w2"]);
  });
});
