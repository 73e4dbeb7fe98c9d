/**
 * A minimal XMPP-over-WebSocket client (RFC 7395) for the load generator: enough to sign in and
 * exchange `<message type="chat">` stanzas with ejabberd, nothing more. Hand-written on `ws`
 * rather than a full XMPP library so that the generator's cost per message stays close to
 * socket.io-client's: a send is one string template and one frame; a received frame is looked at
 * with `startsWith`/`indexOf` (RFC 7395 puts exactly one stanza in each WebSocket message, so no
 * stream parser is needed). It does not parse XML in general, escape text, or handle anything the
 * bench does not send (no roster, no stream management, no TLS: loopback only).
 */
import WebSocket from "ws";

const FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";

export interface XmppLogin {
  /** ws://host:port/ws */
  url: string;
  /** The XMPP domain (ejabberd's `hosts`). */
  domain: string;
  user: string;
  password: string;
  resource?: string;
  timeoutMs: number;
}

export interface XmppConn {
  /** The full JID the server bound. */
  jid: string;
  ws: WebSocket;
  /** Called with each stanza (one WebSocket text message) once signed in. */
  onFrame: (frame: string) => void;
  /** Called once when the server closes the stream or the socket drops. */
  onClose: (why: string) => void;
  /** `<message type="chat">` to a bare or full JID; `text` must need no XML escaping. */
  sendChat(to: string, text: string): void;
  close(): void;
}

/** The start tag of a frame (up to its first `>`). */
export function startTag(frame: string): string {
  const end = frame.indexOf(">");
  return end < 0 ? frame : frame.slice(0, end + 1);
}

/** True for a stanza of `type="error"` (either quote style). */
export function isErrorStanza(frame: string): boolean {
  const head = startTag(frame);
  return head.includes("type='error'") || head.includes('type="error"');
}

/** The defined condition of a stanza or stream error (`service-unavailable`, ...), or "unknown". */
export function errorCondition(frame: string): string {
  const m = /<([a-z-]+) xmlns=['"]urn:ietf:params:xml:ns:xmpp-(?:stanzas|streams)['"]/.exec(frame);
  return m?.[1] ?? "unknown";
}

/** The text of the first `<body>` (no entity decoding: the bench's bodies need none), or null. */
export function bodyOf(frame: string): string | null {
  const b = frame.indexOf("<body>");
  if (b < 0) return null;
  const e = frame.indexOf("</body>", b + 6);
  return e < 0 ? null : frame.slice(b + 6, e);
}

const open = (domain: string): string => `<open xmlns="${FRAMING}" to="${domain}" version="1.0"/>`;

/**
 * Opens a stream, signs in with SASL PLAIN, binds a resource, starts a session when the server
 * requires one, and sends initial presence; resolves once the server has echoed that presence to
 * this resource (RFC 6121 4.2.2), so the session is available for messages to the bare JID.
 */
export function xmppConnect(o: XmppLogin): Promise<XmppConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(o.url, "xmpp", { perMessageDeflate: false, handshakeTimeout: o.timeoutMs });
    let stage: "websocket" | "features" | "auth" | "features2" | "bind" | "session" | "presence" | "ready" = "websocket";
    let jid = "";
    let sessionRequired = false;
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(`xmpp ${o.user}: ${why}`));
    };
    const timer = setTimeout(() => fail(`sign-in timed out at ${stage}`), o.timeoutMs);
    const conn: XmppConn = {
      jid: "",
      ws,
      onFrame: () => undefined,
      onClose: () => undefined,
      sendChat(to, text) {
        ws.send(`<message to="${to}" type="chat"><body>${text}</body></message>`);
      },
      close() {
        if (ws.readyState === WebSocket.OPEN) ws.send(`<close xmlns="${FRAMING}"/>`);
        ws.close();
      },
    };
    const sendPresence = (): void => {
      stage = "presence";
      ws.send("<presence/>");
    };
    ws.on("open", () => {
      stage = "features";
      ws.send(open(o.domain));
    });
    ws.on("error", (err) => fail(err.message));
    ws.on("close", (code) => {
      if (!settled) fail(`closed during sign-in (${code}) at ${stage}`);
      else conn.onClose(`closed (${code})`);
    });
    ws.on("message", (data: WebSocket.RawData) => {
      const f = data.toString();
      if (stage === "ready") {
        if (f.startsWith("<close") || f.startsWith("<stream:error")) conn.onClose(f.startsWith("<close") ? "close" : errorCondition(f));
        else conn.onFrame(f);
        return;
      }
      if (f.startsWith("<open")) return;
      if (f.startsWith("<stream:error") || f.startsWith("<close")) return fail(`stream ended at ${stage}: ${errorCondition(f)}`);
      switch (stage) {
        case "features":
          if (!f.startsWith("<stream:features")) return;
          if (!f.includes("<mechanism>PLAIN</mechanism>")) return fail("server does not offer SASL PLAIN");
          stage = "auth";
          ws.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${Buffer.from(`\0${o.user}\0${o.password}`).toString("base64")}</auth>`);
          return;
        case "auth":
          if (f.startsWith("<success")) {
            stage = "features2";
            ws.send(open(o.domain));
          } else if (f.startsWith("<failure")) fail(`SASL failure: ${f}`);
          return;
        case "features2":
          if (!f.startsWith("<stream:features")) return;
          stage = "bind";
          // Whether a session must be started (RFC 3921); ejabberd marks it optional.
          sessionRequired = f.includes("xmpp-session") && !f.includes("<optional/>");
          ws.send(`<iq type="set" id="bind"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>${o.resource ?? "bench"}</resource></bind></iq>`);
          return;
        case "bind": {
          if (!f.startsWith("<iq")) return;
          if (isErrorStanza(f)) return fail(`bind failed: ${errorCondition(f)}`);
          const m = /<jid>([^<]+)<\/jid>/.exec(f);
          if (!m) return fail(`bind answer without a jid: ${f}`);
          jid = conn.jid = m[1]!;
          if (sessionRequired) {
            stage = "session";
            ws.send(`<iq type="set" id="sess"><session xmlns="urn:ietf:params:xml:ns:xmpp-session"/></iq>`);
          } else sendPresence();
          return;
        }
        case "session":
          if (!f.startsWith("<iq")) return;
          if (isErrorStanza(f)) return fail(`session failed: ${errorCondition(f)}`);
          sendPresence();
          return;
        case "presence":
          // Our own available presence, echoed to this resource: the session is now available.
          if (f.startsWith("<presence") && startTag(f).includes(jid)) {
            stage = "ready";
            settled = true;
            clearTimeout(timer);
            resolve(conn);
          }
          return;
      }
    });
  });
}
