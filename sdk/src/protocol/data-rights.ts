// Data rights: export (`GET /v1/me/export`, `GET /v1/server/users/:sub/export`) and deletion.

import type { CallEndReason, CallKind, CallParticipantState } from "./calls.js";
import type { CustomData, Timestamp } from "./common.js";
import type { ContactRequestStatus } from "./contacts.js";
import type { ConversationKind, MemberRole } from "./conversations.js";
import type { Draft } from "./drafts.js";
import type { Reminder, ScheduledMessage } from "./scheduled.js";
import type { Me } from "./users.js";

/**
 * Everything Parley holds of one user, as JSON (`?format=zip`: `export.json` plus the files, each
 * named by its upload's `file`). Other people appear only as ids and display names (conversation
 * partners, contacts); their messages never do.
 */
export interface DataExport {
  /** The version of this shape. */
  format: "parley-export/1";
  exportedAt: Timestamp;
  /** The user's own profile, with the private fields and the host's id (`sub`, when they came from the host). */
  profile: Me & { sub: string | null };
  /** Their live messages (deleted ones have no content left), oldest first. */
  messages: ExportedMessage[];
  /** Their reactions, to anyone's messages (by id). */
  reactions: { messageId: string; conversationId: string; emoji: string; createdAt: Timestamp }[];
  /** The files they uploaded. */
  uploads: ExportedUpload[];
  /** The conversations they are a member of; a direct one names the other member. */
  conversations: ExportedConversation[];
  contacts: { user: ExportedPerson; since: Timestamp }[];
  /** Contact requests and group invitations they sent or received. */
  requests: {
    id: string;
    direction: "sent" | "received";
    user: ExportedPerson;
    status: ContactRequestStatus;
    /** The group an invitation is to; null for a contact request. */
    conversationId: string | null;
    createdAt: Timestamp;
    respondedAt: Timestamp | null;
  }[];
  blocks: { user: ExportedPerson; since: Timestamp }[];
  /** The calls they started or were rung for, oldest first: how they took part (the caller by id). */
  calls: ExportedCall[];
  /** Their scheduled messages (waiting, sent or refused), soonest first. */
  scheduled: ScheduledMessage[];
  /** Their reminders still to come, soonest first. */
  reminders: Reminder[];
  /** Their drafts (unsent text per conversation), newest first. */
  drafts: Draft[];
}

export interface ExportedCall {
  id: string;
  conversationId: string;
  kind: CallKind;
  startedBy: string;
  /** Their part: `joined`/`left` with the times they were in it, `declined`, or rung and never answered (`left`, no `joinedAt`). */
  state: CallParticipantState;
  joinedAt: Timestamp | null;
  leftAt: Timestamp | null;
  createdAt: Timestamp;
  endedAt: Timestamp | null;
  endReason: CallEndReason | null;
}

/** Someone else, as an export names them: an id and a display name only. */
export interface ExportedPerson {
  id: string;
  displayName: string;
}

export interface ExportedMessage {
  id: string;
  conversationId: string;
  /** The group's name; null for a direct conversation. */
  conversationName: string | null;
  text: string | null;
  /** Ids of their uploads attached to it. */
  attachmentIds: string[];
  replyToId: string | null;
  /** A reply in a thread: the root's id. */
  threadId?: string;
  createdAt: Timestamp;
  editedAt: Timestamp | null;
  data?: CustomData;
}

export interface ExportedUpload {
  id: string;
  name: string;
  type: string;
  size: number;
  conversationId: string | null;
  messageId: string | null;
  createdAt: Timestamp;
  /** Its path inside the zip form (`uploads/<id>-<name>`); absent in the JSON form. */
  file?: string;
}

export interface ExportedConversation {
  id: string;
  kind: ConversationKind;
  name: string | null;
  role: MemberRole;
  joinedAt: Timestamp;
  lastReadMessageId: string;
  /** For a direct conversation: the other member. */
  with?: ExportedPerson;
}

/** `DELETE /v1/me`: a Parley account confirms with its password; a host-signed user sends none. */
export interface DeleteAccountRequest {
  password?: string;
}
