import jwt from "jsonwebtoken";
import { secretKey } from "../auth/tokens.js";
import type { Conversation, Message, Page, ServerTokenResponse } from "@parley/sdk/protocol";
import type { ServerCreateInput } from "../conversations/commands/server.js";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { ListOptions } from "../conversations/queries.js";
import type { MessagesService, ModerationBypass } from "../messages/messages.service.js";
import type { SendOutcome } from "../messages/send-writer.js";
import type { ModerationService } from "../moderation/moderation.service.js";
import type { ServerCaller } from "../shared/caller.js";
import type { CustomData } from "@parley/sdk/protocol";
import { AppError, notFound } from "../shared/errors.js";
import type { UserEntity } from "../users/user.entity.js";
import type { UsersService } from "../users/users.service.js";
import type { ServerKeysService } from "./server-keys.service.js";
import type { ServerSendMessage } from "./server-api.schema.js";

/** What the server API service is built from: the domain services it acts through. */
export interface ServerApiDeps {
  users: UsersService;
  conversations: ConversationsService;
  messages: MessagesService;
  serverKeys: Pick<ServerKeysService, "liveKey">;
  /** Owner of the audit log: a send past moderation (`moderation: "bypass"`) is recorded there. */
  moderation: Pick<ModerationService, "recordBypass">;
}

/** A host token's lifetime when the request names none. */
export const DEFAULT_HOST_TOKEN_TTL_SEC = 300;

/**
 * The host's backend (a ServerCaller), acting through the domain services: it names users by the
 * host's own id (`sub`) and this service turns subs into users (404 naming the unknown ones),
 * then asks the owning service. It owns no table; every write is the domain services' own unit.
 */
export class ServerApiService {
  constructor(private readonly deps: ServerApiDeps) {}

  upsertUser(caller: ServerCaller, input: Parameters<UsersService["upsertBySub"]>[1]): Promise<{ user: UserEntity; created: boolean }> {
    return this.deps.users.upsertBySub(caller, input);
  }

  /**
   * A host token for an existing user, signed with the calling key's secret and naming it in its
   * `kid` header: the browser exchanges it at `POST /v1/auth/host-token` until it expires, or
   * until this key is revoked.
   */
  async issueHostToken(caller: ServerCaller, input: { sub: string; ttlSec?: number | undefined }): Promise<ServerTokenResponse> {
    const user = await this.deps.users.findBySub(caller.appId, input.sub);
    if (!user) throw notFound("User");
    const key = await this.deps.serverKeys.liveKey(caller.server);
    if (!key || key.appId !== caller.appId) throw new AppError("invalid_token", "Unknown or revoked server key");
    const expiresIn = input.ttlSec ?? DEFAULT_HOST_TOKEN_TTL_SEC;
    // Only an absolute http(s) avatar fits a host token's avatarUrl claim.
    const avatarUrl = user.avatarUrl && /^https?:\/\//i.test(user.avatarUrl) ? { avatarUrl: user.avatarUrl } : {};
    const hostToken = jwt.sign({ sub: input.sub, name: user.displayName, ...avatarUrl }, secretKey(key.secret), {
      algorithm: "HS256",
      expiresIn,
      keyid: key.id,
    });
    return { hostToken, expiresIn };
  }

  async createConversation(
    caller: ServerCaller,
    input: Omit<ServerCreateInput, "userIds"> & { users: string[] },
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const { users, ...rest } = input;
    const userIds = await this.userIds(caller.appId, users);
    return this.deps.conversations.createByServer(caller, { ...rest, userIds });
  }

  listConversations(caller: ServerCaller, opts: ListOptions) {
    return this.deps.conversations.list(caller, opts);
  }

  getConversation(caller: ServerCaller, id: string): Promise<Conversation> {
    return this.deps.conversations.get(caller, id);
  }

  updateConversation(caller: ServerCaller, input: { id: string; name?: string | undefined; data?: CustomData | null | undefined }): Promise<Conversation> {
    return this.deps.conversations.updateByServer(caller, input);
  }

  async addMembers(caller: ServerCaller, input: { id: string; users: string[] }): Promise<Conversation> {
    // The conversation first: another app's (or a missing) one is a 404 before any user is looked up.
    await this.deps.conversations.requireInApp(caller.appId, input.id);
    return this.deps.conversations.addMembersByServer(caller, { id: input.id, userIds: await this.userIds(caller.appId, input.users) });
  }

  async removeMember(caller: ServerCaller, input: { id: string; sub: string }): Promise<void> {
    const user = await this.deps.users.findBySub(caller.appId, input.sub);
    if (!user) throw notFound("Member");
    await this.deps.conversations.removeMemberByServer(caller, { id: input.id, userId: user.id });
  }

  /**
   * As the member `from`, moderated as their own send would be (bans, mute, slow mode, word
   * filter), or without it a system message (no sender, not moderated); idempotent by
   * clientMessageId. With `moderation: "bypass"` a send `from` a user skips moderation, and its
   * audit entry (naming this server key) commits with the message.
   */
  async send(caller: ServerCaller, input: ServerSendMessage): Promise<SendOutcome> {
    const { from, moderation, ...rest } = input;
    if (from === undefined) return this.deps.messages.send(caller, rest);
    const user = await this.deps.users.findBySub(caller.appId, from);
    if (!user) throw new AppError("not_found", "No user of this app has this sub", { subs: [from] });
    const bypass: ModerationBypass | undefined =
      moderation === "bypass"
        ? { audit: (m, messageId) => this.deps.moderation.recordBypass(m, caller, { userId: user.id, conversationId: input.conversationId, messageId }) }
        : undefined;
    return this.deps.messages.send(caller, { ...rest, from: user.id, bypass });
  }

  history(caller: ServerCaller, q: Parameters<MessagesService["history"]>[1]): Promise<Page<Message>> {
    return this.deps.messages.history(caller, q);
  }

  editMessage(caller: ServerCaller, input: { messageId: string; text?: string | undefined; data?: CustomData | null | undefined }): Promise<Message> {
    return this.deps.messages.edit(caller, input);
  }

  async deleteMessage(caller: ServerCaller, messageId: string): Promise<void> {
    await this.deps.messages.remove(caller, messageId);
  }

  /** User ids for subs, in order, without repeats; 404 naming every sub no user of the app has. */
  private async userIds(appId: string, subs: string[]): Promise<string[]> {
    const wanted = [...new Set(subs)];
    const found = await this.deps.users.findBySubs(appId, wanted);
    const missing = wanted.filter((s) => !found.has(s));
    if (missing.length > 0)
      throw new AppError("not_found", `No user of this app has ${missing.length === 1 ? "this sub" : "these subs"}`, { subs: missing.slice(0, 50) });
    return wanted.map((s) => found.get(s)!.id);
  }
}
