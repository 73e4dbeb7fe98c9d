// examples/marketplace/server.mjs: two host sites, two Parley apps, each backend on the server
// API with a server key: host tokens from createToken, the order's conversation created once,
// a system message on "shipped", and notification.unread webhooks into the outbox file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ParleyServer } from "@parley/sdk/server";
import type { Browser } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
// @ts-expect-error: a plain .mjs example without type declarations
import { readOutbox, startSite } from "../marketplace/server.mjs";
import { ROOT, api, eventually, BROWSER_SKIP, launchBrowser, newTab, widgetMessage, widgetSend, type Tab } from "./helpers.js";

/** A port that was free a moment ago (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The site's backend client (a ParleyServer with the site's server key). */
interface SiteApi {
  createToken(input: { sub: string }): Promise<{ hostToken: string }>;
  listConversations(input: {
    key?: string;
    filter?: Record<string, string>;
  }): Promise<{ items: { id: string; name: string | null; data?: Record<string, unknown> }[] }>;
  listMessages(id: string): Promise<{ items: { id: string; text: string | null; senderId: string | null }[] }>;
  listWebhooks(): Promise<{ id: string; url: string; events: string[] }[]>;
  listDeliveries(id: string, input: { status?: string }): Promise<{ items: { type: string; status: string }[] }>;
}

interface Site {
  key: "a" | "b";
  app: { id: string; secret: string };
  url: string;
  outbox: string;
  api: SiteApi;
  server: { close(cb: () => void): void; closeAllConnections(): void };
}

interface Session {
  accessToken: string;
  user: { id: string; displayName: string };
}

interface Mail {
  id: string;
  to: string;
  sub: string;
  subject: string;
  conversations: { conversationId: string; unreadCount: number }[];
}

describe("the marketplace example: two sites, two apps, one Parley server", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  const sites: Partial<Record<"a" | "b", Site>> = {};
  let browser: Browser | undefined;
  const tabs: Tab[] = [];

  /** What the site's backend does: a host token from createToken, exchanged at Parley. */
  const hostLogin = async (site: Site, sub: string): Promise<Session> => {
    const { hostToken } = await site.api.createToken({ sub });
    const res = await api(s.url, "POST", "/auth/host-token", { app: site.app.id, body: { token: hostToken } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  /** Every delivery the site's endpoint has queued so far has been answered. */
  const deliveriesSettled = async (site: Site): Promise<void> => {
    const [hook] = await site.api.listWebhooks();
    assert.ok(hook, "the site registered its endpoint");
    await eventually(() => site.api.listDeliveries(hook.id, { status: "pending" }), {
      check: (p) => p.items.length === 0,
      timeout: 20_000,
      message: "no pending deliveries",
    });
  };

  /** Signs the buyer in on the site's page, presses "Contact seller", and returns the order's conversation id. */
  const contactSeller = async (t: Tab): Promise<string> => {
    await t.page.locator("#contact").click();
    const id = await eventually(() => t.page.locator("#conversation").getAttribute("data-id", { timeout: 500 }), {
      check: (v) => !!v,
      timeout: 15_000,
      message: "conversation id on the page",
    });
    return id!;
  };

  before(async () => {
    // Webhooks to the sites on 127.0.0.1; the unread job and the delivery loop poll fast for the test.
    s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_UNREAD_POLL_MS: "100", WEBHOOK_POLL_MS: "50", WEBHOOK_ENDPOINT_CACHE_MS: "0" });
    for (const key of ["a", "b"] as const) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const app = await s.createTenant(`Shop ${key.toUpperCase()}`, [origin]);
      const serverKey = await s.services.serverKeys.create(app.id);
      const started = await startSite({
        key,
        name: `Shop ${key.toUpperCase()}`,
        parley: s.url,
        appId: app.id,
        keyId: serverKey.id,
        secret: serverKey.secret,
        port,
        outbox: path.join(s.dataDir, `outbox-${key}.jsonl`),
        unreadAfterSec: 1,
      });
      assert.equal(started.url, origin);
      sites[key] = { key, app, url: started.url, outbox: started.outbox, api: started.site.api, server: started.server };
    }
  });

  after(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    for (const site of Object.values(sites)) {
      site.server.closeAllConnections();
      await new Promise<void>((r) => site.server.close(() => r()));
    }
    await s?.close();
  });

  test("API: each app sees only its own users, and cannot open a DM across apps (both directions)", async () => {
    const a = sites.a!;
    const b = sites.b!;
    const ana = await hostLogin(a, "a-buyer");
    const sam = await hostLogin(a, "a-seller");
    const ben = await hostLogin(b, "b-buyer");
    const sue = await hostLogin(b, "b-seller");
    assert.equal(ana.user.displayName, "Ana (buyer at Shop A)", "the name the backend upserted");

    // A host token minted with one app's server key is not accepted by the other app.
    const { hostToken } = await a.api.createToken({ sub: "a-buyer" });
    const wrong = await api(s.url, "POST", "/auth/host-token", { app: b.app.id, body: { token: hostToken } });
    assert.equal(wrong.status, 401, JSON.stringify(wrong.body));

    const names = async (me: Session, q: string): Promise<string[]> => {
      const res = await api(s.url, "GET", `/users?q=${encodeURIComponent(q)}&limit=50`, { token: me.accessToken });
      assert.equal(res.status, 200);
      return res.body.items.map((u: { displayName: string }) => u.displayName).sort();
    };
    assert.deepEqual(await names(ana, ""), ["Ana (buyer at Shop A)", "Sam (seller at Shop A)"]);
    assert.deepEqual(await names(ana, "Sue"), []);
    assert.deepEqual(await names(ben, ""), ["Ben (buyer at Shop B)", "Sue (seller at Shop B)"]);
    assert.deepEqual(await names(ben, "Sam"), []);
    assert.deepEqual(await names(ben, "Sue"), ["Sue (seller at Shop B)"], "control: Sue is findable in her own app");

    // Another app's user answers 404, whichever way.
    for (const [me, other] of [
      [ana, sue],
      [ben, sam],
    ] as const) {
      const dm = await api(s.url, "POST", "/conversations/direct", { token: me.accessToken, body: { userId: other.user.id } });
      assert.equal(dm.status, 404, JSON.stringify(dm.body));
      assert.equal((await api(s.url, "GET", `/users/${other.user.id}`, { token: me.accessToken })).status, 404);
    }
    // Control: within an app the DM works.
    assert.equal((await api(s.url, "POST", "/conversations/direct", { token: ana.accessToken, body: { userId: sam.user.id } })).status, 201);
    // The other app's key sees none of this app's conversations.
    assert.deepEqual((await b.api.listConversations({})).items, []);
  });

  test("UI: Ana contacts Sam about her order (one conversation however often), Sam answers and ships: a system line", async () => {
    const a = sites.a!;
    browser = await launchBrowser();
    const seller = await newTab(browser, `${a.url}/login?as=a-seller`);
    tabs.push(seller);
    const buyer = await newTab(browser, `${a.url}/login?as=a-buyer`);
    tabs.push(buyer);
    await buyer.page.getByText("Signed in as").waitFor();
    assert.match((await buyer.page.locator("p", { hasText: "Signed in as" }).textContent()) ?? "", /Ana \(buyer at Shop A\)/);
    assert.equal(await seller.page.locator("#contact").count(), 0, "no Contact button for the seller");
    assert.equal(await buyer.page.locator("#ship").count(), 0, "no Ship button for the buyer");

    // Host-token sign-in: no form, the list is there.
    for (const t of [buyer, seller]) {
      await t.page.locator("[part=launcher]").waitFor({ timeout: 20_000 });
      assert.equal(await t.page.locator("parley-signin").count(), 0);
    }

    // "Contact seller" three times (twice on one page load, once after a reload): one conversation.
    const first = await contactSeller(buyer);
    await buyer.page.evaluate(() => document.getElementById("conversation")!.removeAttribute("data-id"));
    assert.equal(await contactSeller(buyer), first);
    await buyer.page.reload();
    await buyer.page.locator("[part=launcher]").waitFor({ timeout: 20_000 });
    assert.equal(await contactSeller(buyer), first);
    const byKey = await a.api.listConversations({ key: "A-1001" });
    assert.deepEqual(
      byKey.items.map((c) => [c.id, c.data]),
      [[first, { orderId: "A-1001" }]],
    );
    assert.deepEqual(
      (await a.api.listConversations({ filter: { orderId: "A-1001" } })).items.map((c) => c.id),
      [first],
    );

    // The panel is open (Parley.open()); the order's conversation is in the list.
    await buyer.page.locator("[part=conversation]", { hasText: "Order #A-1001" }).click({ timeout: 15_000 });
    await buyer.page.locator("[part=composer-input]").waitFor({ state: "visible", timeout: 20_000 });
    const text = `Is the mug dishwasher safe? ${Date.now().toString(36)}`;
    await widgetSend(buyer.page, text);
    await eventually(() => buyer.page.locator("[part=message][data-status=sent]", { hasText: text }).count(), {
      check: (n) => n === 1,
      timeout: 15_000,
      message: "buyer's message confirmed",
    });

    // The seller sees it: unread badge, then the conversation and the message.
    await eventually(() => seller.page.locator("[part=badge]").textContent({ timeout: 500 }), {
      check: (t) => t?.trim() === "1",
      timeout: 15_000,
      message: "seller's badge",
    });
    await seller.page.locator("[part=launcher]").click();
    await seller.page.locator("[part=conversation]", { hasText: "Order #A-1001" }).click({ timeout: 15_000 });
    await widgetMessage(seller.page, text).waitFor({ timeout: 15_000 });
    const answer = "Yes, it is.";
    await widgetSend(seller.page, answer);
    await widgetMessage(buyer.page, answer).waitFor({ timeout: 15_000 });

    // The seller marks the order shipped: the backend posts a system message, shown as a system line.
    await seller.page.locator("#ship").click();
    await eventually(() => seller.page.locator("#status").textContent(), { check: (t) => t === "shipped", timeout: 15_000, message: "status shipped" });
    const line = buyer.page.locator("[part=system-message]", { hasText: "Order #A-1001 shipped" });
    await line.waitFor({ timeout: 15_000 });
    assert.equal(await buyer.page.locator("[part=message]", { hasText: "Order #A-1001 shipped" }).count(), 0, "not a message bubble");
    await seller.page.locator("[part=system-message]", { hasText: "Order #A-1001 shipped" }).waitFor({ timeout: 15_000 });
    const history = (await a.api.listMessages(first)).items;
    const sys = history.find((m) => m.text === "Order #A-1001 shipped");
    assert.ok(sys, JSON.stringify(history));
    assert.equal(sys.senderId ?? null, null, "a system message has no sender");

    // In the buyer's widget, people search: Sam is there (control), Sue of Shop B is not.
    await buyer.page.locator("[part=back]").click();
    await buyer.page.locator("[part=new-chat]").click();
    const search = buyer.page.locator("[part=user-search]");
    await search.fill("Sa");
    await eventually(() => buyer.page.locator("[part=user-result]").allTextContents(), {
      check: (t) => t.length === 1 && t[0]!.includes("Sam (seller at Shop A)"),
      timeout: 10_000,
      message: "Sam found",
    });
    await search.fill("Sue");
    await buyer.page.getByText("Nobody found").waitFor({ timeout: 10_000 });
    assert.equal(await buyer.page.locator("[part=user-result]").count(), 0);

    // Both were online throughout: whatever comes due now, nobody at Shop A gets an e-mail.
    await s.services.unreadNotifier.run(Date.now() + 3_600_000);
    await deliveriesSettled(a);
    assert.deepEqual(readOutbox(a.outbox), []);
    assert.deepEqual(buyer.errors, []);
    assert.deepEqual(seller.errors, []);
  });

  test("webhook: Sue (seller at Shop B) is offline; one notification.unread reaches the backend, verified, one e-mail in the outbox", async () => {
    const b = sites.b!;
    browser ??= await launchBrowser();
    assert.deepEqual(readOutbox(b.outbox), []);
    const buyer = await newTab(browser, `${b.url}/login?as=b-buyer`);
    tabs.push(buyer);
    await buyer.page.locator("[part=launcher]").waitFor({ timeout: 20_000 });
    const conversationId = await contactSeller(buyer);
    await buyer.page.locator("[part=conversation]", { hasText: "Order #B-2001" }).click({ timeout: 15_000 });
    await buyer.page.locator("[part=composer-input]").waitFor({ state: "visible", timeout: 20_000 });
    const text = `Does the lamp take E27 bulbs? ${Date.now().toString(36)}`;
    await widgetSend(buyer.page, text);
    await eventually(() => buyer.page.locator("[part=message][data-status=sent]", { hasText: text }).count(), {
      check: (n) => n === 1,
      timeout: 15_000,
      message: "buyer's message confirmed",
    });

    // The webhook arrives (Parley POSTs to the site, the site verifies it) and the e-mail is written.
    const mails = await eventually(() => readOutbox(b.outbox) as Mail[], {
      check: (m) => m.length > 0,
      timeout: 30_000,
      interval: 100,
      message: "an e-mail in Shop B's outbox",
    });
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.sub, "b-seller");
    assert.equal(mails[0]!.to, "b-seller@shop-b.example");
    assert.match(mails[0]!.subject, /You have 1 unread message at Shop B/);
    assert.deepEqual(mails[0]!.conversations, [{ conversationId, unreadCount: 1 }]);
    await deliveriesSettled(b);

    // A delivery that does not verify is refused and writes nothing.
    const forged = JSON.stringify({
      id: "whd_forged",
      type: "notification.unread",
      seq: 1,
      appId: b.app.id,
      at: new Date().toISOString(),
      data: { userId: "x", sub: "b-seller", conversations: [] },
    });
    const unsigned = await fetch(`${b.url}/parley/webhook`, { method: "POST", headers: { "Content-Type": "application/json" }, body: forged });
    assert.equal(unsigned.status, 400);
    const [hook] = await b.api.listWebhooks();
    const t = Math.floor(Date.now() / 1000);
    const badSig = await fetch(`${b.url}/parley/webhook`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Parley-Signature": `t=${t},kid=${hook!.id},v1=${"0".repeat(64)}` },
      body: forged,
    });
    assert.equal(badSig.status, 400);

    // Still the same quiet period: another message, and whatever comes due, no second e-mail.
    const again = `And a shade? ${Date.now().toString(36)}`;
    await widgetSend(buyer.page, again);
    await eventually(() => buyer.page.locator("[part=message][data-status=sent]", { hasText: again }).count(), {
      check: (n) => n === 1,
      timeout: 15_000,
      message: "second message confirmed",
    });
    assert.equal(await s.services.unreadNotifier.run(Date.now() + 3_600_000), 0);
    await deliveriesSettled(b);
    assert.equal(readOutbox(b.outbox).length, 1);

    // The page shows the outbox.
    await buyer.page.reload();
    await eventually(() => buyer.page.locator("#outbox li").allTextContents(), {
      check: (l) => l.length === 1 && l[0]!.includes("b-seller@shop-b.example"),
      timeout: 10_000,
      message: "outbox on the page",
    });
    assert.deepEqual(buyer.errors, []);
  });

  // As the README runs it: plain Node, @parley/sdk/server from sdk/dist, keys from the environment.
  test("node examples/marketplace/server.mjs: both shops start on their server keys; contact and ship work", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_SERVER: s.url, UNREAD_AFTER_SEC: "1" };
    delete env["NODE_OPTIONS"];
    const ports: Record<string, number> = {};
    for (const key of ["A", "B"]) {
      ports[key] = await freePort();
      const app = await s.createTenant(`CLI Shop ${key}`, [`http://localhost:${ports[key]}`]);
      const serverKey = await s.services.serverKeys.create(app.id);
      Object.assign(env, {
        [`SHOP_${key}_APP`]: app.id,
        [`SHOP_${key}_KEY_ID`]: serverKey.id,
        [`SHOP_${key}_KEY_SECRET`]: serverKey.secret,
        [`SHOP_${key}_PORT`]: String(ports[key]),
      });
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), "parley-marketplace-"));
    env["MARKETPLACE_DATA_DIR"] = dataDir;
    const child = spawn(process.execPath, [path.join(ROOT, "examples/marketplace/server.mjs")], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await eventually(
        () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out}`);
          if (!out.includes(`Shop B: http://localhost:${ports["B"]}`)) throw new Error(`not started yet: ${out}`);
          return true;
        },
        { timeout: 20_000, interval: 100, message: "marketplace start-up lines" },
      );
      const base = `http://127.0.0.1:${ports["A"]}`;
      const as = (sub: string) => ({ Cookie: `sid=${sub}` });
      const home = await fetch(`${base}/`, { headers: as("a-buyer") });
      assert.equal(home.status, 200);
      assert.match(await home.text(), /Order #A-1001[\s\S]*data-token="ey/);
      const contact = async (): Promise<string> => {
        const res = await fetch(`${base}/orders/A-1001/contact`, { method: "POST", headers: as("a-buyer") });
        assert.equal(res.status, 200);
        return ((await res.json()) as { conversationId: string }).conversationId;
      };
      const id = await contact();
      assert.equal(await contact(), id);
      const ship = await fetch(`${base}/orders/A-1001/ship`, { method: "POST", headers: as("a-seller") });
      assert.deepEqual(await ship.json(), { status: "shipped", conversationId: id });
      const asShopA = new ParleyServer({ server: s.url, keyId: env["SHOP_A_KEY_ID"]!, secret: env["SHOP_A_KEY_SECRET"]! });
      const history = (await asShopA.listMessages(id)).items;
      assert.deepEqual(
        history.map((m) => [m.text, m.senderId ?? null]),
        [["Order #A-1001 shipped", null]],
      );
      assert.match(out, new RegExp(`Outboxes: ${dataDir}`));
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, "SIGKILL");
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
