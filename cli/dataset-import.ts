/**
 * `assay import FILE --format hh-rlhf|arena|oasst|completions`: dataset imports from the command
 * line (core/datasets/imports), and the choice of format for every `assay import`.
 */
import { AnyImportFormat, DatasetImportFormat, detectImportFormat, type DatasetImportReport, type DuplicatePolicy, type ImportProgress } from '../contract';
import { innerName, textHead } from '../core/datasets/imports/containers';
import { importDatasetFile } from '../core/datasets/imports/importer';
import { openWorkspace } from '../core/workspace/workspace';

export const IMPORT_FORMATS_HELP = AnyImportFormat.options.join('|');

/** How much of a file is read to guess its format. */
const HEAD_BYTES = 64 * 1024;

/**
 * The format to import FILE as: --format when given (checked), else what the first line says
 * (decompressed for .gz/.zst, the column names for Parquet: told by the bytes, not the name),
 * else undefined (the prompt importer then goes by the extension and says so if it cannot).
 * Packed files import in every format, prompt files (jsonl, csv) too.
 */
export async function importFormatOf(file: string, given: string | undefined): Promise<{ format: AnyImportFormat | undefined } | { usage: string }> {
  let format: AnyImportFormat | undefined;
  if (given !== undefined) {
    const parsed = AnyImportFormat.safeParse(given);
    if (!parsed.success) return { usage: `--format must be one of ${AnyImportFormat.options.join(', ')}` };
    format = parsed.data;
  } else {
    const head = await textHead(file, HEAD_BYTES);
    format = head === null ? undefined : (detectImportFormat(head, innerName(file)) ?? undefined);
  }
  return { format };
}

export function isDatasetFormat(format: AnyImportFormat | undefined): format is DatasetImportFormat {
  return DatasetImportFormat.safeParse(format).success;
}

/** The left-out records a summary lists (the counts cover them all). */
const LEFT_OUT_SHOWN = 20;

export function summary(r: DatasetImportReport): string {
  const skipped = Object.entries(r.skipped).map(([reason, n]) => `${reason} ×${n}`);
  const leftOut = Object.values(r.skipped).reduce((a, b) => a + b, 0);
  const c = r.created;
  const unit = r.container === 'parquet' ? 'row' : 'line';
  const listed = r.leftOut.slice(0, LEFT_OUT_SHOWN).map((l) => `\n  ${unit} ${l.line}: ${l.reason}`);
  const more = leftOut - listed.length;
  return (
    `${r.file} (${r.format}): ${r.rows} records, ${r.imported} imported, ${r.replaced} replaced, ${r.skippedDuplicates} duplicates skipped` +
    (skipped.length ? `; left out ${leftOut}: ${skipped.join('; ')}` : '') +
    `; created ${c.prompts} prompts, ${c.models} models, ${c.generations} generations, ${c.tasks} comparison tasks, ${c.labels} labels` +
    (r.reviewer ? ` (as reviewer "${r.reviewer}")` : '') +
    ` in ${r.durationMs} ms` +
    (r.ignoredFields.length ? ` (ignored fields: ${r.ignoredFields.join(', ')})` : '') +
    (listed.length ? `\nleft out:${listed.join('')}${more > 0 ? `\n  … and ${more} more` : ''}` : '')
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
