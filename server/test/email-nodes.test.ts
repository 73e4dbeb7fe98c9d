/**
 * E-mail for unread messages (issue 55) on two nodes: two servers on one MariaDB database and one
 * Redis (shared presence), both sweeping every 50 ms, each deciding and sending on its own. Every
 * away user gets exactly one e-mail: the outbox's unique (app, user, quiet period) and the lease
 * taken on `dueAt` leave one node each e-mail.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { SmtpSink } from "./helpers/smtp.js";
import { eventually, sleep } from "./helpers/sockets.js";

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;
const WAIT_MS = 300;

describe("e-mail on two nodes", { skip }, () => {
  let a: TestServer;
  let b: TestServer;
  const smtp = new SmtpSink();

  before(async () => {
    await smtp.start();
    const env = {
      REDIS_URL,
      REDIS_PREFIX: `parley-mail-${randomBytes(4).toString("hex")}:`,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMTP_FROM: "chat@example.com",
      EMAIL_WAIT_MINUTES: String(WAIT_MS / 60_000),
      EMAIL_SWEEP_SEC: "0.05",
      PRESENCE_GRACE_MS: "100",
    };
    a = await startServer(env, { keepData: true });
    b = await startServer(env, { reuse: a, keepData: true });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await a?.dropData();
    await smtp.close();
  });

  test("each away user gets one e-mail, whichever node decided and sent it", async () => {
    const { id: app } = await a.createTenant("Two nodes", ["https://two.example"]);
    const n = randomBytes(3).toString("hex");
    const ada = await a.api.register(app, { displayName: "Ada", email: `ada-${n}@example.com` });
    const people = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).api.register(app, { displayName: `P${i}`, email: `p${i}-${n}@example.com` })),
    );
    for (const [i, p] of people.entries()) {
      const node = i % 2 ? b : a;
      const c = (await node.api.post("/conversations/direct", { token: ada.accessToken, body: { userId: p.user.id } })).body.conversation;
      for (const text of ["one", "two"]) {
        const res = await node.api.post(`/conversations/${c.id}/messages`, { token: ada.accessToken, body: { text } });
        assert.equal(res.status, 201);
      }
    }
    const addresses = people.map((_, i) => `p${i}-${n}@example.com`);
    await eventually(async () => addresses.every((x) => smtp.to(x).length > 0), "an e-mail to everyone", 15_000);
    await sleep(WAIT_MS * 3 + 500);
    for (const x of addresses) assert.equal(smtp.to(x).length, 1, `${x}: exactly one e-mail`);
    const rows: { n: number | string }[] = await a.services.db.query("SELECT COUNT(*) AS n FROM email_outbox WHERE appId = ? AND status = 'sent'", [app]);
    assert.equal(Number(rows[0]?.n), people.length);
  });
});
