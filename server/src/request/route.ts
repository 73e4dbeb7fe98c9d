import Router, { type RouterMiddleware } from "@koa/router";
import type { Middleware } from "koa";
import type { z } from "zod";
import type { Ctx, State } from "./context.js";
import type { responseSchemas } from "../http/openapi/responses.js";

/**
 * A route is declared once: what it is (method, path, who may call, what it takes and answers,
 * for the API description) and what it does (its handler). A domain's routes file answers its list
 * given its services; createApp mounts every list (`mountRoutes`) and describes the same lists
 * (`openApiDocument`). openapi.test.ts
 * checks real answers of every route against its declaration.
 */

export type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * `none`: anyone. `app`: no token; the app named by the `X-Parley-App` header (or `?appId=`).
 * `bearer`: `Authorization: Bearer <access token>`. `metrics`: the METRICS_TOKEN bearer when one is
 * set. `server`: a server key, `Authorization: Basic base64(<key id>:<secret>)` (the host's backend).
 * `console`: a console session cookie; a change also needs the same Origin and the CSRF token.
 */
export type Auth = "none" | "app" | "bearer" | "metrics" | "server" | "console";

export const TAGS = {
  auth: "Sign-in and sessions",
  users: "The signed-in user and other users",
  conversations: "Direct and group conversations, members, invitations",
  messages: "Messages, reactions, read receipts",
  contacts: "Contact requests and blocks",
  uploads: "Attachments",
  sync: "Catch-up from the event log",
  server: "The host's backend (server key): users, tokens, conversations, messages",
  webhooks: "The host's backend (server key): webhook endpoints, deliveries, replay",
  moderation: "Moderation: reports, mutes, bans, slow mode, word filter, audit log (moderators and the host's backend)",
  push: "Web push to closed tabs: the app's VAPID key, devices' subscriptions",
  email: "E-mail for unread messages: the app's SMTP settings, users' addresses and preferences, one-click unsubscribe",
  calls: "Voice and video calls: ICE servers, live calls, a conversation's calls (signalling is on the socket)",
  agents: "AI agents: an app's users whose replies a model writes, streamed from an OpenAI-compatible endpoint",
  console: "The console (a session cookie and X-Parley-CSRF): console accounts, sessions, apps, keys",
  ops: "Health, readiness, metrics and this description",
} as const;
export type Tag = keyof typeof TAGS;

export type SchemaName = keyof typeof responseSchemas;

/**
 * A success answer: a JSON schema by component name (and, where a query asks for another form,
 * that form's media type: `?format=zip` answers `application/zip`), no body, or a non-JSON body of
 * a media type.
 */
export type Answer =
  | { json: SchemaName; description: string; orMedia?: readonly string[] }
  | { empty: true; description: string }
  | { media: string; description: string };

export const json = (name: SchemaName, description: string, orMedia?: readonly string[]): Answer => ({
  json: name,
  description,
  ...(orMedia ? { orMedia } : {}),
});
export const empty = (description: string): Answer => ({ empty: true, description });

/** What the API description says of a route. */
export interface Operation {
  method: Method;
  /** Koa's form, as served: `/v1/conversations/:id`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  auth: Auth;
  /** Path parameters, by name, with the schema the route (or its service) parses them with. */
  params?: Record<string, z.ZodType>;
  /** The query schema (an object; each property is one parameter). */
  query?: z.ZodObject;
  /** The JSON body schema and its component name, or a multipart file upload. */
  body?: { name: string; schema: z.ZodObject } | { multipart: string };
  /** Keys of a command schema (the body's or the query's) that the route fills from the path. */
  fromPath?: string[];
  /** Success answers by status. */
  ok: Partial<Record<number, Answer>>;
  /** Error statuses beyond those every operation of its kind may answer (see `errorStatuses`). */
  errors?: number[];
  /**
   * A signed-in user's write (`bearer`, not `get`) takes a point of the actions quota before its
   * handler (shared/action-quota.ts), unless it names the quota its service keeps instead:
   * `messages`, whose refusals hold the sender's later sends so that a resend keeps its order.
   */
  ownQuota?: "messages";
  /**
   * Reads that tolerate a little lag: with read replicas (DATABASE_REPLICA_URLS), served by one
   * that holds the caller's own writes (db/read-replicas.ts); `when` narrows it to some requests
   * (the history's older pages). The API description says so as `x-parley-reads: replica`.
   */
  replica?: ReplicaReads;
}

export interface ReplicaReads {
  when?: (ctx: Ctx) => boolean;
}

/** A route: its description and its handler. */
export interface Route extends Operation {
  /** Run before the caller is checked: limits keyed on the address, so a flood costs no lookups. */
  before?: Middleware<State>[];
  handle: RouterMiddleware<State>;
}

/** The middleware that checks each kind of caller (http/middleware.ts), given once by the app. */
export type Guards = Record<Auth, Middleware<State>[]>;

/** Runs a `replica` route's handler with its reads routed (http/middleware.ts `replicaReads`). */
export type ReadRouting = (replica: ReplicaReads) => Middleware<State>;

/** Whether a route takes a point of the actions quota: a signed-in user's write without a quota of its own. */
export const takesAction = (op: Operation): boolean => op.auth === "bearer" && op.method !== "get" && op.ownQuota === undefined;

/**
 * A Koa router holding `routes`, each behind the guard of its auth kind, then (a user's write) the
 * actions quota and (for `replica` routes) `reads`.
 */
export function mountRoutes(routes: readonly Route[], guards: Guards, opts: { reads?: ReadRouting | undefined; actions: Middleware<State> }): Router<State> {
  const r = new Router<State>();
  for (const route of routes) {
    const limited = takesAction(route) ? [opts.actions] : [];
    const routed = route.replica && opts.reads ? [opts.reads(route.replica)] : [];
    r[route.method](route.path, ...(route.before ?? []), ...guards[route.auth], ...limited, ...routed, route.handle);
  }
  return r;
}

/** Every error status an operation may answer: what its kind implies, plus its own. */
export function errorStatuses(op: Operation): number[] {
  const s = new Set<number>([500, 503, ...(op.errors ?? [])]);
  // A browser origin the named app does not allow; a disabled app; a caller not allowed to act.
  // A server key from a browser (an Origin header) is refused with 403 too.
  if (op.auth === "app" || op.auth === "bearer" || op.auth === "server" || op.auth === "console") s.add(403);
  if (op.auth === "bearer" || op.auth === "server" || op.auth === "console") s.add(401);
  // A missing X-Parley-App; a token for another app.
  if (op.auth === "app") s.add(400);
  if (op.params || op.query) s.add(400);
  if (takesAction(op)) s.add(429);
  // Any request body: malformed JSON (400), too large (413), not JSON (415).
  if (op.method === "post" || op.method === "put" || op.method === "patch") [400, 413, 415].forEach((x) => s.add(x));
  return [...s].sort((a, b) => a - b);
}
