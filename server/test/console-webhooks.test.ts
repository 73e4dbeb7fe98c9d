import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type {
  AuthResponse,
  ConsoleKeyCreatedResponse,
  ConsoleWebhookDeliveryDetail,
  ConsoleWebhooksResponse,
  ConsoleWebhookTestResponse,
  WebhookDeliveriesResponse,
  WebhookEndpointResponse,
} from "@parley/sdk/protocol";
import { verifyWebhook } from "@parley/sdk/server";
import { ConsoleAuditEntity } from "../src/console/console.entities.js";
import { consoleAccount, type Answer } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { eventually, WebhookReceiver } from "./helpers/webhook-receiver.js";

// The console's webhook pages' API (issue 32) over real HTTP, delivering to a real local receiver,
// on SQLite and MariaDB.

/** Fast polling and retries; loopback receivers allowed (the other server refuses them). */
const FAST = {
  WEBHOOK_ALLOW_PRIVATE: "1",
  WEBHOOK_POLL_MS: "20",
  WEBHOOK_RETRY_BASE_MS: "30",
  WEBHOOK_ENDPOINT_CACHE_MS: "0",
  WEBHOOK_UNREAD_POLL_MS: "600000",
};

const reason = (a: Answer): string | undefined => a.body?.error?.details?.reason;
/** The fields a 400 names (`details[].path`). */
const fieldsOf = (a: Answer): string[] => (Array.isArray(a.body?.error?.details) ? a.body.error.details.map((d: { path: string }) => d.path) : []);

describe("the console: webhooks", { timeout: 240_000 }, () => {
  let s: TestServer;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (): Promise<WebhookReceiver> => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };
  before(async () => {
    s = await startServer(FAST);
  });
  after(async () => {
    await s?.close();
    for (const r of receivers) await r.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  /** The app's audit rows but sign-ups (each account made here records one). */
  const auditOf = async (appId: string): Promise<{ accountId: string; action: string; target: string | null }[]> =>
    (await s.services.db.getRepository(ConsoleAuditEntity).find({ where: { appId }, order: { at: "ASC" } }))
      .filter((a) => a.action !== "account.signed_up")
      .map((a) => ({ accountId: a.accountId, action: a.action, target: a.target }));

  async function dmMessage(appId: string, text: string, people?: { alice: AuthResponse; conversationId: string }) {
    let p = people;
    if (!p) {
      const alice = await s.api.register(appId);
      const bob = await s.api.register(appId);
      const dm = await s.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
      assert.ok(dm.status < 300, JSON.stringify(dm.body));
      p = { alice, conversationId: dm.body.conversation.id as string };
    }
    const sent = await s.api.post(`/conversations/${p.conversationId}/messages`, { token: p.alice.accessToken, body: { text } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    return { ...p, messageId: (sent.body.message ?? sent.body).id as string };
  }

  test("an admin adds an endpoint: a user's message is delivered and logged, filtered, detailed, replayed; a test event arrives; settings round-trip", async () => {
    const { id: appId } = await s.createTenant("Hooks");
    const admin = await consoleAccount(s, { email: `admin-${n()}@hooks.example`, role: "admin", appId });
    const b = admin.browser;
    const base = `/apps/${appId}/webhooks`;
    const r = await receiver();

    // Nothing yet: no endpoints, the default settings. A key to sign deliveries with.
    const empty = await b.get<ConsoleWebhooksResponse>(base);
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body, { endpoints: [], settings: { unreadAfterSec: 300 } });
    const key = await b.post<ConsoleKeyCreatedResponse>(`/apps/${appId}/keys`, { name: "webhooks" });
    assert.equal(key.status, 201);

    const made = await b.post<WebhookEndpointResponse>(base, { url: r.url, events: ["message.new", "message.new"] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const endpoint = made.body.endpoint;
    assert.deepEqual([endpoint.url, endpoint.events], [r.url, ["message.new"]]);
    assert.deepEqual((await b.get<ConsoleWebhooksResponse>(base)).body.endpoints, [endpoint]);
    const hook = `${base}/${endpoint.id}`;

    // A chat user's message reaches the receiver, then shows in the log as delivered.
    const first = await dmMessage(appId, "hello from chat");
    await r.until((all) => all.some((x) => x.body.data?.message?.id === first.messageId), "the first message.new");
    const firstBody = r.received.find((x) => x.body.data?.message?.id === first.messageId)!.body;
    await eventually(
      async () => (await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?status=delivered`)).body.items.length === 1,
      "delivered in the log",
    );
    const log = await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries`);
    assert.equal(log.status, 200);
    assert.equal(log.body.items.length, 1);
    const delivered = log.body.items[0]!;
    assert.deepEqual(
      [delivered.id, delivered.type, delivered.seq, delivered.status, delivered.attempts, delivered.lastError, delivered.lastStatus],
      [firstBody.id, "message.new", firstBody.seq, "delivered", 1, null, 200],
    );

    // A second message the receiver refuses: pending, with the answer's status in its detail.
    r.answer = (x) => (x.body.data?.message?.text === "refuse me" ? 503 : 200);
    const second = await dmMessage(appId, "refuse me", first);
    await r.until((all) => all.some((x) => x.body.data?.message?.id === second.messageId), "the refused message.new");
    const secondId = r.received.find((x) => x.body.data?.message?.id === second.messageId)!.body.id as string;
    let detail: Answer<ConsoleWebhookDeliveryDetail> | undefined;
    await eventually(async () => {
      detail = await b.get<ConsoleWebhookDeliveryDetail>(`${hook}/deliveries/${secondId}`);
      return detail.body.response?.status === 503;
    }, "the refusal recorded");
    assert.equal(detail!.status, 200);
    assert.equal(detail!.body.delivery.status, "pending");
    assert.equal(detail!.body.response.error, "HTTP 503");
    assert.ok(detail!.body.response.at, "when it was tried");
    assert.equal(detail!.body.request.url, r.url);
    const sentBody = r.received.find((x) => x.body.id === secondId)!.body;
    assert.deepEqual(detail!.body.request.body, sentBody, "the detail's body is what the receiver got");
    // The status filter.
    const pending = await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?status=pending`);
    assert.deepEqual(
      pending.body.items.map((d) => d.id),
      [secondId],
    );
    assert.deepEqual(
      (await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?status=delivered`)).body.items.map((d) => d.id),
      [firstBody.id],
    );
    assert.deepEqual((await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?status=failed`)).body.items, []);
    // The receiver recovers: delivered on a retry; the detail shows its 200 and no error any more.
    r.answer = () => 200;
    await eventually(
      async () => (await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?status=delivered`)).body.items.length === 2,
      "the retry delivered",
    );
    const recovered = await b.get<ConsoleWebhookDeliveryDetail>(`${hook}/deliveries/${secondId}`);
    assert.deepEqual([recovered.body.delivery.status, recovered.body.response.status, recovered.body.response.error], ["delivered", 200, null]);
    assert.ok(recovered.body.delivery.attempts >= 2);
    // The first one's detail: its body, exactly as received.
    const firstDetail = await b.get<ConsoleWebhookDeliveryDetail>(`${hook}/deliveries/${firstBody.id}`);
    assert.deepEqual(firstDetail.body.request.body, firstBody);
    assert.equal((firstDetail.body.request.body as { data: { message: { text: string } } }).data.message.text, "hello from chat");

    // Pages of one, newest first, by the opaque cursor.
    const page1 = await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?limit=1`);
    assert.equal(page1.body.items[0]!.id, secondId);
    assert.ok(page1.body.nextCursor);
    const page2 = await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?limit=1&cursor=${page1.body.nextCursor}`);
    assert.deepEqual([page2.body.items.map((d) => d.id), page2.body.nextCursor], [[firstBody.id], null]);

    // Replay from the first message's seq: both are queued again and arrive again (new delivery ids).
    const replay = await b.post<{ queued: number }>(`${hook}/replay`, { fromSeq: firstBody.seq });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.deepEqual(replay.body, { queued: 2 });
    await r.until((all) => all.filter((x) => x.body.seq === firstBody.seq).length === 2, "the first message again");
    const again = r.received.filter((x) => x.body.seq === firstBody.seq).map((x) => x.body);
    assert.notEqual(again[1].id, again[0].id);
    assert.deepEqual({ ...again[1], id: firstBody.id }, firstBody, "the same event");
    await eventually(async () => (await b.get<WebhookDeliveriesResponse>(`${hook}/deliveries?status=delivered`)).body.items.length === 4, "replays delivered");

    // A test event: queued, signed with the app's key, delivered, listed.
    const tested = await b.post<ConsoleWebhookTestResponse>(`${hook}/test`);
    assert.equal(tested.status, 202, JSON.stringify(tested.body));
    const deliveryId = tested.body.deliveryId;
    await r.until((all) => all.some((x) => x.body.id === deliveryId), "the test event");
    const got = r.received.find((x) => x.body.id === deliveryId)!;
    const event = verifyWebhook({ headers: got.headers, body: got.raw }, { [key.body.key.id]: key.body.secret });
    assert.equal(event.type, "webhook.test");
    if (event.type === "webhook.test") assert.equal(event.data.test, true);
    assert.deepEqual([got.body.seq, got.body.appId, got.headers["parley-event"], got.headers["parley-seq"]], [0, appId, "webhook.test", "0"]);
    assert.ok(Math.abs(Date.parse(got.body.data.at) - Date.now()) < 60_000);
    await eventually(
      async () => (await b.get<ConsoleWebhookDeliveryDetail>(`${hook}/deliveries/${deliveryId}`)).body.delivery?.status === "delivered",
      "the test delivered",
    );
    const testDetail = await b.get<ConsoleWebhookDeliveryDetail>(`${hook}/deliveries/${deliveryId}`);
    assert.deepEqual(testDetail.body.request.body, got.body);
    assert.equal(testDetail.body.delivery.type, "webhook.test");
    // A replay never repeats a test event (it is in no log): from 0, the two messages only.
    assert.deepEqual((await b.post(`${hook}/replay`, { fromSeq: 0 })).body, { queued: 2 });

    // Settings round-trip.
    const set = await b.req("PUT", `${base}/settings`, { unreadAfterSec: 60 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, { unreadAfterSec: 60 });
    assert.deepEqual((await b.get<ConsoleWebhooksResponse>(base)).body.settings, { unreadAfterSec: 60 });
    assert.equal((await s.services.webhooks.hooksOf(appId)).unreadAfterSec, 60, "what the notifier reads");

    // Removed: gone from the list, and its log with it.
    assert.equal((await b.del(hook)).status, 204);
    assert.deepEqual((await b.get<ConsoleWebhooksResponse>(base)).body.endpoints, []);
    assert.equal((await b.del(hook)).status, 404);
    assert.equal((await b.get(`${hook}/deliveries`)).status, 404);
    assert.equal((await b.get(`${hook}/deliveries/${deliveryId}`)).status, 404);
    assert.equal((await b.post(`${hook}/test`)).status, 404);

    // Each change is in the audit, as the admin's (compared as a set: two within a millisecond may swap).
    const audit = await auditOf(appId);
    const sorted = (rows: (string | null)[][]): string[] => rows.map((x) => JSON.stringify(x)).sort();
    assert.deepEqual(
      sorted(audit.map((a) => [a.accountId, a.action, a.target])),
      sorted([
        [admin.me.account.id, "key.created", key.body.key.id],
        [admin.me.account.id, "webhook.created", endpoint.id],
        [admin.me.account.id, "webhook.replayed", `${endpoint.id} from ${firstBody.seq}`],
        [admin.me.account.id, "webhook.tested", endpoint.id],
        [admin.me.account.id, "webhook.replayed", `${endpoint.id} from 0`],
        [admin.me.account.id, "webhook.settings", "unreadAfterSec=60"],
        [admin.me.account.id, "webhook.removed", endpoint.id],
      ]),
    );
  });

  test("roles: a viewer reads and changes nothing, a moderator sees no webhooks, another app's owner finds nothing", async () => {
    const a = await s.createTenant("A");
    const other = await s.createTenant("B");
    const id = n();
    const admin = await consoleAccount(s, { email: `admin-${id}@a.example`, role: "admin", appId: a.id });
    const viewer = await consoleAccount(s, { email: `viewer-${id}@a.example`, role: "viewer", appId: a.id });
    const moderator = await consoleAccount(s, { email: `mod-${id}@a.example`, role: "moderator", appId: a.id });
    const ownerB = await consoleAccount(s, { email: `owner-${id}@b.example`, role: "owner", appId: other.id });
    const r = await receiver();
    const made = await admin.browser.post<WebhookEndpointResponse>(`/apps/${a.id}/webhooks`, { url: r.url, events: ["user.created"] });
    assert.equal(made.status, 201);
    const hook = `/apps/${a.id}/webhooks/${made.body.endpoint.id}`;
    const test = await admin.browser.post<ConsoleWebhookTestResponse>(`${hook}/test`);
    assert.equal(test.status, 202);
    // B's own endpoint: not reachable through A's path by A's admin.
    const bHook = await ownerB.browser.post<WebhookEndpointResponse>(`/apps/${other.id}/webhooks`, { url: r.url, events: ["user.created"] });
    assert.equal(bHook.status, 201);
    const bTest = await ownerB.browser.post<ConsoleWebhookTestResponse>(`/apps/${other.id}/webhooks/${bHook.body.endpoint.id}/test`);
    assert.equal(bTest.status, 202);
    const auditBefore = await auditOf(a.id);

    const reads: [string, string, unknown?][] = [
      ["GET", `/apps/${a.id}/webhooks`],
      ["GET", `${hook}/deliveries`],
      ["GET", `${hook}/deliveries/${test.body.deliveryId}`],
    ];
    const changes: [string, string, unknown?][] = [
      ["POST", `/apps/${a.id}/webhooks`, { url: r.url, events: ["message.new"] }],
      ["PUT", `/apps/${a.id}/webhooks/settings`, { unreadAfterSec: 30 }],
      ["DELETE", hook],
      ["POST", `${hook}/replay`, { fromSeq: 0 }],
      ["POST", `${hook}/test`, {}],
    ];
    for (const [m, p, body] of reads) assert.equal((await viewer.browser.req(m, p, body)).status, 200, `viewer: ${m} ${p}`);
    for (const [m, p, body] of changes) {
      const res = await viewer.browser.req(m, p, body);
      assert.deepEqual([res.status, reason(res)], [403, "role"], `viewer: ${m} ${p}`);
    }
    for (const [m, p, body] of [...reads, ...changes]) {
      const res = await moderator.browser.req(m, p, body);
      assert.deepEqual([res.status, reason(res)], [403, "role"], `moderator: ${m} ${p}`);
      assert.equal((await ownerB.browser.req(m, p, body)).status, 404, `another app's owner: ${m} ${p}`);
    }
    // Another app's endpoint or delivery under this app's path is the 404 of a missing one.
    const bPath = `/apps/${a.id}/webhooks/${bHook.body.endpoint.id}`;
    const admins: [string, string, unknown?][] = [
      ["GET", `${bPath}/deliveries`],
      ["GET", `${bPath}/deliveries/${bTest.body.deliveryId}`],
      ["GET", `${hook}/deliveries/${bTest.body.deliveryId}`],
      ["DELETE", bPath],
      ["POST", `${bPath}/replay`, { fromSeq: 0 }],
      ["POST", `${bPath}/test`, {}],
      ["GET", `${hook}/deliveries/whd_missing0000000000`],
      ["GET", `${hook}/deliveries/${"x".repeat(300)}`],
      ["DELETE", `/apps/${a.id}/webhooks/${"x".repeat(300)}`],
    ];
    for (const [m, p, body] of admins) assert.equal((await admin.browser.req(m, p, body)).status, 404, `admin of A: ${m} ${p}`);

    // Nothing changed, nothing recorded but what the admin did.
    assert.deepEqual((await admin.browser.get<ConsoleWebhooksResponse>(`/apps/${a.id}/webhooks`)).body.endpoints, [made.body.endpoint]);
    assert.deepEqual((await ownerB.browser.get<ConsoleWebhooksResponse>(`/apps/${other.id}/webhooks`)).body.endpoints, [bHook.body.endpoint]);
    assert.deepEqual(await auditOf(a.id), auditBefore);
    assert.deepEqual(auditBefore.map((x) => [x.accountId, x.action]).sort(), [
      [admin.me.account.id, "webhook.created"],
      [admin.me.account.id, "webhook.tested"],
    ]);
  });

  test("bad input is a 400 naming its field, never a 500; a private address is refused unless allowed", async () => {
    const { id: appId } = await s.createTenant("Bad");
    const admin = await consoleAccount(s, { email: `bad-${n()}@a.example`, role: "admin", appId });
    const b = admin.browser;
    const base = `/apps/${appId}/webhooks`;
    const r = await receiver();
    const made = await b.post<WebhookEndpointResponse>(base, { url: r.url, events: ["message.new"] });
    assert.equal(made.status, 201);
    const hook = `${base}/${made.body.endpoint.id}`;
    const cases: [string, string, unknown, string][] = [
      ["POST", base, { url: "not a url", events: ["message.new"] }, "url"],
      ["POST", base, { url: "ftp://files.example/hook", events: ["message.new"] }, "url"],
      ["POST", base, { url: "https://user:pw@hooks.example/x", events: ["message.new"] }, "url"],
      ["POST", base, { url: `https://hooks.example/${"x".repeat(2100)}`, events: ["message.new"] }, "url"],
      ["POST", base, { url: 5, events: ["message.new"] }, "url"],
      ["POST", base, { events: ["message.new"] }, "url"],
      ["POST", base, { url: "https://hooks.example/x", events: ["message.nope"] }, "events.0"],
      ["POST", base, { url: "https://hooks.example/x", events: ["webhook.test"] }, "events.0"],
      ["POST", base, { url: "https://hooks.example/x", events: [] }, "events"],
      ["POST", base, { url: "https://hooks.example/x", events: "message.new" }, "events"],
      ["POST", `${hook}/replay`, { fromSeq: -1 }, "fromSeq"],
      ["POST", `${hook}/replay`, { fromSeq: 1.5 }, "fromSeq"],
      ["POST", `${hook}/replay`, { fromSeq: "3" }, "fromSeq"],
      ["POST", `${hook}/replay`, {}, "fromSeq"],
      ["PUT", `${base}/settings`, { unreadAfterSec: -1 }, "unreadAfterSec"],
      ["PUT", `${base}/settings`, { unreadAfterSec: 7 * 86_400 + 1 }, "unreadAfterSec"],
      ["PUT", `${base}/settings`, { unreadAfterSec: "60" }, "unreadAfterSec"],
      ["PUT", `${base}/settings`, {}, "unreadAfterSec"],
      ["GET", `${hook}/deliveries?status=lost`, undefined, "status"],
      ["GET", `${hook}/deliveries?limit=0`, undefined, "limit"],
      ["GET", `${hook}/deliveries?limit=101`, undefined, "limit"],
    ];
    for (const [m, p, body, field] of cases) {
      const res = await b.req(m, p, body);
      assert.equal(res.status, 400, `${m} ${p} ${JSON.stringify(body)?.slice(0, 80)} -> ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "validation_failed");
      assert.ok(fieldsOf(res).includes(field), `${m} ${p}: ${JSON.stringify(res.body.error.details)} names ${field}`);
    }
    const cursor = await b.get(`${hook}/deliveries?cursor=not-a-cursor`);
    assert.deepEqual([cursor.status, cursor.body.error.code], [400, "validation_failed"]);
    // Not JSON: refused before anything is read.
    const notJson = await b.req("POST", base, undefined, { "Content-Type": "text/plain" });
    assert.ok([400, 415].includes(notJson.status), `${notJson.status}`);
    // None of it changed anything.
    assert.deepEqual((await b.get<ConsoleWebhooksResponse>(base)).body, { endpoints: [made.body.endpoint], settings: { unreadAfterSec: 300 } });
    assert.deepEqual(
      (await auditOf(appId)).map((x) => x.action),
      ["webhook.created"],
    );

    // A server that keeps webhooks off private networks (the default) refuses them at the field.
    const strict = await startServer();
    try {
      const app = await strict.createTenant("Strict");
      const owner = await consoleAccount(strict, { email: `strict-${n()}@a.example`, role: "admin", appId: app.id });
      for (const url of [r.url, "http://10.1.2.3/hook", "http://localhost:8080/hook", "http://[::1]/hook", "http://169.254.169.254/latest"]) {
        const res = await owner.browser.post(`/apps/${app.id}/webhooks`, { url, events: ["message.new"] });
        assert.equal(res.status, 400, `${url} -> ${res.status} ${JSON.stringify(res.body)}`);
        assert.deepEqual(fieldsOf(res), ["url"], url);
      }
      assert.deepEqual((await owner.browser.get<ConsoleWebhooksResponse>(`/apps/${app.id}/webhooks`)).body.endpoints, []);
    } finally {
      await strict.close();
    }
  });
});
