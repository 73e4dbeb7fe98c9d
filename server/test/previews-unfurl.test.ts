import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { reencode } from "../src/previews/image.js";
import { FairQueue } from "../src/previews/fair-queue.js";
import { domainAllowed, firstLink, hostPatternProblem, normalizeHostPatterns } from "../src/previews/links.js";
import { unfurlWithImage } from "../src/previews/preview.js";
import { cleanText } from "../src/previews/text.js";
import { unfurl } from "../src/previews/unfurl.js";

/**
 * The link-preview unfurler against real local HTTP servers (issue 33). The pages live on
 * 127.0.0.2, the one private address the tests allow (`allowPrivate: ["127.0.0.2/32"]`); a
 * "victim" server on 127.0.0.1 stands for the server's own network and must never be reached.
 */

const ALLOWED = "127.0.0.2";
const allowPrivate = [`${ALLOWED}/32`];

interface Local {
  server: Server;
  base: string;
  hits: string[];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(host: string, routes: Record<string, Handler>): Promise<Local> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const route = routes[new URL(req.url ?? "/", "http://x").pathname];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, base: `http://${host}:${(server.address() as AddressInfo).port}`, hits };
}

const close = (l: Local) =>
  new Promise<void>((resolve) => {
    l.server.closeAllConnections();
    l.server.close(() => resolve());
  });

const html =
  (body: string, type = "text/html; charset=utf-8"): Handler =>
  (_req, res) =>
    res.writeHead(200, { "Content-Type": type }).end(body);

const redirect =
  (to: string | (() => string), status = 302): Handler =>
  (_req, res) =>
    res.writeHead(status, { Location: typeof to === "string" ? to : to() }).end();

const png =
  (bytes: Buffer): Handler =>
  (_req, res) =>
    res.writeHead(200, { "Content-Type": "image/png" }).end(bytes);

/** Counts what a streaming route wrote before the client went away. */
const streamed = { bytes: 0, closed: false, at: 0 };

/** 50 MB of HTML whose head never closes: only the byte cap can stop the reader. */
const hugePage: Handler = (_req, res) => {
  streamed.bytes = 0;
  streamed.closed = false;
  res.writeHead(200, { "Content-Type": "text/html" });
  res.on("close", () => {
    streamed.closed = true;
    streamed.at = Date.now();
  });
  const chunk = Buffer.alloc(64 * 1024, "<p>filler</p>");
  res.write('<html><head><title>Big page</title><meta name="x" content="');
  const pump = () => {
    while (!res.destroyed && streamed.bytes < 50 * 1024 * 1024) {
      streamed.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
};

let photo: Buffer;
let victim: Local;
let site: Local;

before(async () => {
  // 1200×800 with EXIF metadata: the copy must come back smaller, WebP, without it.
  photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .withMetadata({ exif: { IFD0: { Copyright: "secret-camera-owner" } } })
    .toBuffer();
  victim = await serve("127.0.0.1", { "/": html("<title>internal</title>") });
  site = await serve(ALLOWED, {
    "/og": html(`<!doctype html><html><head>
      <meta property="og:title" content="A &amp; B">
      <meta property="og:description" content="What &quot;it&quot; is.">
      <meta property="og:site_name" content="Example Site">
      <meta property="og:image" content="/img/photo.png">
      <title>ignored</title></head><body>x</body></html>`),
    "/img/photo.png": png(photo),
    "/to-victim": redirect(() => `${victim.base}/`),
    "/to-localhost": redirect(() => `http://localhost:${new URL(victim.base).port}/`),
    "/loop-a": redirect("/loop-b"),
    "/loop-b": redirect("/loop-a"),
    "/hop1": redirect("/hop2", 301),
    "/hop2": redirect("/dir/page", 307),
    "/dir/page": html('<head><meta property="og:title" content="Moved"><meta property="og:image" content="img.png"></head>'),
    "/huge": hugePage,
    "/silent": () => undefined,
    "/markup": html(
      '<head><meta property="og:title" content="&lt;b&gt;Hi&lt;/b&gt;&lt;script&gt;x&lt;/script&gt;"><meta property="og:description" content="<i>plain</i> <style>p{}</style>words"></head>',
    ),
    "/only-markup": html('<head><meta property="og:title" content="<script>alert(1)</script>"></head>'),
    "/html-image": html('<head><meta property="og:title" content="Has a fake image"><meta property="og:image" content="/fake.png"></head>'),
    "/fake.png": (_req, res) => res.writeHead(200, { "Content-Type": "image/png" }).end("<!doctype html><html><body>not an image</body></html>"),
    "/json": (_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end('{"title":"no"}'),
    "/latin1": (_req, res) =>
      res.writeHead(200, { "Content-Type": "text/html; charset=ISO-8859-1" }).end(Buffer.from("<title>Caf\xe9 cr\xe8me</title>", "latin1")),
    "/meta-charset": (_req, res) =>
      res.writeHead(200, { "Content-Type": "text/html" }).end(Buffer.from('<meta charset="windows-1252"><title>na\xefve \x80</title>', "latin1")),
    "/twitter": html('<head><meta name="twitter:title" content="Tweet title"><meta name="Description" content="Plain description"></head>'),
    "/title-only": html("<html><head><title>\n  Just a\u202e title \u0007 </title></head></html>"),
    "/empty": html("<html><head></head><body>Nothing here</body></html>"),
    "/long": html(`<head><meta property="og:title" content="${"t".repeat(500)}"><meta property="og:description" content="${"é".repeat(1000)}"></head>`),
    "/big-image-page": html('<head><meta property="og:title" content="Big image"><meta property="og:image" content="/big.png"></head>'),
    "/big.png": (_req, res) => {
      res.writeHead(200, { "Content-Type": "image/png", "Content-Length": String(50 * 1024 * 1024) });
      res.write(photo);
    },
    "/svg-page": html('<head><meta property="og:title" content="Svg"><meta property="og:image" content="/i.svg"></head>'),
    "/i.svg": (_req, res) => res.writeHead(200, { "Content-Type": "image/svg+xml" }).end('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    "/victim-image": html(`<head><meta property="og:title" content="Points inside"><meta property="og:image" content="http://127.0.0.1:1/x.png"></head>`),
  });
});

after(async () => {
  await close(site);
  await close(victim);
});

describe("unfurl", () => {
  test("a page with Open Graph tags yields its title, description, site name and a re-encoded WebP image", async () => {
    const r = await unfurlWithImage(`${site.base}/og`, { allowPrivate });
    assert.equal(r.reason, null);
    assert.deepEqual(r.preview, {
      url: `${site.base}/og`,
      title: "A & B",
      description: 'What "it" is.',
      siteName: "Example Site",
      imageUrl: `${site.base}/img/photo.png`,
    });
    assert.ok(r.image, `no image: ${r.imageReason} ${r.detail}`);
    assert.equal(r.image.mime, "image/webp");
    const meta = await sharp(r.image.bytes).metadata();
    assert.equal(meta.format, "webp");
    assert.deepEqual([meta.width, meta.height, r.image.width, r.image.height], [600, 400, 600, 400]);
    assert.equal(meta.exif, undefined, "metadata stripped");
    assert.ok(!r.image.bytes.includes("secret-camera-owner"));
    assert.ok(r.image.bytes.length < 100_000, `${r.image.bytes.length} bytes`);
  });

  test("a redirect to 127.0.0.1 yields nothing, and 127.0.0.1 is never contacted", async () => {
    const before = victim.hits.length;
    const r = await unfurl(`${site.base}/to-victim`, { allowPrivate });
    assert.equal(r.preview, null);
    assert.equal(r.reason, "refused_address");
    assert.equal(victim.hits.length, before);
  });

  test("a redirect to a name resolving to loopback is refused at connect time (the lookup checks it)", async () => {
    const before = victim.hits.length;
    const r = await unfurl(`${site.base}/to-localhost`, { allowPrivate });
    assert.equal(r.reason, "refused_address", r.preview ? "got a preview" : r.detail);
    assert.equal(victim.hits.length, before);
  });

  test("without an allowance the test address itself is refused like any private one", async () => {
    const before = site.hits.length;
    const r = await unfurl(`${site.base}/og`);
    assert.equal(r.reason, "refused_address");
    assert.equal(site.hits.length, before);
  });

  test("a 50 MB page is cut at the byte cap: a quick answer, the socket closed long before 50 MB", async () => {
    const started = Date.now();
    const r = await unfurl(`${site.base}/huge`, { allowPrivate });
    const took = Date.now() - started;
    // The head's title was within the first 512 KB: a text-only preview from the prefix.
    assert.equal(r.preview?.title, "Big page");
    assert.ok(took < 2000, `took ${took} ms (the deadline is 4000)`);
    for (let i = 0; i < 50 && !streamed.closed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(streamed.closed, "the server saw the socket close");
    assert.ok(streamed.bytes < 10 * 1024 * 1024, `${streamed.bytes} bytes written before the close`);
  });

  test("a page that never answers yields nothing at the deadline", async () => {
    const started = Date.now();
    const r = await unfurl(`${site.base}/silent`, { allowPrivate, timeoutMs: 500 });
    const took = Date.now() - started;
    assert.equal(r.preview, null);
    assert.equal(r.reason, "timeout");
    assert.ok(took >= 450 && took < 2000, `took ${took} ms`);
  });

  test("an og:title with markup yields its text only; markup alone yields no title", async () => {
    const r = await unfurl(`${site.base}/markup`, { allowPrivate });
    assert.equal(r.preview?.title, "Hi");
    assert.equal(r.preview?.description, "plain words");
    const empty = await unfurl(`${site.base}/only-markup`, { allowPrivate });
    assert.equal(empty.preview, null);
    assert.equal(empty.reason, "nothing_found");
  });

  test("an og:image that is HTML served as image/png leaves a text-only preview", async () => {
    const r = await unfurlWithImage(`${site.base}/html-image`, { allowPrivate });
    assert.equal(r.preview?.title, "Has a fake image");
    assert.equal(r.image, null);
    assert.equal(r.imageReason, "not_an_image");
  });

  test("an SVG image, a 50 MB image and an image on a refused address each leave a text-only preview", async () => {
    const svg = await unfurlWithImage(`${site.base}/svg-page`, { allowPrivate });
    assert.deepEqual([svg.preview?.title, svg.image, svg.imageReason], ["Svg", null, "not_an_image"]);
    const big = await unfurlWithImage(`${site.base}/big-image-page`, { allowPrivate });
    assert.deepEqual([big.preview?.title, big.image, big.imageReason], ["Big image", null, "too_large"]);
    const inside = await unfurlWithImage(`${site.base}/victim-image`, { allowPrivate });
    assert.deepEqual([inside.preview?.title, inside.image, inside.imageReason], ["Points inside", null, "refused_address"]);
  });

  test("a redirect loop stops after three redirects", async () => {
    const before = site.hits.length;
    const r = await unfurl(`${site.base}/loop-a`, { allowPrivate });
    assert.equal(r.reason, "too_many_redirects");
    assert.equal(site.hits.length - before, 4, "the first request and three redirects");
  });

  test("redirects are followed and a relative image resolves against the final URL", async () => {
    const r = await unfurl(`${site.base}/hop1`, { allowPrivate });
    assert.equal(r.preview?.title, "Moved");
    assert.equal(r.preview?.url, `${site.base}/hop1`);
    assert.equal(r.preview?.imageUrl, `${site.base}/dir/img.png`);
  });

  test("a host the app denies is refused, also when a redirect leads there", async () => {
    const denied = await unfurl(`${site.base}/hop1`, { allowPrivate, allowHost: (host) => host !== ALLOWED });
    assert.equal(denied.reason, "denied_host");
    const viaRedirect = await unfurl(`${site.base}/to-localhost`, { allowPrivate, allowHost: (host) => host !== "localhost" });
    assert.equal(viaRedirect.reason, "denied_host");
  });

  test("anything but HTML is refused by its content type", async () => {
    const r = await unfurl(`${site.base}/json`, { allowPrivate });
    assert.equal(r.reason, "content_type");
    const image = await unfurl(`${site.base}/img/photo.png`, { allowPrivate });
    assert.equal(image.reason, "content_type");
  });

  test("latin1 from the header and windows-1252 from a meta tag decode", async () => {
    assert.equal((await unfurl(`${site.base}/latin1`, { allowPrivate })).preview?.title, "Café crème");
    assert.equal((await unfurl(`${site.base}/meta-charset`, { allowPrivate })).preview?.title, "naïve €");
  });

  test("Twitter card and meta description stand in for Open Graph; <title> for a title", async () => {
    const r = await unfurl(`${site.base}/twitter`, { allowPrivate });
    assert.deepEqual([r.preview?.title, r.preview?.description, r.preview?.siteName], ["Tweet title", "Plain description", null]);
    const t = await unfurl(`${site.base}/title-only`, { allowPrivate });
    assert.equal(t.preview?.title, "Just a title", "whitespace folded, bidi override and control gone");
  });

  test("a page with nothing to show yields nothing; long texts are clipped", async () => {
    assert.equal((await unfurl(`${site.base}/empty`, { allowPrivate })).reason, "nothing_found");
    const long = await unfurl(`${site.base}/long`, { allowPrivate });
    assert.equal(Array.from(long.preview?.title ?? "").length, 200);
    assert.equal(Array.from(long.preview?.description ?? "").length, 300);
    assert.ok(long.preview?.title?.endsWith("…"));
  });

  test("bad URLs and 404s are answers, not exceptions", async () => {
    assert.equal((await unfurl("ftp://example.com/")).reason, "bad_url");
    assert.equal((await unfurl("http://user:pw@example.com/")).reason, "bad_url");
    assert.equal((await unfurl(`${site.base}/missing`, { allowPrivate })).reason, "http_status");
    assert.equal((await unfurl("http://[::1]:9/")).reason, "refused_address");
    assert.equal((await unfurl("http://169.254.169.254/latest/meta-data/")).reason, "refused_address");
    // Spellings the URL parser turns into 127.0.0.1 are judged as 127.0.0.1.
    assert.equal((await unfurl("http://2130706433/")).reason, "refused_address");
    assert.equal((await unfurl("http://0x7f.1/")).reason, "refused_address");
  });
});

describe("reencode", () => {
  test("an animation becomes its first frame; too many pixels are refused", async () => {
    const frame = (r: number) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g: 0, b: 0 } } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame(255), await frame(0)], { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const out = await reencode(gif);
    assert.ok(out.image, out.reason ?? "");
    const meta = await sharp(out.image.bytes).metadata();
    assert.deepEqual([meta.format, meta.pages ?? 1, meta.width, meta.height], ["webp", 1, 40, 30]);
    const { data } = await sharp(out.image.bytes).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! > 200, "the first (red) frame");
    const refused = await reencode(photo, { maxInputPixels: 1000 });
    assert.equal(refused.reason, "undecodable");
  });
});

describe("cleanText", () => {
  test("keeps entities as the page meant them and joiners inside emoji", () => {
    assert.equal(cleanText("Tom &amp; <b>Jerry</b>", 50), "Tom &amp; Jerry");
    assert.equal(cleanText("a < b", 50), "a < b");
    assert.equal(cleanText("👩‍💻 dev\u2066x\u2069", 50), "👩‍💻 dev x");
    assert.equal(cleanText("😀😀😀", 2), "😀…");
  });
});

describe("firstLink", () => {
  const cases: [string, string | null][] = [
    ["see https://example.com/a.", "https://example.com/a"],
    ["(https://example.com/x_(y))!", "https://example.com/x_(y"],
    ["first http://a.example/ then https://b.example/", "http://a.example/"],
    ["`https://code.example/` then https://real.example/", "https://real.example/"],
    ["``a ` https://code.example/ ``", null],
    ["```\nhttps://fenced.example/\n```\nafter https://after.example/", "https://after.example/"],
    ["```\nunclosed https://open.example/", "https://open.example/"],
    ["> ```\n> https://quoted-fence.example/\n> ```", null],
    ["[docs](https://docs.example/page_(1)) and https://later.example/", "https://docs.example/page_(1)"],
    ["[see https://text.example/](https://target.example/)", "https://target.example/"],
    ["[see https://text.example/] only", "https://text.example/"],
    ["[bad](javascript:alert(1)) https://ok.example/", "https://ok.example/"],
    ["[mail](mailto:a@b.example)", null],
    ["xhttps://glued.example/ and _https://x.example/", null],
    ["\\`https://escaped.example/` (the backtick is part of the URL, as the widget reads it)", "https://escaped.example/%60"],
    ["**https://bold.example/**", "https://bold.example/"],
    ["HTTPS://UPPER.example/Path", "https://upper.example/Path"],
    ["no links here, www.example.com", null],
    ["https://", null],
  ];
  for (const [text, want] of cases) test(`${JSON.stringify(text)} → ${want}`, () => assert.equal(firstLink(text), want));
});

describe("domainAllowed", () => {
  test("an exact host matches itself; *.host its subdomains on dot boundaries; deny wins; an allow list restricts", () => {
    const rules = { allow: [], deny: ["example.com", "*.example.com"] };
    assert.equal(domainAllowed("example.com", rules), false);
    assert.equal(domainAllowed("www.Example.COM.", rules), false);
    assert.equal(domainAllowed("badexample.com", rules), true);
    assert.equal(domainAllowed("www.example.com", { allow: [], deny: ["example.com"] }), true, "an exact rule is that host only");
    assert.equal(domainAllowed("example.com", { allow: [], deny: ["*.example.com"] }), true, "a suffix rule is the subdomains only");
    const both = { allow: ["*.example.com", "*.news.example"], deny: ["ads.example.com", "*.ads.example.com"] };
    assert.equal(domainAllowed("www.example.com", both), true);
    assert.equal(domainAllowed("x.ads.example.com", both), false);
    assert.equal(domainAllowed("ads.example.com", both), false);
    assert.equal(domainAllowed("a.news.example", both), true);
    assert.equal(domainAllowed("other.example", both), false);
    assert.equal(domainAllowed("bücher.example", { allow: ["xn--bcher-kva.example"], deny: [] }), true);
    assert.equal(domainAllowed("anything.example", { allow: [], deny: [] }), true);
  });

  test("host patterns: names and *.names pass, anything else is refused", () => {
    for (const ok of ["example.com", "*.example.com", "localhost", "bücher.example", "a-b.c0.example", "EXAMPLE.com.", "1.2.3.4"])
      assert.equal(hostPatternProblem(ok), null, ok);
    for (const bad of [
      "",
      "*",
      "*.",
      "http://example.com",
      "example.com/x",
      "-a.example",
      "a..b",
      "*.1.2.3.4",
      "1.2.3",
      "[::1]",
      "ex ample.com",
      "*.*.example.com",
      "a.*.example",
    ])
      assert.notEqual(hostPatternProblem(bad), null, bad);
    const normalized = normalizeHostPatterns([" Example.COM ", "*.Bücher.example", "example.com"]);
    assert.deepEqual(normalized, { ok: true, list: ["example.com", "*.xn--bcher-kva.example"] });
    assert.deepEqual(normalizeHostPatterns(["ok.example", "no way"]), { ok: false, index: 1, message: hostPatternProblem("no way") });
  });
});

describe("the preview queue (fair-queue.ts)", () => {
  test("apps take turns, the one holding the fewest workers first; a full queue drops the oldest job of the longest line", () => {
    const q = new FairQueue<{ appId: string; n: number }>(5);
    for (let n = 0; n < 4; n++) q.push({ appId: "a", n }, () => false);
    q.push({ appId: "b", n: 0 }, () => false);
    const first = q.take()!;
    assert.deepEqual(first, { appId: "a", n: 0 });
    assert.deepEqual(q.take(), { appId: "b", n: 0 }, "b holds no worker: it goes next, ahead of a's line");
    assert.deepEqual(q.take(), { appId: "a", n: 1 }, "b has nothing waiting: a again");
    q.push({ appId: "b", n: 1 }, () => false);
    q.done(first);
    assert.deepEqual(q.take(), { appId: "b", n: 1 }, "a holds one worker, b one: b's turn");
    // Full (5): a's line is the longest; its oldest goes, not b's new job.
    for (let n = 10; n < 13; n++) q.push({ appId: "a", n }, () => false);
    assert.equal(q.size, 5);
    assert.deepEqual(
      q.push({ appId: "b", n: 2 }, () => false),
      { appId: "a", n: 2 },
    );
    assert.equal(q.size, 5);
    // A waiting job that `same` matches is replaced, not added.
    q.push({ appId: "b", n: 3 }, (j) => j.n === 2);
    assert.equal(q.size, 5);
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.take(), undefined);
  });
});
