// Two independent host sites ("Shop A" and "Shop B"), each a Parley app of its own, sharing one
// Parley server. Each site's backend talks to Parley with one of its app's server keys
// (@parley/sdk/server): it upserts its users, mints host tokens for the widget, creates the
// buyer–seller conversation of an order, posts "Order #… shipped" as a system message, and
// receives signed `notification.unread` webhooks, writing the e-mail it would send to an outbox
// file (JSONL) that its page shows. See README.md for how to run it.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { ParleyServer, verifyWebhook } from "@parley/sdk/server";

/** Each site's own users (a buyer and a seller) and one order between them. */
const PEOPLE = {
  a: [
    { id: "a-buyer", name: "Ana (buyer at Shop A)" },
    { id: "a-seller", name: "Sam (seller at Shop A)", sells: "Handmade mug" },
  ],
  b: [
    { id: "b-buyer", name: "Ben (buyer at Shop B)" },
    { id: "b-seller", name: "Sue (seller at Shop B)", sells: "Vintage lamp" },
  ],
};
const ORDER_IDS = { a: "A-1001", b: "B-2001" };

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const emailOf = (site, person) => `${person.id}@shop-${site.key}.example`;

/** The e-mails written so far (one JSON object a line). */
export function readOutbox(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function readBody(req, max = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > max) reject(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A `notification.unread` event, verified: append the e-mail we would send (once per delivery id). */
function handleWebhook(site, event) {
  if (event.type !== "notification.unread") return;
  if (readOutbox(site.outbox).some((e) => e.id === event.id)) return; // a retry of one we have
  const person = PEOPLE[site.key].find((p) => p.id === event.data.sub);
  if (!person) return;
  const unread = event.data.conversations.reduce((n, c) => n + c.unreadCount, 0);
  const mail = {
    id: event.id,
    at: new Date().toISOString(),
    to: emailOf(site, person),
    sub: person.id,
    subject: `You have ${unread} unread message${unread === 1 ? "" : "s"} at ${site.name}`,
    text: `Hi ${person.name}, you have ${unread} unread message${unread === 1 ? "" : "s"}. Open ${site.url}/ to answer.`,
    conversations: event.data.conversations,
  };
  appendFileSync(site.outbox, `${JSON.stringify(mail)}\n`);
}

function page(site, user, token) {
  const order = site.order;
  const seller = PEOPLE[site.key].find((p) => p.sells);
  const buyer = PEOPLE[site.key].find((p) => !p.sells);
  const others = PEOPLE[site.key];
  const mails = readOutbox(site.outbox);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(site.name)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:32px}.card{border:1px solid #ddd;border-radius:10px;padding:16px;max-width:420px;margin-bottom:16px}</style></head>
<body><h1>${esc(site.name)}</h1>
${user ? `<p>Signed in as <b>${esc(user.name)}</b> · <a href="/logout">log out</a></p>` : `<p>Log in as: ${others.map((p) => `<a href="/login?as=${p.id}">${esc(p.name)}</a>`).join(" · ")}</p>`}
<div class="card" id="order" data-order="${esc(order.id)}"><h2>Order #${esc(order.id)}: ${esc(seller.sells)}</h2>
<p>Sold by ${esc(seller.name)} to ${esc(buyer.name)}</p>
<p>Status: <b id="status">${esc(order.status)}</b></p>
${user?.id === buyer.id ? `<button id="contact">Contact seller</button>` : ""}
${user?.id === seller.id ? `<button id="ship" ${order.status === "shipped" ? "disabled" : ""}>Mark as shipped</button>` : ""}
<p id="conversation"></p></div>
<div class="card"><h2>Outbox</h2><p>The e-mails this shop would send (from <code>notification.unread</code> webhooks):</p>
<ol id="outbox">${mails.map((m) => `<li><b>${esc(m.to)}</b>: ${esc(m.subject)}</li>`).join("")}</ol></div>
<script>
const post = async (p) => { const r = await fetch(p, { method: "POST" }); if (!r.ok) throw new Error(await r.text()); return r.json(); };
document.getElementById("contact")?.addEventListener("click", async (e) => {
  const { conversationId } = await post("/orders/${esc(order.id)}/contact");
  const out = document.getElementById("conversation");
  out.dataset.id = conversationId;
  out.textContent = "Conversation " + conversationId;
  window.Parley?.open();
});
document.getElementById("ship")?.addEventListener("click", async (e) => {
  e.target.disabled = true;
  const { status } = await post("/orders/${esc(order.id)}/ship");
  document.getElementById("status").textContent = status;
});
</script>
${user ? `<script src="${site.parley}/widget.js" data-app-id="${site.appId}" data-token="${esc(token)}" async></script>` : ""}
</body></html>`;
}

/** The order's conversation: created once (key = the order id), the same one every later time. */
async function orderConversation(site) {
  const order = site.order;
  const [buyer, seller] = [PEOPLE[site.key].find((p) => !p.sells), PEOPLE[site.key].find((p) => p.sells)];
  return site.api.createConversation({
    kind: "group",
    name: `Order #${order.id}: ${seller.sells}`,
    users: [buyer.id, seller.id],
    key: order.id,
    data: { orderId: order.id },
  });
}

const json = (res, status, body) => void res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));

/**
 * Starts one site; resolves with its URL. `site`: { key: "a"|"b", name, parley (Parley's URL),
 * appId, keyId, secret (a server key of the app), port?, outbox? (JSONL file), unreadAfterSec? }.
 */
export async function startSite(site) {
  site = { ...site, order: { id: ORDER_IDS[site.key], status: "paid" } };
  site.outbox ??= path.join(tmpdir(), "parley-marketplace", `outbox-${site.key}.jsonl`);
  mkdirSync(path.dirname(site.outbox), { recursive: true });
  site.api = new ParleyServer({ server: site.parley, keyId: site.keyId, secret: site.secret });
  const secrets = { [site.keyId]: site.secret };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://x");
      const sid = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
      const user = PEOPLE[site.key].find((p) => p.id === sid);
      if (req.method === "POST" && url.pathname === "/parley/webhook") {
        const body = await readBody(req);
        let event;
        try {
          event = verifyWebhook(req, secrets, { body });
        } catch (err) {
          return json(res, 400, { error: err.reason ?? "bad_request" });
        }
        handleWebhook(site, event);
        return void res.writeHead(204).end();
      }
      if (url.pathname === "/login") {
        const who = PEOPLE[site.key].find((p) => p.id === url.searchParams.get("as"));
        return void res.writeHead(302, { Location: "/", "Set-Cookie": `sid=${who?.id ?? ""}; Path=/; HttpOnly; SameSite=Lax` }).end();
      }
      if (url.pathname === "/logout") return void res.writeHead(302, { Location: "/", "Set-Cookie": "sid=; Path=/; Max-Age=0" }).end();
      if (req.method === "POST" && url.pathname === `/orders/${site.order.id}/contact`) {
        if (!user) return json(res, 401, { error: "log in first" });
        const conversation = await orderConversation(site);
        return json(res, 200, { conversationId: conversation.id });
      }
      if (req.method === "POST" && url.pathname === `/orders/${site.order.id}/ship`) {
        if (!user?.sells) return json(res, 403, { error: "only the seller ships" });
        const conversation = await orderConversation(site);
        if (site.order.status !== "shipped") {
          site.order.status = "shipped";
          await site.api.sendMessage(conversation.id, { text: `Order #${site.order.id} shipped` }); // no `from`: a system message
        }
        return json(res, 200, { status: site.order.status, conversationId: conversation.id });
      }
      if (url.pathname !== "/") return void res.writeHead(404).end("not found");
      const token = user ? (await site.api.createToken({ sub: user.id, ttlSec: 600 })).hostToken : "";
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page(site, user, token));
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" }).end(String(err.message));
    }
  });
  await new Promise((resolve) => server.listen(site.port ?? 0, "127.0.0.1", resolve));
  site.url = `http://127.0.0.1:${server.address().port}`;

  // Our users exist at Parley before anyone signs in (the seller may never have opened the site).
  for (const p of PEOPLE[site.key]) await site.api.upsertUser({ sub: p.id, name: p.name, email: emailOf(site, p) });
  // Our webhook endpoint (once), and a short unread delay for the demo.
  const hookUrl = `${site.publicUrl ?? site.url}/parley/webhook`;
  const hooks = await site.api.listWebhooks();
  if (!hooks.some((h) => h.url === hookUrl)) await site.api.createWebhook({ url: hookUrl, events: ["notification.unread"] });
  await site.api.setWebhookSettings({ unreadAfterSec: site.unreadAfterSec ?? 30 });
  return { url: site.url, server, outbox: site.outbox, site };
}

/** Both sites. `sites`: { a: {appId, keyId, secret, port}, b: {...} }. */
export async function startMarketplace(parley, sites, opts = {}) {
  const a = await startSite({ key: "a", name: "Shop A", parley, ...opts, ...sites.a });
  const b = await startSite({ key: "b", name: "Shop B", parley, ...opts, ...sites.b });
  return { a, b, close: () => Promise.all([a, b].map((s) => new Promise((r) => s.server.close(r)))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const parley = env.PARLEY_SERVER ?? "http://localhost:3000";
  const dataDir = env.MARKETPLACE_DATA_DIR ?? path.join(tmpdir(), "parley-marketplace");
  const unreadAfterSec = Number(env.UNREAD_AFTER_SEC ?? 30);
  const m = await startMarketplace(
    parley,
    {
      a: {
        appId: env.SHOP_A_APP,
        keyId: env.SHOP_A_KEY_ID,
        secret: env.SHOP_A_KEY_SECRET,
        port: Number(env.SHOP_A_PORT ?? 4001),
        outbox: path.join(dataDir, "outbox-a.jsonl"),
      },
      b: {
        appId: env.SHOP_B_APP,
        keyId: env.SHOP_B_KEY_ID,
        secret: env.SHOP_B_KEY_SECRET,
        port: Number(env.SHOP_B_PORT ?? 4002),
        outbox: path.join(dataDir, "outbox-b.jsonl"),
      },
    },
    { unreadAfterSec },
  );
  console.log(`Shop A: ${m.a.url.replace("127.0.0.1", "localhost")}\nShop B: ${m.b.url.replace("127.0.0.1", "localhost")}`);
  console.log(`Outboxes: ${m.a.outbox}, ${m.b.outbox}`);
}
