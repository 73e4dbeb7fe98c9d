import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Message } from "@parley/sdk/protocol";
import { errorCode } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { ROUTES, SOCKET_COMMANDS } from "./helpers/routes.js";
import { connect, request } from "./helpers/sockets.js";

const SRC = path.resolve(import.meta.dirname, "../src");

/** Routes as the source declares them: `r.get("/path"` in every *.routes.ts (with their prefixes). */
async function declaredRoutes(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of await readdir(SRC, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of await readdir(path.join(SRC, dir.name))) {
      if (!f.endsWith(".routes.ts") || f.startsWith("assets") || f.startsWith("demo")) continue;
      const src = await readFile(path.join(SRC, dir.name, f), "utf8");
      const prefix = /new Router<State>\(\{ prefix: "([^"]+)" \}\)/.exec(src)?.[1] ?? "";
      for (const m of src.matchAll(/\br\.(get|post|put|patch|delete)\(\s*[`"]([^`"]+)[`"]/g)) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the source's template placeholder, read as text
        const paths = m[2]!.includes("${action}") ? ["accept", "decline", "cancel"].map((a) => m[2]!.replace("${action}", a)) : [m[2]!];
        for (const p of paths) out.push(`${m[1]!.toUpperCase()} ${prefix}${p}`);
      }
    }
  }
  // Routes declared on the API router itself (health).
  const app = await readFile(path.join(SRC, "http/app.ts"), "utf8");
  for (const m of app.matchAll(/\bapi\.(get|post|put|patch|delete)\(\s*"([^"]+)"/g)) out.push(`${m[1]!.toUpperCase()} ${m[2]}`);
  return out.sort();
}

const normalize = (p: string) => p.replace(/:(\w+)/g, ":id");

test("the route table lists exactly the routes the server declares", async () => {
  const declared = (await declaredRoutes()).map(normalize);
  const table = ROUTES.map((r) => normalize(`${r.method} ${r.path}`)).sort();
  assert.deepEqual(table, declared);
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
