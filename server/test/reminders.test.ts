/**
 * Reminders (issue 55), server side, against a real server, real Socket.IO clients, a local push
 * service (helpers/push.ts) and a real SMTP server (helpers/smtp.ts): a reminder fires once, when
 * due, as `reminder.due` on every device of its user, one web push per device and one e-mail in
 * their language; a message deleted meanwhile drops it (nothing delivered); other people's
 * reminders are 404s; bad input names the field; the export lists them and account deletion
 * removes them (with the user's scheduled messages).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, DataExport, Message, Page, PushPayload, Reminder } from "@parley/sdk/protocol";
import { assertClientError, type ReqOptions } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { PushReceiver } from "./helpers/push.js";
import { SmtpSink } from "./helpers/smtp.js";
import { connect, eventually, Recorder } from "./helpers/sockets.js";

const PASSWORD = "correct horse battery";
const HOUR = 3_600_000;
const n = Math.random().toString(36).slice(2, 8);
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });
const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

let s: TestServer;
let app: string;
const smtp = new SmtpSink();
const push = new PushReceiver();
const sockets: Recorder[] = [];

before(async () => {
  await smtp.start();
  await push.start();
  s = await startServer({
    SCHEDULED_SWEEP_SEC: "0.1",
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SMTP_FROM: "chat@example.com",
    // Longer than any wait below: a reminder's e-mail goes out because its firing asks for a pass.
    EMAIL_SWEEP_SEC: "600",
    PUBLIC_URL: "https://chat.example",
    PUSH_ALLOW_PRIVATE: "1",
  });
  app = (await s.createTenant("Remind", ["https://shop.example"])).id;
});
after(async () => {
  for (const r of sockets) r.socket.close();
  await s?.close();
  await smtp.close();
  await push.close();
});

let seq = 0;
async function user(name: string): Promise<AuthResponse & { email: string }> {
  const email = `${name.toLowerCase()}-${n}-${++seq}@example.com`;
  return { ...(await s.api.register(app, { displayName: name, email, password: PASSWORD })), email };
}
async function listen(u: AuthResponse): Promise<Recorder> {
  const r = new Recorder(await connect(s, u.accessToken));
  sockets.push(r);
  return r;
}
async function dmWith(a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  return (await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } })).body.conversation;
}
async function say(u: AuthResponse, c: Conversation, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${c.id}/messages`, { ...tok(u), body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function remind(u: AuthResponse, m: Message, remindAt: string): Promise<Reminder> {
  const res = await s.api.post<Reminder>(`/messages/${m.id}/reminders`, { ...tok(u), body: { remindAt } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
/** Its time comes now: the row's time moved as the clock would move (no waiting an hour). */
async function comesDue(r: Reminder): Promise<void> {
  const now = Date.now();
  await s.services.db.query("UPDATE reminders SET remindAt = ?, dueAt = ? WHERE id = ?", [now, now, r.id]);
}
async function outboxOf(reminder: Reminder): Promise<{ status: string }[]> {
  return s.services.db.query("SELECT status FROM email_outbox WHERE periodKey = ?", [`r:${reminder.id}`]);
}

describe("a reminder that comes due", () => {
  test("fires once: reminder.due on the user's devices, one push per device, one e-mail in their language", async () => {
    const [ada, ben] = [await user("Ada"), await user("Ben")];
    const dm = await dmWith(ben, ada);
    const message = await say(ben, dm, "the invoice is attached");
    assert.equal((await s.api.put("/me/email", { ...tok(ada), body: { locale: "de" } })).status, 200);
    const device = push.device();
    assert.equal((await s.api.post("/push/subscriptions", { ...tok(ada), body: device.subscription() })).status, 201);
    const [phone, laptop] = [await listen(ada), await listen(ada)];
    const bens = await listen(ben);

    const reminder = await remind(ada, message, inMs(HOUR));
    assert.equal(reminder.messageId, message.id);
    await laptop.wait("reminder.updated", (e) => e.data.reminder.id === reminder.id);
    const listed = await s.api.get<Page<Reminder>>("/reminders", tok(ada));
    assert.deepEqual(listed.body.items, [reminder]);
    await comesDue(reminder);

    for (const d of [phone, laptop]) {
      const due = await d.wait("reminder.due", (e) => e.data.reminder.id === reminder.id, 5000);
      assert.equal(due.userId, ada.user.id);
      assert.equal(due.data.message.id, message.id);
      assert.equal(due.data.message.text, "the invoice is attached");
    }
    const [delivered] = await push.until(device, 1, 10_000);
    const payload = JSON.parse(device.decrypt(delivered!.body)) as PushPayload;
    assert.equal(payload.messageId, message.id);
    assert.equal(payload.conversationId, dm.id);
    assert.match(payload.title, /Reminder: a message from Ben/);
    assert.equal(payload.body, undefined, "no text without the app's opt-in");

    // On time (acceptance 5: within 5 s of its time), though the e-mail sweep's period is 10 minutes.
    await eventually(async () => smtp.to(ada.email).length > 0, "the reminder's e-mail", 5000);
    const mail = smtp.to(ada.email)[0]!.mail;
    assert.match(mail.subject ?? "", /^Erinnerung: eine Nachricht auf /);
    assert.match(mail.text ?? "", /Hallo Ada/);
    assert.match(mail.text ?? "", /Von Ben/);
    assert.ok(!(mail.text ?? "").includes("invoice"), "no text without the app's opt-in");
    assert.match(mail.html || "", /parley-conversation=/);
    assert.match(mail.headerLines.find((h) => h.key === "list-unsubscribe")?.line ?? "", /https:\/\/chat\.example\/v1\/email\/unsubscribe\?token=/);
    await eventually(async () => (await outboxOf(reminder)).every((r) => r.status === "sent"), "the e-mail marked sent");
    await s.services.pushNotifier.idle();

    // Fired once: its row went in the unit that told the user, so no node can fire it again.
    assert.equal((await s.api.get<Page<Reminder>>("/reminders", tok(ada))).body.items.length, 0);
    assert.equal(phone.events.filter((e) => e.name === "reminder.due").length, 1);
    assert.equal(push.of(device).length, 1);
    assert.equal(smtp.to(ada.email).length, 1);
    assert.equal((await outboxOf(reminder)).length, 1);
    // Nobody else hears of it.
    assert.ok(!bens.names().some((x) => x.startsWith("reminder.")));
    // It is also in the user's catch-up, for a device that was away.
    const sync = await s.api.get("/sync?since=0", tok(ada));
    assert.ok(sync.body.events.some((e: { type: string; data: { reminder?: Reminder } }) => e.type === "reminder.due" && e.data.reminder?.id === reminder.id));
  });

  test("the `never` e-mail preference: the socket event and the push, no e-mail", async () => {
    const [cy, dee] = [await user("Cy"), await user("Dee")];
    const message = await say(dee, await dmWith(dee, cy), "ping");
    assert.equal((await s.api.put("/me/email", { ...tok(cy), body: { preference: "never" } })).status, 200);
    const socket = await listen(cy);
    const reminder = await remind(cy, message, inMs(0));
    await socket.wait("reminder.due", (e) => e.data.reminder.id === reminder.id, 5000);
    assert.deepEqual(await outboxOf(reminder), []);
  });

  test("a message deleted meanwhile drops the reminder: reminder.removed, no due event, no push, no e-mail", async () => {
    const [eve, fin] = [await user("Eve"), await user("Fin")];
    const message = await say(fin, await dmWith(fin, eve), "soon gone");
    const device = push.device();
    assert.equal((await s.api.post("/push/subscriptions", { ...tok(eve), body: device.subscription() })).status, 201);
    const socket = await listen(eve);
    const reminder = await remind(eve, message, inMs(HOUR));
    assert.equal((await s.api.del(`/messages/${message.id}`, tok(fin))).status, 204);
    await comesDue(reminder);
    await socket.wait("reminder.removed", (e) => e.data.id === reminder.id, 5000);
    await s.services.pushNotifier.idle();
    assert.ok(!socket.names().includes("reminder.due"));
    assert.equal(push.of(device).length, 0);
    assert.deepEqual(await outboxOf(reminder), []);
    assert.equal((await s.api.get<Page<Reminder>>("/reminders", tok(eve))).body.items.length, 0);
  });
});

describe("who may, and bad input", () => {
  test("a message the caller cannot read, another user's or another app's reminder is a 404; bad input names the field", async () => {
    const [gus, hal, ivy] = [await user("Gus"), await user("Hal"), await user("Ivy")];
    const message = await say(gus, await dmWith(gus, hal), "between us");
    assertClientError(await s.api.post(`/messages/${message.id}/reminders`, { ...tok(ivy), body: { remindAt: inMs(HOUR) } }), {
      status: 404,
      code: "not_found",
    });
    const foreign = await s.api.register((await s.createTenant("Foreign")).id);
    assertClientError(await s.api.post(`/messages/${message.id}/reminders`, { ...tok(foreign), body: { remindAt: inMs(HOUR) } }), { status: 404 });
    const mine = await remind(hal, message, inMs(HOUR));
    for (const u of [ivy, foreign, gus]) assertClientError(await s.api.del(`/reminders/${mine.id}`, tok(u)), { status: 404, code: "not_found" });
    for (const [body, field] of [
      [{}, "remindAt"],
      [{ remindAt: "in an hour" }, "remindAt"],
      [{ remindAt: inMs(-HOUR) }, "remindAt"],
      [{ remindAt: inMs(400 * 24 * HOUR) }, "remindAt"],
    ] as const) {
      const res = await s.api.post(`/messages/${message.id}/reminders`, { ...tok(hal), body });
      assertClientError(res, { status: 400, code: "validation_failed" });
      assert.ok(
        (res.body.error.details as { path: string }[]).some((d) => d.path === field),
        JSON.stringify(res.body.error.details),
      );
    }
    assert.equal((await s.api.del(`/reminders/${mine.id}`, tok(hal))).status, 204);
    assertClientError(await s.api.del(`/reminders/${mine.id}`, tok(hal)), { status: 404 });
  });
});

describe("data rights", () => {
  test("the export lists a user's reminders and scheduled messages; account deletion removes them", async () => {
    const [jo, kai] = [await user("Jo"), await user("Kai")];
    const dm = await dmWith(jo, kai);
    const reminder = await remind(jo, await say(kai, dm, "remember me"), inMs(HOUR));
    const scheduled = (await s.api.post(`/conversations/${dm.id}/scheduled`, { ...tok(jo), body: { text: "later", sendAt: inMs(HOUR) } })).body;
    const exported = (await s.api.get<DataExport>("/me/export", tok(jo))).body;
    assert.deepEqual(exported.reminders, [reminder]);
    assert.deepEqual(exported.scheduled, [scheduled]);
    assert.equal((await s.api.del("/me", { ...tok(jo), body: { password: PASSWORD } })).status, 204);
    const left: { n: number | string }[] = await s.services.db.query(
      "SELECT (SELECT COUNT(*) FROM reminders WHERE userId = ?) + (SELECT COUNT(*) FROM scheduled_messages WHERE userId = ?) AS n",
      [jo.user.id, jo.user.id],
    );
    assert.equal(Number(left[0]?.n), 0);
  });
});
