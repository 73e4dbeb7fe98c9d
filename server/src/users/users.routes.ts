import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import Router from "@koa/router";
import { LIMITS, type Page, type User } from "@parley/sdk/protocol";
import { callerOf, type Ctx, type State } from "../http/context.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { parse } from "../shared/validate.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { checkedDimensions, sniffImage } from "../uploads/sniff.js";
import type { DiskStorage } from "../uploads/storage.js";
import { receiveOneFile } from "../http/multipart.js";
import { AvatarFiles } from "../uploads/avatars.js";
import { presentMe, presentUser } from "./users.presenter.js";
import { idParam, searchQuery, updateMeBody, userCursor } from "./users.schema.js";
import type { UserEntity } from "./user.entity.js";
import type { UsersService } from "./users.service.js";
import type { Middleware } from "koa";

export interface UsersRoutesDeps {
  users: UsersService;
  storage: DiskStorage;
  requireAuth: Middleware<State>;
  /** Public base URL path for avatar files, e.g. `/v1/avatars`. */
  avatarBase: string;
  /** Moderation: whether a user moderates their app (`moderator: true` on GET /me, so a UI shows moderator actions). */
  isModerator?: ((appId: string, userId: string) => Promise<boolean>) | undefined;
}

/** `/me`, `/users`, and the public avatar files. */
export function usersRoutes({ users, storage, requireAuth, avatarBase, isModerator }: UsersRoutesDeps): Router<State> {
  const r = new Router<State>();

  r.get("/me", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const moderator = isModerator ? await isModerator(caller.appId, caller.user) : false;
    ctx.body = { ...presentMe(await users.me(caller)), ...(moderator ? { moderator: true as const } : {}) };
  });

  r.patch("/me", requireAuth, async (ctx) => {
    const body = parse(updateMeBody, ctx.request.body);
    ctx.body = presentMe(await users.update(callerOf(ctx), body));
  });

  const avatars = new AvatarFiles(storage, avatarBase);
  r.put("/me/avatar", requireAuth, async (ctx) => {
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
  });

  // lastSeenAt only for contacts and conversation partners (issue 15): one batched check per page.
  const presentFor = async (caller: Caller, rows: UserEntity[]): Promise<User[]> => {
    const related = await users.relatedTo(
      caller,
      rows.map((u) => u.id),
    );
    return rows.map((u) => presentUser(u, related.has(u.id) ? "related" : "stranger"));
  };

  r.get("/users", requireAuth, async (ctx) => {
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
  });

  r.get("/users/:id", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const user = await users.find(caller, parse(idParam, ctx.params["id"]));
    ctx.body = (await presentFor(caller, [user]))[0]!;
  });

  // Avatars are public by unguessable name, so <img> tags can load them without a token.
  r.get("/avatars/:name", async (ctx: Ctx) => {
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
  });

  return r;
}
