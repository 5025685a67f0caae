import { useEffect, useRef, useState } from 'react';
import {
  detectImportFormat,
  type AnyImportFormat,
  type DatasetImportReport,
  type DuplicatePolicy,
  type ImportFailure,
  type ImportProgress,
  type ImportReport,
} from '../../../../contract';
import { call, CallError, importSourceFor, onEvent } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ProgressBar } from '../../components/ProgressBar';

type Phase =
  | { kind: 'choose' }
  | { kind: 'uploading' }
  | { kind: 'importing'; progress: ImportProgress | null }
  | { kind: 'done'; report: ImportReport }
  | { kind: 'done-dataset'; report: DatasetImportReport }
  | { kind: 'failed'; message: string; failure: ImportFailure | null };

function newImportId(): string {
  return `imp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const FORMAT_LABELS: Record<AnyImportFormat, string> = {
  jsonl: 'Prompts (JSONL)',
  csv: 'Prompts (CSV)',
  completions: 'Prompts with completions (JSONL or CSV)',
  'hh-rlhf': 'Anthropic HH-RLHF (chosen / rejected)',
  arena: 'Chatbot Arena battles',
  oasst: 'OpenAssistant message trees',
};
const FORMATS = Object.keys(FORMAT_LABELS) as AnyImportFormat[];

/** What each format's file holds, and what it becomes. */
const FORMAT_HELP: Record<AnyImportFormat, { text: string; example: string }> = {
  jsonl: {
    text: 'One object per line with prompt (text) or messages (a list of {role, content}), and optionally id, reference, tags.',
    example: '{"id": "arith-1", "prompt": "What is seven plus 5?", "reference": "12", "tags": ["arithmetic"]}',
  },
  csv: { text: 'A header row with a prompt or messages column; tags as a;b.', example: 'id,prompt,tags\narith-1,What is seven plus 5?,arithmetic' },
  completions: {
    text: 'Rows with prompt or messages and completion, optionally id, model, tags (JSONL, or CSV with a header). Completions become generations of imported models, ready for review and comparison.',
    example: '{"prompt": "What is seven plus 5?", "completion": "12", "model": "my-model-v2"}',
  },
  'hh-rlhf': {
    text: 'Whole transcripts; the shared beginning becomes the prompt, the last replies two generations, and a comparison labeled chosen ≻ rejected by the reviewer "hh-rlhf import".',
    example: '{"chosen": "\\n\\nHuman: Hi\\n\\nAssistant: Hello!", "rejected": "\\n\\nHuman: Hi\\n\\nAssistant: Go away."}',
  },
  arena: {
    text: 'Battles with model_a, model_b, winner (model_a, model_b, tie, tie (bothbad)) and conversation_a / conversation_b, as JSONL or one JSON array. Each battle becomes a comparison labeled by "arena import"; multi-turn battles are left out.',
    example: '{"model_a": "m1", "model_b": "m2", "winner": "model_a", "conversation_a": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "conversation_b": […]}',
  },
  oasst: {
    text: 'The message-tree export (*.trees.jsonl): prompter messages become prompts, assistant replies generations, and ranked replies a ranking labeled by "oasst import".',
    example: '{"message_tree_id": "…", "prompt": {"message_id": "…", "role": "prompter", "text": "…", "replies": [{"role": "assistant", "text": "…", "rank": 0}]}}',
  },
};

const isDataset = (f: AnyImportFormat): f is DatasetImportReport['format'] => f !== 'jsonl' && f !== 'csv';

/** The format the beginning of a file suggests (its first line, or its name). */
async function detect(file: File): Promise<AnyImportFormat | null> {
  try {
    return detectImportFormat(await file.slice(0, 64 * 1024).text(), file.name);
  } catch {
    return null;
  }
}

/**
 * Import prompts from JSONL or CSV, or a dataset (prompts with completions, HH-RLHF, Chatbot Arena,
 * OpenAssistant). The file is imported in one transaction: the report says what
 * landed, or the error names the line that stopped it and nothing is imported.
 */
export function ImportDialog({ initialFile, onClose }: { initialFile: File | null; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(initialFile);
  const [policy, setPolicy] = useState<DuplicatePolicy>('skip');
  /** null: as detected. */
  const [chosenFormat, setChosenFormat] = useState<AnyImportFormat | null>(null);
  const [detected, setDetected] = useState<AnyImportFormat | null>(null);
  const [model, setModel] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'choose' });
  const importId = useRef(newImportId());
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(
    () =>
      onEvent('onDidImportProgress', (progress) => {
        if (progress.importId !== importId.current) return;
        setPhase((p) => (p.kind === 'importing' ? { kind: 'importing', progress } : p));
      }),
    [],
  );

  useEffect(() => {
    let live = true;
    setDetected(null);
    if (file) void detect(file).then((f) => live && setDetected(f));
    return () => {
      live = false;
    };
  }, [file]);

  const format = chosenFormat ?? detected;

  const start = async () => {
    if (!file || !format) return;
    importId.current = newImportId();
    try {
      setPhase({ kind: 'uploading' });
      const source = await importSourceFor(file);
      setPhase({ kind: 'importing', progress: null });
      if (isDataset(format)) {
        const trimmed = model.trim();
        const report = await call('datasets.import', {
          importId: importId.current,
          source,
          format,
          onDuplicate: policy,
          ...(trimmed ? { model: trimmed } : {}),
        });
        setPhase({ kind: 'done-dataset', report });
      } else {
        const report = await call('prompts.import', { importId: importId.current, source, format, onDuplicate: policy });
        setPhase({ kind: 'done', report });
      }
    } catch (e) {
      const error = e instanceof CallError ? e.error : { code: 'internal', message: String(e), details: undefined };
      const failure = error.code === 'import_failed' ? (error.details as ImportFailure | undefined) ?? null : null;
      setPhase({ kind: 'failed', message: error.message, failure });
    }
  };

  const busy = phase.kind === 'uploading' || phase.kind === 'importing';
  const progress = phase.kind === 'importing' ? phase.progress : null;

  return (
    <Dialog title="Import prompts or a dataset" onClose={() => (busy ? undefined : onClose())}>
      <div
        className={`dropzone${file ? ' has-file' : ''}`}
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          const dropped = e.dataTransfer.files[0];
          if (dropped && !busy) {
            setFile(dropped);
            setPhase({ kind: 'choose' });
          }
        }}
      >
        {file ? (
          <p>
            <strong>{file.name}</strong> <span className="muted">{formatBytes(file.size)}</span>
          </p>
        ) : (
          <p>Drop a .jsonl, .json or .csv file here, or choose one.</p>
        )}
        <input
          ref={inputRef}
          type="file"
          accept=".jsonl,.ndjson,.json,.csv"
          aria-label="File to import"
          disabled={busy}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setPhase({ kind: 'choose' });
          }}
        />
      </div>
      <div className="import-format">
        <label>
          Format{' '}
          <select
            aria-label="Format"
            value={chosenFormat ?? 'auto'}
            disabled={busy}
            onChange={(e) => setChosenFormat(e.target.value === 'auto' ? null : (e.target.value as AnyImportFormat))}
          >
            <option value="auto">{detected ? `Detected: ${FORMAT_LABELS[detected]}` : 'Detect from the file'}</option>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        {file && !format && <p className="muted">The first line does not say which format this is; choose one.</p>}
        {format && (format === 'hh-rlhf' || format === 'completions') && (
          <label>
            Model name{' '}
            <input
              aria-label="Model name"
              value={model}
              maxLength={200}
              disabled={busy}
              placeholder={`${format}: ${file?.name ?? 'file name'}`}
              onChange={(e) => setModel(e.target.value)}
            />
          </label>
        )}
      </div>
      <details className="format-help">
        <summary>What goes in the file?</summary>
        {(format ? [format] : (['jsonl', 'csv'] as AnyImportFormat[])).map((f) => (
          <div key={f}>
            <p>
              <strong>{FORMAT_LABELS[f]}</strong>: {FORMAT_HELP[f].text}
            </p>
            <pre>{FORMAT_HELP[f].example}</pre>
          </div>
        ))}
      </details>
      <fieldset className="policy" disabled={busy}>
        <legend>{format && isDataset(format) ? 'When a prompt id or an imported label already exists' : 'When an id already exists'}</legend>
        <label>
          <input type="radio" name="dup" checked={policy === 'skip'} onChange={() => setPolicy('skip')} /> Skip the new row (keep
          what is in the workspace)
        </label>
        <label>
          <input type="radio" name="dup" checked={policy === 'replace'} onChange={() => setPolicy('replace')} />{' '}
          {format && isDataset(format) ? 'Replace the existing prompt or label' : 'Replace the existing prompt'}
        </label>
      </fieldset>

      {busy && (
        <div className="import-progress">
          <ProgressBar
            fraction={progress && progress.phase !== 'waiting' && progress.totalBytes > 0 ? progress.bytesRead / progress.totalBytes : null}
            label="Import progress"
          />
          <p className="muted">
            {phase.kind === 'uploading'
              ? 'Uploading…'
              : progress?.phase === 'waiting'
                ? 'Waiting for another import to finish (one file imports at a time)…'
                : progress
                ? `${progress.rows.toLocaleString()} ${format && isDataset(format) ? 'records' : 'rows'} · ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.totalBytes)}${progress.phase === 'committing' ? ' · saving…' : ''}`
                : 'Starting…'}
          </p>
        </div>
      )}
      {phase.kind === 'done' && (
        <div className="report" role="status">
          <p>
            <strong>{phase.report.imported.toLocaleString()}</strong> imported
            {phase.report.replaced > 0 && `, ${phase.report.replaced.toLocaleString()} replaced`}
            {phase.report.skippedDuplicates > 0 && `, ${phase.report.skippedDuplicates.toLocaleString()} duplicates skipped`} from{' '}
            {phase.report.file} ({phase.report.rows.toLocaleString()} rows, {(phase.report.durationMs / 1000).toFixed(1)} s).
          </p>
          {phase.report.ignoredColumns.length > 0 && <p className="muted">Ignored fields: {phase.report.ignoredColumns.join(', ')}</p>}
        </div>
      )}
      {phase.kind === 'done-dataset' && <DatasetReport report={phase.report} />}
      {phase.kind === 'failed' && (
        <div className="error" role="alert">
          <p>
            {phase.failure?.line != null ? (
              <>
                <strong>Line {phase.failure.line}</strong> of {phase.failure.file}: {phase.failure.reason}
              </>
            ) : (
              phase.message
            )}
          </p>
          <p>Nothing from this file was imported. Fix the file and import it again.</p>
        </div>
      )}

      <div className="actions">
        {phase.kind === 'done' || phase.kind === 'done-dataset' ? (
          <button onClick={onClose}>Done</button>
        ) : (
          <button onClick={() => void start()} disabled={!file || !format || busy}>
            Import
          </button>
        )}
        {busy ? (
          <button className="secondary" onClick={() => void call('prompts.cancelImport', { importId: importId.current })}>
            Cancel import
          </button>
        ) : (
          phase.kind !== 'done' &&
          phase.kind !== 'done-dataset' && (
            <button className="secondary" onClick={onClose}>
              Close
            </button>
          )
        )}
      </div>
    </Dialog>
  );
}

function DatasetReport({ report }: { report: DatasetImportReport }) {
  const c = report.created;
  const skipped = Object.entries(report.skipped);
  return (
    <div className="report" role="status">
      <p>
        <strong>{report.imported.toLocaleString()}</strong> imported
        {report.replaced > 0 && `, ${report.replaced.toLocaleString()} replaced`}
        {report.skippedDuplicates > 0 && `, ${report.skippedDuplicates.toLocaleString()} duplicates skipped`} from {report.file} (
        {report.rows.toLocaleString()} records, {(report.durationMs / 1000).toFixed(1)} s).
      </p>
      <p>
        New: {c.prompts.toLocaleString()} prompts, {c.generations.toLocaleString()} generations, {c.models.toLocaleString()} models,{' '}
        {c.tasks.toLocaleString()} comparisons, {c.labels.toLocaleString()} labels
        {report.reviewer && (
          <>
            {' '}
            by <strong>{report.reviewer}</strong>
          </>
        )}
        .
      </p>
      {skipped.length > 0 && (
        <ul className="muted">
          {skipped.map(([reason, n]) => (
            <li key={reason}>
              Left out: {reason} ({n.toLocaleString()})
            </li>
          ))}
        </ul>
      )}
      {report.ignoredFields.length > 0 && <p className="muted">Ignored fields: {report.ignoredFields.join(', ')}</p>}
    </div>
  );
}
