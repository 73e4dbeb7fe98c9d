import { z } from "zod";
import { ref } from "../shared/schema.js";

/** What pinning allows: a conversation keeps at most this many pins (a new one past it is a 409). */
export const PIN_LIMITS = { perConversation: 25 } as const;

/** `PUT` / `DELETE /messages/:id/pin`. */
export const pinMessage = z.object({ messageId: ref, pinned: z.boolean() });
export type PinMessage = z.infer<typeof pinMessage>;

/** `GET /conversations/:id/pins`. */
export const listPins = z.object({ conversationId: ref });
export type ListPins = z.infer<typeof listPins>;
