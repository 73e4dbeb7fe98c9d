import { createHmac, timingSafeEqual } from "node:crypto";
import { WEBHOOK_HEADERS, type WebhookPayload } from "../protocol/index.js";

/** The header Parley signs each delivery in: `t=<unix seconds>,kid=<key id>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = WEBHOOK_HEADERS.signature.toLowerCase();
/** How far a delivery's timestamp may be from now before it is refused as a replay. */
export const DEFAULT_WEBHOOK_TOLERANCE_SEC = 300;

/** A verified delivery's event, narrowed by `type` (the protocol's `WebhookPayload`). */
export type WebhookEvent = WebhookPayload;

type HeaderValue = string | string[] | undefined;
/** A Fetch `Headers`, or a plain object such as Node's `req.headers` (names in any case). */
export type HeadersLike = { get(name: string): string | null } | Record<string, HeaderValue>;

export interface WebhookRequest {
  headers: HeadersLike;
  /** The raw body, exactly as received: parse it only after verifying. */
  body: string | Uint8Array;
}

export interface VerifyWebhookOptions {
  /** The raw body, when `input` is a Node IncomingMessage (whose stream you already read). */
  body?: string | Uint8Array;
  /** Seconds of clock difference accepted (default {@link DEFAULT_WEBHOOK_TOLERANCE_SEC}). */
  toleranceSec?: number;
  /** The current time in ms (tests). */
  now?: number;
}

export type WebhookVerificationReason = "missing_signature" | "malformed_signature" | "unknown_kid" | "bad_signature" | "stale_timestamp" | "bad_body";

/** Why a delivery was refused; answer 400 (or 401) and do not act on it. */
export class WebhookVerificationError extends Error {
  readonly reason: WebhookVerificationReason;
  constructor(reason: WebhookVerificationReason, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}

/**
 * Verifies a webhook delivery's `Parley-Signature` (HMAC-SHA256 of `"<t>.<raw body>"` with the
 * key named by `kid`, compared in constant time, `t` within the tolerance) and returns its event.
 *
 * `secrets` is a `{ kid: secret }` map of the app's server keys — keep the old and the new key
 * in it while rotating — or a single secret (then `kid` is not checked). Throws a {@link WebhookVerificationError}.
 *
 * ```ts
 * app.post("/parley", express.raw({ type: "application/json" }), (req, res) => {
 *   const event = verifyWebhook({ headers: req.headers, body: req.body }, { [KEY_ID]: SECRET });
 *   if (event.type === "notification.unread") sendEmail(event.data.sub, event.data.conversations);
 *   res.sendStatus(204);
 * });
 * ```
 */
export function verifyWebhook(
  input: WebhookRequest | { headers: HeadersLike },
  secrets: Record<string, string> | string,
  opts: VerifyWebhookOptions = {},
): WebhookEvent {
  const raw = rawBody(opts.body ?? ("body" in input && isRaw(input.body) ? input.body : undefined));
  const header = headerOf(input.headers, SIGNATURE_HEADER);
  if (!header) throw new WebhookVerificationError("missing_signature", "No Parley-Signature header");

  let t: string | undefined;
  let kid: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const i = part.indexOf("=");
    const [k, v] = [part.slice(0, i).trim(), part.slice(i + 1).trim()];
    if (k === "t") t = v;
    else if (k === "kid") kid = v;
    else if (k === "v1") signatures.push(v);
  }
  if (!t || !/^\d+$/.test(t) || signatures.length === 0 || signatures.some((s) => !/^[0-9a-f]{64}$/i.test(s))) {
    throw new WebhookVerificationError("malformed_signature", "Parley-Signature is not t=<seconds>,kid=<kid>,v1=<hex>");
  }

  let secret: string | undefined;
  if (typeof secrets === "string") secret = secrets;
  else if (kid !== undefined && Object.hasOwn(secrets, kid)) secret = secrets[kid];
  if (!secret) throw new WebhookVerificationError("unknown_kid", `No secret for key id ${JSON.stringify(kid ?? "")}`);

  const expected = createHmac("sha256", secret).update(`${t}.`).update(raw).digest();
  if (!signatures.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected))) {
    throw new WebhookVerificationError("bad_signature", "Parley-Signature does not match the body");
  }
  // Checked after the signature, so that a forged timestamp is reported as forged.
  const tolerance = opts.toleranceSec ?? DEFAULT_WEBHOOK_TOLERANCE_SEC;
  if (Math.abs((opts.now ?? Date.now()) / 1000 - Number(t)) > tolerance) {
    throw new WebhookVerificationError("stale_timestamp", `Parley-Signature timestamp is more than ${tolerance}s from now`);
  }

  let event: unknown;
  try {
    event = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new WebhookVerificationError("bad_body", "The signed body is not JSON");
  }
  if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string") {
    throw new WebhookVerificationError("bad_body", "The signed body is not a Parley event");
  }
  return event as WebhookEvent;
}

const isRaw = (b: unknown): b is string | Uint8Array => typeof b === "string" || b instanceof Uint8Array;

function rawBody(body: string | Uint8Array | undefined): Buffer {
  if (body === undefined) throw new WebhookVerificationError("bad_body", "verifyWebhook needs the raw body (a string or Buffer), not a parsed object");
  return typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function headerOf(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, HeaderValue>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
