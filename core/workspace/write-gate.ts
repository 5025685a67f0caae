/**
 * SQLite lets one connection write at a time. A file import holds the write lock for the whole file
 * (it commits all or nothing), which on a large file is a minute or more. Without this gate a label
 * saved meanwhile would wait inside SQLite's busy handler, and since better-sqlite3 is synchronous
 * that wait blocks the thread answering the UI for busy_timeout and then fails "database is locked".
 *
 * So long writers (imports, which write from a worker thread) run one at a time through
 * `exclusive`, and every write on this thread first awaits `whenFree()`: it waits without blocking
 * the event loop (reads, events and other requests carry on), and runs as soon as the import has
 * committed or rolled back. Short writes are never queued behind each other; only behind imports.
 */
export class WriteGate {
  /** Long writers waiting for their turn, in arrival order. */
  private readonly queue: Array<() => void> = [];
  /** A long writer runs. */
  private running = false;
  /** The turn was handed to the next queued long writer, which starts on the next event-loop turn. */
  private handingOver = false;
  /** Writes on this thread waiting for the running long writer to end. */
  private waiters: Array<() => void> = [];

  /** True while a long writer holds SQLite's write lock. */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Resolves at once when no long writer runs; otherwise when the running one ends. Writes waiting
   * here go before the next queued long writer starts, so a queue of imports cannot starve them.
   */
  whenFree(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Runs `work` when no other long writer runs. `onQueued` is called if it has to wait its turn;
   * `signal` gives up the turn while still queued (the promise rejects with the signal's reason).
   */
  async exclusive<T>(work: () => Promise<T>, options: { onQueued?: () => void; signal?: AbortSignal } = {}): Promise<T> {
    const { signal, onQueued } = options;
    if (this.running || this.handingOver || this.queue.length > 0) {
      signal?.throwIfAborted();
      onQueued?.();
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener('abort', abandon);
          resolve();
        };
        const abandon = () => {
          const index = this.queue.indexOf(turn);
          if (index < 0) return; // already handed the turn: it starts, and `work` sees the signal
          this.queue.splice(index, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', abandon, { once: true });
        this.queue.push(turn);
      });
      this.handingOver = false;
    }
    this.running = true;
    try {
      return await work();
    } finally {
      this.running = false;
      // Writes that waited run now (their continuations are microtasks); the next long writer starts
      // on a later turn of the event loop, after them.
      for (const wake of this.waiters.splice(0)) wake();
      const next = this.queue.shift();
      if (next) {
        this.handingOver = true;
        setImmediate(next);
      }
    }
  }
}
