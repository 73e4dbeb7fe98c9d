/**
 * Parley's service worker part (issue 31): shows a web push as a notification, and opens the
 * conversation when it is clicked. Built to `/parley-sw.js`, a classic script: a host site that
 * wants pushes for closed tabs serves a service worker of its own origin containing one line,
 *
 *   importScripts("https://chat.example/parley-sw.js");
 *
 * (and anything else of its own: this file only handles Parley's pushes and notifications, and
 * leaves every other push and click to the host's handlers).
 *
 * - `push`: a Parley PushPayload (JSON) becomes `showNotification(title, { body, tag:
 *   conversationId, data })`; one notification per conversation, the newest replacing the last.
 * - `notificationclick`: a window of the host's origin, if one is open, gets
 *   `postMessage({ type: "parley-open", conversationId })` and is focused; otherwise the service
 *   worker's scope is opened in a new window and the message is posted to it (a page receives it
 *   once its `navigator.serviceWorker` message listener is on, or after `startMessages()`).
 * - A call's push (issue 53: `call` in the payload, sent when it rings a user with no tab open) is
 *   shown until it is clicked or replaced; its click posts the message with the `callId`, or opens
 *   the scope with `?parley-call=<callId>&parley-conversation=<conversationId>`: a page that only
 *   just opened may not listen yet, and the widget reads these when it starts (calls/parley-call.ts),
 *   opening the conversation and ringing there if the call still rings.
 *
 * The DOM library types no service worker global, so the little used here is declared below.
 */
import type { PushOpenMessage, PushPayload } from "@parley/sdk/protocol";

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { text(): string } | null;
}
interface NotificationClickEvent extends ExtendableEvent {
  readonly notification: { readonly data: unknown; close(): void };
}
interface WindowClient {
  readonly url: string;
  readonly focused: boolean;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}
interface ServiceWorkerScope {
  readonly registration: { readonly scope: string; showNotification(title: string, options: NotificationOptions & { renotify?: boolean }): Promise<void> };
  readonly clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  addEventListener(type: "push", listener: (e: PushEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (e: NotificationClickEvent) => void): void;
}

/** What a Parley notification carries in `data`, so its click is told from the host's own notifications. */
interface ParleyData {
  parley: PushPayload;
}

const sw = self as unknown as ServiceWorkerScope;

/** The payload when the push is one of Parley's, else null (the host's own pushes pass by). */
function parleyPayload(text: string): PushPayload | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const p = v as Partial<PushPayload> | null;
  const about = typeof p?.messageId === "string" || typeof p?.call?.id === "string";
  const ok = about && typeof p?.title === "string" && typeof p.conversationId === "string" && typeof p.appId === "string";
  return ok ? (p as PushPayload) : null;
}

sw.addEventListener("push", (event) => {
  const payload = event.data ? parleyPayload(event.data.text()) : null;
  if (!payload) return;
  const data: ParleyData = { parley: payload };
  event.waitUntil(
    sw.registration.showNotification(payload.title, {
      body: payload.body ?? "",
      tag: payload.conversationId,
      renotify: true,
      // A ring stays until it is answered here or replaced; a message's notification may fade.
      requireInteraction: Boolean(payload.call),
      data,
    }),
  );
});

sw.addEventListener("notificationclick", (event) => {
  const payload = (event.notification.data as Partial<ParleyData> | null)?.parley;
  if (!payload) return;
  event.notification.close();
  event.waitUntil(openConversation(payload.conversationId, payload.call?.id));
});

/** Tells a window of the host (the focused one first) to open the conversation and focuses it; opens one when none is. */
async function openConversation(conversationId: string, callId?: string): Promise<void> {
  const message: PushOpenMessage = callId ? { type: "parley-open", conversationId, callId } : { type: "parley-open", conversationId };
  const scope = new URL(sw.registration.scope);
  const windows = (await sw.clients.matchAll({ type: "window", includeUncontrolled: true })).filter((c) => new URL(c.url).origin === scope.origin);
  const target = windows.find((c) => c.focused) ?? windows.find((c) => c.url.startsWith(scope.href)) ?? windows[0];
  if (target) {
    target.postMessage(message);
    // Allowed only while the click is being handled; a refusal leaves the message delivered.
    await target.focus().catch(() => undefined);
    return;
  }
  const url = new URL(scope.href);
  if (callId) url.search = new URLSearchParams({ "parley-call": callId, "parley-conversation": conversationId }).toString();
  const opened = await sw.clients.openWindow(url.href);
  opened?.postMessage(message);
}
