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
import { plural } from '../../plural';
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
    text: 'One object per line with prompt (text) or messages (a list of {role, content}), and optionally id, reference, tags. Plain, .jsonl.gz, .zst, or Parquet with these columns.',
    example: '{"id": "arith-1", "prompt": "What is seven plus 5?", "reference": "12", "tags": ["arithmetic"]}',
  },
  csv: { text: 'A header row with a prompt or messages column; tags as a;b. Plain, .csv.gz or .zst.', example: 'id,prompt,tags\narith-1,What is seven plus 5?,arithmetic' },
  completions: {
    text: 'Rows with prompt or messages and completion, optionally id, model, tags (JSONL, or CSV with a header). Completions become generations of imported models, ready for review and comparison.',
    example: '{"prompt": "What is seven plus 5?", "completion": "12", "model": "my-model-v2"}',
  },
  'hh-rlhf': {
    text: 'Whole transcripts; the shared beginning, up to its last "Assistant:" turn, becomes the prompt, the rest of each side (one reply, or several turns when the two differ earlier) a generation, and a comparison labeled chosen ≻ rejected by the reviewer "hh-rlhf import". Pairs with no shared prompt or identical sides are left out and listed. JSONL, .jsonl.gz, .zst or Parquet.',
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

type Packing = 'plain' | 'gzip' | 'zstd' | 'parquet';

/** How a file is packed, told by its first bytes (as the importer tells it), not by its name. */
function packingOf(head: Uint8Array): Packing {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet';
  return 'plain';
}

const HEAD = 64 * 1024;

/** Up to HEAD decompressed bytes from the start of a gzip or Zstandard file (a cut-short read is fine). */
async function unpackedHead(file: File, packing: 'gzip' | 'zstd'): Promise<string> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const input = new Uint8Array(await file.slice(0, 4 * HEAD).arrayBuffer());
  try {
    if (packing === 'gzip') {
      const reader = new Blob([input]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
      while (length < HEAD) {
        const next = await reader.read();
        if (next.done) break;
        parts.push(next.value);
        length += next.value.length;
      }
      void reader.cancel().catch(() => undefined);
    } else {
      const { Decompress } = await import('fzstd');
      const decoder = new Decompress((chunk) => {
        parts.push(chunk);
        length += chunk.length;
      });
      decoder.push(input);
    }
  } catch {
    // The slice ends mid-stream: what decoded before it is enough to tell the format.
  }
  const joined = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return new TextDecoder().decode(joined.subarray(0, HEAD));
}

/** A Parquet file's columns as one JSON line of keys, so the key-based detection reads them as it reads JSONL. */
async function parquetHead(file: File): Promise<string> {
  const { parquetMetadataAsync, parquetSchema } = await import('hyparquet');
  const metadata = await parquetMetadataAsync({ byteLength: file.size, slice: (start, end) => file.slice(start, end).arrayBuffer() });
  return JSON.stringify(Object.fromEntries(parquetSchema(metadata).children.map((c) => [c.element.name, null])));
}

/** The format the beginning of a file suggests (its first line, its Parquet columns, or its name), and how it is packed. */
async function detect(file: File): Promise<{ format: AnyImportFormat | null; packing: Packing }> {
  let packing: Packing = 'plain';
  try {
    packing = packingOf(new Uint8Array(await file.slice(0, 4).arrayBuffer()));
    const name = file.name.replace(/\.(gz|gzip|zst|zstd)$/i, '');
    const head = packing === 'plain' ? await file.slice(0, HEAD).text() : packing === 'parquet' ? await parquetHead(file) : await unpackedHead(file, packing);
    return { format: detectImportFormat(head, name), packing };
  } catch {
    return { format: null, packing };
  }
}

const PACKING_LABELS: Record<Exclude<Packing, 'plain'>, string> = { gzip: 'gzip-compressed', zstd: 'Zstandard-compressed', parquet: 'Parquet' };

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
  const [packing, setPacking] = useState<Packing>('plain');
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
    setPacking('plain');
    if (file)
      void detect(file).then((d) => {
        if (!live) return;
        setDetected(d.format);
        setPacking(d.packing);
      });
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
          <p>Drop a .jsonl, .json, .csv, .jsonl.gz, .zst or .parquet file here, or choose one.</p>
        )}
        <input
          ref={inputRef}
          type="file"
          accept=".jsonl,.ndjson,.json,.csv,.gz,.zst,.parquet"
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
        {file && packing !== 'plain' && <p className="muted">A {PACKING_LABELS[packing]} file.</p>}
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
                <strong>
                  {/: row \d+: /.test(phase.message) ? 'Row' : 'Line'} {phase.failure.line}
                </strong>{' '}
                of {phase.failure.file}: {phase.failure.reason}
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

/** The left-out records the report lists (its counts cover them all). */
const LEFT_OUT_SHOWN = 200;

function DatasetReport({ report }: { report: DatasetImportReport }) {
  const c = report.created;
  const skipped = Object.entries(report.skipped);
  const leftOut = skipped.reduce((n, [, k]) => n + k, 0);
  const unit = report.container === 'parquet' ? 'row' : 'line';
  return (
    <div className="report" role="status">
      <p>
        <strong>{report.imported.toLocaleString()}</strong> imported
        {report.replaced > 0 && `, ${report.replaced.toLocaleString()} replaced`}
        {report.skippedDuplicates > 0 && `, ${report.skippedDuplicates.toLocaleString()} duplicates skipped`} from {report.file} (
        {report.rows.toLocaleString()} records, {(report.durationMs / 1000).toFixed(1)} s).
      </p>
      <p>
        New: {plural(c.prompts, 'prompt')}, {plural(c.generations, 'generation')}, {plural(c.models, 'model')}, {plural(c.tasks, 'comparison')},{' '}
        {plural(c.labels, 'label')}
        {report.reviewer && (
          <>
            {' '}
            by <strong>{report.reviewer}</strong>
          </>
        )}
        .
      </p>
      {skipped.length > 0 && (
        <div className="left-out">
          <p>
            <strong>Left out {plural(leftOut, 'record')}</strong>, each for a reason:
          </p>
          <ul className="muted">
            {skipped.map(([reason, n]) => (
              <li key={reason}>
                {reason} ({n.toLocaleString()})
              </li>
            ))}
          </ul>
          <details>
            <summary>
              Which {leftOut === 1 ? 'one' : 'ones'} ({unit === 'row' ? 'rows' : 'lines'} of {report.file})
            </summary>
            <ul className="left-out-list" aria-label="Left-out records">
              {report.leftOut.slice(0, LEFT_OUT_SHOWN).map((l) => (
                <li key={`${l.line}:${l.reason}`}>
                  {unit === 'row' ? 'Row' : 'Line'} {l.line}: {l.reason}
                </li>
              ))}
            </ul>
            {leftOut > Math.min(report.leftOut.length, LEFT_OUT_SHOWN) && (
              <p className="muted">… and {(leftOut - Math.min(report.leftOut.length, LEFT_OUT_SHOWN)).toLocaleString()} more.</p>
            )}
          </details>
        </div>
      )}
      {report.ignoredFields.length > 0 && <p className="muted">Ignored fields: {report.ignoredFields.join(', ')}</p>}
    </div>
  );
}
