// Drafts that follow the user (issue 55), @parley/sdk/later's `drafts`, against a real server: two
// ChatClients of one user (two devices). A draft typed on one appears on the other within 2 s,
// debounced (one save for a burst of keystrokes); its own `draft.updated` echo is ignored; a
// fresh client (a reload) loads it; sending from the device that typed it clears it on both, and
// a save still waiting is dropped rather than sent after the message.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatClient, type ChatClientOptions, type DraftUpdatedEvent } from "../src/index.js";
import { type DraftChange, later } from "../src/later.js";
import { clientFactory, heldAnswers, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const devices: ChatClient[] = [];
const PASSWORD = "correct horse battery";

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Drafts SDK")).id;
});
after(async () => {
  clients.closeAll();
  for (const d of devices) d.close();
  await s?.close();
});

/** A client that records the draft writes it sends (method and path), through `fetch`. */
function device(writes: string[] = [], fetch: typeof globalThis.fetch = globalThis.fetch): ChatClient {
  const fetchImpl: NonNullable<ChatClientOptions["fetch"]> = (input, init) => {
    const url = String(input);
    if (url.includes("/draft") && init?.method && init.method !== "GET") writes.push(`${init.method} ${new URL(url).pathname}`);
    return fetch(input, init);
  };
  const c = new ChatClient({ server: s.url, appId: app, fetch: fetchImpl });
  devices.push(c);
  return c;
}

/** A user signed in on two devices (two clients, one account); the first records its draft writes. */
async function twoDevices(name: string, writes: string[] = [], fetch?: typeof globalThis.fetch): Promise<[ChatClient, ChatClient, string]> {
  const email = `${name}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const [one, two] = [device(writes, fetch), device()];
  await one.register({ email, password: PASSWORD, displayName: name });
  await two.login(email, PASSWORD);
  await until(() => one.store.state.connection === "connected" && two.store.state.connection === "connected", `${name}'s devices connected`);
  return [one, two, email];
}

/** Every `draft.updated` a client's socket receives (the SDK's internal socket, read as Streams reaches it). */
function heard(chat: ChatClient): DraftUpdatedEvent[] {
  const got: DraftUpdatedEvent[] = [];
  (chat as unknown as { socket: { socket: { on(e: string, f: (p: DraftUpdatedEvent) => void): void } } }).socket.socket.on("draft.updated", (e) => got.push(e));
  return got;
}

describe("@parley/sdk/later drafts", () => {
  test("typed on one device, on the other within 2 s (one debounced save); the own echo ignored; a reload loads it; a send there clears it on both", async () => {
    const writes: string[] = [];
    const [phone, laptop, email] = await twoDevices("Ann", writes);
    const ben = await clients.signUp("Ben");
    const dm = await phone.direct(ben.user!.id);
    const mine = later(phone).drafts;
    const theirs = later(laptop).drafts;
    assert.deepEqual(await theirs.load(), []);
    const phoneChanges: DraftChange[] = [];
    mine.subscribe((c) => phoneChanges.push(c));
    const laptopChanges: DraftChange[] = [];
    theirs.subscribe((c) => laptopChanges.push(c));
    const echoes = heard(phone);

    const t0 = performance.now();
    for (const text of ["H", "He", "Hel", "Hello", "Hello B", "Hello Ben"]) mine.save(dm.id, { text });
    assert.equal(mine.get(dm.id)?.text, "Hello Ben", "here at once");
    await until(() => theirs.get(dm.id)?.text === "Hello Ben", "the laptop has the draft", 2000);
    const ms = performance.now() - t0;
    console.log(`drafts (sdk): typed on the phone, on the laptop ${ms.toFixed(0)} ms later (400 ms of it the debounce)`);
    assert.ok(ms < 2000, `${ms} ms`);
    assert.deepEqual(writes, [`PUT /v1/conversations/${dm.id}/draft`], "one save for the burst");
    assert.deepEqual(laptopChanges.at(-1), { conversationId: dm.id, draft: theirs.get(dm.id), remote: true });

    // The phone's own echo came back to it, and changed nothing there: no remote change was told.
    await until(() => echoes.some((e) => e.draft?.text === "Hello Ben"), "the phone's socket got its echo");
    assert.ok(phoneChanges.length > 0);
    assert.ok(
      phoneChanges.every((c) => !c.remote),
      JSON.stringify(phoneChanges),
    );

    // A reload (a third client of Ann's) finds it.
    const reloaded = device();
    await reloaded.login(email, PASSWORD);
    const fresh = later(reloaded).drafts;
    assert.deepEqual(
      (await fresh.load()).map((d) => d.text),
      ["Hello Ben"],
    );

    // The laptop answers: the phone takes it as remote.
    theirs.save(dm.id, { text: "Hello Ben, about tomorrow" });
    await until(() => mine.get(dm.id)?.text === "Hello Ben, about tomorrow", "the phone has the laptop's draft", 2000);
    assert.equal(phoneChanges.at(-1)?.remote, true);

    // Sent from the phone: cleared there at once, and on the laptop through the server.
    const t1 = performance.now();
    const sending = phone.conversation(dm.id).send("Hello Ben, about tomorrow");
    assert.equal(mine.get(dm.id), null, "cleared on send");
    await until(() => theirs.get(dm.id) === null, "cleared on the laptop", 2000);
    console.log(`drafts (sdk): sent on the phone, cleared on the laptop ${(performance.now() - t1).toFixed(0)} ms later`);
    await sending;
    assert.deepEqual(await fresh.load(), [], "gone on the server");
    assert.equal(writes.at(-1), `DELETE /v1/conversations/${dm.id}/draft`);
    for (const d of [mine, theirs, fresh]) d.close();
  });

  test("a save's answer that comes after another device's newer draft does not put the older text back", async () => {
    // The answer to the phone's save is held, once the server has given it, until the phone has
    // heard the laptop's newer draft.
    const answers = heldAnswers((url, method) => method === "PUT" && url.endsWith("/draft"));
    const [phone, laptop] = await twoDevices("Eve", [], answers.fetch);
    const fay = await clients.signUp("Fay");
    const dm = await phone.direct(fay.user!.id);
    const [mine, theirs] = [later(phone).drafts, later(laptop).drafts];
    const laptopDraft = new Promise<void>((resolve) =>
      (phone as unknown as { socket: { socket: { on(e: string, f: (p: DraftUpdatedEvent) => void): void } } }).socket.socket.on(
        "draft.updated",
        (e) => e.draft?.text === "from the laptop" && resolve(),
      ),
    );
    const read = answers.holdNext(laptopDraft);
    mine.save(dm.id, { text: "from the phone" });
    const saving = mine.flush(dm.id);
    await read;
    theirs.save(dm.id, { text: "from the laptop" });
    await theirs.flush(dm.id);
    await saving;
    assert.equal(mine.get(dm.id)?.text, "from the laptop", "the newer draft stays");
    assert.equal((await mine.load()).find((d) => d.conversationId === dm.id)?.text, "from the laptop", "as on the server");
    for (const d of [mine, theirs]) d.close();
  });

  test("a send while a save waits for its debounce drops the save; a message from another device or another member clears nothing", async () => {
    const writes: string[] = [];
    const [phone, laptop] = await twoDevices("Cy", writes);
    const dee = await clients.signUp("Dee");
    const dm = await phone.direct(dee.user!.id);
    const mine = later(phone, { drafts: { debounceMs: 60_000, maxWaitMs: 60_000 } }).drafts;
    const theirs = later(laptop).drafts;

    mine.save(dm.id, { text: "never saved" });
    await phone.conversation(dm.id).send("never saved");
    // flush() would send a save still waiting: there is none.
    await mine.flush();
    assert.deepEqual(
      writes.filter((w) => w.startsWith("PUT")),
      [],
      "the waiting save was dropped, never sent",
    );
    assert.equal(mine.get(dm.id), null);

    // The laptop keeps a draft while Dee writes and the phone sends: those are not the laptop's sends.
    theirs.save(dm.id, { text: "the laptop's" });
    await theirs.flush();
    await until(() => mine.get(dm.id)?.text === "the laptop's", "the phone has the laptop's draft", 2000);
    await dee.conversation(dm.id).send("from Dee");
    await until(() => laptop.store.state.threads[dm.id]?.messages.some((m) => m.text === "from Dee") ?? false, "the laptop has Dee's message");
    assert.equal(theirs.get(dm.id)?.text, "the laptop's", "Dee's message clears nothing");
    // The phone sends: its copy of the draft goes, for both.
    await phone.conversation(dm.id).send("from the phone");
    await until(() => theirs.get(dm.id) === null, "the laptop's draft cleared by the phone's send", 2000);
    for (const d of [mine, theirs]) d.close();
  });
});
