// examples/marketplace/server.mjs: two host sites, two Parley apps, host-signed sign-in, and
// no way across from one app to the other.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
// @ts-expect-error: a plain .mjs example without type declarations
import { signHostToken, startSite } from "../marketplace/server.mjs";
import { api, eventually, BROWSER_SKIP, launchBrowser, newTab, widgetMessage, widgetSend, type Tab } from "./helpers.js";

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

interface Site {
  key: "a" | "b";
  app: { id: string; secret: string };
  url: string;
  server: { close(cb: () => void): void; closeAllConnections(): void };
}

interface Session {
  accessToken: string;
  user: { id: string; displayName: string };
}

describe("the marketplace example: two sites, two apps, one Parley server", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  const sites: Partial<Record<"a" | "b", Site>> = {};
  let browser: Browser | undefined;
  const tabs: Tab[] = [];

  /** What the site's backend does: sign {sub, name, exp} with its app secret; exchanged at Parley. */
  const hostLogin = async (site: Site, sub: string, name: string): Promise<Session> => {
    const token = signHostToken(site.app.secret, { sub, name, exp: Math.floor(Date.now() / 1000) + 600 });
    const res = await api(s.url, "POST", "/auth/host-token", { app: site.app.id, body: { token } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    s = await startServer();
    for (const key of ["a", "b"] as const) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const app = await s.createTenant(`Shop ${key.toUpperCase()}`, [origin]);
      const started = await startSite({ key, name: `Shop ${key.toUpperCase()}`, parley: s.url, appId: app.id, secret: app.secret, port });
      assert.equal(started.url, origin);
      sites[key] = { key, app, url: started.url, server: started.server };
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
    const ana = await hostLogin(a, "a-buyer", "Ana (buyer at Shop A)");
    const sam = await hostLogin(a, "a-seller", "Sam (seller at Shop A)");
    const ben = await hostLogin(b, "b-buyer", "Ben (buyer at Shop B)");
    const sue = await hostLogin(b, "b-seller", "Sue (seller at Shop B)");

    // A host token of one app is not accepted by the other.
    const wrong = await api(s.url, "POST", "/auth/host-token", {
      app: b.app.id,
      body: { token: signHostToken(a.app.secret, { sub: "a-buyer", name: "Ana", exp: Math.floor(Date.now() / 1000) + 600 }) },
    });
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
  });

  test("UI: Ana contacts Sam from Shop A's page, Sam answers; Sue of Shop B cannot be found", async () => {
    const a = sites.a!;
    browser = await launchBrowser();
    const buyer = await newTab(browser, `${a.url}/login?as=a-buyer`);
    tabs.push(buyer);
    const seller = await newTab(browser, `${a.url}/login?as=a-seller`);
    tabs.push(seller);
    await buyer.page.getByText("Signed in as").waitFor();
    assert.match((await buyer.page.locator("p", { hasText: "Signed in as" }).textContent()) ?? "", /Ana \(buyer at Shop A\)/);
    assert.equal(await seller.page.locator("#contact").count(), 0, "no Contact button on the seller's own item");

    // Host-token sign-in: no form, the list is there.
    for (const t of [buyer, seller]) {
      await t.page.locator("[part=launcher]").waitFor({ timeout: 20_000 });
      assert.equal(await t.page.locator("parley-signin").count(), 0);
    }

    const text = `Is the mug dishwasher safe? ${Date.now().toString(36)}`;
    await buyer.page.locator("#contact").click();
    await buyer.page.locator("[part=composer-input]").waitFor({ state: "visible", timeout: 20_000 });
    await eventually(() => buyer.page.locator("[part=panel] h2").textContent(), { check: (t) => t === "Sam (seller at Shop A)", message: "thread with Sam" });
    await widgetSend(buyer.page, text);
    await eventually(() => buyer.page.locator("[part=message][data-status=sent]", { hasText: text }).count(), { check: (n) => n === 1, timeout: 15_000, message: "buyer's message confirmed" });

    // The seller sees it: unread badge, then the conversation and the message.
    await eventually(() => seller.page.locator("[part=badge]").textContent({ timeout: 500 }), { check: (t) => t?.trim() === "1", timeout: 15_000, message: "seller's badge" });
    await seller.page.locator("[part=launcher]").click();
    await seller.page.locator("[part=conversation]", { hasText: "Ana (buyer at Shop A)" }).click({ timeout: 15_000 });
    await widgetMessage(seller.page, text).waitFor({ timeout: 15_000 });
    const answer = "Yes, it is.";
    await widgetSend(seller.page, answer);
    await widgetMessage(buyer.page, answer).waitFor({ timeout: 15_000 });

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
    await search.fill("");
    await eventually(() => buyer.page.locator("[part=user-result]").allTextContents(), {
      check: (t) => t.length === 1 && !t.some((x) => /Shop B/.test(x)),
      timeout: 10_000,
      message: "only Shop A people listed",
    });
    assert.deepEqual(buyer.errors, []);
    assert.deepEqual(seller.errors, []);
  });
});
