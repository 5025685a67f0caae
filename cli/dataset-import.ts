/**
 * `assay import FILE --format hh-rlhf|arena|oasst|completions`: dataset imports from the command
 * line (core/datasets/imports), and the choice of format for every `assay import`.
 */
import fs from 'node:fs';
import { AnyImportFormat, DatasetImportFormat, detectImportFormat, type DatasetImportReport, type DuplicatePolicy, type ImportProgress } from '../contract';
import { importDatasetFile } from '../core/datasets/imports/importer';
import { openWorkspace } from '../core/workspace/workspace';

export const IMPORT_FORMATS_HELP = AnyImportFormat.options.join('|');

/** How much of a file is read to guess its format. */
const HEAD_BYTES = 64 * 1024;

function fileHead(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, n).toString('utf8');
  } catch {
    return null; // the importer says what is wrong with the file
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The format to import FILE as: --format when given (checked), else what the first line says,
 * else undefined (the prompt importer then goes by the extension and says so if it cannot).
 */
export function importFormatOf(file: string, given: string | undefined): { format: AnyImportFormat | undefined } | { usage: string } {
  if (given !== undefined) {
    const parsed = AnyImportFormat.safeParse(given);
    return parsed.success ? { format: parsed.data } : { usage: `--format must be one of ${AnyImportFormat.options.join(', ')}` };
  }
  const head = fileHead(file);
  return { format: head === null ? undefined : (detectImportFormat(head, file) ?? undefined) };
}

export function isDatasetFormat(format: AnyImportFormat | undefined): format is DatasetImportFormat {
  return DatasetImportFormat.safeParse(format).success;
}

function summary(r: DatasetImportReport): string {
  const skipped = Object.entries(r.skipped).map(([reason, n]) => `${reason} ×${n}`);
  const c = r.created;
  return (
    `${r.file} (${r.format}): ${r.rows} records, ${r.imported} imported, ${r.replaced} replaced, ${r.skippedDuplicates} duplicates skipped` +
    (skipped.length ? `; left out: ${skipped.join('; ')}` : '') +
    `; created ${c.prompts} prompts, ${c.models} models, ${c.generations} generations, ${c.tasks} comparison tasks, ${c.labels} labels` +
    (r.reviewer ? ` (as reviewer "${r.reviewer}")` : '') +
    ` in ${r.durationMs} ms` +
    (r.ignoredFields.length ? ` (ignored fields: ${r.ignoredFields.join(', ')})` : '')
  );
}

/** Imports a dataset file into the workspace in this process; the report goes to stdout, progress to a terminal's stderr. */
export async function runDatasetImport(
  file: string,
  workspaceFile: string,
  options: { format: DatasetImportFormat; onDuplicate: DuplicatePolicy; model?: string },
): Promise<DatasetImportReport> {
  const workspace = openWorkspace(workspaceFile);
  const showProgress = process.stderr.isTTY;
  try {
    const report = await importDatasetFile(workspace.writer, {
      importId: 'cli',
      file,
      format: options.format,
      onDuplicate: options.onDuplicate,
      model: options.model,
      onProgress: showProgress
        ? (p: ImportProgress) => {
            const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
            process.stderr.write(`\r[import] ${pct}% ${p.rows} records`);
          }
        : undefined,
    });
    if (showProgress) process.stderr.write('\n');
    console.log(summary(report));
    return report;
  } finally {
    workspace.close();
  }
}
