import fs from 'node:fs';
import path from 'node:path';
import type { MethodOutput, ParsedInput } from '../../../contract';
import type { ExportFormat, ExportPreview, ExportProgress, ExportReport, FullImportReport, WorkspaceStats, datasetMethods } from '../../../contract/datasets';
import type { ImportProgress } from '../../../contract/prompts';
import { AppError } from '../../../contract/result';
import { schemaVersion, workspaceStats } from '../../../db/exports';
import type { ReadableDB } from '../../../db/handles';
import type { EventBus } from '../../events';
import type { UploadResolver } from '../../prompts/service';
import type { Workspace } from '../../workspace/workspace';
import { cancelDatasetJob, runDatasetWorker } from './runner';
import { ensureFolder } from '../../files';

type DatasetMethod = keyof typeof datasetMethods;
export type DatasetHandlers = { [M in DatasetMethod]: (input: ParsedInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>> };

/**
 * Exports finished in this process, by id, so browser mode can offer their files for download
 * (`GET /exports/<exportId>/<file name>`). Only files an export reported are served; the oldest
 * entries are forgotten after a while.
 */
const finished = new Map<string, ExportReport>();
const FINISHED_KEPT = 50;

export function rememberExport(report: ExportReport): void {
  finished.set(report.exportId, report);
  while (finished.size > FINISHED_KEPT) finished.delete(finished.keys().next().value!);
}

/** The path of a file a finished export wrote, by its base name; null if there is none. */
export function exportedFile(exportId: string, name: string): string | null {
  const report = finished.get(exportId);
  const file = report?.files.find((f) => path.basename(f.path) === name);
  return file && fs.existsSync(file.path) ? file.path : null;
}

/** Where an export goes when no folder is given: `<workspace folder>/<name>-exports/<format>`. */
export function defaultExportDir(workspaceFile: string, format: ExportFormat): string {
  const name = path.basename(workspaceFile).replace(/\.assay$/i, '');
  return path.join(path.dirname(workspaceFile), `${name}-exports`, format);
}

/** Where a backup goes when no file is given: `<workspace folder>/<name>-backups/<name>-<UTC time>.assay`. */
export function defaultBackupFile(workspaceFile: string, now = new Date()): string {
  const name = path.basename(workspaceFile).replace(/\.assay$/i, '');
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return path.join(path.dirname(workspaceFile), `${name}-backups`, `${name}-${stamp}.assay`);
}

/**
 * The file a backup goes to, its folder created: `outFile` taken from `baseDir` when relative, or
 * the default beside the workspace when none is given.
 */
export function backupTarget(workspaceFile: string, outFile: string | null, baseDir: string): string {
  const file = outFile === null ? defaultBackupFile(workspaceFile) : path.resolve(baseDir, outFile);
  ensureFolder(path.dirname(file));
  return file;
}

/** An export folder as typed by the user; a relative one is taken from `baseDir`. */
export function resolveExportDir(baseDir: string, outDir: string): string {
  const dir = path.resolve(baseDir, outDir);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new AppError('invalid_input', `${dir} is a file, not a folder.`);
  return dir;
}

export function statsOf(db: ReadableDB): WorkspaceStats {
  const s = workspaceStats(db);
  return {
    schemaVersion: schemaVersion(db),
    prompts: s.prompts,
    tags: s.tags,
    generations: s.generations,
    models: s.models,
    reviewers: s.reviewers,
    reviews: { ...s.reviewStatus, verdicts: s.verdicts, failureTags: s.failureTags, thinkAloudSteps: s.thinkAloudSteps },
    corrections: s.corrections,
    comparisons: { tasks: s.tasks, pairLabels: s.pairLabels, rankLabels: s.rankLabels, choices: s.choices, bothBadCorrections: s.bothBadCorrections },
    guidelineVersions: s.guidelineVersions,
    preferencePairs: s.preferencePairs,
  };
}

/**
 * Datasets' handlers: exports and previews run on a worker thread with a read-only connection;
 * the full import runs on a worker with its own writer; stats are a few counting queries.
 */
export function datasetService(workspace: Workspace, events: EventBus, resolveUpload: UploadResolver): DatasetHandlers {
  const exportProgress = (exportId: string) => (p: unknown) => events.emit('onDidExportProgress', { exportId, ...(p as Omit<ExportProgress, 'exportId'>) });
  return {
    'datasets.previewExport': (input) =>
      runDatasetWorker<ExportPreview>(
        input.exportId,
        { kind: 'export', dbPath: workspace.file, request: { mode: 'preview', exportId: input.exportId, options: input.options, limit: input.limit } },
        exportProgress(input.exportId),
      ),
    'datasets.export': (input) => {
      const outDir = input.outDir === null ? defaultExportDir(workspace.file, input.options.format) : resolveExportDir(path.dirname(workspace.file), input.outDir);
      return runDatasetWorker<ExportReport>(
        input.exportId,
        { kind: 'export', dbPath: workspace.file, request: { mode: 'write', exportId: input.exportId, options: input.options, outDir } },
        exportProgress(input.exportId),
      ).then((report) => {
        rememberExport(report);
        return report;
      });
    },
    'datasets.cancelExport': (input) => ({ cancelled: cancelDatasetJob(input.exportId) }),
    'datasets.exportDefaults': (input) => ({ outDir: defaultExportDir(workspace.file, input.format) }),
    'datasets.importFull': async (input) => {
      const file = input.source.kind === 'path' ? path.resolve(input.source.path) : resolveUpload(input.source.uploadId);
      const displayName = input.source.kind === 'path' ? path.basename(file) : input.source.fileName;
      // A long writer like any import: one at a time, and this thread's writes wait for it.
      const report = await workspace.writeGate
        .exclusive(() =>
          runDatasetWorker<FullImportReport>(
            input.importId,
            { kind: 'import-full', dbPath: workspace.file, options: { importId: input.importId, file, displayName } },
            (p) => events.emit('onDidImportProgress', p as ImportProgress),
          ),
        )
        .catch((error: unknown) => {
          // However it ended (even a worker that died without a word), it is no longer running.
          events.emit('onDidImportProgress', { importId: input.importId, file: displayName, bytesRead: 0, totalBytes: 0, rows: 0, phase: 'failed' });
          throw error;
        });
      events.emit('onDidChangePrompts', { reason: 'import' });
      events.emit('onDidChangeTaxonomy', {});
      events.emit('onDidChangeComparisons', { reason: 'tasks' });
      return report;
    },
    'datasets.stats': () => statsOf(workspace.reader),
    'workspace.backup': async (input) => {
      const file = backupTarget(workspace.file, input.outFile, path.dirname(workspace.file));
      const started = performance.now();
      const { bytes } = await runDatasetWorker<{ bytes: number }>(`backup-${path.basename(file)}`, { kind: 'backup', dbPath: workspace.file, outFile: file }, () => undefined);
      return { file, bytes, durationMs: Math.round(performance.now() - started) };
    },
  };
}
