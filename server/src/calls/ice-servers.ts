import { createHmac } from "node:crypto";
import type { IceServer, IceServersResponse } from "@parley/sdk/protocol";
import type { CallsConfig } from "../config/calls.js";

/**
 * TURN REST credentials (draft-uberti-behave-turn-rest, what coturn's `use-auth-secret` checks):
 * the username is `<expiry, unix seconds>:<user id>` and the credential the base64 HMAC-SHA1 of the
 * username keyed with the secret coturn shares. coturn recomputes it and refuses it once the expiry
 * has passed, so the secret itself never leaves the server and what a browser holds stops working.
 */
export function turnCredentials(secret: string, userId: string, ttlSec: number, nowMs = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSec}:${userId}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return { username, credential };
}

/**
 * The ICE servers a user's `RTCPeerConnection` gets: STUN as configured, TURN with credentials of
 * their own. None configured: an empty list (peers on one network connect without either).
 */
export function iceServersFor(config: Pick<CallsConfig, "stunUrls" | "turn">, userId: string, nowMs = Date.now()): IceServersResponse {
  const iceServers: IceServer[] = [];
  if (config.stunUrls.length > 0) iceServers.push({ urls: [...config.stunUrls] });
  const turn = config.turn;
  if (turn) iceServers.push({ urls: [...turn.urls], ...turnCredentials(turn.secret, userId, turn.ttlSec, nowMs) });
  return { iceServers, ttlSec: turn?.ttlSec ?? 0 };
}
