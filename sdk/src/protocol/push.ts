// Web push (issue 31): a device subscribes with the Push API and the app's VAPID public key; when a
// message arrives for a user with no socket connected, the server sends each of their devices one
// encrypted push (RFC 8291, aes128gcm) whose decrypted body is a PushPayload. Parley's service
// worker (`/parley-sw.js`, imported by the host's own one-line service worker) shows it.
//
// A subscription belongs to the session that made it: signing out (or any end of that session)
// removes it on the server. Types only: the SDK carries no push code; a client calls these routes
// with `chat.request(...)`.

/** `GET /v1/push/key`: the app's VAPID public key (base64url, uncompressed P-256 point), `applicationServerKey` of `pushManager.subscribe`. */
export interface PushKeyResponse {
  publicKey: string;
}

/**
 * `POST /v1/push/subscriptions`: a PushSubscription as `subscription.toJSON()` gives it (extra fields
 * are ignored). Answers 201 with the app's current PushKeyResponse: a subscription made with another
 * key (the app's keys were rotated meanwhile) gets no pushes, and should be made again.
 */
export interface PushSubscribeRequest {
  /** The push service's URL for this device (https). */
  endpoint: string;
  keys: {
    /** The device's P-256 public key, base64url (65 bytes). */
    p256dh: string;
    /** The device's auth secret, base64url (16 bytes). */
    auth: string;
  };
}

/** `DELETE /v1/push/subscriptions`: the caller's subscription of this endpoint goes (204 whether or not there was one). */
export interface PushUnsubscribeRequest {
  endpoint: string;
}

/** What one push decrypts to (JSON): a new message (`messageId`), or a call that rings (`call`). */
export interface PushPayload {
  /** "New message from Ada", "New message in <group name>", or "Ada is calling". */
  title: string;
  /**
   * A message's text, only when the app opted in to text in pushes; absent otherwise. A call's:
   * "Incoming video call" (or voice), with the group's name in a group.
   */
  body?: string;
  conversationId: string;
  /** A message's push: the message. */
  messageId?: string;
  /** A call's push (issue 53), sent once to an invitee with no socket: the call, and whether it is a video call. */
  call?: { id: string; kind: "audio" | "video" };
  appId: string;
}

/**
 * What Parley's service worker posts to a window of the host page when its notification is clicked
 * (`callId`: a call's notification). With no window open it opens the host page with
 * `?parley-call=<callId>&parley-conversation=<conversationId>` instead: the widget opens the
 * conversation there, and rings if the call still does.
 */
export interface PushOpenMessage {
  type: "parley-open";
  conversationId: string;
  callId?: string;
}
