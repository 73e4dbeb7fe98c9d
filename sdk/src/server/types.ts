import type {
  Conversation,
  CustomData,
  Message,
  Page,
  ServerCreateConversationRequest,
  ServerEditMessageRequest,
  ServerSendMessageRequest,
  ServerTokenRequest,
  ServerUpdateConversationRequest,
  ServerUpsertUserRequest,
  ServerUser,
  User,
  WebhookDeliveryStatus,
} from "../protocol/index.js";

/**
 * The server API's shapes (the protocol's "Server API" types) with each custom `data` typed by
 * the generics given to `ParleyServer`. Custom data is a JSON object of at most
 * `CUSTOM_DATA_MAX_BYTES` serialised (413 beyond), absent from a read when none is set.
 */
export type WithData<T, D extends CustomData> = Omit<T, "data"> & { data?: D };

export type ParleyUser<UserData extends CustomData = CustomData> = WithData<ServerUser, UserData>;
export type ParleyMessage<MessageData extends CustomData = CustomData> = WithData<Message, MessageData>;
export type ParleyConversation<
  ConversationData extends CustomData = CustomData,
  UserData extends CustomData = CustomData,
  MessageData extends CustomData = CustomData,
> = Omit<WithData<Conversation, ConversationData>, "users" | "lastMessage"> & {
  users: WithData<User, UserData>[];
  lastMessage: ParleyMessage<MessageData> | null;
};

export type UpsertUserInput<UserData extends CustomData = CustomData> = Omit<ServerUpsertUserRequest, "data"> & { data?: UserData | null };
export type CreateTokenInput = ServerTokenRequest;
export type CreateConversationInput<ConversationData extends CustomData = CustomData> = Omit<ServerCreateConversationRequest, "data"> & {
  data?: ConversationData;
};
export type UpdateConversationInput<ConversationData extends CustomData = CustomData> = Omit<ServerUpdateConversationRequest, "data"> & {
  data?: ConversationData | null;
};
/** Without `from` (a member's `sub`) the message is a system message: no sender. */
export type SendMessageInput<MessageData extends CustomData = CustomData> = Omit<ServerSendMessageRequest, "data"> & { data?: MessageData };
export type EditMessageInput<MessageData extends CustomData = CustomData> = Omit<ServerEditMessageRequest, "data"> & { data?: MessageData | null };

export interface ListConversationsInput {
  /** The host's idempotency key given at creation. */
  key?: string;
  /** Equality on custom data fields: `{ orderId: "123" }` is `filter[data.orderId]=123`. */
  filter?: Record<string, string>;
  cursor?: string;
  limit?: number;
}

export interface ListMessagesInput {
  cursor?: string;
  limit?: number;
}

export interface ListCallsInput {
  cursor?: string;
  limit?: number;
}

export interface ListDeliveriesInput {
  status?: WebhookDeliveryStatus;
  cursor?: string;
}

export type { Page };
