/**
 * Runs a dataset export (or a preview of one) or a workspace backup on its own thread with its own
 * read-only connection, or a full-export import or a merge of review packs with its own writer connection: the thread that answers the UI keeps
 * answering while a million rows stream. Cancellation arrives through a shared flag, read between
 * rows, so the synchronous export loop never has to yield to see it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../contract/result';
import { backupWorkspace } from '../../db/backup';
import { openReader, openWriter } from '../../db/handles';
import type { ExportRequest } from '../datasets/export/common';
import { importFullExport, type FullImportOptions } from '../datasets/export/full';
import { runExport } from '../datasets/export/run';
import { mergePacks } from '../packs/service';

export type DatasetWorkerData =
  | { kind: 'export'; dbPath: string; request: ExportRequest; cancel: SharedArrayBuffer }
  | { kind: 'import-full'; dbPath: string; options: Omit<FullImportOptions, 'onProgress' | 'signal'>; cancel: SharedArrayBuffer }
  | { kind: 'backup'; dbPath: string; outFile: string; cancel: SharedArrayBuffer }
  | { kind: 'pack-merge'; dbPath: string; files: { path: string; name: string }[]; cancel: SharedArrayBuffer };

export type DatasetWorkerMessage =
  | { type: 'progress'; progress: unknown }
  | { type: 'done'; value: unknown }
  | { type: 'failed'; error: { code: string; message: string; details?: unknown } };

const port = parentPort!;
const data = workerData as DatasetWorkerData;
const flag = new Int32Array(data.cancel);
const cancelled = () => Atomics.load(flag, 0) !== 0;
const post = (message: DatasetWorkerMessage) => port.postMessage(message);
const failed = (error: unknown) => {
  const shape = error instanceof AppError ? error.toShape() : { code: 'internal', message: `[datasets] ${(error as Error).message}` };
  post({ type: 'failed', error: shape });
};

if (data.kind === 'export') {
  const db = openReader(data.dbPath);
  try {
    const value = runExport(db, data.request, { cancelled, progress: (progress) => post({ type: 'progress', progress }) });
    post({ type: 'done', value });
  } catch (error) {
    failed(error);
  } finally {
    db.close();
    port.close();
  }
} else if (data.kind === 'backup') {
  const db = openReader(data.dbPath);
  try {
    post({ type: 'done', value: backupWorkspace(db, data.outFile) });
  } catch (error) {
    failed(error);
  } finally {
    db.close();
    port.close();
  }
} else if (data.kind === 'pack-merge') {
  const db = openWriter(data.dbPath);
  try {
    post({ type: 'done', value: mergePacks(db, data.files, { onProgress: (progress) => post({ type: 'progress', progress }) }) });
  } catch (error) {
    failed(error);
  } finally {
    db.close();
    port.close();
  }
} else {
  const db = openWriter(data.dbPath);
  const abort = new AbortController();
  const timer = setInterval(() => {
    if (cancelled()) abort.abort();
  }, 50);
  importFullExport(db, { ...data.options, signal: abort.signal, onProgress: (progress) => post({ type: 'progress', progress }) })
    .then((value) => post({ type: 'done', value }))
    .catch(failed)
    .finally(() => {
      clearInterval(timer);
      db.close();
      port.close();
    });
}
