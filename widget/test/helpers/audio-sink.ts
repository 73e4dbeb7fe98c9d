// A sound card for browsers with none: a PulseAudio server of the test's own with one null sink,
// which Firefox and WebKit play into (without an output Firefox fails a play with
// OnMediaSinkAudioError and WebKit's never advances; Chromium headless needs none). Browsers
// started after it find it through PULSE_SERVER.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const PULSEAUDIO = "/usr/bin/pulseaudio";

export interface AudioSink {
  close(): Promise<void>;
}

/** Why there can be no sink here, or false (with CI=true the caller fails instead: .ci/run installs pulseaudio). */
export const NO_AUDIO_SINK = existsSync(PULSEAUDIO) ? false : "no PulseAudio (apt-get install pulseaudio)";

export async function startAudioSink(): Promise<AudioSink> {
  const dir = await mkdtemp(path.join(tmpdir(), "parley-pulse-"));
  const socket = path.join(dir, "native");
  const child: ChildProcess = spawn(
    PULSEAUDIO,
    [
      "-n",
      "--daemonize=no",
      "--exit-idle-time=-1",
      "--use-pid-file=no",
      "--load=module-null-sink sink_name=parley",
      `--load=module-native-protocol-unix socket=${socket}`,
    ],
    { stdio: "ignore", env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir } },
  );
  const server = `unix:${socket}`;
  for (let tries = 0; spawnSync("pactl", ["-s", server, "info"], { stdio: "ignore" }).status !== 0; tries++) {
    if (child.exitCode !== null || tries > 100) throw new Error(`PulseAudio did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = process.env["PULSE_SERVER"];
  process.env["PULSE_SERVER"] = server;
  return {
    async close() {
      if (before === undefined) delete process.env["PULSE_SERVER"];
      else process.env["PULSE_SERVER"] = before;
      child.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
