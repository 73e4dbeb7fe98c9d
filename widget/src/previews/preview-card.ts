import type { MessageItem } from "@parley/sdk";
import type { MessageHost } from "../message/message-host.js";

// Placeholder until this card is built (issue 33, in progress): draws nothing.
export const card = (_host: MessageHost, _m: MessageItem): unknown => undefined;
