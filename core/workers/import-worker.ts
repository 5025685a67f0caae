/**
 * Runs a prompt or dataset import on its own thread with its own writer connection, so the thread
 * that answers the UI keeps answering while a large file streams in.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DatasetImportReport } from '../../contract/datasets';
import type { ImportProgress, ImportReport } from '../../contract/prompts';
import { AppError } from '../../contract/result';
import { openWriter } from '../../db/handles';
import { importDatasetFile, type DatasetImportOptions } from '../datasets/imports/importer';
import { importPromptsFile, type ImportOptions } from '../prompts/importer';

export type PromptImportWorkerData = { dbPath: string; kind?: 'prompts'; options: Omit<ImportOptions, 'onProgress' | 'signal'> };
export type DatasetImportWorkerData = { dbPath: string; kind: 'dataset'; options: Omit<DatasetImportOptions, 'onProgress' | 'signal'> };
export type ImportWorkerData = PromptImportWorkerData | DatasetImportWorkerData;

export type ImportWorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; report: ImportReport | DatasetImportReport }
  | { type: 'failed'; error: { code: string; message: string; details?: unknown } };

const port = parentPort!;
const data = workerData as ImportWorkerData;
const abort = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') abort.abort();
});

const db = openWriter(data.dbPath);
const post = (message: ImportWorkerMessage) => port.postMessage(message);
const onProgress = (progress: ImportProgress) => post({ type: 'progress', progress });
const work: Promise<ImportReport | DatasetImportReport> =
  data.kind === 'dataset'
    ? importDatasetFile(db, { ...data.options, signal: abort.signal, onProgress })
    : importPromptsFile(db, { ...data.options, signal: abort.signal, onProgress });
work
  .then((report) => post({ type: 'done', report }))
  .catch((error: unknown) => {
    const shape =
      error instanceof AppError ? error.toShape() : { code: 'internal', message: `[import] ${(error as Error).message}` };
    post({ type: 'failed', error: shape });
  })
  .finally(() => {
    db.close();
    port.close();
  });
