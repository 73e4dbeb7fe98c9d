interface Waiting<K, V> {
  key: K;
  resolve(v: V): void;
  reject(err: unknown): void;
}

/**
 * Answers the look-ups asked during one turn of the event loop with one call of `load`, so a
 * check made once per request costs one statement per turn under load, not one per request.
 * Alone, a look-up waits for nothing but the rest of the current turn. `load` answers the keys
 * in order; a throw fails each look-up of that call.
 */
export class TickBatch<K, V> {
  private waiting: Waiting<K, V>[] = [];

  constructor(
    private readonly load: (keys: K[]) => Promise<V[]>,
    /** Keys per call at most (placeholders per statement). */
    private readonly max = 200,
  ) {}

  get(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += this.max) {
      const part = all.slice(i, i + this.max);
      this.load(part.map((w) => w.key)).then(
        (values) => part.forEach((w, j) => w.resolve(values[j]!)),
        (err: unknown) => part.forEach((w) => w.reject(err)),
      );
    }
  }
}
