/**
 * The SSE fan-out of browser mode: every engine event goes to every open `GET /events` stream.
 *
 * Written one frame at a time, that is one socket write per event per stream: with 50 reviewers
 * saving, each save became 50 writev calls on the thread that also answers every save, which was
 * half of that thread's time (bench:team, --cpu-prof) and the p50 of a save went from 14 to 56 ms.
 * Frames are queued instead and flushed together: the first event after a quiet spell goes out on
 * the next turn of the event loop (setImmediate, after the answer that caused it), and while events
 * keep coming each stream gets at most one write per `intervalMs`. Nothing is dropped, merged or
 * reordered: a stream receives exactly the frames it would have, in the same order, in fewer writes.
 *
 * An event may be published for an audience (team mode: a label event goes only to its writer's
 * streams and to engineers and the owner, server/authorize.ts `eventAudience`): each stream's
 * chunk then holds only the frames its viewer admits, still in order, and a stream with none gets
 * no write. That also makes the fan-out of 50 reviewers' saves O(N), not O(N²).
 */
export interface EventStreamOptions<Client, Audience> {
  /** Shortest time between two flushes while events keep coming (default 20 ms). */
  intervalMs?: number;
  /**
   * Who may see an event published with an audience: called once per stream per flush, it returns
   * whether that stream receives a frame of the given audience. Without it every stream gets every frame.
   */
  viewer?: (client: Client) => (audience: Audience) => boolean;
}

export interface FrameSink {
  write(chunk: string): unknown;
}

/** A queued frame and who may see it (undefined: every stream). */
interface Pending<Audience> {
  frame: string;
  audience: Audience | undefined;
}

export class EventFanout<Client extends FrameSink = FrameSink, Audience = never> {
  private readonly clients = new Set<Client>();
  private pending: Pending<Audience>[] = [];
  /** Some queued frame has an audience: streams get their own chunk at the next flush. */
  private filtered = false;
  private readonly viewer: EventStreamOptions<Client, Audience>['viewer'];
  private scheduled = false;
  private lastFlush = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;

  constructor(options: EventStreamOptions<Client, Audience> = {}) {
    this.intervalMs = options.intervalMs ?? 20;
    this.viewer = options.viewer;
  }

  add(client: Client): void {
    // What was queued before it connected belongs to the streams that were open then.
    if (this.pending.length > 0) this.flush();
    this.clients.add(client);
  }

  delete(client: Client): void {
    this.clients.delete(client);
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Queues one event for every stream open now (a stream opened later never sees it), or, with an
   * audience, for the streams whose viewer admits it.
   */
  publish(event: string, payload: unknown, audience?: Audience): void {
    if (this.clients.size === 0) return;
    this.pending.push({ frame: `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`, audience });
    if (audience !== undefined && this.viewer) this.filtered = true;
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlush + this.intervalMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Writes every queued frame to every stream, one write per stream. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.scheduled = false;
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    const pending = this.pending;
    const filtered = this.filtered;
    this.pending = [];
    this.filtered = false;
    if (!filtered || !this.viewer) {
      const chunk = pending.map((p) => p.frame).join('');
      for (const client of this.clients) client.write(chunk);
      return;
    }
    for (const client of this.clients) {
      const admits = this.viewer(client);
      let chunk = '';
      for (const p of pending) if (p.audience === undefined || admits(p.audience)) chunk += p.frame;
      if (chunk.length > 0) client.write(chunk);
    }
  }

  /** Sends what is queued and hands back every stream, forgotten here (the server is closing). */
  close(): Client[] {
    this.flush();
    const clients = [...this.clients];
    this.clients.clear();
    return clients;
  }
}
