import { z } from "zod";
import type * as P from "@parley/sdk/protocol";
import { changePasswordBody, hostTokenBody, loginBody, refreshBody, registerBody } from "../../auth/auth.schema.js";
import { addMembersBody, createDirectBody, createGroupBody, setRoleBody, updateConversationBody } from "../../conversations/conversations.schema.js";
import { editMessage, markRead, sendMessage, typing } from "../../messages/messages.schema.js";
import { createWebhookBody, replayBody, settingsBody } from "../../webhooks/webhooks.schema.js";
import { updateMeBody } from "../../users/users.schema.js";
import * as S from "../../server-api/server-api.schema.js";
import { aiState, appendStream, failStream, finishStream, startStream, stopStream } from "../../messages/streaming.schema.js";
import { deleteMeBody } from "../../data-rights/data-rights.schema.js";
import { readThread } from "../../threads/threads.schema.js";
import { createPollBody, voteBody } from "../../polls/polls.schema.js";
import { callRef, callSfu, callSignal, hangUp, startCall } from "../../calls/calls.schema.js";
import { markVoiceBody } from "../../voice/voice.schema.js";
import { muteBody, reasonBody, reportBody, resolveReportBody, slowModeBody, wordFilterBody } from "../../moderation/moderation.schema.js";
import { subscribeBody, unsubscribeBody } from "../../push/push.schema.js";
import { saveDraft } from "../../drafts/drafts.schema.js";
import {
  banUserBody,
  createAppBody,
  createKeyBody,
  deleteMessageBody,
  inviteBody,
  memberRoleBody,
  operatorBody,
  liftBody,
  moderatorBody,
  slowModeConsoleBody,
  wordFilterTestBody,
  muteUserBody,
  resolveBody,
  signInBody,
  signUpBody,
  totpCodeBody,
} from "../../console/console.schema.js";
import { confirmBody, rotateSecretBody, updateSettingsBody } from "../../console/console-apps.schema.js";
import type { Check, Same } from "./mirror.js";

/**
 * The one place the request schemas the routes validate with are held equal to the protocol's
 * request types (what the SDK sends), field for field: a difference fails the type check.
 */

// What the SDK sends (the protocol's request types) is what the routes accept, field for field.
type _Requests = [
  Check<Same<z.input<typeof registerBody>, P.RegisterRequest>>,
  Check<Same<z.input<typeof loginBody>, P.LoginRequest>>,
  Check<Same<z.input<typeof hostTokenBody>, P.HostTokenRequest>>,
  Check<Same<z.input<typeof refreshBody>, P.RefreshRequest>>,
  Check<Same<z.input<typeof refreshBody>, P.LogoutRequest>>,
  Check<Same<z.input<typeof changePasswordBody>, P.ChangePasswordRequest>>,
  Check<Same<z.input<typeof updateMeBody>, P.UpdateMeRequest>>,
  Check<Same<z.input<typeof deleteMeBody>, P.DeleteAccountRequest>>,
  Check<Same<z.input<typeof createDirectBody>, P.CreateDirectRequest>>,
  Check<Same<z.input<typeof createGroupBody>, P.CreateGroupRequest>>,
  Check<Same<z.input<typeof updateConversationBody>, P.UpdateConversationRequest>>,
  Check<Same<z.input<typeof addMembersBody>, P.AddMembersRequest>>,
  Check<Same<z.input<typeof setRoleBody>, P.SetRoleRequest>>,
  // Commands that take an id from the path: the body is the rest.
  Check<Same<Omit<z.input<typeof sendMessage>, "conversationId">, P.SendMessageRequest>>,
  Check<Same<Omit<z.input<typeof editMessage>, "messageId">, P.EditMessageRequest>>,
  Check<Same<Omit<z.input<typeof markRead>, "conversationId">, P.ReadRequest>>,
  // The same commands over the socket.
  Check<Same<z.input<typeof sendMessage>, Parameters<P.ClientToServerEvents["message.send"]>[0]>>,
  Check<Same<z.input<typeof typing>, Parameters<P.ClientToServerEvents["typing"]>[0]>>,
  Check<Same<z.input<typeof markRead>, Parameters<P.ClientToServerEvents["read"]>[0]>>,
  Check<Same<z.input<typeof startCall>, Parameters<P.ClientToServerEvents["call.start"]>[0]>>,
  Check<Same<z.input<typeof callRef>, Parameters<P.ClientToServerEvents["call.accept"]>[0]>>,
  Check<Same<z.input<typeof hangUp>, Parameters<P.ClientToServerEvents["call.hangup"]>[0]>>,
  Check<Same<z.input<typeof callSignal>, Parameters<P.ClientToServerEvents["call.signal"]>[0]>>,
  Check<Same<z.input<typeof callSfu>, Parameters<P.ClientToServerEvents["call.sfu"]>[0]>>,
  Check<Same<Omit<z.input<typeof readThread>, "rootId">, P.ThreadReadRequest>>,
  Check<Same<z.input<typeof createPollBody>, P.CreatePollRequest>>,
  Check<Same<z.input<typeof voteBody>, P.PollVoteRequest>>,
  Check<Same<z.input<typeof markVoiceBody>, P.MarkVoiceRequest>>,
  Check<Same<Omit<z.input<typeof saveDraft>, "conversationId">, P.SaveDraftRequest>>,
  // The server API (/v1/server/…).
  Check<Same<z.input<typeof S.upsertUserBody>, P.ServerUpsertUserRequest>>,
  Check<Same<z.input<typeof S.tokenBody>, P.ServerTokenRequest>>,
  Check<Same<z.input<typeof S.createConversationBody>, P.ServerCreateConversationRequest>>,
  Check<Same<z.input<typeof S.updateConversationBody>, P.ServerUpdateConversationRequest>>,
  Check<Same<z.input<typeof S.addMembersBody>, P.ServerAddMembersRequest>>,
  Check<Same<Omit<z.input<typeof S.serverSendMessage>, "conversationId">, P.ServerSendMessageRequest>>,
  Check<Same<Omit<z.input<typeof S.serverEditMessage>, "messageId">, P.ServerEditMessageRequest>>,
  Check<Same<Omit<z.input<typeof startStream>, "conversationId">, P.ServerStartStreamRequest>>,
  Check<Same<Omit<z.input<typeof appendStream>, "messageId">, P.ServerAppendStreamRequest>>,
  Check<Same<Omit<z.input<typeof finishStream>, "messageId">, P.ServerFinishStreamRequest>>,
  Check<Same<Omit<z.input<typeof failStream>, "messageId">, P.ServerFailStreamRequest>>,
  Check<Same<Omit<z.input<typeof aiState>, "conversationId">, P.ServerAiStateRequest>>,
  Check<Same<z.input<typeof stopStream>, Parameters<P.ClientToServerEvents["message.stop"]>[0]>>,
  Check<Same<z.input<typeof createWebhookBody>, P.CreateWebhookRequest>>,
  Check<Same<z.input<typeof replayBody>, P.ReplayWebhookRequest>>,
  Check<Same<z.input<typeof settingsBody>, P.WebhookSettings>>,
  Check<Same<z.input<typeof reportBody>, P.CreateReportRequest>>,
  Check<Same<z.input<typeof resolveReportBody>, P.ResolveReportRequest>>,
  Check<Same<z.input<typeof muteBody>, P.MuteRequest>>,
  Check<Same<z.input<typeof reasonBody>, P.ModerationReasonRequest>>,
  Check<Same<z.input<typeof slowModeBody>, P.SlowModeRequest>>,
  Check<Same<z.input<typeof wordFilterBody>, P.WordFilterRequest>>,
  Check<Same<z.input<typeof subscribeBody>, P.PushSubscribeRequest>>,
  Check<Same<z.input<typeof unsubscribeBody>, P.PushUnsubscribeRequest>>,
  Check<Same<z.input<typeof signInBody>, P.ConsoleSignInRequest>>,
  Check<Same<z.input<typeof signUpBody>, P.ConsoleSignUpRequest>>,
  Check<Same<z.input<typeof inviteBody>, P.ConsoleInviteRequest>>,
  Check<Same<z.input<typeof memberRoleBody>, P.ConsoleSetRoleRequest>>,
  Check<Same<z.input<typeof operatorBody>, P.ConsoleSetOperatorRequest>>,
  Check<Same<z.input<typeof confirmBody>, P.ConsoleDeleteAccountRequest>>,
  Check<Same<z.input<typeof totpCodeBody>, P.ConsoleTotpCodeRequest>>,
  Check<Same<z.input<typeof createAppBody>, P.ConsoleCreateAppRequest>>,
  Check<Same<z.input<typeof updateSettingsBody>, P.ConsoleUpdateAppSettingsRequest>>,
  Check<Same<z.input<typeof rotateSecretBody>, P.ConsoleRotateSecretRequest>>,
  Check<Same<z.input<typeof confirmBody>, P.ConsoleDeleteAppRequest>>,
  Check<Same<z.input<typeof confirmBody>, P.ConsoleDeleteUserRequest>>,
  Check<Same<z.input<typeof createKeyBody>, P.ConsoleCreateKeyRequest>>,
  Check<Same<z.input<typeof resolveBody>, P.ConsoleResolveReportRequest>>,
  Check<Same<z.input<typeof deleteMessageBody>, P.ConsoleDeleteMessageRequest>>,
  Check<Same<z.input<typeof muteUserBody>, P.ConsoleMuteRequest>>,
  Check<Same<z.input<typeof banUserBody>, P.ConsoleBanRequest>>,
  Check<Same<z.input<typeof liftBody>, P.ConsoleLiftRequest>>,
  Check<Same<z.input<typeof slowModeConsoleBody>, P.ConsoleSlowModeRequest>>,
  Check<Same<z.input<typeof moderatorBody>, P.ConsoleModeratorRequest>>,
  Check<Same<z.input<typeof wordFilterTestBody>, P.ConsoleWordFilterTestRequest>>,
];
