import type { EntityManager } from "typeorm";
import type { Conversation, CustomData, GroupInvitation, Member } from "@parley/sdk/protocol";
import type { ContactRequestEntity } from "../contacts/contact.entities.js";
import type { NewEvent } from "../events/event-log.js";
import type { Caller, ServerCaller, UserCaller } from "../shared/caller.js";
import { createDirect } from "./commands/create-direct.js";
import { createGroup, updateGroup } from "./commands/group.js";
import { acceptInvitation, declineInvitation, type InvitationListOptions, listInvitations } from "./commands/invitations.js";
import { addMembers, expel, join, removeMember, setRole } from "./commands/members.js";
import { setMuted } from "./commands/mute.js";
import { addMembersByServer, createByServer, removeMemberByServer, type ServerCreateInput, updateByServer } from "./commands/server.js";
import type { ConversationEntity } from "./conversation.entity.js";
import type { ConversationsDeps } from "./deps.js";
import { TRUSTED_POLICY } from "./group-policy.js";
import { lockForNewMessages, touchLastMessages } from "./last-message.js";
import { type ConversationPage, get, list, type ListOptions, listPublic, type PublicOptions, presentMine, requireInApp } from "./queries.js";

/**
 * Conversations and their members, as one facade over the domain's parts: `queries.ts` (reads),
 * `commands/*.ts` (one write each: a direct conversation, a group, members and roles,
 * invitations, and the host's backend's own variants), `policy.ts` (who may do what, the group
 * size rule), `heir.ts` (owner succession). Every query is scoped by the caller's app. User
 * commands take a UserCaller, the server API's a ServerCaller; all take `(caller, input)`.
 */
export class ConversationsService {
  constructor(private readonly deps: ConversationsDeps) {}

  /** The same service with the server's own group rules (TRUSTED_POLICY): for the server itself (seeding, tools), never routes. */
  trusted(): ConversationsService {
    return new ConversationsService({ ...this.deps, policy: TRUSTED_POLICY });
  }

  // Reads ---------------------------------------------------------------------------------------

  list(caller: Caller, opts: ListOptions): Promise<ConversationPage> {
    return list(this.deps, caller, opts);
  }

  listPublic(caller: Caller, opts: PublicOptions): Promise<ConversationPage> {
    return listPublic(this.deps, caller, opts);
  }

  get(caller: Caller, id: string): Promise<Conversation> {
    return get(this.deps, caller, id);
  }

  presentMine(caller: UserCaller, ids: string[]): Promise<Conversation[]> {
    return presentMine(this.deps, caller, ids);
  }

  requireInApp(appId: string, id: string, m?: EntityManager): Promise<ConversationEntity> {
    return requireInApp(this.deps, appId, id, m);
  }

  // End users -----------------------------------------------------------------------------------

  createDirect(caller: UserCaller, input: { userId: string }): Promise<{ conversation: Conversation; created: boolean }> {
    return createDirect(this.deps, caller, input);
  }

  createGroup(caller: UserCaller, input: { name: string; memberIds: string[]; isPublic?: boolean | undefined }): Promise<Conversation> {
    return createGroup(this.deps, caller, input);
  }

  update(caller: UserCaller, input: { id: string; name?: string | undefined; isPublic?: boolean | undefined }): Promise<Conversation> {
    return updateGroup(this.deps, caller, input);
  }

  join(caller: UserCaller, id: string): Promise<Conversation> {
    return join(this.deps, caller, id);
  }

  addMembers(caller: UserCaller, input: { id: string; userIds: string[] }): Promise<Conversation> {
    return addMembers(this.deps, caller, input);
  }

  removeMember(caller: UserCaller, input: { id: string; userId: string }): Promise<void> {
    return removeMember(this.deps, caller, input);
  }

  setRole(caller: UserCaller, input: { id: string; userId: string; role: "admin" | "member" }): Promise<Member> {
    return setRole(this.deps, caller, input);
  }

  /** Mutes or unmutes the conversation for the caller only (all their devices). */
  setMuted(caller: UserCaller, input: { id: string; muted: boolean }): Promise<Conversation> {
    return setMuted(this.deps, caller, input);
  }

  listInvitations(
    caller: UserCaller,
    opts: InvitationListOptions,
  ): Promise<{ items: GroupInvitation[]; last: ContactRequestEntity | undefined; more: boolean }> {
    return listInvitations(this.deps, caller, opts);
  }

  acceptInvitation(caller: UserCaller, invitationId: string): Promise<Conversation> {
    return acceptInvitation(this.deps, caller, invitationId);
  }

  declineInvitation(caller: UserCaller, invitationId: string): Promise<void> {
    return declineInvitation(this.deps, caller, invitationId);
  }

  // The host's backend (server API) -------------------------------------------------------------

  createByServer(caller: ServerCaller, input: ServerCreateInput): Promise<{ conversation: Conversation; created: boolean }> {
    return createByServer(this.deps, caller, input);
  }

  updateByServer(
    caller: ServerCaller,
    input: { id: string; name?: string | undefined; isPublic?: boolean | undefined; data?: CustomData | null | undefined },
  ): Promise<Conversation> {
    return updateByServer(this.deps, caller, input);
  }

  addMembersByServer(caller: ServerCaller, input: { id: string; userIds: string[] }): Promise<Conversation> {
    return addMembersByServer(this.deps, caller, input);
  }

  removeMemberByServer(caller: ServerCaller, input: { id: string; userId: string }): Promise<void> {
    return removeMemberByServer(this.deps, caller, input);
  }

  // Participants: inside another domain's unit of work -------------------------------------------

  /** Moderation's ban from a group (commands/members.ts). */
  expel(m: EntityManager, appId: string, id: string, userId: string): Promise<NewEvent[]> {
    return expel(m, appId, id, userId);
  }

  /** A send's last message and activity time (last-message.ts). */
  touchLastMessages(m: EntityManager, last: Map<string, number>, now: number, afterInsert = false): Promise<void> {
    return touchLastMessages(m, last, now, afterInsert);
  }

  /** Inside a send's unit, before its INSERT: its conversations' rows locked, so their ids follow commit order (last-message.ts). */
  lockForNewMessages(m: EntityManager, conversationIds: readonly string[]): Promise<void> {
    return lockForNewMessages(m, conversationIds);
  }
}
