import type { DataSource } from "typeorm";
import type { MembershipGuard } from "../conversations/membership.js";
import type { Transactor } from "../db/transaction.js";
import type { EventLog } from "../events/event-log.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import type { PresenceService } from "../presence/presence.service.js";
import type { DiskStorage } from "../uploads/storage.js";
import type { UsersService } from "../users/users.service.js";

/** What every domain service of the messaging core is built from. */
export interface DomainDeps {
  db: DataSource;
  /** Write transactions: use `tx.run(...)` for anything that appends events. */
  tx: Transactor;
  events: EventLog;
  presenter: MessagePresenter;
  membership: MembershipGuard;
  users: UsersService;
  storage: DiskStorage;
  presence: PresenceService;
}
