/**
 * Runs a prompt import on its own thread with its own writer connection, so the thread that answers
 * the UI keeps answering while a large file streams in.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../contract/result';
import { openWriter } from '../../db/handles';
import { importPromptsFile, type ImportOptions } from '../prompts/importer';

export interface ImportWorkerData {
  dbPath: string;
  options: Omit<ImportOptions, 'onProgress' | 'signal'>;
}

export type ImportWorkerMessage =
  | { type: 'progress'; progress: Parameters<NonNullable<ImportOptions['onProgress']>>[0] }
  | { type: 'done'; report: Awaited<ReturnType<typeof importPromptsFile>> }
  | { type: 'failed'; error: { code: string; message: string; details?: unknown } };

const port = parentPort!;
const { dbPath, options } = workerData as ImportWorkerData;
const abort = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') abort.abort();
});

const db = openWriter(dbPath);
const post = (message: ImportWorkerMessage) => port.postMessage(message);
importPromptsFile(db, { ...options, signal: abort.signal, onProgress: (progress) => post({ type: 'progress', progress }) })
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
