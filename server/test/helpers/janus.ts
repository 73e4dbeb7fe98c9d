import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { takeMachineLock } from "./machine-lock.js";

/**
 * A Janus (VideoRoom only) of a test's own, on loopback: its config copied from /etc/janus with
 * the three files of ../shared/notes/calls-on-this-machine.md (by default WebSocket API on 18188,
 * admin on 17188, RTP on 22000-22199; a second Janus of the same test takes other ports). Janus
 * gathers no candidates on a loopback interface, so on a machine with nothing but loopback for
 * media the test gives it a veth (pjanus0) carrying 127.0.0.2, made here when absent (root) and
 * removed once the last Janus this process started stops. Test-only: a real Janus has a real interface.
 */
export interface TestJanus {
  wsUrl: string;
  /** Its process (CPU figures of the bench). */
  pid: number;
  adminKey: string;
  /** Ends it (by its pid) and removes what was made. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL: a crash, as its clients see it); resolves once it has exited. `stop()` still cleans up. */
  kill(): Promise<void>;
}

/** Where a test's Janus listens: its WebSocket API, its admin API, and its RTP range (below the ephemeral ports). */
export interface JanusPorts {
  ws: number;
  admin: number;
  rtp: string;
}
const DEFAULT_PORTS: JanusPorts = { ws: 18188, admin: 17188, rtp: "22000-22199" };
/** The ports of a second Janus beside the first (e.g. several-servers tests). */
export const SECOND_JANUS_PORTS: JanusPorts = { ws: 18288, admin: 17288, rtp: "22200-22399" };

export const JANUS_WS_PORT = DEFAULT_PORTS.ws;
export const JANUS_ADMIN_KEY = "parley-room-admin-test";
const LINK = "pjanus0";

export const hasJanus = spawnSync("sh", ["-c", "command -v janus"]).status === 0;
/** Why a Janus test is skipped (never under CI=true, where a missing janus fails), or false. */
export const janusSkip: string | false = hasJanus || process.env["CI"] === "true" ? false : "janus is not installed: apt-get install -y janus";

const janusJcfg = (ports: JanusPorts): string => `general: {
	plugins_folder = "/usr/lib/x86_64-linux-gnu/janus/plugins"
	transports_folder = "/usr/lib/x86_64-linux-gnu/janus/transports"
	events_folder = "/usr/lib/x86_64-linux-gnu/janus/events"
	loggers_folder = "/usr/lib/x86_64-linux-gnu/janus/loggers"
	debug_level = 4
	debug_timestamps = true
	debug_colors = false
	admin_secret = "parley-janus-admin"
	session_timeout = 60
	protected_folders = [ "/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var" ]
}
certificates: { }
media: {
	ipv6 = false
	rtp_port_range = "${ports.rtp}"
}
nat: {
	ice_enforce_list = "${LINK}"
	ice_lite = false
	ice_tcp = false
	full_trickle = false
	ignore_mdns = true
}
plugins: { disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so" }
transports: { disable = "libjanus_http.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
`;
const wsJcfg = (
  ports: JanusPorts,
): string => `general: { json = "indented"  ws = true  ws_port = ${ports.ws}  ws_ip = "127.0.0.1"  wss = false  ws_logging = "err,warn" }
admin: { admin_ws = true  admin_ws_port = ${ports.admin}  admin_ws_ip = "127.0.0.1"  admin_wss = false }
`;
const VIDEOROOM_JCFG = `general: { admin_key = "${JANUS_ADMIN_KEY}"  lock_rtp_forward = true  string_ids = false }
`;

const sh = (cmd: string): number | null => spawnSync("sh", ["-c", cmd], { stdio: "ignore" }).status;

/** Janus servers of this process using the veth, and whether this process made it. */
let linkUsers = 0;
let linkMadeHere = false;

/** Makes the veth with 127.0.0.2 when absent; says whether it did. */
function ensureLink(): boolean {
  if (sh(`ip link show ${LINK}`) === 0) return false;
  const made =
    sh(
      `ip link add ${LINK} type veth peer name ${LINK}p && ` +
        `sysctl -qw net.ipv6.conf.${LINK}.disable_ipv6=1 net.ipv6.conf.${LINK}p.disable_ipv6=1; ` +
        `ip addr add 127.0.0.2/32 dev ${LINK} && ip link set ${LINK}p up && ip link set ${LINK} up`,
    ) === 0;
  if (!made) throw new Error(`could not create the veth ${LINK} with 127.0.0.2 (root is needed)`);
  return true;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port }, () => (s.end(), resolve(true)));
    s.on("error", () => resolve(false));
  });
}

/** Starts Janus in the foreground as a child; `stop()` ends it (by its pid) and removes what was made. */
export async function startJanus(ports: JanusPorts = DEFAULT_PORTS): Promise<TestJanus> {
  // The ports and the veth are the machine's: a suite in the other pass waits for them.
  const release = await takeMachineLock("janus");
  const dir = await mkdtemp(path.join(tmpdir(), "parley-janus-"));
  await cp("/etc/janus", dir, { recursive: true });
  await writeFile(path.join(dir, "janus.jcfg"), janusJcfg(ports));
  await writeFile(path.join(dir, "janus.transport.websockets.jcfg"), wsJcfg(ports));
  await writeFile(path.join(dir, "janus.plugin.videoroom.jcfg"), VIDEOROOM_JCFG);
  if (ensureLink()) linkMadeHere = true;
  linkUsers++;
  const child: ChildProcess = spawn("janus", ["-F", dir, "-C", path.join(dir, "janus.jcfg"), "-L", path.join(dir, "janus.log"), "-N"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopped = false;
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (--linkUsers === 0 && linkMadeHere) {
      sh(`ip link del ${LINK}`);
      linkMadeHere = false;
    }
    await rm(dir, { recursive: true, force: true });
    release();
  };
  for (let i = 0; i < 100; i++) {
    if (await portOpen(ports.ws)) return { wsUrl: `ws://127.0.0.1:${ports.ws}`, pid: child.pid!, adminKey: JANUS_ADMIN_KEY, stop, kill };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await readFile(path.join(dir, "janus.log"), "utf8").catch(() => "");
  await stop();
  throw new Error(`janus did not start:\n${log.slice(-2000)}`);
}

/** A browser's sendonly audio offer, as Janus needs one (ICE credentials, a DTLS fingerprint). */
export const PUBLISH_OFFER = [
  "v=0",
  "o=- 7614219274584779017 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "a=msid-semantic: WMS",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "c=IN IP4 0.0.0.0",
  "a=rtcp:9 IN IP4 0.0.0.0",
  "a=ice-ufrag:p4Rl",
  "a=ice-pwd:Q8c2yFJ4o0TqvEkq0Yw1vVv8",
  "a=ice-options:trickle",
  "a=fingerprint:sha-256 4B:9E:0A:3B:8C:62:1D:71:55:0F:29:AB:5E:13:C4:D7:90:66:A2:3F:18:E0:7C:B4:01:D9:5A:27:8F:63:C1:E2",
  "a=setup:actpass",
  "a=mid:0",
  "a=sendonly",
  "a=rtcp-mux",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=ssrc:1001 cname:parley",
  "",
].join("\r\n");
