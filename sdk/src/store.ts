/** Called with the new and the previous state after every change. */
export type Listener<T> = (state: T, previous: T) => void;

/**
 * A tiny framework-agnostic state container: immutable snapshots, synchronous listeners.
 * React: `useSyncExternalStore(store.subscribe, () => store.state)`; Lit: a ReactiveController.
 */
export class StateStore<T extends object> {
  private current: T;
  private readonly listeners = new Set<Listener<T>>();

  constructor(initial: T) {
    this.current = initial;
  }

  get state(): T {
    return this.current;
  }

  /** Replaces the state (a new object, or a function of the current one) and notifies. */
  next(update: T | ((s: T) => T)): void {
    const previous = this.current;
    const value = typeof update === "function" ? (update as (s: T) => T)(previous) : update;
    if (value === previous) return;
    this.current = value;
    for (const l of [...this.listeners]) l(value, previous);
  }

  /** Shallow-merges a partial state. */
  patch(partial: Partial<T>): void {
    this.next((s) => ({ ...s, ...partial }));
  }

  /** Returns the unsubscribe function. */
  subscribe = (listener: Listener<T>): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Calls `listener` only when the selected value changes (by `Object.is`). */
  subscribeWithSelector<S>(selector: (s: T) => S, listener: (value: S, previous: S) => void): () => void {
    let last = selector(this.current);
    return this.subscribe((s) => {
      const value = selector(s);
      if (Object.is(value, last)) return;
      const prev = last;
      last = value;
      listener(value, prev);
    });
  }
}
