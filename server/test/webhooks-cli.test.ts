import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** `npm run app:webhook -- <args>` as its script runs it (tsx server/src/cli.ts webhook …), against the server's database. */
async function webhookCli(s: TestServer, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: s.dataDir, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "production", ...env };
  delete childEnv["DATABASE_URL"];
  if (s.databaseUrl) childEnv["DATABASE_URL"] = s.databaseUrl;
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/cli.ts", "webhook", ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

describe(`app:webhook CLI on ${TEST_DB}`, { timeout: 120_000 }, () => {
  let s: TestServer;
  const r = new WebhookReceiver();
  before(async () => {
    s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20", WEBHOOK_ENDPOINT_CACHE_MS: "0" });
    await r.start();
  });
  after(async () => {
    await s?.close();
    await r.close();
  });

  test("add, list, deliveries, replay and remove act on the same endpoints as the API", async () => {
    const { id: app } = await s.createTenant();
    await s.services.serverKeys.create(app);
    const allow = { WEBHOOK_ALLOW_PRIVATE: "1" };
    const added = await webhookCli(s, ["add", "--id", app, "--url", r.url, "--event", "message.new", "--json"], allow);
    assert.equal(added.code, 0, added.stderr);
    const endpoint = JSON.parse(added.stdout) as { id: string; events: string[] };
    assert.deepEqual(endpoint.events, ["message.new"]);
    const listed = await webhookCli(s, ["list", "--app", app, "--json"]); // --app, as app:key takes it
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { id: string }[]).map((e) => e.id),
      [endpoint.id],
    );

    const alice = await s.api.register(app);
    const bob = await s.api.register(app);
    const dm = await s.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    await s.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: alice.accessToken, body: { text: "via cli" } });
    await r.until((all) => all.length >= 1, "the first delivery");
    const seq = r.received[0]!.body.seq as number;

    const replayed = await webhookCli(s, ["replay", "--id", app, "--endpoint", endpoint.id, "--from-seq", String(seq), "--json"]);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.deepEqual(JSON.parse(replayed.stdout), { queued: 1 });
    await r.until((all) => all.length >= 2, "the replayed delivery");
    assert.equal(r.received[1]!.body.seq, seq);

    const deliveries = await webhookCli(s, ["deliveries", "--id", app, "--endpoint", endpoint.id, "--status", "delivered", "--json"]);
    assert.equal(deliveries.code, 0, deliveries.stderr);
    assert.ok((JSON.parse(deliveries.stdout) as unknown[]).length >= 1);

    const removed = await webhookCli(s, ["remove", "--id", app, "--endpoint", endpoint.id]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual((await s.services.webhooks.list({ appId: app, server: "test" })).length, 0);
  });

  test("bad input: one line on stderr and a non-zero exit", async () => {
    const { id: app } = await s.createTenant();
    for (const args of [
      ["add", "--id", app, "--url", "http://127.0.0.1/hook", "--event", "message.new"],
      ["add", "--id", app, "--url", "https://example.com/h", "--event", "message.exploded"],
      ["remove", "--id", app, "--endpoint", "whe_missing"],
      ["explode", "--id", app],
    ]) {
      const res = await webhookCli(s, args);
      assert.notEqual(res.code, 0, args.join(" "));
      assert.equal(res.stdout, "");
      assert.equal(res.stderr.trim().split("\n").length, 1, res.stderr);
      assert.match(res.stderr, /^Error: /);
    }
  });
});
