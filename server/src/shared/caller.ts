import { AppError } from "./errors.js";

/** An end user of an app, signed in through the SDK (a session's access token). */
export interface UserCaller {
  readonly appId: string;
  /** The user's id. */
  readonly user: string;
  /** The session the call came through (its access token's `sid`). */
  readonly session?: string;
}

/** The host site's own backend, signed in with one of the app's server keys. */
export interface ServerCaller {
  readonly appId: string;
  /** The server key's id (`kid`). */
  readonly server: string;
}

/**
 * Who a service call acts for: the first argument of every service method that acts for someone.
 * Built once per transport from what it authenticated (`requireAuth` for HTTP, the handshake for
 * sockets); services read it for authorisation and never see a Koa context or a socket.
 */
export type Caller = UserCaller | ServerCaller;

export const isUserCaller = (c: Caller): c is UserCaller => "user" in c;

/** The user a call acts as: a server caller has none here (403) until its routes name one. */
export function userOf(c: Caller): string {
  if (isUserCaller(c)) return c.user;
  throw new AppError("forbidden", "This call acts for a signed-in user");
}

/**
 * Who a read is for, as read replicas keep track of what each has written (db/read-replicas.ts):
 * a user, or an app's backend.
 */
export function readerOf(c: Caller): string {
  return isUserCaller(c) ? `${c.appId}/u/${c.user}` : `${c.appId}/server`;
}
