/**
 * A minimal typed event emitter shared by the player's controllers.
 *
 * Each controller declares its event map (`{ name: payload }`) and extends or owns an `Emitter`.
 * A listener that throws is not caught here: the exception reaches the caller of `emit`, so a bug
 * in a listener is never hidden.
 */
export type Listener<T> = (payload: T) => void;

export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(name, listener);
  }

  off<K extends keyof M>(name: K, listener: Listener<M[K]>): void {
    this.listeners.get(name)?.delete(listener as Listener<never>);
  }

  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    // Copy first: a listener may remove itself (or others) while we iterate.
    for (const listener of [...set]) (listener as Listener<M[K]>)(payload);
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
