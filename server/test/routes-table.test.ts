import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Message } from "@parley/sdk/protocol";
import { createApp } from "../src/http/app.js";
import { errorCode } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { ROUTES, SOCKET_COMMANDS } from "./helpers/routes.js";
import { connect, request } from "./helpers/sockets.js";

/** The API routes the server mounts (/v1, bar its two description documents), without the /v1 prefix. */
async function declaredRoutes(): Promise<string[]> {
  const s = await startServer();
  try {
    const out: string[] = [];
    for (const mw of createApp(s.services).middleware as Array<{ router?: { stack: Array<{ methods: string[]; path: string | RegExp }> } }>) {
      for (const layer of mw.router?.stack ?? []) {
        const p = String(layer.path);
        if (!p.startsWith("/v1/") || p === "/v1/openapi.json" || p === "/v1/asyncapi.json") continue;
        for (const m of layer.methods) if (m !== "HEAD") out.push(`${m} ${p.slice(3)}`);
      }
    }
    return out.sort();
  } finally {
    await s.close();
  }
}

const normalize = (p: string) => p.replace(/:(\w+)/g, ":id");

test("the route table lists exactly the routes the server declares", async () => {
  const declared = (await declaredRoutes()).map(normalize);
  const table = ROUTES.map((r) => normalize(`${r.method} ${r.path}`)).sort();
  assert.deepEqual(table, declared);
});

test("a method a path does not declare answers 405 with the error body and an Allow header naming the path's methods (RFC 9110)", async () => {
  const s = await startServer();
  try {
    const layers: Array<{ methods: string[]; path: string }> = [];
    for (const mw of createApp(s.services).middleware as Array<{ router?: { stack: Array<{ methods: string[]; path: string | RegExp }> } }>) {
      for (const layer of mw.router?.stack ?? []) if (String(layer.path).startsWith("/v1/")) layers.push({ methods: layer.methods, path: String(layer.path) });
    }
    const concrete = (p: string) => p.replace(/:(\w+)/g, "x1");
    const matcher = (p: string) => new RegExp(`^${p.replace(/:(\w+)/g, "[^/]+")}$`);
    const paths = [...new Set(layers.map((l) => concrete(l.path)))];
    assert.ok(paths.length > 50, `${paths.length} paths`);
    let checked = 0;
    for (const p of paths) {
      // Every layer whose template the concrete path matches adds its methods, as the router does.
      const allowed = new Set(layers.filter((l) => matcher(l.path).test(p)).flatMap((l) => l.methods));
      const method = ["DELETE", "PATCH", "PUT", "POST", "GET"].find((m) => !allowed.has(m));
      if (!method) continue;
      const res = await fetch(`${s.url}${p}`, { method, headers: { "Content-Type": "application/json" }, body: method === "GET" ? undefined : "{}" });
      assert.equal(res.status, 405, `${method} ${p}`);
      assert.equal(errorCode({ status: res.status, body: await res.json() } as Parameters<typeof errorCode>[0]), "method_not_allowed", `${method} ${p}`);
      const allow = (res.headers.get("allow") ?? "").split(/,\s*/).filter(Boolean).sort();
      assert.deepEqual(allow, [...allowed].sort(), `Allow of ${method} ${p}`);
      checked++;
    }
    assert.ok(checked > 50, `${checked} paths checked`);
  } finally {
    await s.close();
  }
});

describe("IDOR matrix generated from the route table", () => {
  let s: TestServer;
  let owner: AuthResponse, stranger: AuthResponse, foreign: AuthResponse;
  const ids: Record<string, string> = {};

  before(async () => {
    s = await startServer();
    const app = (await s.createTenant()).id;
    const other = (await s.createTenant("Other")).id;
    owner = await s.api.register(app);
    const friend = await s.api.register(app);
    stranger = await s.api.register(app);
    foreign = await s.api.register(other);
    const conv = (await s.api.post("/conversations", { token: owner.accessToken, body: { name: "Private", memberIds: [friend.user.id] } })).body.conversation;
    const form = new FormData();
    form.append("file", new Blob(["secret file"], { type: "text/plain" }), "secret.txt");
    const up = (await (
      await fetch(`${s.url}/v1/uploads`, { method: "POST", headers: { Authorization: `Bearer ${owner.accessToken}` }, body: form })
    ).json()) as { id: string };
    const msg = (
      await s.api.post<Message>(`/conversations/${conv.id}/messages`, { token: owner.accessToken, body: { text: "secret", attachmentIds: [up.id] } })
    ).body;
    Object.assign(ids, { c: conv.id, m: msg.id, f: up.id, u: friend.user.id, e: "👍" });
  });
  after(() => s?.close());

  const bodyFor = (path: string): unknown =>
    path.endsWith("/messages")
      ? { text: "intrusion" }
      : path.endsWith("/read")
        ? { messageId: ids["m"] }
        : path.endsWith("/members")
          ? { userIds: [ids["u"]] }
          : path.endsWith("/role")
            ? { role: "admin" }
            : path.endsWith("/polls")
              ? { question: "intrusion?", options: ["yes", "no"] }
              : path.endsWith("/vote")
                ? { options: ["0"] }
                : path.endsWith("/voice")
                  ? { peaks: Array.from({ length: 64 }, () => 0) }
                  : path.endsWith("/scheduled")
                    ? { text: "intrusion", sendAt: new Date(Date.now() + 3_600_000).toISOString() }
                    : path.endsWith("/reminders")
                      ? { remindAt: new Date(Date.now() + 3_600_000).toISOString() }
                      : path.endsWith("/translate") || path.endsWith("/summary")
                        ? { language: "de" }
                        : { text: "x", name: "x" };

  for (const route of ROUTES.filter((r) => r.who === "member")) {
    test(`${route.method} ${route.path}: a same-app non-member and another app's user get the 404 of a missing id; anonymous gets 401`, async () => {
      const fill = (missing: boolean) =>
        route.path.replace(/:(\w)/g, (_, k: string) =>
          missing && k !== "e" && k !== "u" ? (k === "m" ? "999999999" : `${k}_missing0000000000000000`) : encodeURIComponent(ids[k]!),
        );
      const send = (token: string | undefined, missing = false) =>
        s.api.req(route.method, fill(missing), {
          ...(token ? { token } : {}),
          ...(route.method === "GET" || route.method === "DELETE" ? {} : { body: bodyFor(route.path) }),
        });
      const ref = await send(stranger.accessToken, true);
      assert.equal(ref.status, 404);
      for (const [who, token] of [
        ["same-app non-member", stranger.accessToken],
        ["other-app user", foreign.accessToken],
      ] as const) {
        const res = await send(token);
        assert.equal(res.status, 404, `${who}: ${JSON.stringify(res.body)}`);
        assert.equal(errorCode(res), "not_found");
        assert.equal(res.body.error.code, ref.body.error.code, who);
      }
      const anon = await send(undefined);
      assert.equal(anon.status, 401);
    });
  }

  test("the owner's data is untouched after the whole matrix", async () => {
    const res = await s.api.get(`/conversations/${ids["c"]}/messages`, { token: owner.accessToken });
    assert.deepEqual(
      res.body.items.map((m: Message) => [m.text, m.reactions.length, m.deletedAt]),
      [["secret", 0, null]],
    );
    const conv = await s.api.get(`/conversations/${ids["c"]}`, { token: owner.accessToken });
    assert.equal(conv.body.conversation.name, "Private");
    assert.equal(conv.body.conversation.members.length, 2);
  });

  for (const cmd of SOCKET_COMMANDS) {
    test(`socket ${cmd.event}: a non-member and another app's user get a not_found ack`, async () => {
      for (const token of [stranger.accessToken, foreign.accessToken]) {
        const so = await connect(s, token);
        const ack = await request(so, cmd.event, { conversationId: ids["c"], text: "intrusion", messageId: ids["m"], typing: true });
        so.close();
        assert.equal(ack.ok, false);
        assert.equal(!ack.ok && ack.error.code, "not_found");
      }
    });
  }
});
