import type { Worker } from 'node:worker_threads';
import { AppError, ErrorCode } from '../../../contract/result';
import { startWorker } from '../../workers/entry';
import type { DatasetWorkerData, DatasetWorkerMessage } from '../../workers/dataset-worker';
import { removeTemps } from './common';

/**
 * Starts dataset work on a worker thread and settles with its result. Jobs are kept by id so
 * `cancel(id)` can raise the shared flag the worker reads between rows. If the worker dies without
 * answering (a crash, an out-of-memory), the temporary files of an export are removed here.
 */

interface Running {
  worker: Worker;
  flag: Int32Array;
}

const running = new Map<string, Running>();

type Job = DatasetWorkerData extends infer D ? (D extends { cancel: SharedArrayBuffer } ? Omit<D, 'cancel'> : never) : never;

export function runDatasetWorker<T>(id: string, job: Job, onProgress: (progress: unknown) => void): Promise<T> {
  if (running.has(id)) throw new AppError('conflict', `A dataset job with id ${id} is already running.`);
  const cancel = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancel);
  const worker = startWorker('dataset-worker', { ...job, cancel } as DatasetWorkerData);
  running.set(id, { worker, flag });
  const cleanup = () => {
    if (job.kind === 'export' && job.request.mode === 'write') removeTemps(job.request.outDir, job.request.exportId);
  };
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      running.delete(id);
      fn();
    };
    worker.on('message', (message: DatasetWorkerMessage) => {
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'done') settle(() => resolve(message.value as T));
      else {
        const code = ErrorCode.safeParse(message.error.code);
        settle(() => reject(new AppError(code.success ? code.data : 'internal', message.error.message, message.error.details)));
      }
    });
    worker.on('error', (error) =>
      settle(() => {
        cleanup();
        reject(new AppError('internal', `[datasets] worker failed: ${error.message}`));
      }),
    );
    worker.on('exit', (exitCode) =>
      settle(() => {
        cleanup();
        reject(new AppError(Atomics.load(flag, 0) ? 'cancelled' : 'internal', `[datasets] worker exited (code ${exitCode}) before finishing; nothing was written.`));
      }),
    );
  });
}

/** Asks a running export or import to stop; false when none runs with that id. */
export function cancelDatasetJob(id: string): boolean {
  const job = running.get(id);
  if (!job) return false;
  Atomics.store(job.flag, 0, 1);
  return true;
}
