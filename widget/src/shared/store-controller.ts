import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { ChatState, StateStore } from "@parley/sdk";

/** Re-renders its host whenever the SDK store changes (batched into one update per frame by Lit). */
export class StoreController implements ReactiveController {
  private unsubscribe: (() => void) | undefined;
  private store: StateStore<ChatState> | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  attach(store: StateStore<ChatState>): void {
    this.unsubscribe?.();
    this.store = store;
    this.unsubscribe = store.subscribe(() => this.host.requestUpdate());
    this.host.requestUpdate();
  }

  get state(): ChatState | undefined {
    return this.store?.state;
  }

  hostConnected(): void {
    if (this.store && !this.unsubscribe) this.attach(this.store);
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
