import type { DataSource, EntityManager } from "typeorm";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EventLog } from "../events/event-log.js";
import { DiskStorage } from "../uploads/storage.js";
import type { UploadsService } from "../uploads/uploads.service.js";
import type { UserEntity } from "../users/user.entity.js";
import type { UsersService } from "../users/users.service.js";

/** What the data-rights service is built from. */
export interface DataRightsDeps {
  db: DataSource;
  uow: UnitOfWork;
  events: EventLog;
  users: UsersService;
  uploads: UploadsService;
  storage: DiskStorage;
  /** The outbox rows still to be delivered, and the unread job's row (webhooks/). */
  webhooks: { forgetUser(m: EntityManager, appId: string, userId: string, fn: (data: string) => string | null): Promise<void> };
  /** Ends every session of a user (auth/): their sockets drop on every node. */
  sessions: { endAllSessions(appId: string, userId: string): Promise<void> };
}

/** Rows read (and, when deleting, written) per statement or unit. */
export const DATA_RIGHTS_PAGE = 500;

/** A row of a raw query, and a column of it read as a number or a string. */
export type Row = Record<string, unknown>;
export const num = (v: unknown): number => Number(v);
export const str = (v: unknown): string => String(v);

/** The stored avatar file of the user (named after them), if their avatar is one of ours. */
export function ownAvatar(user: Pick<UserEntity, "id" | "avatarUrl">): string | null {
  const url = user.avatarUrl;
  if (!url?.startsWith("/")) return null;
  const name = url.slice(url.lastIndexOf("/") + 1);
  return DiskStorage.ownedBy(name, user.id) ? name : null;
}
