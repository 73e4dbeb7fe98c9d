import { mkdirSync } from "node:fs";
import path from "node:path";
import { DataSource, type DataSourceOptions } from "typeorm";
import { RefreshTokenEntity } from "../auth/refresh-token.entity.js";
import { AppEntity } from "../tenancy/app.entity.js";
import { UserEntity } from "../users/user.entity.js";
import { ContactEntity, ContactRequestEntity, BlockEntity } from "../contacts/contact.entities.js";
import { ConversationEntity } from "../conversations/conversation.entity.js";
import { MemberEntity } from "../conversations/member.entity.js";
import { EventEntity } from "../events/event.entity.js";
import { MessageEntity } from "../messages/message.entity.js";
import { ReactionEntity } from "../messages/reaction.entity.js";
import { UploadEntity } from "../uploads/upload.entity.js";
import { Foundation1763780000000 } from "./migrations/1763780000000-Foundation.js";
import { Messaging1763790000000 } from "./migrations/1763790000000-Messaging.js";
import { ExactIds1763800000000 } from "./migrations/1763800000000-ExactIds.js";
import { EventMessageId1763810000000 } from "./migrations/1763810000000-EventMessageId.js";
import { LeanEventIndexes1763820000000 } from "./migrations/1763820000000-LeanEventIndexes.js";
import { NormalizedEmails1763830000000 } from "./migrations/1763830000000-NormalizedEmails.js";
import { MembershipConsent1763840000000 } from "./migrations/1763840000000-MembershipConsent.js";
import { UploadQuotaIndexes1763850000000 } from "./migrations/1763850000000-UploadQuotaIndexes.js";
import { AppLifecycle1763870000000 } from "./migrations/1763870000000-AppLifecycle.js";
import { SyncRetention1763880000000 } from "./migrations/1763880000000-SyncRetention.js";
import { ServerKeys1763890000000 } from "./migrations/1763890000000-ServerKeys.js";
import { CustomData1763900000000 } from "./migrations/1763900000000-CustomData.js";
import { Webhooks1763910000000 } from "./migrations/1763910000000-Webhooks.js";
import { DataRights1763925000000 } from "./migrations/1763925000000-DataRights.js";
import { Search1763930000000 } from "./migrations/1763930000000-Search.js";
import { Moderation1763940000000 } from "./migrations/1763940000000-Moderation.js";
import { Threads1763950000000 } from "./migrations/1763950000000-Threads.js";
import { MentionEntity, ThreadFollowEntity } from "../threads/thread.entities.js";
import { AuditEntity, ModeratorEntity, ReportEntity, SanctionEntity, SlowModeEntity, WordFilterEntity } from "../moderation/moderation.entities.js";
import { ServerKeyEntity } from "../server-api/server-key.entity.js";
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSettingsEntity, WebhookUnreadEntity } from "../webhooks/webhook.entities.js";
import { MessageSearchEntity } from "../search/message-search.entity.js";
import { dialectOf } from "./sql.js";

/** Every entity and migration, listed explicitly: globs break once the server is bundled. */
export const ENTITIES = [
  AppEntity,
  UserEntity,
  RefreshTokenEntity,
  ConversationEntity,
  MemberEntity,
  MessageEntity,
  ReactionEntity,
  UploadEntity,
  ContactRequestEntity,
  ContactEntity,
  BlockEntity,
  EventEntity,
  ServerKeyEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookSettingsEntity,
  WebhookUnreadEntity,
  MessageSearchEntity,
  ModeratorEntity,
  SanctionEntity,
  SlowModeEntity,
  WordFilterEntity,
  ReportEntity,
  AuditEntity,
  ThreadFollowEntity,
  MentionEntity,
];
export const MIGRATIONS = [
  Foundation1763780000000,
  Messaging1763790000000,
  ExactIds1763800000000,
  EventMessageId1763810000000,
  LeanEventIndexes1763820000000,
  NormalizedEmails1763830000000,
  MembershipConsent1763840000000,
  UploadQuotaIndexes1763850000000,
  AppLifecycle1763870000000,
  SyncRetention1763880000000,
  ServerKeys1763890000000,
  CustomData1763900000000,
  Webhooks1763910000000,
  DataRights1763925000000,
  Search1763930000000,
  Moderation1763940000000,
  Threads1763950000000,
];

export interface DatabaseOptions {
  /** `mysql://user:pass@host:3306/db`; unset for the embedded SQLite file. */
  url: string | undefined;
  /** Where the SQLite file lives when `url` is unset. */
  sqliteFile: string;
  logging?: boolean;
  /**
   * SQLite's `synchronous` (WAL mode). FULL, the default: a commit is fsynced before it is
   * acknowledged, so it survives a power loss or an OS crash. NORMAL skips that fsync (the WAL is
   * synced at checkpoints only): still safe from a crash of the server process, but the last
   * commits before a power loss may be lost. See docs/performance.md ("Durability").
   */
  sqliteSynchronous?: "FULL" | "NORMAL";
}

/** Builds (but does not open) the DataSource for the configured database. */
export function createDataSource(opts: DatabaseOptions): DataSource {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: opts.logging ?? false };
  let options: DataSourceOptions;
  if (opts.url) {
    options = {
      ...common,
      type: "mysql",
      url: opts.url.replace(/^mariadb:/, "mysql:"),
      charset: "utf8mb4_unicode_ci",
      timezone: "Z",
      extra: {
        connectionLimit: 20,
        // Outage behaviour (server/test/outage.test.ts): a connect to an unreachable server fails
        // within 5 s instead of mysql2's 10 s; a connection that errors or closes leaves the pool
        // (mysql2 does that itself) and the next query opens a fresh one, so the pool recovers
        // when the database returns. TCP keep-alive and idle expiry keep long-idle connections,
        // which a restart or a NAT may have silently killed, from being reused forever.
        connectTimeout: 5000,
        enableKeepAlive: true,
        keepAliveInitialDelay: 10_000,
        maxIdle: 10,
        idleTimeout: 60_000,
      },
    };
  } else {
    if (opts.sqliteFile !== ":memory:") mkdirSync(path.dirname(opts.sqliteFile), { recursive: true });
    options = { ...common, type: "better-sqlite3", database: opts.sqliteFile, enableWAL: opts.sqliteFile !== ":memory:" };
  }
  return new DataSource(options);
}

/** How long one MySQL query may take once the server runs (see openDatabase). */
export const QUERY_TIMEOUT_MS = 5000;

/** A migration failed: the database is reachable, its data or schema is the problem. */
export class MigrationError extends Error {}

export interface OpenOptions {
  /**
   * Apply pending migrations (default true). False opens the database as it is: MIGRATE_ON_START=0,
   * `migrate:status`, and the CLI's explicit `migrate` step.
   */
  migrate?: boolean;
}

/**
 * Opens the database and, unless `migrate: false`, applies pending migrations. A failed migration
 * is thrown as a MigrationError (callers tell it from an unreachable database); on any failure
 * after the connection opened, the connection is closed again.
 */
export async function openDatabase(opts: DatabaseOptions, { migrate = true }: OpenOptions = {}): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  try {
    // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL): set it explicitly.
    if (dialectOf(ds) === "sqlite") await ds.query(`PRAGMA synchronous = ${opts.sqliteSynchronous ?? "FULL"}`);
    if (migrate) {
      try {
        await ds.runMigrations({ transaction: "each" });
      } catch (err) {
        throw new MigrationError(`A migration failed (the earlier ones stay applied): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
  // After the migrations (which may legitimately run long): a query on a connection that stopped
  // answering (a partition, a frozen server) fails after this long instead of waiting for TCP to
  // give up, minutes later, while this node's other writes queue behind it (one writer per node).
  if (dialectOf(ds) === "mysql") Object.assign(ds.driver.options, { enableQueryTimeout: true, maxQueryExecutionTime: QUERY_TIMEOUT_MS });
  return ds;
}
