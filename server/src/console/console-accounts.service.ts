import type { ConsoleAccountSummary, ConsoleAccountsResponse, ConsoleAppRole } from "@parley/sdk/protocol";
import { In, type DataSource, type EntityManager, type Repository } from "typeorm";
import { dialectOf, escapeLike } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import { invalidField } from "../shared/validate.js";
import { AppEntity } from "../tenancy/app.entity.js";
import type { ConsoleAccess } from "./access.js";
import type { ConsoleCaller } from "./caller.js";
import type { ConsoleMembers } from "./console-members.service.js";
import { ConsoleAccountEntity, ConsoleRoleEntity } from "./console.entities.js";
import { accountCursor, type AccountsQuery } from "./console.schema.js";
import type { ConsoleSessions } from "./sessions.js";

export interface ConsoleAccountsDeps {
  db: DataSource;
  /** A flag taken or an account deleted is checked and written in one unit (the server keeps an operator, an app an owner). */
  uow: Pick<UnitOfWork, "run">;
  access: ConsoleAccess;
  /** Roles and invitations, the account's deletion's participants; the feed's announcements. */
  members: Pick<ConsoleMembers, "ownedAlone" | "forget" | "forgotten" | "operatorChanged">;
  sessions: Pick<ConsoleSessions, "endOthers">;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const gone = () => notFound("Console account");

/**
 * Every console account, managed by operators (issue 32): listed by e-mail with their roles,
 * made operators or made operators no more, and deleted (its roles, the invitations it made and
 * its sessions with it, on every node). The server always keeps an operator (409 last_operator)
 * and every app an owner (409 last_owner); nobody deletes their own account here. Each change is
 * an audit row. Writes console_accounts' operator flag and rows; roles and invitations through
 * ConsoleMembers, sessions through ConsoleSessions.
 */
export class ConsoleAccounts {
  private readonly accounts: Repository<ConsoleAccountEntity>;

  constructor(private readonly deps: ConsoleAccountsDeps) {
    this.accounts = deps.db.getRepository(ConsoleAccountEntity);
  }

  /** A page of accounts by e-mail (those starting with `q`): three statements whatever the page holds. */
  async list(c: ConsoleCaller, q: AccountsQuery): Promise<ConsoleAccountsResponse> {
    this.deps.access.operator(c);
    const after = decodeCursor(accountCursor, q.cursor);
    const qb = this.accounts.createQueryBuilder("a");
    const term = q.q.trim().toLowerCase();
    if (term) qb.andWhere("a.email LIKE :prefix ESCAPE '!'", { prefix: `${escapeLike(term)}%` });
    if (after) qb.andWhere("a.email > :after", { after: after.e });
    const rows = await qb
      .orderBy("a.email", "ASC")
      .take(q.limit + 1)
      .getMany();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: await this.present(c, page), nextCursor: rows.length > q.limit && last ? encodeCursor({ e: last.email }) : null };
  }

  /** Gives or takes the operator's powers; the last operator keeps them. */
  async setOperator(c: ConsoleCaller, accountId: string, operator: boolean): Promise<ConsoleAccountSummary> {
    this.deps.access.operator(c);
    const account = await this.find(accountId);
    if (account.operator !== operator) {
      const done = await this.deps.uow.run(async ({ m }) => {
        if (!operator) await this.keepAnOperator(m, account.id);
        const r = await m.getRepository(ConsoleAccountEntity).update({ id: account.id }, { operator });
        return (r.affected ?? 0) > 0;
      });
      if (!done) throw gone();
      this.deps.members.operatorChanged(account.id, operator);
      await this.deps.access.record(c, operator ? "account.operator_granted" : "account.operator_revoked", null, account.email.slice(0, 128));
    }
    const [summary] = await this.present(c, [{ ...account, operator }]);
    return summary!;
  }

  /**
   * Deletes another account, `confirm` its e-mail typed: its roles and the invitations it made go
   * in the same unit, then its sessions end (their feed sockets close on every node). Refused
   * while it is the last operator or the last owner of an app.
   */
  async remove(c: ConsoleCaller, accountId: string, confirm: string): Promise<void> {
    this.deps.access.operator(c);
    const account = await this.find(accountId);
    if (account.id === c.account.id) throw new AppError("conflict", "You cannot delete your own account: another operator can", { reason: "self" });
    if (confirm.trim().toLowerCase() !== account.email) throw invalidField("confirm", `Type ${account.email} to delete this account`, "confirm_mismatch");
    const held = await this.deps.uow.run(async ({ m }) => {
      // Always: the flag read before the unit may be stale (made operator meanwhile).
      await this.keepAnOperator(m, account.id);
      const alone = await this.deps.members.ownedAlone(m, account.id);
      if (alone.length > 0) {
        const names = await m.getRepository(AppEntity).find({ where: { id: In(alone) }, select: { id: true, name: true } });
        throw new AppError("conflict", `The last owner of ${names.map((a) => a.name).join(", ")}: make someone else owner first`, {
          reason: "last_owner",
          apps: names.map((a) => a.id),
        });
      }
      const appIds = await this.deps.members.forget(m, account.id);
      const r = await m.getRepository(ConsoleAccountEntity).delete({ id: account.id });
      if (!r.affected) throw gone();
      return appIds;
    });
    this.deps.members.forgotten(account.id, held, account.operator);
    await this.deps.sessions.endOthers(account.id, null);
    await this.deps.access.record(c, "account.deleted", null, account.email.slice(0, 128));
  }

  // --- Parts -----------------------------------------------------------------------------------

  private async find(accountId: string): Promise<ConsoleAccountEntity> {
    const account = canExist(accountId) ? await this.accounts.findOneBy({ id: accountId }) : null;
    if (!account) throw gone();
    return account;
  }

  /**
   * Refuses when no operator but `accountId` would be left. The operators' rows are locked on
   * MySQL (units run one at a time on a node), so two operators taking each other's flag at once
   * cannot both pass.
   */
  private async keepAnOperator(m: EntityManager, accountId: string): Promise<void> {
    const others =
      dialectOf(m) === "mysql"
        ? ((await m.query("SELECT id FROM console_accounts WHERE operator = 1 FOR UPDATE")) as { id: string }[])
        : await m.getRepository(ConsoleAccountEntity).find({ where: { operator: true }, select: { id: true } });
    if (!others.some((o) => o.id !== accountId))
      throw new AppError("conflict", "The server keeps at least one operator: make someone else operator first", { reason: "last_operator" });
  }

  /** The accounts with their roles and those apps' names: two statements for any number of accounts. */
  private async present(c: ConsoleCaller, accounts: ConsoleAccountEntity[]): Promise<ConsoleAccountSummary[]> {
    if (accounts.length === 0) return [];
    const roles = await this.deps.db.getRepository(ConsoleRoleEntity).find({ where: { accountId: In(accounts.map((a) => a.id)) } });
    const appIds = [...new Set(roles.map((r) => r.appId))];
    const apps = appIds.length ? await this.deps.db.getRepository(AppEntity).find({ where: { id: In(appIds) }, select: { id: true, name: true } }) : [];
    const names = new Map(apps.map((a) => [a.id, a.name]));
    const byAccount = new Map<string, { appId: string; appName: string; role: ConsoleAppRole }[]>();
    for (const r of roles) {
      const list = byAccount.get(r.accountId) ?? [];
      list.push({ appId: r.appId, appName: names.get(r.appId) ?? r.appId, role: r.role });
      byAccount.set(r.accountId, list);
    }
    return accounts.map((a) => ({
      id: a.id,
      email: a.email,
      operator: a.operator,
      totpEnabled: !!a.totpSecret,
      createdAt: iso(a.createdAt),
      roles: (byAccount.get(a.id) ?? []).sort((x, y) => x.appName.localeCompare(y.appName)),
      you: a.id === c.account.id,
    }));
  }
}
