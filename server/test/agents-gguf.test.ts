/**
 * AI agents (issue 54) with a real model, when one is at hand: PARLEY_TEST_GGUF names a local GGUF
 * file, llama.cpp's `llama-server` (on PATH) serves it with its OpenAI-compatible chat completions
 * API, and an agent on that endpoint answers a question in a DM. The scripted model of the other
 * agents suites proves the protocol as we read it; this proves a real server speaks it that way.
 *
 * node-llama-cpp has no OpenAI-compatible server of its own (its CLI chats, completes and pulls
 * models), so llama.cpp's binary it is. Without the file or the binary the test is skipped saying
 * why and how to run it: nothing here downloads weights. It runs on the SQLite pass only (the
 * model's side is the same on either database; two passes would load the model twice at once).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import type { Agent, Conversation, Message } from "@parley/sdk/protocol";
import { startServer, TEST_DB } from "./helpers/harness.js";
import { connect, Recorder, sleep } from "./helpers/sockets.js";

const GGUF = process.env["PARLEY_TEST_GGUF"];
const HOW =
  "PARLEY_TEST_GGUF=/path/to/model.gguf with llama.cpp's llama-server on PATH (a small chat model, e.g. a 0.5B instruct Q4_K_M, answers in seconds on a CPU)";

/** `name` on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

const LLAMA_SERVER = onPath("llama-server");
const skip = !GGUF
  ? `PARLEY_TEST_GGUF is not set: to run a real model, ${HOW}`
  : !existsSync(GGUF)
    ? `PARLEY_TEST_GGUF names no file (${GGUF}): ${HOW}`
    : !LLAMA_SERVER
      ? `llama-server is not on PATH (node-llama-cpp has no OpenAI-compatible server): install llama.cpp to run ${GGUF}`
      : TEST_DB !== "sqlite"
        ? "the real model runs on the SQLite pass only (its side is the same on either database)"
        : false;

/** Loading a model and answering on a shared CPU: generous, each is waited for as a real condition. */
const LOAD_MS = 180_000;
const ANSWER_SEC = 120;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts llama-server on `model`; resolves once its /health answers 200 (it answers 503 while loading). */
async function llamaServer(model: string): Promise<{ url: string; proc: ChildProcess; output: () => string }> {
  const port = await freePort();
  // Its own process group, so the whole of it goes at the end.
  const proc = spawn(LLAMA_SERVER!, ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-c", "2048"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + LOAD_MS;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`llama-server exited (${proc.exitCode}):\n${log}`);
    const ok = await fetch(`${base}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { url: `${base}/v1`, proc, output: () => log };
    if (Date.now() > deadline) throw new Error(`llama-server did not load the model within ${LOAD_MS / 1000} s:\n${log}`);
    await sleep(250);
  }
}

test("a real model through llama.cpp's OpenAI-compatible server answers a DM with a finished, non-empty reply", { skip }, async (t) => {
  const model = await llamaServer(GGUF!);
  t.after(() => {
    try {
      process.kill(-model.proc.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  });
  const s = await startServer({
    AGENT_ALLOW_PRIVATE: "1",
    AGENT_FIRST_TOKEN_SEC: String(ANSWER_SEC),
    AGENT_IDLE_SEC: String(ANSWER_SEC),
    STREAM_IDLE_TIMEOUT_SEC: String(ANSWER_SEC + 30),
  });
  t.after(() => s.close());
  const app = (await s.createTenant("Real model")).id;
  const key = await s.services.serverKeys.create(app);
  const created = await s.api.req<Agent>("POST", "/server/agents", {
    headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` },
    // llama-server serves the one model it loaded whatever `model` says; a short reply keeps a CPU quick.
    body: {
      sub: "local-helper",
      name: "Local helper",
      endpoint: model.url,
      model: "local",
      maxTokens: 48,
      systemPrompt: "You are a helpful assistant. Answer briefly.",
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const agent = created.body;

  const ann = await s.api.register(app, { displayName: "Ann" });
  const sock = await connect(s, ann.accessToken);
  t.after(() => sock.close());
  const rec = new Recorder(sock);
  const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann.accessToken, body: { userId: agent.userId } });
  assert.ok(dm.status < 300, JSON.stringify(dm.body));
  const asked = await s.api.post<Message>(`/conversations/${dm.body.conversation.id}/messages`, {
    token: ann.accessToken,
    body: { text: "What colour is the sky on a clear day? One sentence, please." },
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));

  const ended = await rec.wait("message.new", (e) => e.data.message.senderId === agent.userId, (2 * ANSWER_SEC + 30) * 1000);
  const reply = ended.data.message as Message;
  t.diagnostic(`the model answered: ${JSON.stringify(reply.text)}`);
  assert.equal(reply.stream?.state, "finished", `${JSON.stringify(reply.stream)}\nllama-server said:\n${model.output()}`);
  assert.ok((reply.text ?? "").trim().length > 0, "a reply with text");
  assert.equal(reply.replyToId, asked.body.id);
});
