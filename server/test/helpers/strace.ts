import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { eventually } from "./sockets.js";

/**
 * Linux's strace on this test process (its in-process server included): which system calls ran,
 * in the order they happened, on which files and sockets. For proofs a test cannot read from the
 * server's answers, such as "a commit is on disk before its ack is written to the socket".
 */
export interface Trace {
  /** Stops tracing and answers the calls seen, in order. */
  stop(): Promise<Syscall[]>;
}

export interface Syscall {
  /** Its place in the trace: a call began after every call whose `end` is lower. */
  start: number;
  /** Where it returned (the same place when strace saw it in one piece). */
  end: number;
  name: string;
  /** The path or socket of its first argument, as `strace -yy` names it. */
  target: string;
  /** The bytes it wrote (pwrite64, write, writev), whole up to 8 KB a buffer. */
  data: Buffer;
}

/**
 * A test's `skip` when strace is not installed: the reason, except under CI=true, where the test
 * runs and fails (.ci/run installs it; CI never loses a check silently).
 */
export function skipWithoutStrace(): string | false {
  if (process.env["CI"] === "true" || spawnSync("strace", ["-V"]).status === 0) return false;
  return "strace is not installed: apt-get install -y strace";
}

/**
 * Traces `calls` of every thread of this process into `file`, from when this resolves: once every
 * thread of the process has strace as its tracer. (The trace goes to a file, not a pipe this
 * process reads: a traced thread stopped at a call while strace waits for room in the pipe would
 * never read it.)
 */
export async function traceSelf(file: string, calls: string[]): Promise<Trace> {
  const child: ChildProcess = spawn(
    "strace",
    ["-f", "-qq", "-yy", "-xx", "-s", "8192", "-e", `trace=${calls.join(",")}`, "-o", file, "-p", String(process.pid)],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Not installed (ENOENT): a failed test with the reason, not a crash of the test process.
  let spawnError: Error | undefined;
  child.once("error", (err) => (spawnError = err));
  try {
    await eventually(
      async () => {
        if (spawnError) throw new Error(`strace could not start (${spawnError.message}): apt-get install -y strace`);
        if (child.exitCode !== null) throw new Error(`strace exited (${child.exitCode})`);
        return tracedBy(child.pid!);
      },
      "strace to attach to every thread",
      15_000,
    );
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${err instanceof Error ? err.message : String(err)}: ${stderr}`);
  }
  return {
    async stop() {
      child.kill("SIGINT");
      const code = await exited;
      const text = readFileSync(file, "latin1");
      const calls = parseTrace(text);
      if (calls.length === 0) throw new Error(`strace (exit ${code}) traced no call: ${stderr.slice(0, 300)} ${text.slice(0, 300)}`);
      return calls;
    },
  };
}

/** Whether every thread of this process is traced by `tracer` (/proc/self/task/<tid>/status). */
function tracedBy(tracer: number): boolean {
  return readdirSync("/proc/self/task").every((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/status`, "latin1").includes(`\nTracerPid:\t${tracer}\n`);
    } catch {
      return true; // the thread has ended
    }
  });
}

/**
 * `strace -f -yy -xx` lines into calls: "PID name(FD<target>, "\x..", …) = R", or split in two
 * when another thread's call came between ("… <unfinished ...>", then "PID <... name resumed>…").
 */
function parseTrace(text: string): Syscall[] {
  const calls: Syscall[] = [];
  const open = new Map<string, Syscall>();
  text.split("\n").forEach((line, i) => {
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>/.exec(line);
    if (resumed) {
      const call = open.get(`${resumed[1]} ${resumed[2]}`);
      if (call) call.end = i;
      open.delete(`${resumed[1]} ${resumed[2]}`);
      return;
    }
    // A socket's "TCP:[local->remote]" holds a ">"; a path, printed as \xHH, holds none.
    const m = /^(\d+)\s+(\w+)\(\d+<([A-Z0-9]+:\[[^\]]*\]|[^>]*)>/.exec(line);
    if (!m) return;
    const call: Syscall = { start: i, end: i, name: m[2]!, target: textOf(m[3]!), data: bytesOf(line) };
    calls.push(call);
    if (line.endsWith("<unfinished ...>")) open.set(`${m[1]} ${m[2]}`, call);
  });
  return calls;
}

/** A path or socket as -xx prints it (`\x2f\x74…`), as text. */
function textOf(target: string): string {
  return target.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The bytes of a line's quoted `\xHH` strings, in order. */
function bytesOf(line: string): Buffer {
  const hex: string[] = [];
  for (const quoted of line.matchAll(/"((?:\\x[0-9a-f]{2})*)"/g)) hex.push(quoted[1]!.replaceAll("\\x", ""));
  return Buffer.from(hex.join(""), "hex");
}
