import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";

const conversationId = z.string().min(1).max(32);

export const sendEvent = z.object({
  conversationId,
  text: z.string().max(MESSAGE_LIMITS.textMaxChars * 2),
  attachmentIds: z.array(z.string().min(1).max(32)).max(MESSAGE_LIMITS.attachmentsMax).optional(),
  replyToId: z.string().regex(/^\d{1,18}$/).optional(),
  clientMessageId: z.string().min(1).max(MESSAGE_LIMITS.clientMessageIdMaxChars).optional(),
});

export const typingEvent = z.object({ conversationId, typing: z.boolean().default(true) });

export const readEvent = z.object({ conversationId, messageId: z.string().regex(/^\d{1,18}$/) });
