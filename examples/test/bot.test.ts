// examples/bot/bot.mjs: an echo bot on @parley/sdk in Node, authenticated only by a server key
// (upserted by `sub`, signed in through a host token from createToken), answers a user's DM as a reply.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
// @ts-expect-error: a plain .mjs example without type declarations
import { startBot } from "../bot/bot.mjs";
import { ROOT, allMessages, api, eventually } from "./helpers.js";

interface Session {
  accessToken: string;
  user: { id: string; displayName: string };
}

describe("the echo bot example", { timeout: 120_000 }, () => {
  let s: TestServer;
  let app: { id: string; secret: string };
  /** A server key of the app: all the bot has. */
  let key: { id: string; secret: string };
  const cleanups: (() => unknown)[] = [];

  /** A human user of the app, registered through the API. */
  const human = async (name: string): Promise<Session> => {
    const n = Math.random().toString(36).slice(2, 8);
    const res = await api(s.url, "POST", "/auth/register", {
      app: app.id,
      body: { email: `${name.toLowerCase()}-${n}@example.com`, password: "correct horse battery", displayName: name },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  /** Opens the DM with the bot, sends `text`, and waits for the bot's reply to it. */
  const ask = async (me: Session, botId: string, text: string): Promise<{ conversationId: string; messageId: string; reply: string }> => {
    const dm = await api(s.url, "POST", "/conversations/direct", { token: me.accessToken, body: { userId: botId } });
    assert.ok(dm.status === 201 || dm.status === 200, JSON.stringify(dm.body));
    const conversationId: string = dm.body.conversation?.id;
    assert.ok(conversationId, `conversation id in ${JSON.stringify(dm.body)}`);
    const sent = await api(s.url, "POST", `/conversations/${conversationId}/messages`, {
      token: me.accessToken,
      body: { text, clientMessageId: `c-${Date.now()}-${Math.random()}` },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const messageId: string = sent.body.id;
    const reply = await eventually(
      async () => {
        const msgs = await allMessages(s.url, me.accessToken, conversationId);
        const r = msgs.find((m) => m.replyToId === messageId);
        if (!r) throw new Error(`no reply yet; messages: ${JSON.stringify(msgs.map((m) => m.text))}`);
        assert.equal(r.senderId, botId, "the reply comes from the bot");
        return r.text ?? "";
      },
      { timeout: 10_000, interval: 150, message: `bot reply to ${JSON.stringify(text)}` },
    );
    return { conversationId, messageId, reply };
  };

  before(async () => {
    s = await startServer();
    app = await s.createTenant("Bot site");
    key = await s.services.serverKeys.create(app.id);
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await s?.close();
  });

  test("startBot(): with a server key only, upserts its user, answers 'hello' with 'Echo: hello' as a reply", async () => {
    const chat = await startBot({ server: s.url, appId: app.id, keyId: key.id, secret: key.secret });
    cleanups.push(() => chat.close());
    assert.equal(chat.user?.displayName, "Echo bot");
    const botId: string = chat.user.id;
    // The bot is a host user (sub "echo-bot"), with no password account.
    const row: { externalId: string | null; passwordHash: string | null }[] = await s.services.db.query(
      "SELECT externalId, passwordHash FROM users WHERE id = ?",
      [botId],
    );
    assert.deepEqual({ ...row[0] }, { externalId: "echo-bot", passwordHash: null });

    const ana = await human("Ana");
    // The bot is findable by name, as a widget user would find it.
    const found = await api(s.url, "GET", "/users?q=Echo", { token: ana.accessToken });
    assert.deepEqual(
      found.body.items.map((u: { id: string }) => u.id),
      [botId],
    );

    const first = await ask(ana, botId, "hello");
    assert.equal(first.reply, "Echo: hello");
    const help = await ask(ana, botId, "help");
    assert.equal(help.conversationId, first.conversationId, "the same DM");
    assert.equal(help.reply, "Say anything and I will repeat it.");

    // Exactly one answer per message: the bot never answers itself.
    const texts = (await allMessages(s.url, ana.accessToken, first.conversationId)).map((m) => m.text);
    assert.deepEqual(texts, ["hello", "Echo: hello", "help", "Say anything and I will repeat it."]);

    // A second start is the same user (upsert by sub).
    chat.close();
    const again = await startBot({ server: s.url, appId: app.id, keyId: key.id, secret: key.secret });
    cleanups.push(() => again.close());
    assert.equal(again.user.id, botId);
    assert.equal((await ask(ana, botId, "still there?")).reply, "Echo: still there?");
    again.close();

    // A revoked key cannot start the bot.
    const spare = await s.services.serverKeys.create(app.id);
    assert.equal(await s.services.serverKeys.revoke(app.id, spare.id), true);
    await assert.rejects(startBot({ server: s.url, appId: app.id, keyId: spare.id, secret: spare.secret }), (err: { status?: number }) => err.status === 401);
  });

  // As the README runs it: `node examples/bot/bot.mjs` (plain Node, so @parley/sdk is sdk/dist).
  test("node examples/bot/bot.mjs answers through the built SDK", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PARLEY_SERVER: s.url,
      PARLEY_APP_ID: app.id,
      PARLEY_KEY_ID: key.id,
      PARLEY_KEY_SECRET: key.secret,
      BOT_SUB: "cli-bot",
    };
    delete env["NODE_OPTIONS"];
    const child = spawn(process.execPath, [path.join(ROOT, "examples/bot/bot.mjs")], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, "SIGKILL");
        await exited;
      }
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const botId = await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`bot exited ${child.exitCode}`);
        const m = /Echo bot signed in as Echo bot \((\S+)\); waiting for messages\./.exec(out);
        if (!m) throw new Error(`not signed in yet: ${out}`);
        return m[1]!;
      },
      { timeout: 20_000, interval: 100, message: "bot start-up line" },
    );
    const ben = await human("Ben");
    assert.equal((await ask(ben, botId, "hello")).reply, "Echo: hello");
    // SIGINT closes the client and exits 0.
    process.kill(-child.pid!, "SIGINT");
    assert.equal(await exited, 0, out);
  });
});
