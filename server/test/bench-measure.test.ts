import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, describe, test } from "node:test";
import { cpuSec, sampler, type Usage } from "../bench/harness/measure.js";

/**
 * The bench's CPU figures (issue 56): beside a server's whole CPU, its main thread's alone, so a
 * row tells a full event loop from a process whose other threads add to its total. Checked against
 * real processes that burn a core on one thread or the other.
 */

const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill("SIGKILL")));

/** A node process that prints "ready" once `script`'s busy loop is about to start. */
async function busy(script: string): Promise<number> {
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => void (out += d.toString()));
  while (!out.includes("ready")) await Promise.race([once(child.stdout!, "data"), once(child, "exit").then(() => assert.fail(`the child exited: ${out}`))]);
  return child.pid!;
}

/** Samples `pid` until it has used half a CPU second more (a real amount of work, however busy the box). */
async function sampleWork(pid: number): Promise<Usage> {
  const smp = sampler(pid);
  const start = cpuSec(pid);
  while (cpuSec(pid) - start < 0.5) await new Promise((r) => setTimeout(r, 50));
  return smp.stop();
}

describe("the bench's CPU sampler", () => {
  test("a busy worker thread counts in the process's CPU, not in its main thread's", async () => {
    const pid = await busy(
      `const { Worker } = require("node:worker_threads"); new Worker('require("node:worker_threads").parentPort.postMessage(1); for (;;) {}', { eval: true }).once("message", () => console.log("ready")); setInterval(() => {}, 1000);`,
    );
    const u = await sampleWork(pid);
    assert.ok(u.cpuPct > 0, `process ${u.cpuPct}%`);
    assert.ok(u.mainCpuPct < u.cpuPct / 4, `main thread ${u.mainCpuPct.toFixed(1)}% of the process's ${u.cpuPct.toFixed(1)}%`);
  });

  test("a busy main thread is nearly all of the process's CPU", async () => {
    const pid = await busy(`console.log("ready"); for (;;) {}`);
    const u = await sampleWork(pid);
    assert.ok(u.mainCpuPct > u.cpuPct * 0.8, `main thread ${u.mainCpuPct.toFixed(1)}% of the process's ${u.cpuPct.toFixed(1)}%`);
    assert.ok(cpuSec(pid, pid) <= cpuSec(pid), "a thread never used more than its process");
  });

  test("a thread that is not there reads as NaN, not as 0", () => {
    assert.ok(Number.isNaN(cpuSec(process.pid, 2 ** 22 + 1)));
  });
});
