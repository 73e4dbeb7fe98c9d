// Two independent host sites ("Shop A" and "Shop B"), each a Parley app of its own, sharing one
// Parley server. Each site logs its users in with its own session and signs a host token for
// Parley with its app secret: no second account, no password at Parley.
//
//   npm run app:create -- --name "Shop A" --origin http://localhost:4001 --json   # -> id, secret
//   npm run app:create -- --name "Shop B" --origin http://localhost:4002 --json
//   PARLEY_SERVER=http://localhost:3000 SHOP_A_APP=… SHOP_A_SECRET=… SHOP_B_APP=… SHOP_B_SECRET=… \
//     node examples/marketplace/server.mjs
import { createHmac } from "node:crypto";
import { createServer } from "node:http";

/** Each site's own users: a buyer and a seller. */
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

/** HS256 JWT with node:crypto: what a host backend signs for Parley. */
export function signHostToken(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const body = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

const tokenFor = (site, person) => signHostToken(site.secret, { sub: person.id, name: person.name, exp: Math.floor(Date.now() / 1000) + 600 });

/** The seller's Parley user id: the backend exchanges the seller's host token once, server to server. */
async function parleyIdOf(site, person) {
  site.ids ??= new Map();
  if (!site.ids.has(person.id)) {
    const res = await fetch(`${site.parley}/v1/auth/host-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Parley-App": site.appId },
      body: JSON.stringify({ token: tokenFor(site, person) }),
    });
    if (!res.ok) throw new Error(`host-token exchange failed: ${res.status}`);
    site.ids.set(person.id, (await res.json()).user.id);
  }
  return site.ids.get(person.id);
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function page(site, user) {
  const seller = PEOPLE[site.key].find((p) => p.sells);
  const sellerId = await parleyIdOf(site, seller);
  const others = Object.values(PEOPLE).flat().filter((p) => p.id.startsWith(site.key));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(site.name)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:32px}.card{border:1px solid #ddd;border-radius:10px;padding:16px;max-width:420px}</style></head>
<body><h1>${escape(site.name)}</h1>
${user ? `<p>Signed in as <b>${escape(user.name)}</b> · <a href="/logout">log out</a></p>` : `<p>Log in as: ${others.map((p) => `<a href="/login?as=${p.id}">${escape(p.name)}</a>`).join(" · ")}</p>`}
<div class="card"><h2>${escape(seller.sells)}</h2><p>Sold by ${escape(seller.name)}</p>
${user && user.id !== seller.id ? `<button id="contact" data-seller="${sellerId}" onclick="Parley.startChat(this.dataset.seller)">Contact seller</button>` : ""}</div>
${user ? `<script src="${site.parley}/widget.js" data-app-id="${site.appId}" data-token="${tokenFor(site, user)}" async></script>` : ""}
</body></html>`;
}

/** Starts one site; resolves with its URL. */
export function startSite(site) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const sid = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
    const user = PEOPLE[site.key].find((p) => p.id === sid);
    if (url.pathname === "/login") {
      const who = PEOPLE[site.key].find((p) => p.id === url.searchParams.get("as"));
      res.writeHead(302, { Location: "/", "Set-Cookie": `sid=${who?.id ?? ""}; Path=/; HttpOnly; SameSite=Lax` }).end();
      return;
    }
    if (url.pathname === "/logout") return void res.writeHead(302, { Location: "/", "Set-Cookie": "sid=; Path=/; Max-Age=0" }).end();
    if (url.pathname !== "/") return void res.writeHead(404).end("not found");
    try {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(await page(site, user));
    } catch (err) {
      res.writeHead(502, { "Content-Type": "text/plain" }).end(String(err.message));
    }
  });
  return new Promise((resolve) => server.listen(site.port ?? 0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server })));
}

/** Both sites. `sites`: { a: {appId, secret, port}, b: {...} }. */
export async function startMarketplace(parley, sites) {
  const a = await startSite({ key: "a", name: "Shop A", parley, ...sites.a });
  const b = await startSite({ key: "b", name: "Shop B", parley, ...sites.b });
  return { a, b, close: () => Promise.all([a, b].map((s) => new Promise((r) => s.server.close(r)))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const parley = env.PARLEY_SERVER ?? "http://localhost:3000";
  const m = await startMarketplace(parley, {
    a: { appId: env.SHOP_A_APP, secret: env.SHOP_A_SECRET, port: 4001 },
    b: { appId: env.SHOP_B_APP, secret: env.SHOP_B_SECRET, port: 4002 },
  });
  console.log(`Shop A: ${m.a.url.replace("127.0.0.1", "localhost")}\nShop B: ${m.b.url.replace("127.0.0.1", "localhost")}`);
}
