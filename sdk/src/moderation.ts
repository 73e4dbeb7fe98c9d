import type { ChatClient } from "./client.js";
import { query } from "./http.js";
import type {
  AuditEntry,
  CreateReportRequest,
  FilterWord,
  MuteRequest,
  Page,
  Report,
  ReportResponse,
  ReportStatus,
  ResolveReportRequest,
  Sanction,
  SanctionResponse,
  SlowModeResponse,
  WordFilter,
} from "./protocol/index.js";

/** A page request of the audit log or the report queue. */
export interface ModerationPageOptions {
  cursor?: string;
  limit?: number;
}

const seg = encodeURIComponent;

/**
 * Moderation from the signed-in user's side: reporting (anyone), and the moderators' tools (the
 * app's moderators; a group's owner and admins for mutes, bans and slow mode of their group).
 * `new Moderation(chat)`: a module of its own, not a property of ChatClient, so a page (the
 * widget's UI) that never moderates does not carry it.
 * Whether the user moderates the app is `chat.user?.moderator`. Refusals arrive as ChatError:
 * `forbidden` (not a moderator), `not_found`, and on sends `muted`, `banned`, `slow_mode`
 * (`retryAfterMs`), `content_blocked`.
 */
export class Moderation {
  constructor(private readonly chat: Pick<ChatClient, "request">) {}

  /** Reports a message (its sender) or a user to the app's moderators, with a reason and an optional note. */
  async report(input: CreateReportRequest): Promise<Report> {
    return (await this.chat.request<ReportResponse>("POST", "/reports", input)).report;
  }

  /** The report queue, newest first (open reports by default). */
  reports(opts: ModerationPageOptions & { status?: ReportStatus | "all" } = {}): Promise<Page<Report>> {
    return this.chat.request("GET", `/moderation/reports?${query(opts)}`);
  }

  async resolveReport(id: string, input: ResolveReportRequest): Promise<Report> {
    return (await this.chat.request<ReportResponse>("POST", `/moderation/reports/${seg(id)}/resolve`, input)).report;
  }

  /** The audit log, newest first: who did what to whom, when and why. */
  audit(opts: ModerationPageOptions = {}): Promise<Page<AuditEntry>> {
    return this.chat.request("GET", `/moderation/audit?${query(opts)}`);
  }

  /** Mutes a member until `until` (ISO) or for `durationSec`. */
  async mute(conversationId: string, userId: string, input: MuteRequest): Promise<Sanction> {
    const path = `/moderation/conversations/${seg(conversationId)}/mutes/${seg(userId)}`;
    return (await this.chat.request<SanctionResponse>("PUT", path, input)).sanction;
  }

  async unmute(conversationId: string, userId: string, reason?: string): Promise<void> {
    await this.chat.request("DELETE", `/moderation/conversations/${seg(conversationId)}/mutes/${seg(userId)}`, reasonOf(reason));
  }

  /** Removes the user from the group; they cannot join or be added again until unbanned. */
  async banFromConversation(conversationId: string, userId: string, reason?: string): Promise<Sanction> {
    const path = `/moderation/conversations/${seg(conversationId)}/bans/${seg(userId)}`;
    return (await this.chat.request<SanctionResponse>("PUT", path, reasonOf(reason))).sanction;
  }

  async unbanFromConversation(conversationId: string, userId: string, reason?: string): Promise<void> {
    await this.chat.request("DELETE", `/moderation/conversations/${seg(conversationId)}/bans/${seg(userId)}`, reasonOf(reason));
  }

  /** Bans the user from the whole app: every session of theirs ends at once (moderators only). */
  async banFromApp(userId: string, reason?: string): Promise<Sanction> {
    return (await this.chat.request<SanctionResponse>("PUT", `/moderation/bans/${seg(userId)}`, reasonOf(reason))).sanction;
  }

  async unbanFromApp(userId: string, reason?: string): Promise<void> {
    await this.chat.request("DELETE", `/moderation/bans/${seg(userId)}`, reasonOf(reason));
  }

  /** One message per `seconds` per member (owners, admins and moderators exempt); 0 turns it off. */
  setSlowMode(conversationId: string, seconds: number, reason?: string): Promise<SlowModeResponse> {
    return this.chat.request("PUT", `/moderation/conversations/${seg(conversationId)}/slow-mode`, { seconds, ...reasonOf(reason) });
  }

  wordFilter(): Promise<WordFilter> {
    return this.chat.request("GET", "/moderation/word-filter");
  }

  /** Replaces the app's word list: literal words or phrases, each blocked or masked at send and edit; `names: true` filters group and display names too (left out: unchanged). */
  setWordFilter(words: FilterWord[], reason?: string, opts: { names?: boolean } = {}): Promise<WordFilter> {
    return this.chat.request("PUT", "/moderation/word-filter", { words, ...opts, ...reasonOf(reason) });
  }

  /** Deletes any message of the app (a tombstone stays; `message.deleted` reaches its members). */
  async deleteMessage(messageId: string, reason?: string): Promise<void> {
    await this.chat.request("DELETE", `/moderation/messages/${seg(messageId)}`, reasonOf(reason));
  }
}

const reasonOf = (reason: string | undefined): { reason?: string } => (reason === undefined ? {} : { reason });
