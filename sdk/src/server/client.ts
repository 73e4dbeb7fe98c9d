import type {
  Call,
  CreatePollRequest,
  Pin,
  PinsResponse,
  Poll,
  CreateWebhookRequest,
  CustomData,
  DataExport,
  ErrorBody,
  ErrorCode,
  ReplayWebhookResponse,
  ServerTokenResponse,
  WebhookDeliveriesResponse,
  WebhookEndpoint,
  WebhookSettings,
  AuditEntry,
  FilterWord,
  ModeratorsResponse,
  MuteRequest,
  Report,
  ReportStatus,
  ResolveReportRequest,
  Sanction,
  SlowModeResponse,
  WordFilter,
} from "../protocol/index.js";
import { ParleyServerError } from "./errors.js";
import type {
  CreateConversationInput,
  CreateTokenInput,
  EditMessageInput,
  ListConversationsInput,
  ListCallsInput,
  ListDeliveriesInput,
  ListMessagesInput,
  Page,
  ParleyConversation,
  ParleyMessage,
  ParleyUser,
  SendMessageInput,
  UpdateConversationInput,
  UpsertUserInput,
} from "./types.js";

export interface ParleyServerOptions {
  /** The Parley server's base URL, e.g. `https://chat.example`. */
  server: string;
  /** A server key's id (`npm run app:key -- create`). */
  keyId: string;
  /** That key's secret. Keep it on your backend: it acts for every user of the app. */
  secret: string;
  /** A fetch implementation (default: the global one, Node >= 20). */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

/**
 * The host's backend's client for the server API (`/v1/server/…`), authenticated with a server
 * key. Node only: never ship the key to a browser (the server refuses requests with an Origin).
 *
 * ```ts
 * const parley = new ParleyServer<{ plan: string }, { orderId: string }>({ server, keyId, secret });
 * await parley.upsertUser({ sub: "u1", name: "Ada", data: { plan: "pro" } });
 * const conversation = await parley.createConversation({ kind: "direct", users: ["u1", "u2"], key: "order-123" });
 * await parley.sendMessage(conversation.id, { text: "Order #123 shipped" }); // a system message (no `from`)
 * ```
 */
export class ParleyServer<
  UserData extends CustomData = CustomData,
  ConversationData extends CustomData = CustomData,
  MessageData extends CustomData = CustomData,
> {
  private readonly base: string;
  private readonly authorization: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ParleyServerOptions) {
    if (!options.server || !options.keyId || !options.secret) throw new TypeError("ParleyServer needs server, keyId and secret");
    this.base = options.server.replace(/\/+$/, "");
    this.authorization = "Basic " + Buffer.from(`${options.keyId}:${options.secret}`).toString("base64");
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  // Users and sessions

  /** Creates or updates a user by the host's id (`sub`). */
  async upsertUser(input: UpsertUserInput<UserData>): Promise<ParleyUser<UserData>> {
    return (await this.request<{ user: ParleyUser<UserData> }>("POST", "/users", input)).user;
  }

  /** Issues a host token for a user, for the browser to sign in with. */
  createToken(input: CreateTokenInput): Promise<ServerTokenResponse> {
    return this.request("POST", "/tokens", input);
  }

  // Conversations

  /** Creates a conversation, or returns the existing one with the same `key`. */
  async createConversation(input: CreateConversationInput<ConversationData>): Promise<ParleyConversation<ConversationData, UserData, MessageData>> {
    return (await this.request<{ conversation: ParleyConversation<ConversationData, UserData, MessageData> }>("POST", "/conversations", input)).conversation;
  }

  async getConversation(id: string): Promise<ParleyConversation<ConversationData, UserData, MessageData>> {
    return (await this.request<{ conversation: ParleyConversation<ConversationData, UserData, MessageData> }>("GET", `/conversations/${seg(id)}`)).conversation;
  }

  /** Lists the app's conversations, optionally by key or by equality on custom data fields. */
  listConversations(input: ListConversationsInput = {}): Promise<Page<ParleyConversation<ConversationData, UserData, MessageData>>> {
    const query: Query = { key: input.key, cursor: input.cursor, limit: input.limit };
    for (const [k, v] of Object.entries(input.filter ?? {})) query[`filter[data.${k}]`] = v;
    return this.request("GET", "/conversations", undefined, query);
  }

  async updateConversation(id: string, input: UpdateConversationInput<ConversationData>): Promise<ParleyConversation<ConversationData, UserData, MessageData>> {
    return (await this.request<{ conversation: ParleyConversation<ConversationData, UserData, MessageData> }>("PATCH", `/conversations/${seg(id)}`, input))
      .conversation;
  }

  /** Adds users (by `sub`) to a conversation; resolves with the conversation as it now is. */
  async addMembers(conversationId: string, subs: string[]): Promise<ParleyConversation<ConversationData, UserData, MessageData>> {
    return (
      await this.request<{ conversation: ParleyConversation<ConversationData, UserData, MessageData> }>(
        "POST",
        `/conversations/${seg(conversationId)}/members`,
        { users: subs },
      )
    ).conversation;
  }

  async removeMember(conversationId: string, sub: string): Promise<void> {
    await this.request("DELETE", `/conversations/${seg(conversationId)}/members/${seg(sub)}`);
  }

  // Messages

  /**
   * Sends a message as the user `from`, or, without `from`, a system message (no sender). A message
   * `from` a user is moderated as their own send (`banned`, `muted`, `slow_mode`, `content_blocked`,
   * masked words) unless `moderation: "bypass"`, which the app's audit log records.
   */
  sendMessage(conversationId: string, input: SendMessageInput<MessageData>): Promise<ParleyMessage<MessageData>> {
    return this.request("POST", `/conversations/${seg(conversationId)}/messages`, input);
  }

  /** History, newest first; pass `nextCursor` back as `cursor` for older messages. */
  listMessages(conversationId: string, input: ListMessagesInput = {}): Promise<Page<ParleyMessage<MessageData>>> {
    return this.request("GET", `/conversations/${seg(conversationId)}/messages`, undefined, { before: input.cursor, limit: input.limit });
  }

  editMessage(id: string, input: EditMessageInput<MessageData>): Promise<ParleyMessage<MessageData>> {
    return this.request("PATCH", `/messages/${seg(id)}`, input);
  }

  /** Deletes any message of the app (a tombstone stays). */
  async deleteMessage(id: string): Promise<void> {
    await this.request("DELETE", `/messages/${seg(id)}`);
  }

  // Pins and polls

  /** Pins any message of the app (idempotent; `by` is null: the host's backend). 409 past 25 pins in a conversation. */
  pinMessage(id: string): Promise<Pin> {
    return this.request("PUT", `/messages/${seg(id)}/pin`);
  }

  async unpinMessage(id: string): Promise<void> {
    await this.request("DELETE", `/messages/${seg(id)}/pin`);
  }

  /** A conversation's pins, newest first. */
  listPins(conversationId: string): Promise<PinsResponse> {
    return this.request("GET", `/conversations/${seg(conversationId)}/pins`);
  }

  /** Asks a poll as a system message (no sender); members vote in their clients. */
  createPoll(conversationId: string, input: CreatePollRequest): Promise<ParleyMessage<MessageData>> {
    return this.request("POST", `/conversations/${seg(conversationId)}/polls`, input);
  }

  /** Closes any poll of the app. */
  closePoll(id: string): Promise<Poll> {
    return this.request("POST", `/messages/${seg(id)}/poll/close`);
  }

  // Calls

  /** A conversation's calls, newest first (pass `nextCursor` back as `cursor` for the next page). */
  listCalls(conversationId: string, input: ListCallsInput = {}): Promise<Page<Call>> {
    return this.request("GET", `/conversations/${seg(conversationId)}/calls`, undefined, { cursor: input.cursor, limit: input.limit });
  }

  /**
   * Ends a call for everyone in it: one still ringing is `cancelled`, one under way `completed`;
   * its entry is posted in the conversation as for any finished call. An ended call is answered as it is.
   */
  endCall(id: string): Promise<Call> {
    return this.request("POST", `/calls/${seg(id)}/end`);
  }

  // Data rights

  /** Everything Parley holds of the user (`sub`), as JSON: profile, messages, reactions, uploads, conversations, contacts, requests, blocks. */
  exportUser(sub: string): Promise<DataExport> {
    return this.request("GET", `/users/${seg(sub)}/export`);
  }

  /** The same as a zip archive: `export.json` and the files the user uploaded (each named by its upload's `file`). */
  async exportUserZip(sub: string): Promise<Uint8Array> {
    const res = await this.send("GET", `/users/${seg(sub)}/export`, undefined, { format: "zip" });
    if (!res.ok) return this.fail(res, await res.text());
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * Deletes the user's account: their messages become tombstones, their files, sessions (open
   * sockets included), contacts and memberships go, and their profile is anonymised. Their `sub`
   * is free again afterwards: `upsertUser` with it creates a new, empty user.
   */
  async deleteUser(sub: string): Promise<void> {
    await this.request("DELETE", `/users/${seg(sub)}`);
  }

  // Webhooks

  /** Registers an endpoint for some event types; deliveries are signed with the app's server keys. */
  async createWebhook(input: CreateWebhookRequest): Promise<WebhookEndpoint> {
    return (await this.request<{ endpoint: WebhookEndpoint }>("POST", "/webhooks", input)).endpoint;
  }

  async listWebhooks(): Promise<WebhookEndpoint[]> {
    return (await this.request<{ endpoints: WebhookEndpoint[] }>("GET", "/webhooks")).endpoints;
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.request("DELETE", `/webhooks/${seg(id)}`);
  }

  /** An endpoint's deliveries, newest first (`status: "failed"` for the ones to look at). */
  listDeliveries(webhookId: string, input: ListDeliveriesInput = {}): Promise<WebhookDeliveriesResponse> {
    return this.request("GET", `/webhooks/${seg(webhookId)}/deliveries`, undefined, { status: input.status, cursor: input.cursor });
  }

  /** Queues again, in order, every subscribed event from `fromSeq` on; resolves with how many. */
  replayWebhook(webhookId: string, fromSeq: number): Promise<ReplayWebhookResponse> {
    return this.request("POST", `/webhooks/${seg(webhookId)}/replay`, { fromSeq });
  }

  /** Per-app webhook settings: `unreadAfterSec` for `notification.unread`. */
  setWebhookSettings(settings: WebhookSettings): Promise<WebhookSettings> {
    return this.request("PUT", "/webhooks/settings", settings);
  }

  // Moderation (users named by sub; every action lands in the audit log with `reason`)

  /** Makes the user a moderator of the app (`moderator: true` on their GET /me), or no longer one. */
  async setModerator(sub: string, moderator: boolean, reason?: string): Promise<void> {
    await this.request(moderator ? "PUT" : "DELETE", `/moderators/${seg(sub)}`, reasonOf(reason));
  }

  async listModerators(): Promise<ModeratorsResponse["moderators"]> {
    return (await this.request<ModeratorsResponse>("GET", "/moderators")).moderators;
  }

  /** The report queue, newest first (open by default); `report.created` webhooks announce new ones. */
  listReports(input: { status?: ReportStatus | "all"; cursor?: string; limit?: number } = {}): Promise<Page<Report>> {
    return this.request("GET", "/moderation/reports", undefined, { status: input.status, cursor: input.cursor, limit: input.limit });
  }

  async resolveReport(id: string, input: ResolveReportRequest): Promise<Report> {
    return (await this.request<{ report: Report }>("POST", `/moderation/reports/${seg(id)}/resolve`, input)).report;
  }

  /** The audit log, newest first. */
  moderationAudit(input: { cursor?: string; limit?: number } = {}): Promise<Page<AuditEntry>> {
    return this.request("GET", "/moderation/audit", undefined, { cursor: input.cursor, limit: input.limit });
  }

  async mute(conversationId: string, sub: string, input: MuteRequest): Promise<Sanction> {
    return (await this.request<{ sanction: Sanction }>("PUT", `/moderation/conversations/${seg(conversationId)}/mutes/${seg(sub)}`, input)).sanction;
  }

  async unmute(conversationId: string, sub: string, reason?: string): Promise<void> {
    await this.request("DELETE", `/moderation/conversations/${seg(conversationId)}/mutes/${seg(sub)}`, reasonOf(reason));
  }

  /** Bans the user from a group (`conversationId`) or, without one, from the whole app (every session ends). */
  async ban(sub: string, input: { conversationId?: string; reason?: string } = {}): Promise<Sanction> {
    const path = input.conversationId ? `/moderation/conversations/${seg(input.conversationId)}/bans/${seg(sub)}` : `/moderation/bans/${seg(sub)}`;
    return (await this.request<{ sanction: Sanction }>("PUT", path, reasonOf(input.reason))).sanction;
  }

  async unban(sub: string, input: { conversationId?: string; reason?: string } = {}): Promise<void> {
    const path = input.conversationId ? `/moderation/conversations/${seg(input.conversationId)}/bans/${seg(sub)}` : `/moderation/bans/${seg(sub)}`;
    await this.request("DELETE", path, reasonOf(input.reason));
  }

  setSlowMode(conversationId: string, seconds: number, reason?: string): Promise<SlowModeResponse> {
    return this.request("PUT", `/moderation/conversations/${seg(conversationId)}/slow-mode`, { seconds, ...reasonOf(reason) });
  }

  getWordFilter(): Promise<WordFilter> {
    return this.request("GET", "/moderation/word-filter");
  }

  setWordFilter(words: FilterWord[], reason?: string, opts: { names?: boolean } = {}): Promise<WordFilter> {
    return this.request("PUT", "/moderation/word-filter", { words, ...opts, ...reasonOf(reason) });
  }

  /** Deletes a message as moderation (audited with `reason`), unlike `deleteMessage`. */
  async moderateMessage(id: string, reason?: string): Promise<void> {
    await this.request("DELETE", `/moderation/messages/${seg(id)}`, reasonOf(reason));
  }

  private async request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const res = await this.send(method, path, body, query);
    const text = await res.text();
    if (!res.ok) return this.fail(res, text);
    return (text ? parseJson(text) : undefined) as T;
  }

  private async send(method: string, path: string, body?: unknown, query?: Query): Promise<Response> {
    const url = new URL(`${this.base}/v1/server${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: this.authorization, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ParleyServerError("network_error", `Parley server unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private fail(res: Response, text: string): never {
    const json: unknown = text ? parseJson(text) : undefined;
    const error = (json as Partial<ErrorBody> | undefined)?.error;
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new ParleyServerError((error?.code ?? "internal") as ErrorCode, error?.message ?? `HTTP ${res.status}`, {
      status: res.status,
      details: error?.details,
      ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
}

const reasonOf = (reason: string | undefined): { reason?: string } => (reason === undefined ? {} : { reason });

/** One path segment: ids are the server's, subs are the host's (anything). */
const seg = (s: string): string => encodeURIComponent(s);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
