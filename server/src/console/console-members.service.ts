import { randomBytes } from "node:crypto";
import type { ConsoleAppRole, ConsoleInviteInfo, ConsoleInviteResponse, ConsoleMember, ConsoleMembersResponse } from "@parley/sdk/protocol";
import { In, IsNull, MoreThan, type DataSource, type EntityManager, type Repository } from "typeorm";
import { sha256 } from "../auth/tokens.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { dialectOf, marks } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { AppsService } from "../tenancy/apps.service.js";
import type { ConsoleAccess } from "./access.js";
import { roleOn, type ConsoleCaller } from "./caller.js";
import { ConsoleAccountEntity, ConsoleInviteEntity, ConsoleRoleEntity } from "./console.entities.js";
import type { InviteInput } from "./console.schema.js";
import { allow } from "./roles.js";

/** A sign-up link is good for a week. */
export const INVITE_MS = 7 * 24 * 3600_000;

/** Who invites through the CLI: no account, every power. */
export const CLI = "cli" as const;

/** An account's role on an app changed (null: it has none there now); the console feed follows it. */
export type RoleChange = (accountId: string, appId: string, role: ConsoleAppRole | null) => void;

/** An account became an operator, or is one no more; the console feed follows it. */
export type OperatorChange = (accountId: string, operator: boolean) => void;

export interface ConsoleMembersDeps {
  db: DataSource;
  /** A role taken from an owner is checked and written in one unit (an app keeps an owner under racing changes). */
  uow: Pick<UnitOfWork, "run">;
  apps: Pick<AppsService, "findAny">;
  access: ConsoleAccess;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const lastOwner = (): AppError => new AppError("conflict", "An app keeps at least one owner: make someone else owner first", { reason: "last_owner" });

/**
 * Who works on an app in the console (issue 32): invitations (a one-time link for an e-mail, to
 * sign up with or, for an e-mail that has an account, to accept signed in), and the roles they
 * grant, listed, changed and removed by the app's owners and operators. Writes console_invites
 * and console_roles, and an account's operator flag when it accepts an operator's invitation.
 * An app never loses its last owner here.
 */
export class ConsoleMembers {
  private readonly accounts: Repository<ConsoleAccountEntity>;
  private readonly roles: Repository<ConsoleRoleEntity>;
  private readonly invites: Repository<ConsoleInviteEntity>;
  private readonly roleListeners = new Set<RoleChange>();
  private readonly operatorListeners = new Set<OperatorChange>();

  constructor(private readonly deps: ConsoleMembersDeps) {
    this.accounts = deps.db.getRepository(ConsoleAccountEntity);
    this.roles = deps.db.getRepository(ConsoleRoleEntity);
    this.invites = deps.db.getRepository(ConsoleInviteEntity);
  }

  /** Calls `fn` with every role granted, changed or taken on this node. */
  onRoleChanged(fn: RoleChange): () => void {
    this.roleListeners.add(fn);
    return () => this.roleListeners.delete(fn);
  }

  private changed(accountId: string, appId: string, role: ConsoleAppRole | null): void {
    for (const fn of this.roleListeners) fn(accountId, appId, role);
  }

  /** Calls `fn` each time an account's operator flag is given or taken on this node. */
  onOperatorChanged(fn: OperatorChange): () => void {
    this.operatorListeners.add(fn);
    return () => this.operatorListeners.delete(fn);
  }

  /** Tells the listeners an operator flag changed (here, or by ConsoleAccounts after its unit committed). */
  operatorChanged(accountId: string, operator: boolean): void {
    for (const fn of this.operatorListeners) fn(accountId, operator);
  }

  // --- Invitations -----------------------------------------------------------------------------

  /**
   * A one-time link. Operators invite anyone as anything (so does the CLI); an owner invites to
   * roles on their app. The answer is the same whether the e-mail has an account or not: the link
   * itself tells its holder (inviteInfo). `base` is the server's origin the link starts with.
   */
  async invite(c: ConsoleCaller | typeof CLI, input: InviteInput, base: string): Promise<ConsoleInviteResponse> {
    if (c !== CLI) {
      this.deps.access.ready(c);
      if (input.role === "operator" ? !c.account.operator : (allow(roleOn(c, input.appId!), "manage_members"), false))
        throw new AppError("forbidden", "Only operators invite operators", { reason: "role" });
    }
    if (input.appId && !(await this.deps.apps.findAny(input.appId))) throw notFound("App");
    const token = randomBytes(24).toString("base64url");
    const now = Date.now();
    const invite = this.invites.create({
      id: newId("cin", 20),
      tokenHash: sha256(token),
      email: input.email,
      role: input.role as ConsoleAppRole | "operator",
      appId: input.appId ?? null,
      invitedBy: c === CLI ? null : c.account.id,
      createdAt: now,
      expiresAt: now + INVITE_MS,
      usedAt: null,
    });
    await this.invites.insert(invite);
    if (c !== CLI) await this.deps.access.record(c, "invite.created", invite.appId, `${input.role}:${input.email}`.slice(0, 128));
    return { link: `${base.replace(/\/+$/, "")}/console/#/signup/${token}`, expiresAt: iso(invite.expiresAt) };
  }

  /** What a link is for, and whether its e-mail signs in (to accept) rather than up. */
  async inviteInfo(token: string): Promise<ConsoleInviteInfo> {
    const invite = await this.live(token);
    await this.inviterMayStill(invite);
    const [app, accountExists] = await Promise.all([
      invite.appId ? this.deps.apps.findAny(invite.appId) : null,
      this.accounts.existsBy({ email: invite.email }),
    ]);
    return { email: invite.email, role: invite.role, appId: invite.appId, appName: app?.name ?? null, expiresAt: iso(invite.expiresAt), accountExists };
  }

  /**
   * Takes a link for a new account (sign-up): the invitation, marked used once even under a double
   * submit. `release` puts it back should the account not be made after all.
   */
  async claim(token: string): Promise<{ invite: ConsoleInviteEntity; release: () => Promise<void> }> {
    const invite = await this.live(token);
    await this.inviterMayStill(invite);
    const claimed = await this.invites.update({ id: invite.id, usedAt: IsNull() }, { usedAt: Date.now() });
    if (!claimed.affected) throw notFound("Sign-up link");
    return { invite, release: async () => void (await this.invites.update({ id: invite.id }, { usedAt: null })) };
  }

  /** What a claimed invitation gives the account: operator, or its role on the app (replacing any other). */
  async grant(accountId: string, invite: ConsoleInviteEntity): Promise<void> {
    if (invite.role === "operator") {
      await this.accounts.update({ id: accountId }, { operator: true });
      this.operatorChanged(accountId, true);
      return;
    }
    if (!invite.appId) return;
    await this.roles.upsert({ accountId, appId: invite.appId, role: invite.role }, ["accountId", "appId"]);
    this.changed(accountId, invite.appId, invite.role);
  }

  /** A signed-in account takes up an invitation to its own e-mail (one it could not sign up with). */
  async accept(c: ConsoleCaller, token: string): Promise<void> {
    const invite = await this.live(token);
    if (invite.email !== c.account.email)
      throw new AppError("forbidden", `This invitation is for ${invite.email}: sign in with that account to accept it`, { reason: "other_email" });
    const { release } = await this.claim(token);
    try {
      if (invite.appId && invite.role !== "operator") {
        const appId = invite.appId;
        const role = invite.role;
        // Accepting a lower role than one held would demote the last owner: refused as any demotion.
        await this.ownerChange(appId, c.account.id, role, async (m) => {
          await m.getRepository(ConsoleRoleEntity).upsert({ accountId: c.account.id, appId, role }, ["accountId", "appId"]);
          return true;
        });
        this.changed(c.account.id, appId, role);
      } else await this.grant(c.account.id, invite);
    } catch (err) {
      await release();
      throw err;
    }
    await this.deps.access.record(c, "invite.accepted", invite.appId, invite.role);
  }

  // --- Members ---------------------------------------------------------------------------------

  /** The app's console accounts and their roles, and the invitations to it not used yet (owners, operators). */
  async list(c: ConsoleCaller, appId: string): Promise<ConsoleMembersResponse> {
    const app = await this.deps.access.appFor(c, appId, "manage_members");
    const [roles, invites] = await Promise.all([
      this.roles.find({ where: { appId: app.id } }),
      this.invites.find({ where: { appId: app.id, usedAt: IsNull(), expiresAt: MoreThan(Date.now()) }, order: { expiresAt: "ASC" } }),
    ]);
    const ids = [...new Set([...roles.map((r) => r.accountId), ...invites.flatMap((i) => (i.invitedBy ? [i.invitedBy] : []))])];
    const accounts = ids.length ? await this.accounts.find({ where: { id: In(ids) }, select: { id: true, email: true, totpSecret: true } }) : [];
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const items = roles.flatMap((r): ConsoleMember[] => {
      const a = byId.get(r.accountId);
      return a ? [{ accountId: a.id, email: a.email, role: r.role, totpEnabled: !!a.totpSecret, you: a.id === c.account.id }] : [];
    });
    items.sort((x, y) => x.email.localeCompare(y.email));
    return {
      items,
      invites: invites.map((i) => ({
        id: i.id,
        email: i.email,
        role: i.role as ConsoleAppRole,
        invitedBy: (i.invitedBy && byId.get(i.invitedBy)?.email) ?? null,
        createdAt: iso(i.createdAt),
        expiresAt: iso(i.expiresAt),
      })),
    };
  }

  /** Another role for an account that has one on the app. */
  async setRole(c: ConsoleCaller, { appId, accountId, role }: { appId: string; accountId: string; role: ConsoleAppRole }): Promise<ConsoleMember> {
    const app = await this.deps.access.appFor(c, appId, "manage_members");
    const account = canExist(accountId) ? await this.accounts.findOneBy({ id: accountId }) : null;
    const held = account ? await this.roles.findOneBy({ accountId, appId: app.id }) : null;
    if (!held || !account) throw notFound("Member (invite them first)");
    if (held.role !== role) {
      const done = await this.ownerChange(app.id, accountId, role, async (m) => {
        const r = await m.getRepository(ConsoleRoleEntity).update({ accountId, appId: app.id }, { role });
        return (r.affected ?? 0) > 0;
      });
      if (!done) throw notFound("Member (invite them first)");
      this.changed(accountId, app.id, role);
      await this.deps.access.record(c, "member.role_changed", app.id, `${accountId} ${held.role}->${role}`);
    }
    return { accountId, email: account.email, role, totpEnabled: !!account.totpSecret, you: accountId === c.account.id };
  }

  /** Takes the account's role on the app away. */
  async remove(c: ConsoleCaller, appId: string, accountId: string): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "manage_members");
    const held = canExist(accountId) ? await this.roles.findOneBy({ accountId, appId: app.id }) : null;
    if (!held) throw notFound("Member");
    const done = await this.ownerChange(app.id, accountId, null, async (m) => {
      const r = await m.getRepository(ConsoleRoleEntity).delete({ accountId, appId: app.id });
      return (r.affected ?? 0) > 0;
    });
    if (!done) throw notFound("Member");
    this.changed(accountId, app.id, null);
    await this.deps.access.record(c, "member.removed", app.id, `${accountId} ${held.role}`);
  }

  /** An invitation to the app not used yet, withdrawn: its link stops working. */
  async revokeInvite(c: ConsoleCaller, appId: string, inviteId: string): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "manage_members");
    const r = canExist(inviteId) ? await this.invites.delete({ id: inviteId, appId: app.id, usedAt: IsNull() }) : { affected: 0 };
    if (!r.affected) throw notFound("Invitation");
    await this.deps.access.record(c, "invite.revoked", app.id, inviteId);
  }

  // --- Participants of an account's deletion (console-accounts.service.ts) -----------------------

  /**
   * The apps of which the account is the only owner, in the deletion's unit: their rows locked on
   * MySQL, as ownerChange locks them, so a demotion racing the deletion cannot leave an app ownerless.
   */
  async ownedAlone(m: EntityManager, accountId: string): Promise<string[]> {
    const roles = m.getRepository(ConsoleRoleEntity);
    const owned = (await roles.find({ where: { accountId, role: "owner" }, select: { appId: true } })).map((r) => r.appId);
    if (owned.length === 0) return [];
    let others: { appId: string; accountId: string }[];
    if (dialectOf(m) === "mysql") {
      await m.query(`SELECT id FROM apps WHERE id IN (${marks(owned.length)}) FOR UPDATE`, owned);
      // A locking read: it sees what committed while this unit waited for the lock, where a plain
      // read would see the unit's first snapshot (the owners before a racing demotion).
      others = await m.query(`SELECT appId, accountId FROM console_roles WHERE appId IN (${marks(owned.length)}) AND role = 'owner' LOCK IN SHARE MODE`, owned);
    } else others = await roles.find({ where: { appId: In(owned), role: "owner" }, select: { appId: true, accountId: true } });
    const shared = new Set(others.filter((o) => o.accountId !== accountId).map((o) => o.appId));
    return owned.filter((appId) => !shared.has(appId));
  }

  /** The account's roles and the invitations it made, gone with it; the apps it had roles on. */
  async forget(m: EntityManager, accountId: string): Promise<string[]> {
    const roles = m.getRepository(ConsoleRoleEntity);
    const held = (await roles.find({ where: { accountId }, select: { appId: true } })).map((r) => r.appId);
    await roles.delete({ accountId });
    await m.getRepository(ConsoleInviteEntity).delete({ invitedBy: accountId, usedAt: IsNull() });
    return held;
  }

  /** After the deletion's unit committed: the feed lets go of the rooms of its roles. */
  forgotten(accountId: string, appIds: readonly string[], operator: boolean): void {
    for (const appId of appIds) this.changed(accountId, appId, null);
    if (operator) this.operatorChanged(accountId, false);
  }

  // --- Parts -----------------------------------------------------------------------------------

  /**
   * Gives `accountId` the role `next` on the app (null: none) through `write`, in one unit that
   * first makes sure the app keeps an owner besides it when it is one now: the app's row is locked
   * on MySQL (units run one at a time on a node), so two owners demoting each other at once
   * cannot both pass. `write` answers whether its row was there.
   */
  private ownerChange(appId: string, accountId: string, next: ConsoleAppRole | null, write: (m: EntityManager) => Promise<boolean>): Promise<boolean> {
    return this.deps.uow.run(async ({ m }) => {
      if (dialectOf(m) === "mysql") await m.query("SELECT id FROM apps WHERE id = ? FOR UPDATE", [appId]);
      const roles = m.getRepository(ConsoleRoleEntity);
      const held = await roles.findOne({ where: { accountId, appId }, select: { role: true } });
      if (held?.role === "owner" && next !== "owner") {
        const owners = await roles.find({ where: { appId, role: "owner" }, select: { accountId: true }, take: 2 });
        if (!owners.some((o) => o.accountId !== accountId)) throw lastOwner();
      }
      return write(m);
    });
  }

  /**
   * An invitation is only as good as its inviter's standing: one made by an owner who is an owner
   * no more (or an operator no more) is refused, so a removed owner cannot come back through a
   * link they made for themselves. The CLI's links (no inviter) always hold.
   */
  private async inviterMayStill(invite: ConsoleInviteEntity): Promise<void> {
    if (!invite.invitedBy) return;
    const inviter = await this.accounts.findOne({ where: { id: invite.invitedBy }, select: { id: true, operator: true } });
    if (inviter?.operator) return;
    const role = inviter && invite.appId && invite.role !== "operator" ? await this.roles.findOneBy({ accountId: inviter.id, appId: invite.appId }) : null;
    if (role?.role !== "owner") throw notFound("Sign-up link (its inviter may no longer invite)");
  }

  private async live(token: string): Promise<ConsoleInviteEntity> {
    const invite = token.length <= 100 ? await this.invites.findOneBy({ tokenHash: sha256(token), usedAt: IsNull(), expiresAt: MoreThan(Date.now()) }) : null;
    if (!invite) throw notFound("Sign-up link (used, expired or unknown)");
    return invite;
  }
}
