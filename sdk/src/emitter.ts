/** A typed event emitter; `on` returns the unsubscribe function. */
export class Emitter<M> {
  private readonly handlers = new Map<keyof M, Set<(payload: never) => void>>();

  on<K extends keyof M>(event: K, handler: (payload: M[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    for (const h of [...(this.handlers.get(event) ?? [])]) {
      try {
        (h as (p: M[K]) => void)(payload);
      } catch (err) {
        // A listener's bug must not break delivery to the others or the SDK's own state.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
