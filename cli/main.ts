/**
 * `assay` — the engine for pipelines and for browser mode.
 *   assay serve  [--workspace FILE] [--port N] [--host H]
 *   assay import FILE --workspace FILE [--format jsonl|csv|assay-full] [--on-duplicate skip|replace]
 *   assay export --workspace FILE --format F [--out DIR] [options]   (cli/datasets.ts)
 *   assay stats  --workspace FILE [--json]
 *   assay backup --workspace FILE [--out FILE] [--json]
 * Exit codes: 0 done, 1 the work failed (bad input, a file that cannot be opened), 2 wrong usage.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppError, DuplicatePolicy, ImportFormat } from '../contract';
import { Engine } from '../core/engine';
import { importPromptsFile } from '../core/prompts/importer';
import { defaultWorkspacePath, openWorkspace } from '../core/workspace/workspace';
import { serve } from '../server/server';
import { IMPORT_FORMATS_HELP, importFormatOf, isDatasetFormat, runDatasetImport } from './dataset-import';
import { EXPORT_HELP, UsageError as DatasetUsageError, isFullExport, runBackupCommand, runExportCommand, runFullImportCommand, runStatsCommand } from './datasets';

const HELP = `Assay — review, label and compare your LLM's outputs.

Usage:
  assay serve  [--workspace FILE] [--port N] [--host HOST]
      Browser mode: serves the Assay UI on http://127.0.0.1:PORT and prints a URL with a one-time
      token. The workspace defaults to ${defaultWorkspacePath()}.
  assay import FILE --workspace FILE [--format F] [--on-duplicate skip|replace] [--model NAME]
      Imports prompts (jsonl: "prompt" or "messages", optional "id", "reference", "tags"; csv
      with a header) or a dataset: completions (prompt/messages + "completion", optional "model",
      JSONL or CSV), hh-rlhf (chosen/rejected transcripts), arena (Chatbot Arena battles), oasst
      (OpenAssistant message trees); JSON datasets may be JSONL or one JSON array. Without --format
      the first line says which. Completions become generations of imported models, preferences
      comparison tasks labeled by an importer reviewer ("hh-rlhf import", …). All or nothing: a bad
      line names its number and nothing is imported; the report says what was imported and skipped.
      --format assay-full loads a full export (assay export --format full) into a new workspace.
${EXPORT_HELP}

Options:
  -w, --workspace FILE     the .assay workspace (created if missing)
  -p, --port N             port for serve (default 8765; 0 picks a free one)
      --host HOST          interface for serve (default 127.0.0.1)
      --format F           ${IMPORT_FORMATS_HELP}
                           (default: from the first line, then the file extension)
      --on-duplicate P     skip (default) or replace prompts whose id already exists, and
                           imported labels already on a comparison
      --model NAME         the model of hh-rlhf pairs and of completion rows without "model"
                           (default: "<format>: <file name>")
  -h, --help               this help (assay export --help: export options only)

Exit codes: 0 success, 1 failure, 2 usage error.`;

class UsageError extends DatasetUsageError {}

function staticDir(): string {
  // The bundle lives in dist/node; the built UI in dist/renderer.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
}

async function runServe(values: Record<string, string | boolean | undefined>): Promise<void> {
  const file = (values.workspace as string | undefined) ?? defaultWorkspacePath();
  const workspace = openWorkspace(file);
  if (workspace.migration.backupPath) {
    console.error(`[workspace] upgraded v${workspace.migration.from} → v${workspace.migration.to}; backup at ${workspace.migration.backupPath}`);
  }
  const engine = new Engine(workspace, { shell: 'browser' });
  const port = values.port === undefined ? 8765 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not ${String(values.port)}`);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const server = await serve({ engine, staticDir: staticDir(), port, host, token: process.env.ASSAY_TOKEN || undefined });
  console.log(`[server] workspace ${workspace.file}`);
  console.log(`[server] Assay is running in browser mode. Open this URL (it carries a one-time token):`);
  console.log(`    ${server.loginUrl}`);
  const stop = () => {
    void server
      .close()
      .then(() => engine.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function runImport(file: string | undefined, values: Record<string, string | boolean | undefined>): Promise<void> {
  if (!file) throw new UsageError('assay import needs a FILE');
  if (!values.workspace) throw new UsageError('assay import needs --workspace FILE');
  if (values.format === 'assay-full' || (values.format === undefined && isFullExport(path.resolve(file)))) {
    return runFullImportCommand(file, values.workspace as string, false);
  }
  const chosen = importFormatOf(path.resolve(file), values.format as string | undefined);
  if ('usage' in chosen) throw new UsageError(chosen.usage);
  const policy = DuplicatePolicy.safeParse(values['on-duplicate'] ?? 'skip');
  if (!policy.success) throw new UsageError('--on-duplicate must be skip or replace');
  const model = values.model === undefined ? undefined : String(values.model).trim();
  if (model !== undefined && (model === '' || model.length > 200)) throw new UsageError('--model must be a name of 1 to 200 characters');
  if (isDatasetFormat(chosen.format)) {
    await runDatasetImport(path.resolve(file), values.workspace as string, { format: chosen.format, onDuplicate: policy.data, model });
    return;
  }
  if (model !== undefined) throw new UsageError('--model is for dataset formats (completions, hh-rlhf); prompts have no model');
  const format = chosen.format === undefined ? undefined : ImportFormat.parse(chosen.format);

  const workspace = openWorkspace(values.workspace as string);
  const showProgress = process.stderr.isTTY;
  try {
    const report = await importPromptsFile(workspace.writer, {
      importId: 'cli',
      file: path.resolve(file),
      format,
      onDuplicate: policy.data,
      onProgress: showProgress
        ? (p) => {
            const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
            process.stderr.write(`\r[import] ${pct}% ${p.rows} rows`);
          }
        : undefined,
    });
    if (showProgress) process.stderr.write('\n');
    console.log(
      `${report.file}: ${report.rows} rows, ${report.imported} imported, ${report.replaced} replaced, ` +
        `${report.skippedDuplicates} duplicates skipped in ${report.durationMs} ms` +
        (report.ignoredColumns.length ? ` (ignored columns: ${report.ignoredColumns.join(', ')})` : ''),
    );
  } finally {
    workspace.close();
  }
}

/** Runs a command and turns its failure into an exit code and a message on stderr. */
async function exitCodeOf(run: () => unknown): Promise<number> {
  try {
    await run();
    return 0;
  } catch (error) {
    if (error instanceof DatasetUsageError) {
      console.error(`assay: ${error.message}\nRun assay --help for usage.`);
      return 2;
    }
    console.error(`assay: ${error instanceof AppError ? error.message : (error as Error).stack}`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  // export, stats and backup parse their own options (cli/datasets.ts).
  if (argv[0] === 'export') return exitCodeOf(() => runExportCommand(argv.slice(1)));
  if (argv[0] === 'stats') return exitCodeOf(() => runStatsCommand(argv.slice(1)));
  if (argv[0] === 'backup') return exitCodeOf(() => runBackupCommand(argv.slice(1)));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        workspace: { type: 'string', short: 'w' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        format: { type: 'string' },
        'on-duplicate': { type: 'string' },
        model: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`assay: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    console.log(HELP);
    return parsed.values.help ? 0 : 2;
  }
  try {
    if (command === 'serve') await runServe(parsed.values);
    else if (command === 'import') await runImport(rest[0], parsed.values);
    else throw new UsageError(`unknown command ${command}`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`assay: ${error.message}\nRun assay --help for usage.`);
      return 2;
    }
    console.error(`assay: ${error instanceof AppError ? error.message : (error as Error).stack}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// serve keeps running on its listeners; every other command ends here.
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
