import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * The search text of each live message with text (search/terms.ts `documentText`), one row per
 * message, written only by the search index hook (and account deletion). A table of its own rather
 * than a column on `messages`: the hot `messages` table stays as narrow as it was, InnoDB rebuilds
 * no 1M-row table to add a FULLTEXT index, and SQLite's FTS5 index reads its content from here
 * (`message_search_fts`, external content, kept in step by triggers: see the Search migration).
 * MariaDB holds the FULLTEXT index on `terms` itself. Listed as an entity so deleting an app
 * (tenancy/app-deletion.ts, by `appId`) empties it too.
 */
@Entity({ name: "message_search" })
@Index("ix_message_search_app", ["appId"])
// MariaDB's FULLTEXT index on `terms` (the Search migration; SQLite has FTS5 instead): declared
// so TypeORM knows it, never created or dropped by TypeORM.
@Index("ft_message_search_terms", { synchronize: false })
export class MessageSearchEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "text" })
  terms!: string;
}
