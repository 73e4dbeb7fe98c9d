import bcrypt from "bcrypt";

/** bcrypt runs on libuv's thread pool (async API), so hashing never blocks the event loop. */
export class PasswordHasher {
  /** Compared against when the email is unknown, so both failures cost the same time. */
  private readonly dummy: Promise<string>;

  constructor(private readonly cost: number) {
    this.dummy = bcrypt.hash("parley-timing-equaliser", cost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  async verify(password: string, hash: string | null): Promise<boolean> {
    if (hash === null) {
      await bcrypt.compare(password, await this.dummy);
      return false;
    }
    return bcrypt.compare(password, hash);
  }
}
