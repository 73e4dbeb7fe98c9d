import assert from "node:assert/strict";
import dns from "node:dns";
import dnsPromises from "node:dns/promises";
import { createServer, type Server } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import type { AddressInfo } from "node:net";
import { after, before, describe, mock, test } from "node:test";
import { WebhookDeliveryEntity, WebhookEndpointEntity } from "../src/webhooks/webhook.entities.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { eventually } from "./helpers/sockets.js";

/**
 * The webhook SSRF guard against every form of a non-public address, IPv6 ones included (red-team
 * finding G1): refused when an endpoint is registered, and again when a delivery connects. Only
 * globally routable unicast passes; an address that embeds an IPv4 one (IPv4-mapped, 6to4, Teredo,
 * NAT64) passes only when that IPv4 address would.
 */

/** Refused at registration: [URL, what it is]. */
const REFUSED: [string, string][] = [
  ["http://[::127.0.0.1]/hook", "IPv4-compatible 127.0.0.1"],
  ["http://[::8.8.8.8]/hook", "IPv4-compatible (deprecated, routed nowhere) even around a public address"],
  ["http://[::ffff:0:7f00:1]/hook", "SIIT (IPv4-translated) 127.0.0.1"],
  ["http://[::ffff:7f00:1]/hook", "IPv4-mapped 127.0.0.1 in hex"],
  ["http://[::ffff:169.254.169.254]/hook", "IPv4-mapped cloud metadata address"],
  ["http://[2002:7f00:1::]/hook", "6to4 of 127.0.0.1"],
  ["http://[2002:a9fe:a9fe::1]/hook", "6to4 of 169.254.169.254"],
  ["http://[2001:0:101:101::80ff:fffe]/hook", "Teredo whose client is 127.0.0.1"],
  ["http://[2001:0:a00:1::fefe:fefe]/hook", "Teredo whose server is 10.0.0.1"],
  ["http://[64:ff9b::7f00:1]/hook", "NAT64 of 127.0.0.1"],
  ["http://[64:ff9b::a00:1]/hook", "NAT64 of 10.0.0.1"],
  ["http://[64:ff9b:1::808:808]/hook", "local-use NAT64 prefix"],
  ["http://[fec0::1]/hook", "site-local"],
  ["http://[100::1]/hook", "discard-only"],
  ["http://[::]/hook", "unspecified IPv6"],
  ["http://[ff02::1]/hook", "IPv6 multicast"],
  ["http://[2001:db8::1]/hook", "IPv6 documentation"],
  ["http://[3fff::1]/hook", "IPv6 documentation (3fff::/20)"],
  ["http://[2001:2::1]/hook", "IPv6 benchmarking"],
  ["http://[2001:20::1]/hook", "ORCHIDv2 (IETF protocol assignments)"],
  ["http://[5f00::1]/hook", "SRv6 SIDs"],
  ["http://[4000::1]/hook", "outside global unicast 2000::/3"],
  ["http://192.0.2.1/hook", "TEST-NET-1"],
  ["http://198.51.100.1/hook", "TEST-NET-2"],
  ["http://203.0.113.1/hook", "TEST-NET-3"],
  ["http://198.18.0.1/hook", "IPv4 benchmarking"],
  ["http://192.0.0.8/hook", "IETF protocol assignments"],
  ["http://192.88.99.1/hook", "deprecated 6to4 relay anycast"],
  ["http://224.0.0.1/hook", "IPv4 multicast"],
  ["http://240.0.0.1/hook", "reserved 240/4"],
  ["http://255.255.255.255/hook", "limited broadcast"],
  ["http://100.127.255.254/hook", "CGNAT"],
  ["http://0.1.2.3/hook", "0/8"],
  ["http://rebound-compat.test/hook", "a name resolving to IPv4-compatible 127.0.0.1"],
  ["http://rebound-6to4.test/hook", "a name resolving to 6to4 of 127.0.0.1"],
  ["http://rebound-mixed.test/hook", "a name with one public and one site-local address"],
];

/** Accepted at registration: [URL, what it is]. */
const ACCEPTED: [string, string][] = [
  ["http://1.1.1.1/hook", "public IPv4"],
  ["https://8.8.8.8/hook", "public IPv4 over https"],
  ["http://[2606:4700::1111]/hook", "public IPv6"],
  ["http://[2a00:1450:4001:80b::200e]/hook", "public IPv6 (another RIR)"],
  ["http://[::ffff:1.1.1.1]/hook", "IPv4-mapped public address"],
  ["http://[64:ff9b::808:808]/hook", "NAT64 of a public address (what DNS64 answers on IPv6-only hosts)"],
  ["http://[2002:808:808::1]/hook", "6to4 of a public address"],
  ["http://public-v6.test/hook", "a name resolving to a public IPv6 address"],
];

/**
 * What the fake resolver answers. We control no DNS server and /etc/hosts is not ours to edit, so
 * these names (under .test, which real DNS never answers) resolve here; any other name goes to
 * the real resolver.
 */
const FAKE_DNS: Record<string, { address: string; family: 4 | 6 }[]> = {
  "rebound-compat.test": [{ address: "::127.0.0.1", family: 6 }],
  "rebound-6to4.test": [{ address: "2002:7f00:1::", family: 6 }],
  "rebound-siit.test": [{ address: "::ffff:0:7f00:1", family: 6 }],
  "rebound-mixed.test": [
    { address: "2606:4700::1111", family: 6 },
    { address: "fec0::1", family: 6 },
  ],
  "public-v6.test": [{ address: "2606:4700::1111", family: 6 }],
};

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** Routes FAKE_DNS names to their answers in both dns APIs the guard uses, callback and promise. */
function fakeResolver(): void {
  const realLookup = dns.lookup;
  const realPromise = dnsPromises.lookup;
  mock.method(dns, "lookup", (host: string, options: unknown, callback?: LookupCallback) => {
    const fake = FAKE_DNS[host];
    if (!fake) return (realLookup as (...a: unknown[]) => void)(host, options, callback);
    const cb = (callback ?? options) as LookupCallback;
    const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all;
    process.nextTick(() => (all ? cb(null, fake) : cb(null, fake[0]!.address, fake[0]!.family)));
  });
  mock.method(dnsPromises, "lookup", async (host: string, options?: { all?: boolean }) => {
    const fake = FAKE_DNS[host];
    if (!fake) return realPromise(host, options as dns.LookupAllOptions);
    return options?.all ? fake : fake[0];
  });
  // The guard imports `lookup` by name; named imports of a builtin see a mock only once synced.
  syncBuiltinESMExports();
}

describe("webhook URL guard: special-purpose and IPv6 address forms", () => {
  let strict: TestServer;
  let auth = "";

  before(async () => {
    fakeResolver();
    strict = await startServer({ WEBHOOK_POLL_MS: "20", WEBHOOK_ENDPOINT_CACHE_MS: "0" });
    const { id } = await strict.createTenant();
    const key = await strict.services.serverKeys.create(id);
    auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  });
  after(async () => {
    await strict?.close();
    mock.restoreAll();
    syncBuiltinESMExports();
  });

  const register = (url: string) => strict.api.post("/server/webhooks", { headers: { Authorization: auth }, body: { url, events: ["message.new"] } });

  for (const [url, what] of REFUSED) {
    test(`refuses to register ${what} (${url})`, async () => {
      const res = await register(url);
      // A wrongly accepted endpoint is removed at once: the app's limit of 10 would fail the rows after it.
      if (res.status === 201) await strict.api.del(`/server/webhooks/${res.body.endpoint.id}`, { headers: { Authorization: auth } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "validation_failed");
      assert.match(res.body.error.message, /private|local/);
    });
  }

  for (const [url, what] of ACCEPTED) {
    test(`registers ${what} (${url})`, async () => {
      const res = await register(url);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal((await strict.api.del(`/server/webhooks/${res.body.endpoint.id}`, { headers: { Authorization: auth } })).status, 204);
    });
  }

  test("re-checks every address when delivering: an endpoint now pointing at a non-public one is not called", async () => {
    const { id: app } = await strict.createTenant("Rebound IPv6");
    await strict.services.serverKeys.create(app);
    // As if each had been registered while public, or had its DNS answer changed since.
    const urls: Record<string, string> = {
      whe_g1_compat: "http://[::127.0.0.1]:9/hook",
      whe_g1_siit: "http://[::ffff:0:7f00:1]:9/hook",
      whe_g1_6to4: "http://[2002:7f00:1::]:9/hook",
      whe_g1_teredo: "http://[2001:0:101:101::80ff:fffe]:9/hook",
      whe_g1_sitelocal: "http://[fec0::1]:9/hook",
      whe_g1_discard: "http://[100::1]:9/hook",
      whe_g1_dns_compat: "http://rebound-compat.test:9/hook",
      whe_g1_dns_siit: "http://rebound-siit.test:9/hook",
      whe_g1_dns_mixed: "http://rebound-mixed.test:9/hook",
    };
    for (const [id, url] of Object.entries(urls)) {
      await strict.services.db
        .getRepository(WebhookEndpointEntity)
        .insert({ id, appId: app, url, events: "message.new", createdAt: Date.now(), leaseOwner: null, leaseUntil: 0 });
    }
    const alice = await strict.api.register(app);
    const bob = await strict.api.register(app);
    const dm = await strict.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    await strict.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: alice.accessToken, body: { text: "x" } });
    const rows = strict.services.db.getRepository(WebhookDeliveryEntity);
    const missed: string[] = [];
    for (const endpointId of Object.keys(urls)) {
      await eventually(async () => ((await rows.findOneBy({ endpointId }))?.attempts ?? 0) >= 1, `an attempt to ${endpointId}`);
      const row = await rows.findOneByOrFail({ endpointId });
      if (!/private address/.test(row.lastError ?? "") || row.status !== "pending") missed.push(`${urls[endpointId]}: ${row.status} ${row.lastError}`);
    }
    assert.deepEqual(missed, [], "every delivery refused before connecting");
  });
});

describe("webhook delivery: redirects", () => {
  let open: TestServer;
  let first: Server;
  let second: Server;
  let secondHits = 0;

  before(async () => {
    second = createServer((_req, res) => {
      secondHits++;
      res.end();
    });
    await new Promise<void>((resolve) => second.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(second.address() as AddressInfo).port}/hook`;
    first = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { Location: target }).end();
    });
    await new Promise<void>((resolve) => first.listen(0, "127.0.0.1", resolve));
    // Loopback receivers need private targets allowed; a redirect the dispatcher followed would then reach `second`.
    open = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20", WEBHOOK_ENDPOINT_CACHE_MS: "0" });
  });
  after(async () => {
    await open?.close();
    first?.close();
    second?.close();
  });

  test("never follows a redirect, so no hop escapes the per-connection check", async () => {
    const { id: app } = await open.createTenant();
    const key = await open.services.serverKeys.create(app);
    const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    const url = `http://127.0.0.1:${(first.address() as AddressInfo).port}/hook`;
    const ep = await open.api.post("/server/webhooks", { headers, body: { url, events: ["message.new"] } });
    assert.equal(ep.status, 201, JSON.stringify(ep.body));
    const alice = await open.api.register(app);
    const bob = await open.api.register(app);
    const dm = await open.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    await open.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: alice.accessToken, body: { text: "x" } });
    const rows = open.services.db.getRepository(WebhookDeliveryEntity);
    const endpointId = ep.body.endpoint.id as string;
    await eventually(async () => ((await rows.findOneBy({ endpointId }))?.attempts ?? 0) >= 1, "an attempt");
    const row = await rows.findOneByOrFail({ endpointId });
    assert.equal(row.lastError, "HTTP 307");
    assert.equal(row.status, "pending");
    assert.equal(secondHits, 0);
  });
});
