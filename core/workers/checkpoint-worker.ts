/**
 * The workspace's WAL checkpoints, on their own thread with their own connection, so copying the
 * WAL into the database file (and its fsyncs) never runs on the thread that answers saves. The
 * policy is described in core/workspace/checkpoints.ts, which starts this thread. The two share
 * one SharedArrayBuffer (`Slot`): the writer's thread counts its commits into it, this thread
 * sleeps on that counter (Atomics.wait) and reports what it did in the other slots.
 */
import { workerData } from 'node:worker_threads';
import { checkpoint, openCheckpointConnection } from '../../db/checkpoint';
import { Slot, type CheckpointWorkerData } from '../workspace/checkpoint-slots';

const data = workerData as CheckpointWorkerData;
const slots = new Int32Array(data.shared);
const db = openCheckpointConnection(data.dbPath);
const closing = () => Atomics.load(slots, Slot.close) !== 0;

function pass(): { walFrames: number; ms: number } {
  const started = performance.now();
  const state = checkpoint(db, 'PASSIVE');
  const ms = performance.now() - started;
  Atomics.add(slots, Slot.passes, 1);
  if (state.walFrames >= 0) {
    Atomics.store(slots, Slot.lastWalFrames, state.walFrames);
    if (state.walFrames > Atomics.load(slots, Slot.maxWalFrames)) Atomics.store(slots, Slot.maxWalFrames, state.walFrames);
  }
  return { walFrames: state.walFrames, ms };
}

// Commits are counted from 0, so one made before this thread started is not missed.
let seen = 0;
let lastPass = -Infinity;
try {
  while (!closing()) {
    const commits = Atomics.load(slots, Slot.commits);
    if (commits === seen) {
      // Nothing new: sleep until a commit (or close, which also wakes this slot).
      Atomics.wait(slots, Slot.commits, commits, 60_000);
      continue;
    }
    seen = commits;
    // At most one pass per intervalMs while commits keep coming.
    const wait = lastPass + data.intervalMs - performance.now();
    if (wait > 0) Atomics.wait(slots, Slot.close, 0, wait);
    if (closing()) break;
    lastPass = performance.now();
    let last = pass();
    // The bound. SQLite writes the WAL again from its start only when a write begins while every
    // frame is in the database; under a steady stream of saves that moment never comes (frames
    // arrive while a pass copies). Past the bound, passes follow each other at once, each shorter
    // than the last, until one is short enough that the frames it left are few; then the writer's
    // thread copies those itself between two calls (no commit can come meanwhile, and it takes no
    // lock a save would wait for), and its next commit starts the WAL over.
    for (let tries = 0; last.walFrames >= data.boundPages && tries < 50 && !closing(); tries++) {
      if (last.ms <= data.tailAfterMs || last.walFrames >= 2 * data.boundPages) {
        Atomics.store(slots, Slot.tailReady, 1);
        // Until it has (or a moment has passed: with no commit coming, the next pass catches up).
        Atomics.wait(slots, Slot.tailReady, 1, 100);
        Atomics.store(slots, Slot.tailReady, 0);
        break;
      }
      last = pass();
    }
  }
} finally {
  db.close();
}
