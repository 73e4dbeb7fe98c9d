import type { ConsoleUserDetail, ConsoleUsersResponse, ConsoleUserSummary, DataExport } from "@parley/sdk/protocol";
import type { DataSource, Repository } from "typeorm";
import type { DataRightsService } from "../data-rights/data-rights.service.js";
import { escapeLike, marks } from "../db/sql.js";
import { keysetAfter } from "../db/keyset.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { canExist } from "../shared/ids.js";
import { iso, isoOrNull } from "../shared/time.js";
import { invalidField } from "../shared/validate.js";
import { normalizeEmail } from "../users/email.js";
import { UserEntity } from "../users/user.entity.js";
import type { UsersService } from "../users/users.service.js";
import type { ConsoleAccess } from "./access.js";
import type { ConsoleCaller } from "./caller.js";
import { userCursor, type UsersQuery } from "./console-apps.schema.js";

export interface ConsoleUsersDeps {
  access: ConsoleAccess;
  db: DataSource;
  users: Pick<UsersService, "get">;
  dataRights: Pick<DataRightsService, "export" | "erase">;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);

/**
 * The chat users of an app, for the people who run it: find them by id, sub, e-mail or name
 * (moderators, admins, owners, operators: `moderate`); see a profile with its counts and ban
 * state; export an account's data and delete the account (admins, owners, operators:
 * `configure`), through the data-rights service as the user's own export and deletion do. Exports
 * and deletions are console audit rows; deleted accounts (tombstones) are not found.
 *
 * Reads only, each a constant number of queries on indexes that start with the app: the users
 * list is one keyset page on (appId, displayName, id) or (appId, email), one point look-up of an
 * exact id, sub or e-mail, and one query for the page's app bans; a profile is the user row, one
 * query of counts and one of the app ban.
 */
export class ConsoleUsers {
  private readonly repo: Repository<UserEntity>;

  constructor(private readonly deps: ConsoleUsersDeps) {
    this.repo = deps.db.getRepository(UserEntity);
  }

  async find(c: ConsoleCaller, appId: string, q: UsersQuery): Promise<ConsoleUsersResponse> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const term = q.q.trim();
    const key: "name" | "email" = term.includes("@") ? "email" : "name";
    const after = decodeCursor(userCursor, q.cursor);
    if (after && after.k !== key) throw invalidField("cursor", "This cursor belongs to another search");

    const exact = !after && term ? await this.exact(app.id, term) : [];
    const qb = this.repo.createQueryBuilder("u").where("u.appId = :appId", { appId: app.id }).andWhere("u.deletedAt IS NULL");
    const column = key === "email" ? "u.email" : "u.displayName";
    if (term) qb.andWhere(`${column} LIKE :prefix ESCAPE '!'`, { prefix: `${escapeLike(key === "email" ? normalizeEmail(term) : term)}%` });
    if (after) keysetAfter(qb, "asc", [column, "u.id"], [after.v, after.i]);
    const rows = await qb
      .orderBy(column, "ASC")
      .addOrderBy("u.id", "ASC")
      .take(q.limit + 1)
      .getMany();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor({ k: key, v: key === "email" ? last.email : last.displayName, i: last.id }) : null;

    const seen = new Set(exact.map((u) => u.id));
    const users = [...exact, ...page.filter((u) => !seen.has(u.id))];
    const banned = await this.appBanned(
      app.id,
      users.map((u) => u.id),
    );
    return { items: users.map((u) => summary(u, banned.has(u.id))), nextCursor };
  }

  /** The user with their counts and ban state (404 for a deleted account, or one of another app). */
  async detail(c: ConsoleCaller, appId: string, userId: string): Promise<ConsoleUserDetail> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const user = await this.deps.users.get(app.id, userId);
    const who = [app.id, user.id];
    const counts: Row[] = await this.deps.db.query(
      `SELECT (SELECT COUNT(*) FROM messages WHERE appId = ? AND senderId = ? AND deletedAt IS NULL) AS messages,
              (SELECT COUNT(*) FROM members WHERE appId = ? AND userId = ?) AS conversations,
              (SELECT COUNT(*) FROM moderation_reports WHERE appId = ? AND userId = ? AND status = 'open') AS openReports,
              (SELECT COUNT(*) FROM moderation_sanctions WHERE appId = ? AND userId = ? AND kind = 'ban' AND conversationId <> '') AS conversationBans,
              (SELECT COUNT(*) FROM moderation_sanctions WHERE appId = ? AND userId = ? AND kind = 'mute' AND (\`until\` IS NULL OR \`until\` > ?)) AS activeMutes`,
      [...who, ...who, ...who, ...who, ...who, Date.now()],
    );
    const bans: Row[] = await this.deps.db.query(
      "SELECT reason, createdAt, createdBy FROM moderation_sanctions WHERE appId = ? AND userId = ? AND kind = 'ban' AND conversationId = ''",
      who,
    );
    const n = counts[0] ?? {};
    const ban = bans[0];
    return {
      user: { ...summary(user, ban !== undefined), bio: user.bio },
      counts: { messages: num(n["messages"]), conversations: num(n["conversations"]), openReports: num(n["openReports"]) },
      moderation: {
        appBan: ban ? { reason: ban["reason"] == null ? null : String(ban["reason"]), since: iso(num(ban["createdAt"])), by: String(ban["createdBy"]) } : null,
        conversationBans: num(n["conversationBans"]),
        activeMutes: num(n["activeMutes"]),
      },
    };
  }

  /** Everything of the user's, as their own export (JSON); an audit row says who took it. */
  async export(c: ConsoleCaller, appId: string, userId: string): Promise<{ data: DataExport; filename: string }> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const user = await this.deps.users.get(app.id, userId);
    const { data } = await this.deps.dataRights.export(this.deps.access.actingAs(c, app), user.id);
    await this.deps.access.record(c, "user.exported", app.id, user.id);
    return { data, filename: `parley-export-${user.id}.json` };
  }

  /** Deletes the account as the user's own deletion does; `confirm` must be their sub or their id. */
  async erase(c: ConsoleCaller, appId: string, userId: string, confirm: string): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const user = await this.deps.users.get(app.id, userId);
    const typed = confirm.trim();
    if (typed === "" || (typed !== user.id && typed !== user.externalId)) {
      throw invalidField(
        "confirm",
        user.externalId ? `Type the user's sub, ${user.externalId}, to delete the account` : `Type the user's id, ${user.id}, to delete the account`,
        "confirm_mismatch",
      );
    }
    await this.deps.dataRights.erase(this.deps.access.actingAs(c, app), user.id);
    // The id only: the sub and the e-mail are gone with the account.
    await this.deps.access.record(c, "user.deleted", app.id, user.id);
  }

  /** The user whose id, sub or whole e-mail `term` is (compared exactly: MySQL's collation would match other spellings). */
  private async exact(appId: string, term: string): Promise<UserEntity[]> {
    const email = term.includes("@") ? normalizeEmail(term) : null;
    const qb = this.repo
      .createQueryBuilder("u")
      .where("u.appId = :appId", { appId })
      .andWhere("u.deletedAt IS NULL")
      .andWhere(email ? "(u.id = :id OR u.externalId = :sub OR u.email = :email)" : "(u.id = :id OR u.externalId = :sub)", {
        id: canExist(term) ? term : "",
        sub: term.slice(0, 191),
        email,
      })
      .take(3);
    const rows = await qb.getMany();
    return rows.filter((u) => u.id === term || u.externalId === term || (email !== null && u.email === email));
  }

  /** Which of `ids` are banned from the whole app: one query. */
  private async appBanned(appId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: Row[] = await this.deps.db.query(
      `SELECT userId FROM moderation_sanctions WHERE appId = ? AND kind = 'ban' AND conversationId = '' AND userId IN (${marks(ids.length)})`,
      [appId, ...ids],
    );
    return new Set(rows.map((r) => String(r["userId"])));
  }
}

function summary(u: UserEntity, banned: boolean): ConsoleUserSummary {
  return {
    id: u.id,
    sub: u.externalId,
    displayName: u.displayName,
    email: u.email,
    avatarUrl: u.avatarUrl,
    createdAt: iso(u.createdAt),
    lastSeenAt: isoOrNull(u.lastSeenAt),
    banned,
  };
}
