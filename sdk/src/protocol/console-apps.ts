// The console's app settings and users (issue 32): `/v1/console/apps/{appId}/settings…` and
// `/v1/console/apps/{appId}/users…`. Types only: the SDK ships no byte of this.

import type { ConsoleApp } from "./console.js";

// --- App settings (viewers, admins, owners read; admins and owners change; owners delete) --------

/**
 * `GET /v1/console/apps/{appId}/settings`: the app and what it allows. A group setting left unset
 * (null) follows the server's (`defaults`: GROUP_DIRECT_ADD, GROUP_MAX_MEMBERS).
 */
export interface ConsoleAppSettings {
  app: ConsoleApp;
  /** Non-contacts are added to groups at once instead of invited; null: the server's setting. */
  groupDirectAdd: boolean | null;
  /** Members (and pending invitations) one group may have; null: the server's setting. */
  groupMaxMembers: number | null;
  /**
   * The largest conversation whose members are pushed each other's presence; in bigger groups
   * clients ask for whom they show (`presence.watch`). null: the server's setting.
   */
  presenceGroupMax: number | null;
  /** Users find each other by their whole e-mail address in the chat's user search. */
  exactEmailSearch: boolean;
  /** The longest voice message, in seconds (1–3600); null: the server's setting. */
  voiceMaxSeconds: number | null;
  /** Display and group names pass the app's word filter too (a moderation default). */
  filterNames: boolean;
  /** Words in the app's filter (edited with the moderation tools). */
  filterWords: number;
  /** Link previews: the server fetches a message's first link and shows a card (default on). */
  linkPreviews: boolean;
  /** Hosts previews are fetched from (`example.com` exactly, `*.example.com` its subdomains); empty: any. */
  previewAllow: string[];
  /** Hosts previews are never fetched from (wins over `previewAllow`). */
  previewDeny: string[];
  /** The server's settings, for what the app leaves unset. */
  defaults: { groupDirectAdd: boolean; groupMaxMembers: number; voiceMaxSeconds: number; presenceGroupMax: number };
  /** After a rotation with a grace window: host tokens signed with the old secret verify until then; null: they do not. */
  previousSecretValidUntil: string | null;
}

/** `PUT /v1/console/apps/{appId}/settings` (admins, owners): what to change; a field left out stays as it is. */
export interface ConsoleUpdateAppSettingsRequest {
  name?: string;
  allowedOrigins?: string[];
  groupDirectAdd?: boolean | null;
  groupMaxMembers?: number | null;
  /** 2–1,000,000 members; null: the server's PRESENCE_GROUP_MAX. */
  presenceGroupMax?: number | null;
  exactEmailSearch?: boolean;
  voiceMaxSeconds?: number | null;
  filterNames?: boolean;
  linkPreviews?: boolean;
  /** At most 200 entries, each a host name or `*.` and a host name. */
  previewAllow?: string[];
  previewDeny?: string[];
}

/**
 * `POST /v1/console/apps/{appId}/secret` (admins, owners): a new app secret. Host tokens signed
 * with the old one keep verifying for `graceSec` seconds (0 to 30 days; 0: not at all).
 */
export interface ConsoleRotateSecretRequest {
  graceSec: number;
}

/** The new secret, shown this once. */
export interface ConsoleRotateSecretResponse {
  app: ConsoleApp;
  secret: string;
  previousSecretValidUntil: string | null;
}

/**
 * `DELETE /v1/console/apps/{appId}` (owners, operators): the app with all its users, messages and
 * files, for good. `confirm` is the app's name, typed.
 */
export interface ConsoleDeleteAppRequest {
  confirm: string;
}

// --- Users of an app (moderators, admins, owners find them; admins and owners export and delete) --

/** A chat user of the app, as the console shows one. */
export interface ConsoleUserSummary {
  id: string;
  /** The host's id for them (host-signed identity), or null (a Parley account). */
  sub: string | null;
  displayName: string;
  email: string | null;
  avatarUrl: string | null;
  createdAt: string;
  lastSeenAt: string | null;
  /** Banned from the whole app. */
  banned: boolean;
}

/**
 * `GET /v1/console/apps/{appId}/users?q=&cursor=&limit=`: an exact id, sub or e-mail first (on
 * the first page), then names starting with `q` (e-mail addresses, when `q` has an `@`), by name.
 */
export interface ConsoleUsersResponse {
  items: ConsoleUserSummary[];
  nextCursor: string | null;
}

/** `GET /v1/console/apps/{appId}/users/{userId}`: the profile, what they did, and where they stand. */
export interface ConsoleUserDetail {
  user: ConsoleUserSummary & { bio: string };
  counts: {
    /** Messages they sent that are not deleted. */
    messages: number;
    /** Conversations they are a member of. */
    conversations: number;
    /** Open reports of them or their messages. */
    openReports: number;
  };
  moderation: {
    /** Their ban from the whole app, if any: why, since when, by whom. */
    appBan: { reason: string | null; since: string; by: string } | null;
    /** Conversations they are banned from. */
    conversationBans: number;
    /** Conversations they are muted in now. */
    activeMutes: number;
  };
}

/**
 * `DELETE /v1/console/apps/{appId}/users/{userId}` (admins, owners): the account, as the user's own
 * deletion does it. `confirm` is the user's sub or their id, typed.
 * `GET …/users/{userId}/export` downloads their export (a DataExport, as an attachment).
 */
export interface ConsoleDeleteUserRequest {
  confirm: string;
}
