// REST: auth (`/v1/auth/…`). Every way in ends in the same session answer; calls made before there
// is a token name their app with a header.

import type { Me } from "./users.js";

/** Names the app on calls made before there is a token (register, login, host-token, refresh). */
export const APP_HEADER = "X-Parley-App";

/** The same, as a query parameter, for requests that cannot carry headers (CORS preflights, img). */
export const APP_QUERY = "appId";

export interface RegisterRequest {
  email: string;
  password: string;
  displayName: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** The host site's backend signs `{ sub, name, email?, avatarUrl?, exp }` with its app secret. */
export interface HostTokenRequest {
  token: string;
}

/** Claims the host site puts into the token it signs (HS256, with its app secret). */
export interface HostTokenClaims {
  sub: string;
  name: string;
  email?: string;
  avatarUrl?: string;
  exp: number;
}

export interface RefreshRequest {
  refreshToken: string;
}

export interface LogoutRequest {
  refreshToken: string;
}

/** `POST /auth/password` (signed in, Parley accounts only): ends every session, answers a new one. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** Every way in ends in the same session answer. */
export interface AuthResponse {
  user: Me;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
}
