import type { AddressInfo, Socket } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

/** One e-mail as a mail client reads it (mailparser), with the envelope it came with. */
export interface Received {
  to: string[];
  mail: ParsedMail;
  at: number;
}

/** What the server does to one attempt: one connection (the mailer opens one per e-mail). */
export type Fault =
  /** Answer with this code (4xx: try later, 5xx: never) at MAIL FROM, or once the whole message has come. */
  | { refuse: number; at?: "mail" | "data" }
  /** Close the connection once part of the message has come, without a word. */
  | { drop: "mid-message" }
  /** Wait this long before every answer (the greeting, MAIL FROM, RCPT TO, the message's end), or only before the last. */
  | { slow: number; at?: "data" }
  /** A tarpit: answer MAIL FROM one continuation line ("250-…") every this many ms, never finishing the answer. */
  | { tarpit: number };

/**
 * A real SMTP server on a free local port (smtp-server), for the e-mail tests: it keeps what it
 * accepts, parsed as a mail client would. Each connection takes the next of `faults` and, once
 * they are used up, `refuse` (a code for every MAIL FROM: 451 try later, 550 never) or nothing:
 * then it accepts. `attempts` holds when each connection came; `withheld` counts answers it is
 * holding back right now (slow or tarpit). A late answer on a connection the client has left
 * accepts nothing.
 */
export class SmtpSink {
  readonly received: Received[] = [];
  readonly attempts: number[] = [];
  readonly faults: Fault[] = [];
  refuse: number | undefined;
  withheld = 0;
  private server: SMTPServer | undefined;
  /** Open connections by the client's port, and the fault each took. */
  private readonly sockets = new Map<number, Socket>();
  private readonly taken = new Map<number, Fault>();
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      disableReverseLookup: true,
      logger: false,
      onConnect: (session, cb) => {
        this.attempts.push(Date.now());
        const fault = this.faults.shift() ?? (this.refuse ? { refuse: this.refuse } : undefined);
        if (fault) this.taken.set(session.remotePort, fault);
        this.answer(session, "greeting", cb);
      },
      onMailFrom: (_address, session, cb) => {
        const fault = this.taken.get(session.remotePort);
        if (fault && "tarpit" in fault) return this.tarpit(session, fault.tarpit);
        if (fault && "refuse" in fault && fault.at !== "data") return cb(refusal(fault.refuse));
        this.answer(session, "mail", cb);
      },
      onRcptTo: (_address, session, cb) => this.answer(session, "rcpt", cb),
      onData: (stream, session, cb) => {
        const fault = this.taken.get(session.remotePort);
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => {
          chunks.push(c);
          if (fault && "drop" in fault) this.sockets.get(session.remotePort)?.destroy();
        });
        stream.on("end", () => {
          if (fault && "refuse" in fault) return cb(refusal(fault.refuse));
          void simpleParser(Buffer.concat(chunks)).then(
            (mail) =>
              this.answer(session, "data", (err) => {
                if (!err) this.received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail, at: Date.now() });
                cb(err);
              }),
            (err: Error) => cb(err),
          );
        });
      },
    });
    // A client that leaves mid-transaction is an error to smtp-server; here it is a case under test.
    this.server.on("error", () => undefined);
    this.server.server.on("connection", (socket: Socket) => {
      const port = socket.remotePort ?? 0;
      this.sockets.set(port, socket);
      socket.once("close", () => {
        this.sockets.delete(port);
        this.taken.delete(port);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  /** What came for `address`. */
  to(address: string): Received[] {
    return this.received.filter((r) => r.to.includes(address));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const socket of this.sockets.values()) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers now, or after the fault's wait; a connection gone by then gets an error (nothing is accepted). */
  private answer(session: SMTPServerSession, step: "greeting" | "mail" | "rcpt" | "data", cb: (err?: Error | null) => void): void {
    const fault = this.taken.get(session.remotePort);
    if (!fault || !("slow" in fault) || (fault.at === "data" && step !== "data")) return cb();
    this.withheld++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.withheld--;
      cb(this.sockets.has(session.remotePort) ? null : new Error("The client left"));
    }, fault.slow);
    this.timers.add(timer);
  }

  /** A line of an answer that never ends, every `ms`, until the client leaves. */
  private tarpit(session: SMTPServerSession, ms: number): void {
    const socket = this.sockets.get(session.remotePort);
    if (!socket) return;
    this.withheld++;
    const timer = setInterval(() => socket.write("250-Still thinking\r\n"), ms);
    this.timers.add(timer);
    socket.once("close", () => {
      clearInterval(timer);
      this.timers.delete(timer);
      this.withheld--;
    });
  }
}

const refusal = (code: number): Error => Object.assign(new Error(code >= 500 ? "No such thing here" : "Try again later"), { responseCode: code });
