import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PushSubscribeRequest } from "@parley/sdk/protocol";

/**
 * Web push from the device's side, with nothing of the server's code: a device's P-256 key pair and
 * auth secret (what a browser's PushManager holds), the RFC 8291 aes128gcm decryption of what a push
 * service delivers, the RFC 8292 VAPID check, and a local push service that records what it gets.
 */

/** One device: its subscription (endpoint on the test's push service) and its private key. */
export class PushDevice {
  private readonly ecdh: ECDH = createECDH("prime256v1");
  readonly publicKey: Buffer;
  readonly authSecret = randomBytes(16);

  constructor(readonly endpoint: string) {
    this.publicKey = this.ecdh.generateKeys();
  }

  /** What `subscription.toJSON()` gives in a browser. */
  subscription(): PushSubscribeRequest {
    return { endpoint: this.endpoint, keys: { p256dh: this.publicKey.toString("base64url"), auth: this.authSecret.toString("base64url") } };
  }

  /**
   * RFC 8291 / RFC 8188: header `salt(16) | rs(4) | idlen(1) | keyid` (the sender's ephemeral
   * public key), then one record: AES-128-GCM of `plaintext | 0x02 | zero padding`.
   */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const rs = body.readUInt32BE(16);
    const idlen = body[20]!;
    const asPublic = body.subarray(21, 21 + idlen);
    const record = body.subarray(21 + idlen);
    if (idlen !== 65 || rs < 18 || record.length > rs) throw new Error(`not one aes128gcm record (idlen ${idlen}, rs ${rs}, ${record.length} bytes)`);
    const ecdhSecret = this.ecdh.computeSecret(asPublic);
    const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), this.publicKey, asPublic]);
    const ikm = Buffer.from(hkdfSync("sha256", ecdhSecret, this.authSecret, keyInfo, 32));
    const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
    const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
    const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (padded[end] !== 2) throw new Error("no final-record delimiter");
    return padded.subarray(0, end).toString("utf8");
  }
}

/**
 * RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed ES256 by the key `k`
 * for the endpoint's origin. Answers the claims, or throws why not.
 */
export function verifyVapid(authorization: string | undefined, expectedKey: string, audience: string): { aud: string; exp: number; sub: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!m) throw new Error(`not a VAPID Authorization header: ${authorization}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  if (k !== expectedKey) throw new Error("signed with another key than the app's");
  const [h, p, sig] = jwt.split(".") as [string, string, string];
  const raw = Buffer.from(k, "base64url");
  const key = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33, 65).toString("base64url") },
    format: "jwk",
  });
  if (!verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "base64url"))) throw new Error("bad VAPID signature");
  const header = JSON.parse(Buffer.from(h, "base64url").toString()) as { alg: string };
  if (header.alg !== "ES256") throw new Error(`alg ${header.alg}`);
  const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as { aud: string; exp: number; sub: string };
  if (claims.aud !== audience) throw new Error(`aud ${claims.aud}, expected ${audience}`);
  if (claims.exp * 1000 <= Date.now() || claims.exp * 1000 > Date.now() + 24 * 3600_000 + 60_000) throw new Error(`exp ${claims.exp} out of range`);
  return claims;
}

/** One request the push service got. */
export interface Delivered {
  path: string;
  /** When it arrived (ms). */
  at: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A local push service: records every POST (by path: one path per device) and answers what
 * `answer` says (201 by default). With `hold` set, answers wait until `release()`.
 */
export class PushReceiver {
  readonly received: Delivered[] = [];
  answer: (d: Delivered) => number = () => 201;
  hold = false;
  private held: (() => void)[] = [];
  private readonly server: Server;
  private waiters: (() => void)[] = [];
  url = "";

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const d: Delivered = { path: req.url ?? "", at: Date.now(), headers: req.headers, body: Buffer.concat(chunks) };
        this.received.push(d);
        const reply = (r: ServerResponse): void => {
          r.statusCode = this.answer(d);
          r.end();
        };
        if (this.hold) this.held.push(() => reply(res));
        else reply(res);
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new device whose endpoint is on this push service. */
  device(): PushDevice {
    return new PushDevice(`${this.url}/push/${randomBytes(8).toString("hex")}`);
  }

  /** What reached one device. */
  of(device: PushDevice): Delivered[] {
    const path = new URL(device.endpoint).pathname;
    return this.received.filter((d) => d.path === path);
  }

  /** Resolves once `device` has got `n` pushes; fails after `ms`. */
  async until(device: PushDevice, n: number, ms = 30_000): Promise<Delivered[]> {
    const deadline = Date.now() + ms;
    while (this.of(device).length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`push receiver: ${this.of(device).length} of ${n} pushes arrived for ${device.endpoint}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    return this.of(device);
  }

  release(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }

  close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
