/**
 * Link previews wired into the server (issue 33): a message's first link is fetched after the send
 * (the ack never waits: each page here is held by the origin until the ack and the history are
 * seen), cached per URL, its image re-encoded and served from /v1/previews/<key>, the card sent to
 * every member as message.updated and shown in history and sync; bad pages (a redirect to
 * 127.0.0.1, 50 MB, silence, markup in og:title, an "image" that is HTML) give none or a text-only
 * card; per-app on/off and host lists; the sender's removal; edits; deletion and account deletion;
 * two nodes fetching once. The origin is a real HTTP server on 127.0.0.2 (PREVIEW_ALLOW_PRIVATE);
 * a victim on 127.0.0.1 must never be reached. Both databases.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import type { AuthResponse, Conversation, Message, SyncResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, type ClientSocket } from "./helpers/sockets.js";

const ENV = { PREVIEW_ALLOW_PRIVATE: "127.0.0.2/32", PREVIEW_TIMEOUT_MS: "600" };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local site that counts requests by path and can hold every answer until released. */
class Origin {
  server!: Server;
  base = "";
  readonly hits: string[] = [];
  hold = false;
  private held: (() => void)[] = [];
  private arrivals: { path: string; resolve: (req: IncomingMessage) => void }[] = [];

  constructor(
    private readonly host: string,
    private readonly routes: Record<string, Handler>,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      this.hits.push(path);
      this.arrivals = this.arrivals.filter((a) => (a.path === path ? (a.resolve(req), false) : true));
      const answer = () => (this.routes[path] ?? ((_q: IncomingMessage, r: ServerResponse) => r.writeHead(404).end()))(req, res);
      if (this.hold) this.held.push(answer);
      else answer();
    });
    await new Promise<void>((resolve) => this.server.listen(0, this.host, resolve));
    this.base = `http://${this.host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves when a request for `path` arrives. */
  arrival(path: string): Promise<IncomingMessage> {
    return new Promise((resolve) => this.arrivals.push({ path, resolve }));
  }

  release(): void {
    this.hold = false;
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  count(path: string): number {
    return this.hits.filter((h) => h === path).length;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const html =
  (body: string): Handler =>
  (_req, res) =>
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(body);

const ogPage = (title: string, image = "/img/photo.png") =>
  html(`<!doctype html><html><head>
    <meta property="og:title" content="${title}">
    <meta property="og:description" content="A page about things.">
    <meta property="og:site_name" content="Example Site">
    <meta property="og:image" content="${image}">
    </head><body>x</body></html>`);

let photo: Buffer;
let site: Origin;
let victim: Origin;
let s: TestServer;
let app: string;
const sockets: ClientSocket[] = [];
const tok = (u: AuthResponse) => ({ token: u.accessToken });

/** 50 MB of HTML whose head never closes. */
const hugePage: Handler = (_req, res) => {
  res.writeHead(200, { "Content-Type": "text/html" });
  const chunk = Buffer.alloc(64 * 1024, "<p>filler</p>");
  res.write('<html><head><title>Big page</title><meta name="x" content="');
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && sent < 50 * 1024 * 1024) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
};

before(async () => {
  photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 20, g: 120, b: 200 } } })
    .png()
    .toBuffer();
  victim = await new Origin("127.0.0.1", { "/": html("<title>internal</title>") }).start();
  site = await new Origin("127.0.0.2", {
    "/og": ogPage("A &amp; B"),
    "/og2": ogPage("Second page"),
    "/img/photo.png": (_req, res) => res.writeHead(200, { "Content-Type": "image/png" }).end(photo),
    "/to-loopback": (_req, res) => res.writeHead(302, { Location: `${victim.base}/` }).end(),
    "/hop": (req, res) => res.writeHead(302, { Location: new URL(req.url ?? "/", "http://x").searchParams.get("to") ?? "/" }).end(),
    "/huge": hugePage,
    "/silent": () => undefined,
    "/markup": html('<head><meta property="og:title" content="&lt;b&gt;Hi&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;"></head>'),
    "/html-image": html('<head><meta property="og:title" content="Has a fake image"><meta property="og:image" content="/fake.png"></head>'),
    "/fake.png": (_req, res) => res.writeHead(200, { "Content-Type": "image/png" }).end("<!doctype html><html><body>not an image</body></html>"),
    "/untitled": html('<head><meta property="og:description" content="No title here"><meta property="og:image" content="/img/photo.png"></head>'),
    "/plain": html("<head><title>Plain page</title></head>"),
  }).start();
  s = await startServer(ENV, { keepData: true });
  app = (await s.createTenant("Previews")).id;
});

after(async () => {
  for (const so of sockets) so.close();
  await s?.close();
  await s?.dropData();
  await site?.close();
  await victim?.close();
});

async function pair(a = app): Promise<{ x: AuthResponse; y: AuthResponse; dm: string; ry: Recorder }> {
  const [x, y] = await Promise.all([s.api.register(a), s.api.register(a)]);
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(x), body: { userId: y.user.id } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  const so = await connect(s, y.accessToken);
  sockets.push(so);
  return { x, y, dm: res.body.conversation.id, ry: new Recorder(so) };
}

async function send(u: AuthResponse, conversationId: string, text: string, on: TestServer = s): Promise<Message> {
  const res = await on.api.post<Message>(`/conversations/${conversationId}/messages`, { ...tok(u), body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function messageIn(u: AuthResponse, conversationId: string, id: string, on: TestServer = s): Promise<Message> {
  const res = await on.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const m = res.body.items.find((i) => i.id === id);
  assert.ok(m, `message ${id} in history`);
  return m;
}

/**
 * Sends `text` (linking `path` on the site) while the site holds every answer: the ack and the
 * history are there while the origin has the request and has not answered it. Then lets it answer.
 */
async function sendWhileHeld(u: AuthResponse, conversationId: string, text: string, path: string): Promise<Message> {
  site.hold = true;
  const arrived = site.arrival(path);
  const sent = await send(u, conversationId, text);
  assert.equal(sent.preview, undefined, "the ack carries no preview: nothing was fetched before it");
  const req = await arrived;
  assert.equal(req.socket.destroyed, false, "the origin still holds the request");
  assert.equal((await messageIn(u, conversationId, sent.id)).preview, undefined, "history has the message, without a preview yet");
  site.release();
  return sent;
}

/** Waits until every queued preview is done, then for a fence message: events published before it have arrived too. */
async function settled(x: AuthResponse, dm: string, ry: Recorder, on: TestServer = s): Promise<void> {
  await on.services.previews.idle();
  const fence = await send(x, dm, "fence", on);
  await ry.wait("message.new", (p) => p.data.message.id === fence.id);
}

const updatesOf = (r: Recorder, id: string) => r.events.filter((e) => e.name === "message.updated" && e.payload.data.message.id === id);

async function previewRows(messageId: string): Promise<{ removed: unknown }[]> {
  return s.services.db.query("SELECT removed FROM message_previews WHERE messageId = ?", [Number(messageId)]);
}

describe("link previews", () => {
  test("an Open Graph page: the ack first, then a card with the proxied WebP image to every member, in history and sync", async () => {
    const { x, y, dm, ry } = await pair();
    const head = await s.api.get<{ lastSeq: number }>("/sync/head", tok(y));
    const sent = await sendWhileHeld(x, dm, `look at ${site.base}/og, it's good`, "/og");
    const update = await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.preview, 5000);
    const preview = update.data.message.preview;
    assert.deepEqual(
      { ...preview, image: undefined },
      {
        url: `${site.base}/og`,
        title: "A & B",
        description: "A page about things.",
        siteName: "Example Site",
        image: undefined,
      },
    );
    assert.match(preview.image.url, /^\/v1\/previews\/[0-9a-f]{64}$/);
    assert.deepEqual([preview.image.width, preview.image.height], [600, 400]);

    const img = await fetch(s.url + preview.image.url);
    assert.equal(img.status, 200);
    assert.equal(img.headers.get("content-type"), "image/webp");
    assert.equal(img.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(img.headers.get("x-content-type-options"), "nosniff");
    assert.equal(img.headers.get("cross-origin-resource-policy"), "cross-origin");
    const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["webp", 600, 400]);

    assert.deepEqual((await messageIn(y, dm, sent.id)).preview, preview, "history");
    const sync = await s.api.get<SyncResponse>(`/sync?since=${head.body.lastSeq}`, tok(y));
    const created = sync.body.events.find((e) => e.type === "message.new" && e.data.message.id === sent.id);
    assert.deepEqual(created && created.type === "message.new" ? created.data.message.preview : null, preview, "the stored message.new is rewritten");
    const one = await s.api.get<Message>(`/messages/${sent.id}`, tok(y));
    if (one.status === 200) assert.deepEqual(one.body.preview, preview);
  });

  test("unknown and malformed image keys answer 404 JSON", async () => {
    for (const key of ["0".repeat(64), "not-a-key", "..%2F..%2Fparley.sqlite", `${"a".repeat(64)}.webp`]) {
      const res = await s.api.get(`/previews/${key}`);
      assert.equal(res.status, 404, key);
      assert.equal(res.body.error.code, "not_found");
    }
  });

  test("a second message with the same link is served from the cache: no request to the origin", async () => {
    const { x, dm, ry } = await pair();
    const before = site.count("/og");
    const sent = await send(x, dm, `again ${site.base}/og`);
    const update = await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.preview);
    assert.equal(update.data.message.preview.title, "A & B");
    assert.equal(site.count("/og"), before, "no fetch");
  });

  test("a redirect to 127.0.0.1 gives no preview, and 127.0.0.1 is never contacted", async () => {
    const { x, y, dm, ry } = await pair();
    const sent = await sendWhileHeld(x, dm, `${site.base}/to-loopback`, "/to-loopback");
    await settled(x, dm, ry);
    assert.equal(victim.hits.length, 0);
    assert.deepEqual(updatesOf(ry, sent.id), []);
    assert.equal((await messageIn(y, dm, sent.id)).preview, undefined);
  });

  test("a 50 MB page is cut at the byte cap: a text-only card from its head", async () => {
    const { x, y, dm, ry } = await pair();
    const sent = await sendWhileHeld(x, dm, `big: ${site.base}/huge`, "/huge");
    const update = await ry.wait("message.updated", (p) => p.data.message.id === sent.id, 5000);
    assert.deepEqual([update.data.message.preview.title, update.data.message.preview.image], ["Big page", null]);
    assert.equal((await messageIn(y, dm, sent.id)).preview?.title, "Big page");
  });

  test("a page that never answers: the ack and history while the origin holds the request, then no preview", async () => {
    const { x, y, dm, ry } = await pair();
    const arrived = site.arrival("/silent");
    const sent = await send(x, dm, `${site.base}/silent`);
    const req = await arrived;
    assert.equal(req.socket.destroyed, false, "the origin holds the request");
    assert.equal((await messageIn(y, dm, sent.id)).text, `${site.base}/silent`);
    await settled(x, dm, ry);
    assert.deepEqual(updatesOf(ry, sent.id), []);
    assert.equal((await messageIn(y, dm, sent.id)).preview, undefined);
  });

  test("an og:title with markup gives its text only; an image that is HTML leaves a text-only card; no title, no card", async () => {
    const { x, y, dm, ry } = await pair();
    const markup = await sendWhileHeld(x, dm, `${site.base}/markup`, "/markup");
    const a = await ry.wait("message.updated", (p) => p.data.message.id === markup.id, 5000);
    assert.deepEqual([a.data.message.preview.title, a.data.message.preview.image], ["Hi", null]);

    const fake = await sendWhileHeld(x, dm, `${site.base}/html-image`, "/html-image");
    const b = await ry.wait("message.updated", (p) => p.data.message.id === fake.id, 5000);
    assert.deepEqual([b.data.message.preview.title, b.data.message.preview.image], ["Has a fake image", null]);
    assert.equal(site.count("/fake.png"), 1, "the image was fetched, and refused");

    const untitled = await send(x, dm, `${site.base}/untitled`);
    await settled(x, dm, ry);
    assert.equal(site.count("/untitled"), 1);
    assert.deepEqual(updatesOf(ry, untitled.id), [], "no event without a title");
    assert.equal((await messageIn(y, dm, untitled.id)).preview, undefined);
  });

  test("fair between apps: one app's links to a page that never answers do not hold another app's card behind them (red team 4)", async () => {
    const slowApp = (await s.createTenant("Slow links")).id;
    const otherApp = (await s.createTenant("Waits its turn")).id;
    const slow = await pair(slowApp);
    const other = await pair(otherApp);
    const before = site.count("/silent");
    // Twenty links of one app to a page that never answers (each fetch holds a worker until its
    // deadline, PREVIEW_TIMEOUT_MS), then one link of another app.
    for (let i = 0; i < 20; i++) await send(slow.x, slow.dm, `${site.base}/silent?n=${i}-${Math.random()}`);
    const startedBefore = site.count("/silent") - before;
    const card = await send(other.x, other.dm, `${site.base}/og2?fair=${Math.random()}`);
    await other.ry.wait("message.updated", (p) => p.data.message.id === card.id, 20_000);
    // First come, first served, all twenty would have been fetched first (ten deadlines on the 2
    // workers): the other app's link is taken by the next free worker, while the other worker may
    // start one more of the slow app's.
    const startedAfter = site.count("/silent") - before;
    assert.ok(startedAfter - startedBefore <= 2, `the other app's card came after ${startedAfter - startedBefore} more slow fetches`);
    assert.ok(startedAfter < 20, `the other app's card came after ${startedAfter} of the twenty slow fetches`);
    await s.services.previews.idle();
    assert.equal(site.count("/silent") - before, 20, "the slow app's links are all tried in the end");
  });

  test("per app: previews off fetch nothing; a denied host is never fetched; an allow list admits only its hosts", async () => {
    const other = (await s.createTenant("Settings")).id;
    const { x, dm, ry } = await pair(other);
    await s.services.apps.update(other, { linkPreviews: false });
    const before = site.count("/plain");
    const off = await send(x, dm, `${site.base}/plain?off`);
    await settled(x, dm, ry);
    assert.equal(site.count("/plain"), before, "off: no fetch");
    assert.deepEqual(updatesOf(ry, off.id), []);

    await s.services.apps.update(other, { linkPreviews: true, previewDeny: ["127.0.0.2"] });
    const denied = await send(x, dm, `${site.base}/plain?deny`);
    await settled(x, dm, ry);
    assert.equal(site.count("/plain"), before, "denied: no fetch");
    assert.deepEqual(updatesOf(ry, denied.id), []);
    // The same address spelled as IPv4-mapped IPv6 (red team 4: it passed a deny rule naming 127.0.0.2).
    for (const spelling of ["[::ffff:127.0.0.2]", "[::ffff:7f00:2]", "[0:0:0:0:0:ffff:127.0.0.2]"]) {
      const mapped = await send(x, dm, `${site.base.replace("127.0.0.2", spelling)}/plain?deny-mapped`);
      await settled(x, dm, ry);
      assert.equal(site.count("/plain"), before, `denied as ${spelling}: no fetch`);
      assert.deepEqual(updatesOf(ry, mapped.id), []);
    }

    await s.services.apps.update(other, { previewDeny: [], previewAllow: ["*.news.example", "news.example"] });
    const outside = await send(x, dm, `${site.base}/plain?allow-outside`);
    await settled(x, dm, ry);
    assert.equal(site.count("/plain"), before, "not on the allow list: no fetch");
    assert.deepEqual(updatesOf(ry, outside.id), []);

    await s.services.apps.update(other, { previewAllow: ["news.example", "127.0.0.2"] });
    const inside = await send(x, dm, `${site.base}/plain?allow-inside`);
    const update = await ry.wait("message.updated", (p) => p.data.message.id === inside.id, 5000);
    assert.equal(update.data.message.preview.title, "Plain page");
    assert.equal(site.count("/plain"), before + 1);
  });

  test("host lists are judged entry by entry: 400 naming the bad entry, at most 200 entries; stored normalized", async () => {
    const other = (await s.createTenant("Lists")).id;
    const bad = await s.services.apps.update(other, { previewAllow: ["ok.example", "not a host"] }).catch((e: unknown) => e);
    assert.equal((bad as { code?: string }).code, "validation_failed");
    assert.deepEqual(
      (bad as { details?: { path: string }[] }).details?.map((d) => d.path),
      ["previewAllow.1"],
    );
    const long = await s.services.apps.update(other, { previewDeny: Array.from({ length: 201 }, (_, i) => `h${i}.example`) }).catch((e: unknown) => e);
    assert.deepEqual(
      (long as { details?: { path: string; limit?: number }[] }).details?.map((d) => [d.path, d.limit]),
      [["previewDeny", 200]],
    );
    const saved = await s.services.apps.update(other, { previewAllow: [" *.News.Example ", "bücher.example", "news.example", "*.news.example"] });
    assert.deepEqual(saved.previewAllow, ["*.news.example", "xn--bcher-kva.example", "news.example"]);
  });

  test("the sender removes a preview for good: members hear it, others may not, an edit does not bring it back", async () => {
    const { x, y, dm, ry } = await pair();
    const sent = await send(x, dm, `${site.base}/og2 see`);
    await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.preview);
    const denied = await s.api.del(`/messages/${sent.id}/preview`, tok(y));
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.equal(denied.body.error.code, "forbidden");
    assert.equal((await s.api.del(`/messages/999999999/preview`, tok(x))).status, 404);
    assert.equal((await s.api.del(`/messages/nope/preview`, tok(x))).status, 404);
    const count = updatesOf(ry, sent.id).length;
    assert.equal((await s.api.del(`/messages/${sent.id}/preview`, tok(x))).status, 204);
    await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.preview === undefined);
    assert.equal((await s.api.del(`/messages/${sent.id}/preview`, tok(x))).status, 204, "idempotent");
    assert.equal((await messageIn(y, dm, sent.id)).preview, undefined);

    const edited = await s.api.patch<Message>(`/messages/${sent.id}`, { ...tok(x), body: { text: `${site.base}/og2 see, edited` } });
    assert.equal(edited.status, 200);
    await settled(x, dm, ry);
    assert.equal(updatesOf(ry, sent.id).filter((e) => e.payload.data.message.preview).length, count, "no preview came back after the removal");
    assert.equal((await messageIn(y, dm, sent.id)).preview, undefined);
  });

  test("an edit to another link replaces the preview; an edit without links removes it", async () => {
    const { x, y, dm, ry } = await pair();
    const sent = await send(x, dm, `first ${site.base}/og2`);
    await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.preview?.title === "Second page");
    const edit = await s.api.patch<Message>(`/messages/${sent.id}`, { ...tok(x), body: { text: `now ${site.base}/markup?edited` } });
    assert.equal(edit.status, 200);
    assert.equal(edit.body.preview, undefined, "the old link's card goes with the edit");
    await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.preview?.title === "Hi");
    assert.equal((await messageIn(y, dm, sent.id)).preview?.url, `${site.base}/markup?edited`);

    const plain = await s.api.patch<Message>(`/messages/${sent.id}`, { ...tok(x), body: { text: "no links any more" } });
    assert.equal(plain.body.preview, undefined);
    await ry.wait("message.updated", (p) => p.data.message.id === sent.id && p.data.message.text === "no links any more" && !p.data.message.preview);
    await settled(x, dm, ry);
    assert.equal((await messageIn(y, dm, sent.id)).preview, undefined);
    assert.deepEqual(await previewRows(sent.id), []);
  });

  test("a deleted message and a deleted account's messages lose their previews", async () => {
    const { x, y, dm, ry } = await pair();
    const a = await send(x, dm, `${site.base}/og2?del`);
    const b = await send(x, dm, `${site.base}/og2?account`);
    for (const m of [a, b]) await ry.wait("message.updated", (p) => p.data.message.id === m.id && p.data.message.preview);
    assert.equal((await s.api.del(`/messages/${a.id}`, tok(x))).status, 204);
    assert.deepEqual(await previewRows(a.id), []);
    assert.equal((await s.api.del("/me", { ...tok(x), body: { password: "correct horse battery" } })).status, 204);
    assert.deepEqual(await previewRows(b.id), []);
    const history = await s.api.get<{ items: Message[] }>(`/conversations/${dm}/messages`, tok(y));
    for (const m of history.body.items) assert.equal(m.preview, undefined, `tombstone ${m.id}`);
    const sync = await s.api.get<SyncResponse>("/sync?since=0", tok(y));
    assert.ok(!JSON.stringify(sync.body).includes("og2?"), "no stored event keeps the card or the link");
  });

  test("the cache's sweep (with event retention) drops expired rows", async () => {
    const rows = async () => Number((await s.services.db.query("SELECT COUNT(*) AS n FROM link_previews"))[0].n);
    assert.ok((await rows()) > 0);
    await s.services.retention.prune(Date.now() + 3 * 24 * 3600_000);
    assert.equal(await rows(), 0);
  });

  test("each app may cause so many fetches a minute: past them its links get no card, and other apps are not held back", async () => {
    const c = await startServer({ ...ENV, PREVIEW_FETCHES_PER_APP_PER_MIN: "2" });
    try {
      const [busy, calm] = [(await c.createTenant("Busy")).id, (await c.createTenant("Calm")).id];
      const dmOf = async (a: string) => {
        const [x, y] = await Promise.all([c.api.register(a), c.api.register(a)]);
        const res = await c.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(x), body: { userId: y.user.id } });
        return { x, y, dm: res.body.conversation.id };
      };
      const b = await dmOf(busy);
      const before = site.count("/plain");
      const sent: Message[] = [];
      for (const n of [1, 2, 3, 4]) sent.push(await send(b.x, b.dm, `${site.base}/plain?rate-${n}`, c));
      await c.services.previews.idle();
      assert.equal(site.count("/plain"), before + 2, "two fetches for the busy app this minute");
      const cards = await Promise.all(sent.map(async (m) => (await messageIn(b.y, b.dm, m.id, c)).preview?.title ?? null));
      assert.deepEqual(cards.filter(Boolean), ["Plain page", "Plain page"], "the first two links have cards, the others none");

      const k = await dmOf(calm);
      const other = await send(k.x, k.dm, `${site.base}/plain?rate-calm`, c);
      await c.services.previews.idle();
      assert.equal(site.count("/plain"), before + 3, "the other app's link is fetched");
      assert.equal((await messageIn(k.y, k.dm, other.id, c)).preview?.title, "Plain page");
    } finally {
      await c.close();
    }
  });

  test("a cached card is judged by each app's lists on every host it went through: an app denying the redirect's target gets none", async () => {
    const far = await new Origin("127.0.0.3", { "/": html("<head><title>Far page</title></head>") }).start();
    const c = await startServer({ ...ENV, PREVIEW_ALLOW_PRIVATE: "127.0.0.2/32,127.0.0.3/32" });
    try {
      const hop = `${site.base}/hop?to=${encodeURIComponent(far.base + "/")}`;
      const dmIn = async (a: string) => {
        const [x, y] = await Promise.all([c.api.register(a), c.api.register(a)]);
        const res = await c.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(x), body: { userId: y.user.id } });
        return { x, y, dm: res.body.conversation.id };
      };
      const open = await dmIn((await c.createTenant("Open")).id);
      const first = await send(open.x, open.dm, hop, c);
      await c.services.previews.idle();
      assert.equal((await messageIn(open.y, open.dm, first.id, c)).preview?.title, "Far page", "the app without lists: a card from the redirect's target");
      assert.equal(far.count("/"), 1);

      const strictApp = (await c.createTenant("Strict")).id;
      await c.services.apps.update(strictApp, { previewDeny: ["127.0.0.3"] });
      const strict = await dmIn(strictApp);
      const second = await send(strict.x, strict.dm, hop, c);
      await c.services.previews.idle();
      assert.equal((await messageIn(strict.y, strict.dm, second.id, c)).preview, undefined, "the cached card went through a host this app denies");
      assert.equal(far.count("/"), 1, "answered from the cache: no new fetch");
    } finally {
      await c.close();
      await far.close();
    }
  });

  test("two nodes: only the node that committed the send fetches, once", async () => {
    const b = await startServer(ENV, { reuse: s, keepData: true });
    try {
      const { x, y, dm } = await pair();
      const before = site.count("/plain");
      const sent = await send(x, dm, `${site.base}/plain?two-nodes`, b);
      await Promise.all([b.services.previews.idle(), s.services.previews.idle()]);
      assert.equal(site.count("/plain"), before + 1, "one fetch");
      assert.equal((await messageIn(y, dm, sent.id)).preview?.title, "Plain page", "node A reads the card node B stored");
    } finally {
      await b.close();
    }
  });
});
