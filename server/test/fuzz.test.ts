import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import type { AuthResponse, Message } from "@parley/sdk/protocol";
import { ERROR_STATUS } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { ROUTES } from "./helpers/routes.js";

/**
 * Generated hostile input over every REST route: ≥ 10,000 requests with arbitrary JSON bodies,
 * ids and query strings, sent by a user who belongs to nothing of the victim's. Every answer must
 * be < 500 with a well-formed error body when it is an error, the process must stay up, and the
 * victim's data must be unchanged.
 */

let s: TestServer;
let app: string;
let victim: AuthResponse;
let attacker: AuthResponse;
let convId = "";
let msgId = "";
let unhandled = 0;
const onUnhandled = () => void unhandled++;

const RUNS_PER_ROUTE = Math.ceil(10_000 / ROUTES.length);

before(async () => {
  process.on("unhandledRejection", onUnhandled);
  s = await startServer({ RATE_LIMIT_AUTH_PER_IP: "1000000", RATE_LIMIT_LOGIN_PER_EMAIL: "1000000" });
  app = (await s.createTenant()).id;
  victim = await s.api.register(app, { email: "victim@example.com" });
  const friend = await s.api.register(app);
  attacker = await s.api.register(app, { email: "attacker@example.com" });
  convId = (await s.api.post("/conversations/direct", { token: victim.accessToken, body: { userId: friend.user.id } })).body.conversation.id;
  msgId = (await s.api.post<Message>(`/conversations/${convId}/messages`, { token: victim.accessToken, body: { text: "private" } })).body.id;
});
after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await s?.close();
});

/** Bodies: arbitrary JSON, and objects with the fields routes read, of any type. */
const jsonArb = () =>
  fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.record(
      {
        text: fc.oneof(fc.string({ maxLength: 5000 }), fc.anything()),
        userId: fc.oneof(fc.constant(victim.user.id), fc.anything()),
        userIds: fc.array(fc.oneof(fc.constant(victim.user.id), fc.string()), { maxLength: 5 }),
        messageId: fc.oneof(fc.constant(msgId), fc.anything()),
        email: fc.oneof(fc.emailAddress(), fc.anything()),
        password: fc.oneof(fc.string({ maxLength: 100 }), fc.object()),
        name: fc.anything(),
        displayName: fc.oneof(fc.string({ maxLength: 100 }), fc.anything()),
        token: fc.oneof(fc.string(), fc.anything()),
        refreshToken: fc.oneof(fc.string(), fc.anything()),
      },
      { requiredKeys: [] },
    ),
  );

/** Ids: the victim's real ones (IDOR), lookalikes, and junk. */
const idArb = () =>
  fc.oneof(
    fc.constantFrom(convId, msgId, victim.user.id, `${convId.toUpperCase()}`, "0", "-1", "99999999999999999999", "..%2F..%2Fetc%2Fpasswd", "%00", "null"),
    fc.string({ maxLength: 80 }),
  );

test(`${RUNS_PER_ROUTE * ROUTES.length} generated requests over ${ROUTES.length} routes: no 5xx, error bodies well-formed, victim's data intact`, {
  timeout: 600_000,
}, async () => {
  const before = await s.api.get(`/conversations/${convId}/messages`, { token: victim.accessToken });
  let total = 0;
  for (const { method, path: template, who } of ROUTES) {
    const auth = who === "user" || who === "member";
    await fc.assert(
      fc.asyncProperty(
        idArb(),
        idArb(),
        jsonArb(),
        fc.dictionary(fc.constantFrom("q", "cursor", "limit", "before", "after", "since"), fc.string({ maxLength: 40 })),
        async (a, b, body, query) => {
          total++;
          let n = 0;
          const path = template.replace(/:\w/g, () => encodeURIComponent(n++ === 0 ? a : b)) + "?" + new URLSearchParams(query).toString();
          const hasBody = method !== "GET" && method !== "DELETE";
          const res = await s.api.req(method, path, { ...(auth ? { token: attacker.accessToken } : { app }), ...(hasBody ? { body } : {}) });
          assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`);
          if (res.status >= 400) {
            const e = (res.body as { error?: { code?: string; message?: string } }).error;
            assert.ok(
              e && typeof e.message === "string" && e.code && ERROR_STATUS[e.code as keyof typeof ERROR_STATUS] === res.status,
              `${method} ${path}: ${JSON.stringify(res.body)}`,
            );
          }
        },
      ),
      { numRuns: RUNS_PER_ROUTE, seed: 20261122 },
    );
  }
  assert.ok(total >= 10_000, `${total} requests`);
  assert.equal(unhandled, 0, "no unhandled rejections");
  assert.equal((await s.api.get("/healthz")).status, 200);
  const afterRes = await s.api.get(`/conversations/${convId}/messages`, { token: victim.accessToken });
  assert.deepEqual(afterRes.body, before.body, "the victim's conversation is unchanged");
  const me = await s.api.get("/me", { token: victim.accessToken });
  assert.equal(me.body.displayName, victim.user.displayName);
});

/**
 * The socket commands too: generated payloads for `message.send`, `typing` and `read`, from a
 * member of the attacker's own DM (so validation runs past membership) and aimed at the
 * victim's conversation. Every command is acked, well-formed, never `internal`; only the
 * attacker's own valid sends are stored, and only into the attacker's DM.
 */
test("3,000 generated socket commands: every one acked and well-formed, never internal; nothing stored but valid sends to the sender's own DM", {
  timeout: 300_000,
}, async () => {
  const { connect, request } = await import("./helpers/sockets.js");
  const other = await s.api.register(app);
  const own = (await s.api.post("/conversations/direct", { token: attacker.accessToken, body: { userId: other.user.id } })).body.conversation.id as string;
  const victimBefore = await s.api.get(`/conversations/${convId}/messages`, { token: victim.accessToken });
  const convArb = fc.oneof(fc.constantFrom(own, convId, own.toUpperCase(), `${own} `, ""), fc.anything());
  const payloadArb = fc.oneof(
    fc.anything(),
    // Well-formed sends into the attacker's own DM, so "only valid sends are stored" is tested.
    fc.record({
      conversationId: fc.constant(own),
      text: fc.string({ minLength: 1, maxLength: 200 }).filter((t) => t.trim().length > 0),
      clientMessageId: fc.uuid(),
    }),
    fc.record(
      {
        conversationId: convArb,
        text: fc.oneof(fc.string({ maxLength: 4100 }), fc.anything()),
        typing: fc.anything(),
        messageId: fc.oneof(fc.constant(msgId), fc.anything()),
        clientMessageId: fc.oneof(fc.string({ maxLength: 70 }), fc.anything()),
        replyToId: fc.oneof(fc.constant(msgId), fc.anything()),
        attachmentIds: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  );
  const commands = fc.sample(fc.tuple(fc.constantFrom("message.send", "typing", "read"), payloadArb), { numRuns: 3000, seed: 20261122 });
  // 30 commands per socket stay inside the per-socket limit (30/s); 100 sockets carry them.
  const sockets = await Promise.all(Array.from({ length: 100 }, () => connect(s, attacker.accessToken)));
  let okSends = 0;
  try {
    await Promise.all(
      sockets.map(async (so, k) => {
        for (const [event, payload] of commands.slice(k * 30, (k + 1) * 30)) {
          // The server answers every command within its own bound (a 5 s query timeout, then an
          // error ack); the client waits longer than that, or a loaded machine's slow commit
          // would read as a lost ack (a CI run under load lost one at exactly 5 s).
          const ack = await request<unknown>(so, event as "message.send", payload, 15_000);
          assert.ok(typeof ack === "object" && ack !== null && typeof ack.ok === "boolean", `${event} ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
          if (ack.ok) {
            if (event === "message.send") okSends++;
          } else {
            assert.ok(typeof ack.error.message === "string" && ack.error.code in ERROR_STATUS, JSON.stringify(ack));
            assert.notEqual(ack.error.code, "internal", `${event} ${JSON.stringify(payload)}`);
          }
        }
      }),
    );
  } finally {
    for (const so of sockets) so.close();
  }
  assert.ok(okSends > 100, `the generator made valid sends too (${okSends})`);
  const [row] = (await s.services.db.query("SELECT COUNT(*) AS n FROM messages WHERE conversationId = ?", [own])) as { n: number | string }[];
  assert.equal(Number(row!.n), okSends, "each ok send is stored once, nothing else");
  const victimAfter = await s.api.get(`/conversations/${convId}/messages`, { token: victim.accessToken });
  assert.deepEqual(victimAfter.body, victimBefore.body, "the victim's conversation is unchanged");
  assert.equal(unhandled, 0, "no unhandled rejections");
  console.log(`# 3000 socket commands: ${okSends} valid sends stored`);
});
