// @parley/sdk/later (scheduled sends and reminders, issue 55) against a real server: the calls and
// their typed answers, `items` kept from the server's events on the user's other device, a
// scheduled message sent at its time reaching the other member, a reminder's `reminder.due`, and
// refusals as ChatError.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatClient, isChatError, type ReminderDue } from "../src/index.js";
import { later } from "../src/later.js";
import { clientFactory, heldAnswers, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const devices: ChatClient[] = [];

before(async () => {
  s = await startServer({ SCHEDULED_SWEEP_SEC: "0.1" });
  app = (await s.createTenant("Later SDK")).id;
});
after(async () => {
  clients.closeAll();
  for (const d of devices) d.close();
  await s?.close();
});

/** A user signed in on two devices (two clients, one account). */
async function twoDevices(name: string): Promise<[ChatClient, ChatClient]> {
  const email = `${name}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const [one, two] = [new ChatClient({ server: s.url, appId: app }), new ChatClient({ server: s.url, appId: app })];
  devices.push(one, two);
  await one.register({ email, password: "correct horse battery", displayName: name });
  await two.login(email, "correct horse battery");
  await until(() => one.store.state.connection === "connected" && two.store.state.connection === "connected", `${name}'s devices connected`);
  return [one, two];
}

describe("@parley/sdk/later", () => {
  test("scheduled: schedule, edit, send now, cancel; the other device's list follows; at its time the member gets it", async () => {
    const [phone, laptop] = await twoDevices("Ann");
    const ben = await clients.signUp("Ben");
    const dm = await phone.direct(ben.user!.id);
    const mine = later(phone).scheduled;
    const theirs = later(laptop).scheduled;

    const made = await mine.schedule(dm.id, { text: "tomorrow then", sendAt: new Date(Date.now() + 3_600_000) });
    assert.equal(made.status, "pending");
    await until(() => theirs.items.some((x) => x.id === made.id), "the laptop hears of it");
    const edited = await mine.edit(made.id, { text: "at noon then" });
    assert.equal(edited.text, "at noon then");
    await until(() => theirs.items.find((x) => x.id === made.id)?.text === "at noon then", "the laptop hears of the edit");
    const sent = await mine.sendNow(made.id);
    assert.equal(sent.status, "sent");
    await until(() => theirs.items.find((x) => x.id === made.id)?.status === "sent", "the laptop hears it was sent");
    await until(() => ben.store.state.threads[dm.id]?.messages.some((m) => m.id === sent.messageId && m.text === "at noon then") ?? false, "Ben has it");
    await assert.rejects(mine.sendNow(made.id), (e: unknown) => isChatError(e) && e.code === "conflict" && e.status === 409);
    await mine.cancel(made.id);
    await until(() => !theirs.items.some((x) => x.id === made.id), "the laptop's list drops it");

    const soon = await mine.schedule(dm.id, { text: "on its own", sendAt: new Date(Date.now() + 300) });
    await until(() => theirs.items.find((x) => x.id === soon.id)?.status === "sent", "sent at its time", 10_000);
    await until(() => ben.store.state.threads[dm.id]?.messages.some((m) => m.text === "on its own") ?? false, "Ben has the scheduled one");
    const page = await later(ben).scheduled.list();
    assert.deepEqual(page.items, [], "Ben sees none of Ann's");
    await assert.rejects(
      mine.schedule(dm.id, { text: "too late", sendAt: "2000-01-01T00:00:00Z" }),
      (e: unknown) => isChatError(e) && e.code === "validation_failed" && e.status === 400,
    );
    mine.close();
    theirs.close();
  });

  test("reminders: create, list, delete; the `reminder` event on every device when due", async () => {
    const [phone, laptop] = await twoDevices("Cy");
    const dee = await clients.signUp("Dee");
    const dm = await dee.direct(phone.user!.id);
    const said = await dm.send("call me back");
    const mine = later(phone).reminders;
    const theirs = later(laptop).reminders;
    const heard: ReminderDue[] = [];
    theirs.on((due) => heard.push(due));

    const later1 = await mine.create(said.id, new Date(Date.now() + 3_600_000));
    await until(() => theirs.items.some((r) => r.id === later1.id), "the laptop hears of it");
    assert.deepEqual(
      (await later(laptop).reminders.list()).items.map((r) => r.id),
      [later1.id],
    );
    await mine.delete(later1.id);
    await until(() => theirs.items.length === 0, "the laptop's list drops it");

    const now = await mine.create(said.id, new Date());
    await until(() => heard.some((d) => d.reminder.id === now.id), "the laptop hears it come due", 10_000);
    assert.equal(heard.find((d) => d.reminder.id === now.id)?.message.text, "call me back");
    await until(() => mine.items.length === 0, "it leaves the phone's list");
    await assert.rejects(later(dee).reminders.delete(now.id), (e: unknown) => isChatError(e) && e.code === "not_found");
    mine.close();
    theirs.close();
  });

  test("an answer that comes after the server's event does not undo it: the reminder that came due stays gone, the message sent stays sent", async () => {
    // The answers to this device's POSTs are held until it has heard the event that follows them,
    // the order a busy network gives now and then (seen in CI: a reminder due at once came back).
    const answers = heldAnswers((url, method) => method === "POST" && /\/(reminders|scheduled)$/.test(url));
    const eve = await clients.signUp("Eve", { fetch: answers.fetch });
    const fay = await clients.signUp("Fay");
    const dm = await eve.direct(fay.user!.id);
    const said = await dm.send("remind me");
    const { reminders, scheduled } = later(eve);

    void answers.holdNext(new Promise((heard) => eve.on("reminder.due", heard)));
    const due = await reminders.create(said.id, new Date());
    assert.equal(
      reminders.items.some((r) => r.id === due.id),
      false,
      "the reminder that came due is not brought back by the late answer",
    );

    void answers.holdNext(new Promise((heard) => eve.on("scheduled.updated", (e) => e.data.scheduled.status === "sent" && heard(e))));
    const made = await scheduled.schedule(dm.id, { text: "at once", sendAt: new Date(Date.now() + 100) });
    assert.equal(made.status, "pending", "the answer itself was written before the send");
    assert.equal(scheduled.items.find((x) => x.id === made.id)?.status, "sent", "the newer state is kept over the late answer's");
    reminders.close();
    scheduled.close();
  });
});
