import { escapeLike } from "../db/sql.js";
import { In, type EntityManager } from "typeorm";
import type { Conversation } from "@parley/sdk/protocol";
import { keysetAfter } from "../db/keyset.js";
import { type Caller, isUserCaller, type UserCaller, userOf } from "../shared/caller.js";
import type { DataFilter } from "../shared/custom-data.js";
import { notFound } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import { ConversationEntity } from "./conversation.entity.js";
import type { ConversationsDeps } from "./deps.js";
import { MemberEntity } from "./member.entity.js";
import { presentById, presentMany } from "./present-many.js";

/** What the queries read with. */
export type QueryDeps = Pick<ConversationsDeps, "db" | "presenter" | "membership">;

export interface ListOptions {
  limit: number;
  cursor?: { t: number; i: string } | undefined;
  /** `filter[data.<field>]=<value>`: all must match (conversation_data_index). */
  filters?: DataFilter[] | undefined;
  /** The host's idempotency key (server callers only). */
  key?: string | undefined;
}

export interface PublicOptions {
  q: string;
  limit: number;
  cursor?: { n: string; i: string } | undefined;
}

/** A page of conversations, and the last one (the route makes the next cursor from it). */
export interface ConversationPage {
  items: Conversation[];
  last: ConversationEntity | undefined;
  more: boolean;
}

/** One page of the caller's conversations, most recent activity first. Constant query count. */
export async function list(deps: QueryDeps, caller: Caller, opts: ListOptions): Promise<ConversationPage> {
  const { appId } = caller;
  // End users list their own conversations; the host's backend any of its app (as no one).
  const me = isUserCaller(caller) ? caller.user : "";
  const qb = deps.db.getRepository(ConversationEntity).createQueryBuilder("c");
  if (isUserCaller(caller)) qb.innerJoin(MemberEntity, "mine", "mine.conversationId = c.id AND mine.userId = :me AND mine.appId = :appId", { me, appId });
  // Each filter is one primary-key range of conversation_data_index (appId, field, value, conversationId).
  (opts.filters ?? []).forEach((f, n) => {
    qb.innerJoin(
      "conversation_data_index",
      `f${n}`,
      `f${n}.appId = :appId AND f${n}.field = :field${n} AND f${n}.value = :value${n} AND f${n}.conversationId = c.id`,
      {
        appId,
        [`field${n}`]: f.field,
        [`value${n}`]: f.value,
      },
    );
  });
  qb.where("c.appId = :appId", { appId });
  if (opts.key !== undefined && !isUserCaller(caller)) qb.andWhere("c.externalKey = :key", { key: opts.key });
  if (opts.cursor) keysetAfter(qb, "desc", ["c.lastActivityAt", "c.id"], [opts.cursor.t, opts.cursor.i]);
  // limit(), not take(): with a join, take() would add a second "distinct ids" query.
  const rows = await qb
    .orderBy("c.lastActivityAt", "DESC")
    .addOrderBy("c.id", "DESC")
    .limit(opts.limit + 1)
    .getMany();
  const page = rows.slice(0, opts.limit);
  return { items: await presentMany(deps.presenter, deps.db.manager, appId, me, page), last: page[page.length - 1], more: rows.length > opts.limit };
}

/** Public groups of the app whose name starts with `q`, by (name, id). */
export async function listPublic(deps: QueryDeps, caller: Caller, opts: PublicOptions): Promise<ConversationPage> {
  const { appId } = caller;
  const me = userOf(caller);
  const qb = deps.db
    .getRepository(ConversationEntity)
    .createQueryBuilder("c")
    // isPublic as the literal 1: better-sqlite3 cannot bind booleans, and both store 1 for true.
    .where("c.appId = :appId AND c.isPublic = 1 AND c.kind = 'group'", { appId });
  if (opts.q) qb.andWhere("c.name LIKE :prefix ESCAPE '!'", { prefix: escapeLike(opts.q) + "%" });
  if (opts.cursor) keysetAfter(qb, "asc", ["c.name", "c.id"], [opts.cursor.n, opts.cursor.i]);
  const rows = await qb
    .orderBy("c.name", "ASC")
    .addOrderBy("c.id", "ASC")
    .limit(opts.limit + 1)
    .getMany();
  const page = rows.slice(0, opts.limit);
  return { items: await presentMany(deps.presenter, deps.db.manager, appId, me, page), last: page[page.length - 1], more: rows.length > opts.limit };
}

/** A conversation the caller is a member of (404 otherwise); the host's backend any of its app. */
export async function get(deps: QueryDeps, caller: Caller, id: string): Promise<Conversation> {
  const { appId } = caller;
  if (!isUserCaller(caller)) {
    await requireInApp(deps, appId, id);
    return presentById(deps.presenter, deps.db.manager, appId, "", id);
  }
  const me = caller.user;
  await deps.membership.require(appId, id, me);
  return presentById(deps.presenter, deps.db.manager, appId, me, id);
}

/**
 * Conversations of the caller's app among `ids`, in that order, presented as the list presents
 * them (batched: a fixed number of queries). For search results, whose ids the caller's
 * membership already chose; ids of no conversation of the app are left out.
 */
export async function presentMine(deps: QueryDeps, caller: UserCaller, ids: string[]): Promise<Conversation[]> {
  if (ids.length === 0) return [];
  // By primary key only (the app checked here), so no (appId, …) index is scanned instead.
  const found = await deps.db.manager.find(ConversationEntity, { where: { id: In(ids) } });
  const byId = new Map(found.filter((c) => c.appId === caller.appId).map((c) => [c.id, c]));
  return presentMany(
    deps.presenter,
    deps.db.manager,
    caller.appId,
    caller.user,
    ids.flatMap((id) => byId.get(id) ?? []),
  );
}

/** A conversation of the app, whoever asks (the host's backend): 404 otherwise. */
export async function requireInApp(
  deps: Pick<ConversationsDeps, "db">,
  appId: string,
  id: string,
  m: EntityManager = deps.db.manager,
): Promise<ConversationEntity> {
  const conv = canExist(id) ? await m.findOneBy(ConversationEntity, { appId, id }) : null;
  // Exact match: MySQL's unicode_ci would also find `CNV_…` for `cnv_…`.
  if (!conv || conv.id !== id) throw notFound("Conversation");
  return conv;
}
