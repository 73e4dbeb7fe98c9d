import type { DialectTypes, Schema } from "./db/data-source.js";
import { RefreshTokenEntity } from "./auth/refresh-token.entity.js";
import { AppEntity } from "./tenancy/app.entity.js";
import { UserEntity } from "./users/user.entity.js";
import { ContactEntity, ContactRequestEntity, BlockEntity } from "./contacts/contact.entities.js";
import { ConversationEntity } from "./conversations/conversation.entity.js";
import { MemberEntity } from "./conversations/member.entity.js";
import { EventEntity } from "./events/event.entity.js";
import { MessageEntity } from "./messages/message.entity.js";
import { ReactionEntity } from "./messages/reaction.entity.js";
import { UploadEntity } from "./uploads/upload.entity.js";
import { Foundation1763780000000 } from "./db/migrations/1763780000000-Foundation.js";
import { Messaging1763790000000 } from "./db/migrations/1763790000000-Messaging.js";
import { ExactIds1763800000000 } from "./db/migrations/1763800000000-ExactIds.js";
import { EventMessageId1763810000000 } from "./db/migrations/1763810000000-EventMessageId.js";
import { LeanEventIndexes1763820000000 } from "./db/migrations/1763820000000-LeanEventIndexes.js";
import { NormalizedEmails1763830000000 } from "./db/migrations/1763830000000-NormalizedEmails.js";
import { MembershipConsent1763840000000 } from "./db/migrations/1763840000000-MembershipConsent.js";
import { UploadQuotaIndexes1763850000000 } from "./db/migrations/1763850000000-UploadQuotaIndexes.js";
import { AppLifecycle1763870000000 } from "./db/migrations/1763870000000-AppLifecycle.js";
import { SyncRetention1763880000000 } from "./db/migrations/1763880000000-SyncRetention.js";
import { ServerKeys1763890000000 } from "./db/migrations/1763890000000-ServerKeys.js";
import { CustomData1763900000000 } from "./db/migrations/1763900000000-CustomData.js";
import { Webhooks1763910000000 } from "./db/migrations/1763910000000-Webhooks.js";
import { DataRights1763925000000 } from "./db/migrations/1763925000000-DataRights.js";
import { Search1763930000000 } from "./db/migrations/1763930000000-Search.js";
import { Moderation1763940000000 } from "./db/migrations/1763940000000-Moderation.js";
import { Threads1763950000000 } from "./db/migrations/1763950000000-Threads.js";
import { Mute1763960000000 } from "./db/migrations/1763960000000-Mute.js";
import { Push1763970000000 } from "./db/migrations/1763970000000-Push.js";
import { MentionEntity, ThreadFollowEntity } from "./threads/thread.entities.js";
import { AuditEntity, ModeratorEntity, ReportEntity, SanctionEntity, SlowModeEntity, WordFilterEntity } from "./moderation/moderation.entities.js";
import { ServerKeyEntity } from "./server-api/server-key.entity.js";
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSettingsEntity, WebhookUnreadEntity } from "./webhooks/webhook.entities.js";
import { MessageSearchEntity } from "./search/message-search.entity.js";
import { PushSettingsEntity, PushSubscriptionEntity } from "./push/push.entities.js";
import { EmailOutboxEntity, EmailRecipientEntity, EmailSettingsEntity } from "./email/email.entities.js";
import { Email1764110000000 } from "./db/migrations/1764110000000-Email.js";
import { EmailQuietHours1764130000000 } from "./db/migrations/1764130000000-EmailQuietHours.js";
import { Agents1764150000000 } from "./db/migrations/1764150000000-Agents.js";
import { AgentEntity, AgentHandoffEntity, AgentSettingsEntity, AiTextEntity } from "./agents/agent.entity.js";
import { AiTexts1764200000000 } from "./db/migrations/1764200000000-AiTexts.js";
import { AgentHandoff1764176000000 } from "./db/migrations/1764176000000-AgentHandoff.js";
import { AgentTokensTools1764175000000 } from "./db/migrations/1764175000000-AgentTokensTools.js";
import { ScheduledAndReminders1764140000000 } from "./db/migrations/1764140000000-ScheduledAndReminders.js";
import { ReminderEntity, ScheduledMessageEntity } from "./scheduled/scheduled.entities.js";
import { Drafts1764185000000 } from "./db/migrations/1764185000000-Drafts.js";
import { PresenceGroupMax1764195000000 } from "./db/migrations/1764195000000-PresenceGroupMax.js";
import { UserAgent1764205000000 } from "./db/migrations/1764205000000-UserAgent.js";
import { LeanSenderIndex1764210000000 } from "./db/migrations/1764210000000-LeanSenderIndex.js";
import { DraftEntity } from "./drafts/draft.entity.js";
import { Streams1764125000000 } from "./db/migrations/1764125000000-Streams.js";
import { MessageStreamEntity } from "./messages/stream.entity.js";
import { Console1764000000000 } from "./db/migrations/1764000000000-Console.js";
import { WebhookStatus1764010000000 } from "./db/migrations/1764010000000-WebhookStatus.js";
import { Usage1764020000000 } from "./db/migrations/1764020000000-Usage.js";
import { ConsoleInvitesByApp1764030000000 } from "./db/migrations/1764030000000-ConsoleInvitesByApp.js";
import { Pins1764040000000 } from "./db/migrations/1764040000000-Pins.js";
import { PinEntity } from "./pins/pin.entity.js";
import { Polls1764060000000 } from "./db/migrations/1764060000000-Polls.js";
import { Voice1764080000000 } from "./db/migrations/1764080000000-Voice.js";
import { Calls1764090000000 } from "./db/migrations/1764090000000-Calls.js";
import { CallUsage1764100000000 } from "./db/migrations/1764100000000-CallUsage.js";
import { CallEntity, CallParticipantEntity } from "./calls/call.entities.js";
import { LinkPreviews1764050000000 } from "./db/migrations/1764050000000-LinkPreviews.js";
import { PreviewSettings1764070000000 } from "./db/migrations/1764070000000-PreviewSettings.js";
import { LinkPreviewCacheEntity, MessagePreviewEntity } from "./previews/previews.entities.js";
import { PollEntity, PollVoteEntity } from "./polls/poll.entities.js";
import { UsageActiveUserEntity, UsageDailyEntity, UsageMonthlyEntity, UsageSocketsEntity } from "./usage/usage.entities.js";
import { ConsoleAccountEntity, ConsoleAuditEntity, ConsoleInviteEntity, ConsoleRoleEntity, ConsoleSessionEntity } from "./console/console.entities.js";

/*
 * The schema, at the composition root beside services.ts: every entity, every migration and the
 * column types that differ by dialect. db/ (the data source) imports none of them; whoever opens
 * the database (main.ts, cli.ts, tests) hands SCHEMA to openDatabase / createDataSource.
 */

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
  PushSettingsEntity,
  PushSubscriptionEntity,
  ConsoleAccountEntity,
  ConsoleRoleEntity,
  ConsoleInviteEntity,
  ConsoleSessionEntity,
  ConsoleAuditEntity,
  UsageDailyEntity,
  UsageMonthlyEntity,
  UsageActiveUserEntity,
  UsageSocketsEntity,
  PinEntity,
  PollEntity,
  PollVoteEntity,
  LinkPreviewCacheEntity,
  MessagePreviewEntity,
  CallEntity,
  CallParticipantEntity,
  EmailSettingsEntity,
  EmailRecipientEntity,
  EmailOutboxEntity,
  ScheduledMessageEntity,
  ReminderEntity,
  DraftEntity,
  MessageStreamEntity,
  AgentEntity,
  AgentSettingsEntity,
  AgentHandoffEntity,
  AiTextEntity,
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
  Mute1763960000000,
  Push1763970000000,
  Console1764000000000,
  WebhookStatus1764010000000,
  Usage1764020000000,
  ConsoleInvitesByApp1764030000000,
  Pins1764040000000,
  LinkPreviews1764050000000,
  Polls1764060000000,
  PreviewSettings1764070000000,
  Voice1764080000000,
  Calls1764090000000,
  CallUsage1764100000000,
  Email1764110000000,
  Streams1764125000000,
  EmailQuietHours1764130000000,
  ScheduledAndReminders1764140000000,
  Agents1764150000000,
  AgentTokensTools1764175000000,
  AgentHandoff1764176000000,
  Drafts1764185000000,
  PresenceGroupMax1764195000000,
  AiTexts1764200000000,
  UserAgent1764205000000,
  LeanSenderIndex1764210000000,
];

/**
 * Column types that differ by dialect, where an entity declares one: each type here is what the
 * migrations made on that dialect, so TypeORM's metadata describes the real tables (held by
 * server/test/schema-drift.test.ts). Types matter to schema comparison only, not to reads or writes.
 */
export const DIALECT_TYPES: DialectTypes = {
  // A big group's conversation event passes 64 KB (migration 1763880000000-SyncRetention).
  mysql: [[EventEntity, "data", "mediumtext"]],
  // SQLite's rowid: a 64-bit INTEGER PRIMARY KEY (BIGINT would not be the rowid).
  sqlite: [
    [MessageEntity, "id", "integer"],
    [MessageSearchEntity, "messageId", "integer"],
  ],
};

/** What the server's database is opened with (db/data-source.ts). */
export const SCHEMA: Schema = { entities: ENTITIES, migrations: MIGRATIONS, dialectTypes: DIALECT_TYPES };
