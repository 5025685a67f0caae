/** What core/workspace/checkpoints.ts and its thread (core/workers/checkpoint-worker.ts) share. */

/** Int32 slots of the shared buffer. */
export const Slot = {
  /** Commits made on the writer's thread (it adds one per commit). */
  commits: 0,
  /** Set to 1 to stop this thread. */
  close: 1,
  passes: 2,
  lastWalFrames: 3,
  maxWalFrames: 4,
  /** 1: past the bound, and the last pass left few frames; the writer's thread copies them at its next commit and sets it back to 0. */
  tailReady: 5,
} as const;
export const SLOT_COUNT = 6;

export interface CheckpointWorkerData {
  dbPath: string;
  shared: SharedArrayBuffer;
  intervalMs: number;
  boundPages: number;
  tailAfterMs: number;
}
