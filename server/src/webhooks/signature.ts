import { createHmac } from "node:crypto";

/**
 * The `Parley-Signature` header of a delivery: `t=<unix seconds>,kid=<key id>,v1=<hex>`, where
 * v1 = hex(HMAC-SHA256(secret, `${t}.${rawBody}`)). A receiver recomputes v1 with the secret of
 * key `kid` over the raw body it received, compares in constant time and refuses an old `t`
 * (the server SDK's `verifyWebhook` does exactly this).
 */
export function signWebhook(rawBody: string, key: { id: string; secret: string }, nowSec: number = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac("sha256", key.secret).update(`${nowSec}.${rawBody}`).digest("hex");
  return `t=${nowSec},kid=${key.id},v1=${v1}`;
}
