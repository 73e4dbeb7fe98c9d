import { createECDH } from "node:crypto";
import { z } from "zod";
import { urlShapeProblem } from "../webhooks/url-guard.js";

/** A user keeps at most this many subscriptions (devices); a new one past it evicts their oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;
/** The longest endpoint accepted (the push services' own are a few hundred characters). */
export const ENDPOINT_MAX_CHARS = 1024;
/** The most of a message's text a push carries (with the app's text opt-in). */
export const PUSH_TEXT_MAX_CHARS = 200;

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** base64url (padding allowed) that decodes to `bytes` bytes, stored without padding. */
const keyBytes = (bytes: number, max: number, check?: (b: Buffer) => string | null) =>
  z
    .string()
    .max(max)
    .regex(BASE64URL, { message: "Not base64url" })
    .superRefine((v, ctx) => {
      const b = Buffer.from(v, "base64url");
      if (b.length !== bytes) return void ctx.addIssue({ code: "custom", message: `Must decode to ${bytes} bytes` });
      const problem = check?.(b);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((v) => v.replace(/=+$/, ""));

/** A public key the server can agree a secret with: an uncompressed point on P-256. */
function p256Problem(b: Buffer): string | null {
  if (b[0] !== 4) return "Must be an uncompressed P-256 point (0x04…)";
  try {
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.alloc(32, 1));
    ecdh.computeSecret(b);
    return null;
  } catch {
    return "Not a point on P-256";
  }
}

const endpoint = z
  .string()
  .max(ENDPOINT_MAX_CHARS)
  .superRefine((v, ctx) => {
    const problem = urlShapeProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("The push service's URL: http(s), no credentials, a public address");

/** `POST /v1/push/subscriptions`: `subscription.toJSON()` (its `expirationTime` and any other field are dropped). */
export const subscribeBody = z.object({
  endpoint,
  keys: z.object({
    p256dh: keyBytes(65, 100, p256Problem).describe("base64url (padding allowed) of an uncompressed P-256 point: 65 bytes, the first 0x04"),
    auth: keyBytes(16, 40).describe("base64url (padding allowed) of 16 bytes"),
  }),
});
export type SubscribeInput = z.infer<typeof subscribeBody>;

/** `DELETE /v1/push/subscriptions`. */
export const unsubscribeBody = z.object({ endpoint: z.string().min(1).max(ENDPOINT_MAX_CHARS) });
export type UnsubscribeInput = z.infer<typeof unsubscribeBody>;
