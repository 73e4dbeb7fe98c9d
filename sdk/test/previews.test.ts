// @parley/sdk/rich's removePreview against a real server: a message's link preview (fetched by the
// server from a local page on 127.0.0.2) reaches the other client's store through message.updated,
// the sender's removal takes it out of both stores, and anyone else's is a ChatError 403.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { isChatError } from "../src/index.js";
import { removePreview } from "../src/rich.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
let page: Server;
let base: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  page = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end('<head><meta property="og:title" content="A shop"></head>'));
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.2", resolve));
  base = `http://127.0.0.2:${(page.address() as AddressInfo).port}`;
  s = await startServer({ PREVIEW_ALLOW_PRIVATE: "127.0.0.2/32" });
  app = (await s.createTenant("Previews SDK")).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
  page.closeAllConnections();
  await new Promise((resolve) => page.close(resolve));
});

describe("@parley/sdk/rich removePreview", () => {
  test("the preview reaches the other store; the sender removes it; anyone else gets a 403", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const sent = await dm.send(`see ${base}/shop`);
    const previewIn = (who: typeof ann) => who.store.state.threads[dm.id]?.messages.find((m) => m.id === sent.id)?.preview;
    await until(() => previewIn(ben)?.title === "A shop", "Ben's store shows the card");
    assert.equal(previewIn(ben)?.url, `${base}/shop`);
    await assert.rejects(removePreview(ben, sent.id), (e: unknown) => isChatError(e) && e.code === "forbidden" && e.status === 403);
    await removePreview(ann, sent.id);
    await until(() => previewIn(ben) === undefined && previewIn(ann) === undefined, "the card is gone from both stores");
    await removePreview(ann, sent.id);
  });
});
