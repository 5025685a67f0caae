import { useEffect, useRef, useState } from 'react';
import type { DuplicatePolicy, ImportFailure, ImportProgress, ImportReport } from '../../../../contract';
import { call, CallError, importSourceFor, onEvent } from '../../api';
import { Modal } from '../../components/Modal';
import { ProgressBar } from '../../components/ProgressBar';

type Phase =
  | { kind: 'choose' }
  | { kind: 'uploading' }
  | { kind: 'importing'; progress: ImportProgress | null }
  | { kind: 'done'; report: ImportReport }
  | { kind: 'failed'; message: string; failure: ImportFailure | null };

function newImportId(): string {
  return `imp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Import prompts from JSONL or CSV. The file is imported in one transaction: the report says what
 * landed, or the error names the line that stopped it and nothing is imported.
 */
export function ImportDialog({ initialFile, onClose }: { initialFile: File | null; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(initialFile);
  const [policy, setPolicy] = useState<DuplicatePolicy>('skip');
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

  const start = async () => {
    if (!file) return;
    importId.current = newImportId();
    try {
      setPhase({ kind: 'uploading' });
      const source = await importSourceFor(file);
      setPhase({ kind: 'importing', progress: null });
      const report = await call('prompts.import', { importId: importId.current, source, onDuplicate: policy });
      setPhase({ kind: 'done', report });
    } catch (e) {
      const error = e instanceof CallError ? e.error : { code: 'internal', message: String(e), details: undefined };
      const failure = error.code === 'import_failed' ? (error.details as ImportFailure | undefined) ?? null : null;
      setPhase({ kind: 'failed', message: error.message, failure });
    }
  };

  const busy = phase.kind === 'uploading' || phase.kind === 'importing';
  const progress = phase.kind === 'importing' ? phase.progress : null;

  return (
    <Modal title="Import prompts" onClose={() => (busy ? undefined : onClose())}>
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
          <p>Drop a .jsonl or .csv file here, or choose one.</p>
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
      <details className="format-help">
        <summary>What goes in the file?</summary>
        <p>
          JSONL: one object per line with <code>prompt</code> (text) or <code>messages</code> (a list of{' '}
          <code>{'{role, content}'}</code>), and optionally <code>id</code>, <code>reference</code>, <code>tags</code>.
        </p>
        <pre>{'{"id": "arith-1", "prompt": "What is seven plus 5?", "reference": "12", "tags": ["arithmetic"]}'}</pre>
        <p>
          CSV: a header row with a <code>prompt</code> or <code>messages</code> column; <code>tags</code> as <code>a;b</code>.
        </p>
      </details>
      <fieldset className="policy" disabled={busy}>
        <legend>When an id already exists</legend>
        <label>
          <input type="radio" name="dup" checked={policy === 'skip'} onChange={() => setPolicy('skip')} /> Skip the new row (keep
          what is in the workspace)
        </label>
        <label>
          <input type="radio" name="dup" checked={policy === 'replace'} onChange={() => setPolicy('replace')} /> Replace the
          existing prompt
        </label>
      </fieldset>

      {busy && (
        <div className="import-progress">
          <ProgressBar fraction={progress && progress.totalBytes > 0 ? progress.bytesRead / progress.totalBytes : null} label="Import progress" />
          <p className="muted">
            {phase.kind === 'uploading'
              ? 'Uploading…'
              : progress
                ? `${progress.rows.toLocaleString()} rows · ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.totalBytes)}${progress.phase === 'committing' ? ' · saving…' : ''}`
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
        {phase.kind === 'done' ? (
          <button onClick={onClose}>Done</button>
        ) : (
          <button onClick={() => void start()} disabled={!file || busy}>
            Import
          </button>
        )}
        {busy ? (
          <button className="secondary" onClick={() => void call('prompts.cancelImport', { importId: importId.current })}>
            Cancel import
          </button>
        ) : (
          phase.kind !== 'done' && (
            <button className="secondary" onClick={onClose}>
              Close
            </button>
          )
        )}
      </div>
    </Modal>
  );
}
