import type { Worker } from 'node:worker_threads';
import type { DatasetImportReport } from '../../contract/datasets';
import type { ImportProgress, ImportReport } from '../../contract/prompts';
import { AppError, ErrorCode } from '../../contract/result';
import { startWorker } from '../workers/entry';
import type { DatasetImportWorkerData, ImportWorkerData, ImportWorkerMessage, PromptImportWorkerData } from '../workers/import-worker';

/** Imports running now, by importId, so they can be cancelled. */
const running = new Map<string, Worker>();

/** Runs a prompt import (prompts.import) or a dataset import (datasets.import) in the import worker. */
export function runImportInWorker(data: PromptImportWorkerData, onProgress: (progress: ImportProgress) => void): Promise<ImportReport>;
export function runImportInWorker(data: DatasetImportWorkerData, onProgress: (progress: ImportProgress) => void): Promise<DatasetImportReport>;
export function runImportInWorker(
  data: ImportWorkerData,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportReport | DatasetImportReport> {
  const { importId } = data.options;
  if (running.has(importId)) throw new AppError('conflict', `An import with id ${importId} is already running.`);
  const worker = startWorker('import-worker', data);
  running.set(importId, worker);
  return new Promise<ImportReport | DatasetImportReport>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      running.delete(importId);
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

export function cancelImport(importId: string): boolean {
  const worker = running.get(importId);
  if (!worker) return false;
  worker.postMessage({ type: 'cancel' });
  return true;
}
