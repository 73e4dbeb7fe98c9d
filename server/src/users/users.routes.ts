import { ref } from "../shared/schema.js";
import { json, type Route } from "../request/route.js";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { LIMITS, type Me, type Page, type User } from "@parley/sdk/protocol";
import { callerOf, type Ctx } from "../request/context.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { parse } from "../shared/validate.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { checkedDimensions, sniffImage } from "../uploads/sniff.js";
import type { DiskStorage } from "../uploads/storage.js";
import { receiveOneFile } from "../request/multipart.js";
import { AvatarFiles } from "../uploads/avatars.js";
import { presentMe, presentUser } from "./users.presenter.js";
import { idParam, searchQuery, updateMeBody, userCursor } from "./users.schema.js";
import type { UserEntity } from "./user.entity.js";
import type { UsersService } from "./users.service.js";

export interface UsersRoutesDeps {
  users: UsersService;
  storage: DiskStorage;
  /** Public base URL path for avatar files, e.g. `/v1/avatars`. */
  avatarBase: string;
  /** Moderation: whether a user moderates their app (`moderator: true` on GET /me, so a UI shows moderator actions). */
  isModerator?: ((appId: string, userId: string) => Promise<boolean>) | undefined;
  /** The model's helpers the app turned on (agents/ai-texts.ts): `ai` on GET /me, so a UI offers Translate and Summarize only then. */
  aiFeatures?: ((appId: string) => Promise<Me["ai"]>) | undefined;
}

/** `/me`, `/users`, and the public avatar files. */
export function usersRoutes({ users, storage, avatarBase, isModerator, aiFeatures }: UsersRoutesDeps): Route[] {
  const routes: Route[] = [];

  routes.push({
    method: "get",
    path: "/v1/me",
    operationId: "getMe",
    tag: "users",
    summary: "The signed-in user",
    auth: "bearer",
    ok: { 200: json("Me", "The signed-in user") },
    errors: [404],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const moderator = isModerator ? await isModerator(caller.appId, caller.user) : false;
      const ai = await aiFeatures?.(caller.appId);
      ctx.body = { ...presentMe(await users.me(caller)), ...(moderator ? { moderator: true as const } : {}), ...(ai ? { ai } : {}) } satisfies Me;
    },
  });

  routes.push({
    method: "patch",
    path: "/v1/me",
    operationId: "updateMe",
    tag: "users",
    summary: "Change display name, bio or last-seen visibility",
    auth: "bearer",
    body: { name: "UpdateMeRequest", schema: updateMeBody },
    ok: { 200: json("Me", "Updated") },
    errors: [404],
    handle: async (ctx) => {
      const body = parse(updateMeBody, ctx.request.body);
      ctx.body = presentMe(await users.update(callerOf(ctx), body));
    },
  });

  const avatars = new AvatarFiles(storage, avatarBase);
  routes.push({
    method: "put",
    path: "/v1/me/avatar",
    operationId: "setAvatar",
    tag: "users",
    summary: "Set the avatar (PNG, JPEG, GIF or WebP)",
    auth: "bearer",
    body: { multipart: "The image, in the field `file`" },
    ok: { 200: json("Me", "Updated") },
    errors: [404],
    handle: async (ctx) => {
      const upload = await receiveOneFile(ctx, storage, LIMITS.avatarMaxBytes);
      try {
        const { ext } = await sniffImage(upload.path);
        await checkedDimensions(upload.path);
        const caller = callerOf(ctx);
        // The replaced avatar's file is deleted once the new one is set.
        const me = await avatars.replace(upload.path, ext, {
          userId: caller.user,
          current: async () => (await users.me(caller)).avatarUrl,
          set: (avatarUrl) => users.update(caller, { avatarUrl }),
        });
        ctx.body = presentMe(me);
      } finally {
        await storage.discard(upload.path);
      }
    },
  });

  // lastSeenAt only for contacts and conversation partners (issue 15): one batched check per page.
  const presentFor = async (caller: Caller, rows: UserEntity[]): Promise<User[]> => {
    const related = await users.relatedTo(
      caller,
      rows.map((u) => u.id),
    );
    return rows.map((u) => presentUser(u, related.has(u.id) ? "related" : "stranger"));
  };

  routes.push({
    method: "get",
    path: "/v1/users",
    operationId: "searchUsers",
    tag: "users",
    summary: "Users of the app by name",
    auth: "bearer",
    query: searchQuery,
    ok: { 200: json("PageOfUser", "A page of users") },
    handle: async (ctx) => {
      const query = parse(searchQuery, ctx.query);
      const c = decodeCursor(userCursor, query.cursor);
      const rows = await users.search(callerOf(ctx), {
        q: query.q,
        limit: query.limit + 1,
        cursor: c && { name: c.n, id: c.i },
      });
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      ctx.body = {
        items: await presentFor(callerOf(ctx), items),
        nextCursor: rows.length > query.limit && last ? encodeCursor({ n: last.displayName, i: last.id }) : null,
      } satisfies Page<User>;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/users/:id",
    operationId: "getUser",
    tag: "users",
    summary: "One user",
    auth: "bearer",
    params: { id: idParam },
    ok: { 200: json("User", "The user") },
    errors: [404],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const user = await users.find(caller, parse(idParam, ctx.params["id"]));
      ctx.body = (await presentFor(caller, [user]))[0]!;
    },
  });

  // Avatars are public by unguessable name, so <img> tags can load them without a token.
  routes.push({
    method: "get",
    path: "/v1/avatars/:name",
    operationId: "getAvatar",
    tag: "users",
    summary: "An avatar image (public by unguessable name)",
    auth: "none",
    params: { name: ref },
    ok: { 200: { media: "image/*", description: "The image" } },
    errors: [404],
    handle: async (ctx: Ctx) => {
      let file: string;
      try {
        file = storage.pathOf("avatars", String(ctx.params["name"]));
        await stat(file);
      } catch {
        throw notFound("Avatar");
      }
      ctx.type = String(ctx.params["name"]).split(".").pop() ?? "application/octet-stream";
      ctx.set("Cache-Control", "public, max-age=31536000, immutable");
      ctx.set("X-Content-Type-Options", "nosniff");
      ctx.body = createReadStream(file);
    },
  });

  return routes;
}
