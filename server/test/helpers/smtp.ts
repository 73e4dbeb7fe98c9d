import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One e-mail as a mail client reads it (mailparser), with the envelope it came with. */
export interface Received {
  to: string[];
  mail: ParsedMail;
  at: number;
}

/**
 * A real SMTP server on a free local port (smtp-server), for the e-mail tests: it keeps what it
 * accepts, parsed as a mail client would; `refuse` makes it answer MAIL FROM with that code
 * (451: try later, 550: never), and `attempts` counts every MAIL FROM it saw.
 */
export class SmtpSink {
  readonly received: Received[] = [];
  readonly attempts: number[] = [];
  refuse: number | undefined;
  private server: SMTPServer | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onMailFrom: (_address, _session, cb) => {
        this.attempts.push(Date.now());
        if (this.refuse) return cb(Object.assign(new Error(this.refuse >= 500 ? "No such thing here" : "Try again later"), { responseCode: this.refuse }));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          void simpleParser(Buffer.concat(chunks)).then(
            (mail) => {
              this.received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail, at: Date.now() });
              cb();
            },
            (err: Error) => cb(err),
          );
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  /** What came for `address`. */
  to(address: string): Received[] {
    return this.received.filter((r) => r.to.includes(address));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
