/**
 * What an import into a fresh workspace came to, for the packed-file tests: its report, or the
 * failure it was refused with (an AppError's message and details), and what the workspace holds
 * after either way, since a refused file must leave nothing behind.
 */
import path from 'node:path';
import { AppError, type DatasetImportFormat, type ImportFailure, type ImportProgress } from '../../contract';
import { importDatasetFile } from '../../core/datasets/imports/importer';
import { openWorkspace } from '../../core/workspace/workspace';
import type { ReadableDB, WritableDB } from '../../db/handles';
import { importId, tempDir } from '../helpers';
import { contentOf } from './import-samples';

export interface ImportOutcome<R, C> {
  report: R | null;
  failure: { message: string; details: ImportFailure } | null;
  content: C;
}

export async function importOutcome<R, C>(run: (writer: WritableDB) => Promise<R>, read: (db: ReadableDB) => C): Promise<ImportOutcome<R, C>> {
  const workspace = openWorkspace(path.join(tempDir('assay-import-'), 'w.assay'));
  try {
    return { report: await run(workspace.writer), failure: null, content: read(workspace.reader) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { report: null, failure: { message: error.message, details: error.toShape().details as ImportFailure }, content: read(workspace.reader) };
  } finally {
    workspace.close();
  }
}

/** A dataset file imported into a new workspace in this thread, compared by contentOf. */
export function importDatasetInto(file: string, format: DatasetImportFormat, onProgress?: (p: ImportProgress) => void) {
  return importOutcome((writer) => importDatasetFile(writer, { importId: importId('packed'), file, format, onDuplicate: 'skip', model: 'm', onProgress }), contentOf);
}
