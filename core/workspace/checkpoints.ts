import type { Worker } from 'node:worker_threads';
import { checkpointWithoutWaiting, moveCheckpointsOffCommit } from '../../db/checkpoint';
import type { WritableDB } from '../../db/handles';
import { Slot, SLOT_COUNT, type CheckpointWorkerData } from './checkpoint-slots';
import { startWorker } from '../workers/entry';

export interface WalCheckpointOptions {
  /** Shortest time between two checkpoints while commits keep coming (default 50 ms). */
  intervalMs?: number;
  /** How long the writer must have been quiet before the WAL file is truncated to nothing (default 1 s). */
  idleMs?: number;
  /**
   * The WAL's bound in pages (default 4096, 16 MiB). SQLite starts the WAL again from its beginning
   * only when a write begins while every frame is in the database; under a steady stream of saves
   * the checkpoint thread never catches that moment (frames arrive while it copies), so past the
   * bound it runs passes back to back until one took at most `tailAfterMs`, and then the writer's
   * own thread copies the few frames left, between two calls.
   */
  boundPages?: number;
  /** See `boundPages` (default 5 ms). */
  tailAfterMs?: number;
  /** SQLite's own automatic checkpoint inside a commit, kept only as a backstop (default 16,384 pages, 64 MiB). */
  backstopPages?: number;
  /** Start the thread now (a server: the first saves should not wait for it), not with the first commit. */
  eager?: boolean;
}

export interface CheckpointStats {
  /** PASSIVE checkpoints run by the checkpoint thread. */
  passes: number;
  /** Times the writer's thread copied the last frames itself so that the WAL could start again (the bound). */
  tails: number;
  /** The longest of those copies in ms (it runs between two calls on the writer's thread). */
  maxTailMs: number;
  /** TRUNCATEs that emptied the WAL file once the writer was quiet. */
  truncates: number;
  /** Frames in the WAL at the last checkpoint, and the most it held at any. */
  lastWalFrames: number;
  maxWalFrames: number;
}

const PAGE_BYTES = 4096;

/**
 * WAL checkpoints kept off the save path. SQLite's default checkpoints inside the commit that takes
 * the WAL past 1000 pages: that save also copies the WAL into the database file and fsyncs it
 * (34–61 ms at 50 reviewers, about every 0.4 s; bench:team). Here a second connection on a worker
 * thread (core/workers/checkpoint-worker.ts) runs a PASSIVE checkpoint at most every `intervalMs`
 * while commits come, which never takes a lock a save waits for; the WAL stays bounded (see
 * `boundPages`); once the writer has been quiet for `idleMs` a TRUNCATE empties the WAL file.
 *
 * Durability is unchanged: a commit is in the WAL file when it returns (which is what survives the
 * process being killed), whether or not it has been checkpointed yet; a checkpoint syncs the WAL
 * before copying and the database after, as SQLite's own checkpoint does.
 *
 * The writer's thread and the checkpoint thread share a few integers (Atomics), so a commit costs
 * this thread an increment, not a message. The thread starts with the first commit reported (an
 * engine that only reads never starts one), or at once with `eager` (`assay serve`).
 */
export class WalCheckpointer {
  private readonly options: Required<Omit<WalCheckpointOptions, 'eager' | 'backstopPages'>>;
  private readonly slots = new Int32Array(new SharedArrayBuffer(SLOT_COUNT * 4));
  private worker: Worker | null = null;
  private exited: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private tailScheduled = false;
  /** Commits at the last TRUNCATE that emptied the WAL file; TRUNCATE attempts left for this quiet spell. */
  private quietAt = 0;
  private truncateTries = 0;
  private closed = false;
  private readonly counts = { tails: 0, maxTailMs: 0, truncates: 0 };
  private readonly quietWaiters: (() => void)[] = [];

  constructor(
    private readonly writer: WritableDB,
    private readonly file: string,
    options: WalCheckpointOptions = {},
  ) {
    this.options = {
      intervalMs: options.intervalMs ?? 50,
      idleMs: options.idleMs ?? 1000,
      boundPages: options.boundPages ?? 4096,
      tailAfterMs: options.tailAfterMs ?? 5,
    };
    const backstopPages = options.backstopPages ?? Math.max(16_384, this.options.boundPages * 4);
    moveCheckpointsOffCommit(writer, { backstopPages, limitBytes: this.options.boundPages * 2 * PAGE_BYTES });
    if (options.eager) this.thread();
  }

  /** Call after a commit on the writer: a checkpoint follows soon, off this thread. */
  committed(): void {
    if (this.closed) return;
    this.thread();
    Atomics.add(this.slots, Slot.commits, 1);
    Atomics.notify(this.slots, Slot.commits);
    this.truncateTries = 5;
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => this.quiet(), this.options.idleMs);
      this.idleTimer.unref();
    }
    if (!this.tailScheduled && Atomics.load(this.slots, Slot.tailReady) === 1) {
      // After the answer of the call in progress has gone out.
      this.tailScheduled = true;
      setImmediate(() => this.copyTail());
    }
  }

  stats(): CheckpointStats {
    return {
      passes: Atomics.load(this.slots, Slot.passes),
      ...this.counts,
      lastWalFrames: Atomics.load(this.slots, Slot.lastWalFrames),
      maxWalFrames: Atomics.load(this.slots, Slot.maxWalFrames),
    };
  }

  /** Resolves once the writer has been quiet and the WAL file was emptied (or that was given up on); tests. */
  whenQuiet(): Promise<void> {
    if (this.closed || !this.idleTimer) return Promise.resolve();
    return new Promise((resolve) => this.quietWaiters.push(resolve));
  }

  /** Stops the thread and closes its connection (before the writer closes, so the writer's close is the last and removes the WAL). */
  async dispose(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.settle();
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    // Held alive until its connection is closed (unref'd, the process could end first).
    worker.ref();
    Atomics.store(this.slots, Slot.close, 1);
    Atomics.notify(this.slots, Slot.close);
    Atomics.notify(this.slots, Slot.commits);
    Atomics.store(this.slots, Slot.tailReady, 0);
    Atomics.notify(this.slots, Slot.tailReady);
    // A checkpoint in progress finishes first (it is short); a wedged thread is not waited for forever.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)));
    await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const { intervalMs, boundPages, tailAfterMs } = this.options;
    const data: CheckpointWorkerData = { dbPath: this.file, shared: this.slots.buffer as SharedArrayBuffer, intervalMs, boundPages, tailAfterMs };
    const worker = (this.worker = startWorker('checkpoint-worker', data));
    // The thread never keeps the process alive: a process that is done exits, and closing the
    // writer checkpoints what is left.
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('error', (error) => {
      // SQLite's backstop checkpoint still bounds the WAL; the next commit starts a new thread.
      console.error('[workspace] checkpoint thread failed:', error);
      if (this.worker === worker) this.worker = null;
    });
    return worker;
  }

  /**
   * The bound (see `boundPages`): the checkpoint thread's last pass left only the frames committed
   * while it ran. They are copied here, between two calls, so no commit comes meanwhile and every
   * frame is in the database when the next one begins: SQLite then writes the WAL from its start.
   */
  private copyTail(): void {
    this.tailScheduled = false;
    if (this.closed || Atomics.load(this.slots, Slot.tailReady) !== 1) return;
    const started = performance.now();
    checkpointWithoutWaiting(this.writer, 'PASSIVE');
    this.counts.maxTailMs = Math.max(this.counts.maxTailMs, performance.now() - started);
    this.counts.tails++;
    Atomics.store(this.slots, Slot.tailReady, 0);
    Atomics.notify(this.slots, Slot.tailReady);
  }

  /**
   * Quiet for idleMs: the WAL file is emptied, on this thread (a TRUNCATE holds the write lock, and
   * a save of this thread can never meet it there) and without waiting for any lock (a reader or
   * another program in the way: try again after another quiet period, a few times).
   */
  private quiet(): void {
    this.idleTimer = null;
    if (this.closed) return;
    const commits = Atomics.load(this.slots, Slot.commits);
    if (commits !== this.quietAt && this.truncateTries > 0) {
      this.truncateTries--;
      const state = checkpointWithoutWaiting(this.writer, 'TRUNCATE');
      if (!state.busy) {
        this.counts.truncates++;
        this.quietAt = commits;
        Atomics.store(this.slots, Slot.lastWalFrames, 0);
      } else if (this.truncateTries > 0) {
        this.idleTimer = setTimeout(() => this.quiet(), this.options.idleMs);
        this.idleTimer.unref();
        return;
      }
    }
    this.settle();
  }

  private settle(): void {
    for (const resolve of this.quietWaiters.splice(0)) resolve();
  }
}
