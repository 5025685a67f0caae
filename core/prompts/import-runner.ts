import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { DatasetImportReport } from '../../contract/datasets';
import type { ImportProgress, ImportReport } from '../../contract/prompts';
import { AppError, ErrorCode } from '../../contract/result';
import { startWorker } from '../workers/entry';
import type { WriteGate } from '../workspace/write-gate';
import type { DatasetImportWorkerData, ImportWorkerData, ImportWorkerMessage, PromptImportWorkerData } from '../workers/import-worker';

/** Imports queued or running now, by importId, so they can be cancelled. */
const running = new Map<string, { abort: AbortController; worker: Worker | null }>();

/**
 * Runs a prompt import (prompts.import) or a dataset import (datasets.import) in the import worker,
 * under the workspace's write gate: one import at a time, and the next waits its turn (reporting
 * phase `waiting`) instead of timing out on SQLite's lock.
 */
export function runImportInWorker(data: PromptImportWorkerData, onProgress: (progress: ImportProgress) => void, gate: WriteGate): Promise<ImportReport>;
export function runImportInWorker(data: DatasetImportWorkerData, onProgress: (progress: ImportProgress) => void, gate: WriteGate): Promise<DatasetImportReport>;
export async function runImportInWorker(
  data: ImportWorkerData,
  onProgress: (progress: ImportProgress) => void,
  gate: WriteGate,
): Promise<ImportReport | DatasetImportReport> {
  const { importId, file } = data.options;
  if (running.has(importId)) throw new AppError('conflict', `An import with id ${importId} is already running.`);
  const entry = { abort: new AbortController(), worker: null as Worker | null };
  running.set(importId, entry);
  const displayName = data.options.displayName ?? path.basename(file);
  try {
    return await gate.exclusive(
      () => {
        if (entry.abort.signal.aborted) throw entry.abort.signal.reason;
        entry.worker = startWorker('import-worker', data);
        return workerOutcome(entry.worker, onProgress);
      },
      {
        signal: entry.abort.signal,
        onQueued: () => onProgress({ importId, file: displayName, bytesRead: 0, totalBytes: fileSize(file), rows: 0, phase: 'waiting' }),
      },
    );
  } catch (error) {
    // Whatever ended it (a bad line, a cancel, a crashed worker that said nothing), the views that
    // show running imports hear that this one is over.
    onProgress({ importId, file: displayName, bytesRead: 0, totalBytes: fileSize(file), rows: 0, phase: 'failed' });
    if (entry.abort.signal.aborted && error === entry.abort.signal.reason) {
      throw new AppError('cancelled', `Import of ${displayName} cancelled before it started; nothing was imported.`);
    }
    throw error;
  } finally {
    running.delete(importId);
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0; // the import itself reports a missing file when its turn comes
  }
}

/** The worker's report, or its error as an AppError; progress messages go to `onProgress`. */
function workerOutcome(worker: Worker, onProgress: (progress: ImportProgress) => void): Promise<ImportReport | DatasetImportReport> {
  return new Promise<ImportReport | DatasetImportReport>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (message: ImportWorkerMessage) => {
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'done') settle(() => resolve(message.report));
      else {
        const code = ErrorCode.safeParse(message.error.code);
        settle(() => reject(new AppError(code.success ? code.data : 'internal', message.error.message, message.error.details)));
      }
    });
    worker.on('error', (error) => settle(() => reject(new AppError('internal', `[import] worker failed: ${error.message}`))));
    worker.on('exit', (exitCode) =>
      settle(() => reject(new AppError('internal', `[import] worker exited (code ${exitCode}) before finishing; nothing was imported.`))),
    );
  });
}

/** Cancels a running import (its transaction rolls back) or takes a queued one out of the queue. */
export function cancelImport(importId: string): boolean {
  const entry = running.get(importId);
  if (!entry) return false;
  if (entry.worker) entry.worker.postMessage({ type: 'cancel' });
  else entry.abort.abort(new Error('cancelled while queued'));
  return true;
}
