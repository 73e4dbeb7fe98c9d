import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { guardedLookup, isPrivateAddress } from "../webhooks/url-guard.js";

/** A push service has this long to answer before the attempt counts as failed. */
export const PUSH_TIMEOUT_MS = 10_000;

/** How one POST to a push service ended: its status, or why there was none. */
export type PushOutcome = { status: number; retryAfterSec?: number } | { error: string };

/**
 * POSTs one prepared push (web-push's generateRequestDetails: encrypted body, VAPID and TTL
 * headers) to its endpoint, with the webhooks' guard: the address connected to is checked after
 * resolution (guardedLookup), an IP literal before, and only https unless private targets are
 * allowed (tests). web-push's own sender cannot be given that guard for http, so this one sends.
 */
export function postPush(endpoint: string, headers: Record<string, string | number>, body: Buffer | null, allowPrivate: boolean): Promise<PushOutcome> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(endpoint);
    } catch {
      return resolve({ error: "invalid URL" });
    }
    if (u.protocol !== "https:" && !(allowPrivate && u.protocol === "http:")) return resolve({ error: `refused: ${u.protocol} endpoint` });
    const host = u.hostname.replace(/^\[|\]$/g, "");
    if (!allowPrivate && isIP(host) && isPrivateAddress(host)) return resolve({ error: `refused: ${host} is a private address` });
    const request = u.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(
      u,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(body?.length ?? 0) },
        lookup: guardedLookup(allowPrivate),
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      },
      (res) => {
        res.resume();
        res.on("error", () => undefined);
        const retryAfter = Number(res.headers["retry-after"]);
        resolve({ status: res.statusCode ?? 0, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSec: retryAfter } : {}) });
      },
    );
    req.on("error", (err: Error & { code?: string }) =>
      resolve({
        error: (err.name === "AbortError" || err.name === "TimeoutError"
          ? `timed out after ${PUSH_TIMEOUT_MS} ms`
          : err.message || err.code || "request failed"
        ).slice(0, 300),
      }),
    );
    req.end(body ?? undefined);
  });
}
