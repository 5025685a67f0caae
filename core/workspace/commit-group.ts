import type { Result } from '../../contract';
import type { WritableDB } from '../../db/handles';

/**
 * Group commit for the labelling saves (`review.save`, `comparisons.label`; `GROUPED_METHODS` in
 * core/engine.ts). With 50 reviewers saving at once, most of a save's SQLite time was its own
 * BEGIN … COMMIT (each COMMIT writes every page it touched to the WAL: the history table's last
 * page, its indexes, the audit log's last page, again and again) and a second COMMIT for its team
 * audit row (bench:team --cpu-prof).
 *
 * Saves that arrive in one turn of the event loop are queued here and run together on the next
 * check phase (setImmediate), in ONE transaction: `BEGIN IMMEDIATE`, then each save in its own
 * SAVEPOINT (its audit row inside the same savepoint), then one COMMIT. A save that fails (bad
 * input, a refusal of the service, a failing audit insert) is rolled back to its savepoint alone;
 * the others go on. No promise of the group resolves before the COMMIT has returned, so every
 * acknowledged save is in the WAL file (what survives the process being killed); if the COMMIT
 * fails, every save of the group is answered with that failure and nothing of it is in the file.
 *
 * The whole group runs in one synchronous block: no other callback (another request, a timer, a
 * worker's message) ever runs while its transaction is open, so nothing else can write inside it
 * or read its uncommitted rows. Events a save emits are held until the COMMIT (core/events.ts
 * `hold`), and dropped with a save that rolled back.
 */
export interface GroupItem {
  /** Runs the save inside its savepoint: a failed result (or a throw) rolls the savepoint back. */
  run(): Result<unknown>;
}

export interface CommitGroupHooks {
  /** Before BEGIN: resolves when the group may take the write lock (an import running in a worker holds it). */
  whenWritable(): Promise<void> | null;
  /** Events are held from BEGIN and let go (or dropped) with the outcome of each save. */
  events: { hold(): void; mark(): number; dropFrom(mark: number): void; release(): void };
  /** After a COMMIT (the WAL checkpointer counts commits). */
  committed(): void;
  /** A thrown error as the answer of a save (AppError's shape, SQLITE_BUSY as busy, the rest internal). */
  failure(error: unknown): Result<never>;
}

export interface CommitGroupStats {
  /** Transactions committed, saves answered through them, and the largest group. */
  groups: number;
  saves: number;
  largest: number;
  /** Time spent inside the groups' transactions (BEGIN to COMMIT), ms. */
  ms: number;
}

/** Thrown inside a save's savepoint to roll it back when it answered a failure as a value. */
class Refused {
  constructor(readonly result: Result<unknown>) {}
}

/** SQLite rolled back the whole transaction on its own (SQLITE_FULL, an I/O error): no save of the group holds. */
class GroupAborted extends Error {}

interface Pending extends GroupItem {
  resolve(result: Result<unknown>): void;
}

export class CommitGroup {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly counts: CommitGroupStats = { groups: 0, saves: 0, largest: 0, ms: 0 };
  private readonly runGroup: (items: Pending[]) => Result<unknown>[];

  constructor(
    private readonly writer: WritableDB,
    private readonly hooks: CommitGroupHooks,
  ) {
    const inSavepoint = writer.transaction((item: Pending) => {
      const result = item.run();
      if (!result.ok) throw new Refused(result);
      return result;
    });
    this.runGroup = writer.transaction((items: Pending[]) =>
      items.map((item) => {
        const mark = hooks.events.mark();
        let result: Result<unknown>;
        try {
          result = inSavepoint(item);
        } catch (error) {
          hooks.events.dropFrom(mark);
          result = error instanceof Refused ? error.result : hooks.failure(error);
        }
        if (!writer.inTransaction) throw new GroupAborted(result.ok ? 'The save transaction was rolled back.' : result.error.message);
        return result;
      }),
    ).immediate;
  }

  /** Queues a save for the group of this turn; resolves with its answer once the group has committed. */
  submit(run: () => Result<unknown>): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      this.queue.push({ run, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Runs the queued saves now (also when the engine closes with saves queued). */
  async flush(): Promise<void> {
    const waiting = this.hooks.whenWritable();
    if (waiting) await waiting;
    const items = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (items.length === 0) return;
    this.runNow(items);
  }

  /** Synchronously: the queued saves in one transaction (the engine closing; no import can be running then). */
  flushSync(): void {
    const items = this.queue;
    this.queue = [];
    if (items.length > 0) this.runNow(items);
  }

  stats(): CommitGroupStats {
    return { ...this.counts };
  }

  private runNow(items: Pending[]): void {
    let results: Result<unknown>[];
    this.hooks.events.hold();
    const started = performance.now();
    try {
      results = this.runGroup(items);
    } catch (error) {
      // BEGIN, COMMIT or the transaction itself failed: nothing of the group is in the file.
      this.hooks.events.dropFrom(0);
      this.hooks.events.release();
      const failed = this.hooks.failure(error instanceof GroupAborted ? new Error(error.message) : error);
      for (const item of items) item.resolve(failed);
      return;
    }
    this.counts.ms += performance.now() - started;
    this.counts.groups++;
    this.counts.saves += items.length;
    this.counts.largest = Math.max(this.counts.largest, items.length);
    this.hooks.committed();
    this.hooks.events.release();
    items.forEach((item, i) => item.resolve(results[i]!));
  }
}
