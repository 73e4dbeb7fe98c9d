import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { DataSource } from "typeorm";
import { WEBHOOK_HEADERS, type WebhookEventType } from "@parley/sdk/protocol";
import type { ServerKeysService } from "../server-api/server-keys.service.js";
import { newId } from "../shared/ids.js";
import { signWebhook } from "./signature.js";
import { guardedLookup } from "./url-guard.js";

export interface WebhookCallDeps {
  db: DataSource;
  serverKeys: Pick<ServerKeysService, "live">;
  /** WEBHOOK_ALLOW_PRIVATE: endpoints on loopback and private networks. */
  allowPrivate: boolean;
}

/** A call's outcome: the endpoint's 2xx answer (its body, bounded), or why there is none, in words the model may read. */
export type WebhookAnswer = { ok: true; status: number; body: string } | { ok: false; error: string };

/**
 * A synchronous webhook (issue 54: an agent's tool call, which the model waits for): one POST to
 * the app's oldest endpoint subscribed to `type`, the body a delivery payload (`seq` 0: it is in
 * no event log) signed exactly as the outbox's deliveries (signature.ts, the app's newest live
 * server key; the same headers), so a receiver verifies it with the same code. Not queued and not
 * retried: the answer is needed now. It has `timeoutMs` to answer and at most `maxBytes` of body;
 * anything else (no endpoint, no key, a refusal, a timeout, an answer too large) is an error.
 */
export async function callWebhook(
  deps: WebhookCallDeps,
  appId: string,
  type: WebhookEventType,
  data: unknown,
  opts: { timeoutMs: number; maxBytes: number },
): Promise<WebhookAnswer> {
  const endpoints: { url: string; events: string }[] = await deps.db.query("SELECT url, events FROM webhook_endpoints WHERE appId = ? ORDER BY createdAt, id", [
    appId,
  ]);
  const endpoint = endpoints.find((e) => e.events.split(",").includes(type));
  if (!endpoint) return { ok: false, error: `No webhook endpoint of the app is subscribed to ${type}` };
  const key = (await deps.serverKeys.live(appId))[0];
  if (!key) return { ok: false, error: "No live server key to sign the call with" };
  const id = newId("whc");
  const body = JSON.stringify({ id, type, seq: 0, appId, at: new Date().toISOString(), data });
  const headers = {
    "Content-Type": "application/json",
    "User-Agent": "Parley-Webhooks/1",
    [WEBHOOK_HEADERS.signature]: signWebhook(body, key),
    [WEBHOOK_HEADERS.delivery]: id,
    [WEBHOOK_HEADERS.event]: type,
    [WEBHOOK_HEADERS.seq]: "0",
    "Content-Length": String(Buffer.byteLength(body)),
  };
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    return { ok: false, error: "The webhook's URL is invalid" };
  }
  return new Promise<WebhookAnswer>((resolve) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      { method: "POST", headers, lookup: guardedLookup(deps.allowPrivate), signal: AbortSignal.timeout(opts.timeoutMs) },
      (res) => {
        const status = res.statusCode ?? 0;
        const parts: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) {
            resolve({ ok: false, error: `The webhook's answer was larger than ${opts.maxBytes} bytes` });
            return void req.destroy();
          }
          parts.push(c);
        });
        res.on("error", () => resolve({ ok: false, error: "The webhook's answer was cut off" }));
        res.on("end", () =>
          resolve(
            status >= 200 && status < 300
              ? { ok: true, status, body: Buffer.concat(parts).toString("utf8") }
              : { ok: false, error: `The webhook answered HTTP ${status}` },
          ),
        );
      },
    );
    req.on("error", (err: Error) =>
      resolve({
        ok: false,
        error:
          err.name === "AbortError" || err.name === "TimeoutError"
            ? `The webhook did not answer within ${opts.timeoutMs} ms`
            : "The webhook could not be reached",
      }),
    );
    req.end(body);
  });
}
