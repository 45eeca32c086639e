import type { Subscription } from '../types';

type Listener<P> = (payload: P) => void;

/**
 * A small publish/subscribe base with the shape of OHIF's PubSubService (@ohif/core is
 * not importable as source): namespaced `EVENTS`, `subscribe` returning
 * `{ unsubscribe }`, a protected `_broadcastEvent`, and `reset()` removing all listeners.
 */
export default class PubSubService<EventPayloads extends Record<string, unknown>> {
  readonly EVENTS: { [K in keyof EventPayloads]: string };
  private listeners = new Map<string, Set<Listener<any>>>();

  constructor(events: { [K in keyof EventPayloads]: string }) {
    this.EVENTS = events;
  }

  /** `P` is the payload type of `eventName` (see the subclass's payload map). */
  subscribe<P = unknown>(eventName: string, callback: Listener<P>): Subscription {
    if (!Object.values(this.EVENTS).includes(eventName)) {
      throw new Error(`Event "${eventName}" not supported; one of ${Object.values(this.EVENTS).join(', ')}`);
    }
    const set = this.listeners.get(eventName) ?? new Set<Listener<any>>();
    this.listeners.set(eventName, set);
    set.add(callback);
    return { unsubscribe: () => set.delete(callback) };
  }

  protected _broadcastEvent(eventName: string, payload: unknown): void {
    for (const callback of [...(this.listeners.get(eventName) ?? [])]) {
      callback(payload);
    }
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  reset(): void {
    this.listeners.clear();
  }
}
