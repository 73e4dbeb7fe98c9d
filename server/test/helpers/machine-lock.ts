import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A lock across processes for what a test takes of the whole machine: fixed ports (a Janus's
 * WebSocket and RTP range, coturn's listening port and relay range) and the veth Janus's tests
 * share. `npm test` runs the SQLite and MariaDB passes at the same time, so the same suite (or two
 * suites wanting the same ports) can run in two processes at once; the second waits here for the
 * first to let go.
 *
 * A lock is a file created exclusively (O_EXCL), holding its owner's pid. One left by a process that died
 * (SIGKILL, a crash) is taken over: a lock never outlives its owner. Within a process the lock is
 * counted, so a test that starts two Janus servers takes the Janus lock once.
 */
const held = new Map<string, number>();

const lockFile = (name: string): string => path.join(tmpdir(), `parley-test-lock-${name}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates the lock file with our pid, or finds whose it is; a dead owner's is taken over. */
function tryTake(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  // Empty: its owner is between creating and writing it (held).
  const owner = Number(readFileSync(file, "utf8"));
  if (!owner || alive(owner)) return false;
  rmSync(file, { force: true });
  return tryTake(file);
}

/**
 * Waits (up to `timeoutMs`) until this process holds `name`; resolves with the release function.
 * Releasing more often than taking is harmless.
 */
export async function takeMachineLock(name: string, timeoutMs = 15 * 60_000): Promise<() => void> {
  const count = held.get(name) ?? 0;
  if (count === 0) {
    const file = lockFile(name);
    const deadline = Date.now() + timeoutMs;
    while (!tryTake(file)) {
      if (Date.now() > deadline) throw new Error(`another test held the machine lock "${name}" (${file}) for ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  held.set(name, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(name) ?? 1) - 1;
    held.set(name, left);
    if (left === 0) rmSync(lockFile(name), { force: true });
  };
}

// A test process that ends without releasing (a failed assertion skipping its `after`) lets go here;
// one that is killed leaves a file the next taker finds dead.
process.once("exit", () => {
  for (const [name, count] of held) if (count > 0) rmSync(lockFile(name), { force: true });
});
