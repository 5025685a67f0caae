import type { EventName, EventPayload } from '../contract';

type Listener<E extends EventName> = (payload: EventPayload<E>) => void;

/** Engine → UI events; each shell forwards them over its own channel (IPC, SSE). */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly anyListeners = new Set<(event: EventName, payload: unknown) => void>();

  /** Events emitted while a commit group's transaction is open, let go after its COMMIT (core/workspace/commit-group.ts). */
  private held: [EventName, unknown][] | null = null;

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (this.held) return void this.held.push([event, payload]);
    for (const listener of this.listeners.get(event) ?? []) (listener as Listener<E>)(payload);
    for (const listener of this.anyListeners) listener(event, payload);
  }

  /** From now on events are kept, not sent, until `release` (a transaction of several saves is open). */
  hold(): void {
    this.held ??= [];
  }

  /** How many events are held: a save that rolls back drops the ones it emitted (`dropFrom`). */
  mark(): number {
    return this.held?.length ?? 0;
  }

  dropFrom(mark: number): void {
    if (this.held) this.held.length = mark;
  }

  /** Sends the held events in the order they were emitted, and stops holding. */
  release(): void {
    const held = this.held;
    this.held = null;
    for (const [event, payload] of held ?? []) this.emit(event, payload as EventPayload<EventName>);
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** For transports that forward every event (SSE, IPC). */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }
}
