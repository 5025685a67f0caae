import { useEffect, useRef, useState } from 'react';
import { httpPaths, type ImportSource, type PackMergeProgress, type PackMergeReport, type PackRefusal, type Result } from '../../../../contract';
import { useAccess } from '../../access';
import { CallError, call, errorText, isElectron, onEvent, pathForFile } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ProgressBar } from '../../components/ProgressBar';
import { isTyping } from '../../components/keyboard';
import { plural } from '../../plural';
import { formatBytes, formatWhen } from './format';
import './packs.css';

export const MERGE_PACKS_SHORTCUT = 'Alt+M';

const openers = new Set<() => void>();

/** Opens the Merge packs… dialog (the Sessions view's button; Alt+M does it from anywhere). */
export function requestMergePacks(): void {
  for (const open of openers) open();
}

/** Alt+M, and the dialog it opens, for a role that may merge packs (not inside a pack). */
export function MergePacksHost() {
  const allowed = useAccess().can('packs.merge');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!allowed) return;
    const opener = () => setOpen(true);
    openers.add(opener);
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === 'KeyM' && !isTyping(e.target) && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      openers.delete(opener);
      window.removeEventListener('keydown', onKey);
    };
  }, [allowed]);
  return allowed && open ? <MergePacksDialog onClose={() => setOpen(false)} /> : null;
}

type Run =
  | { kind: 'choose' }
  | { kind: 'uploading'; done: number; total: number; file: string }
  | { kind: 'merging'; progress: PackMergeProgress | null }
  | { kind: 'report'; report: PackMergeReport }
  | { kind: 'refused'; message: string; refusals: PackRefusal[] }
  | { kind: 'failed'; message: string };

/** Browser mode: a returned pack's bytes go to the server first (size-limited, checked to be a pack). */
async function uploadPack(file: File): Promise<ImportSource> {
  let result: Result<{ uploadId: string }>;
  try {
    const response = await fetch(httpPaths.packUpload, { method: 'POST', body: file, credentials: 'same-origin' });
    result = (await response.json().catch(async () => ({ ok: false, error: { code: 'internal', message: await response.text().catch(() => `HTTP ${response.status}`) } }))) as Result<{ uploadId: string }>;
  } catch (error) {
    result = { ok: false, error: { code: 'internal', message: `Cannot reach the Assay server (${(error as Error).message}).` } };
  }
  if (!result.ok) throw new CallError({ ...result.error, message: `${file.name}: ${result.error.message}` });
  return { kind: 'upload', uploadId: result.value.uploadId, fileName: file.name };
}

const PHASES: Record<PackMergeProgress['phase'], string> = {
  checking: 'Checking',
  merging: 'Merging',
  agreement: 'Computing agreement',
  done: 'Done',
  failed: 'Stopped',
};

/**
 * Merge packs…: one or more returned pack files (desktop: read where they are; browser mode:
 * uploaded first), merged in one `packs.merge` with a progress bar, then the report: labels per
 * pack, every conflict with both sides, refusals (nothing written), agreement at merge.
 */
export function MergePacksDialog({ onClose }: { onClose: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [run, setRun] = useState<Run>({ kind: 'choose' });
  const mergeId = useRef(`merge-${Math.random().toString(36).slice(2, 12)}`);
  const input = useRef<HTMLInputElement>(null);

  useEffect(
    () =>
      onEvent('onDidMergeProgress', (p) => {
        if (p.mergeId !== mergeId.current) return;
        setRun((r) => (r.kind === 'merging' ? { kind: 'merging', progress: p } : r));
      }),
    [],
  );

  const busy = run.kind === 'uploading' || run.kind === 'merging';
  const merge = async () => {
    if (files.length === 0) return;
    mergeId.current = `merge-${Math.random().toString(36).slice(2, 12)}`;
    try {
      const sources: ImportSource[] = [];
      for (const [i, file] of files.entries()) {
        if (isElectron) sources.push({ kind: 'path', path: pathForFile(file) });
        else {
          setRun({ kind: 'uploading', done: i, total: files.length, file: file.name });
          sources.push(await uploadPack(file));
        }
      }
      setRun({ kind: 'merging', progress: null });
      const report = await call('packs.merge', { mergeId: mergeId.current, sources });
      setRun({ kind: 'report', report });
    } catch (e) {
      const details = e instanceof CallError ? (e.error.details as { refusals?: PackRefusal[] } | undefined) : undefined;
      if (details?.refusals?.length) setRun({ kind: 'refused', message: errorText(e), refusals: details.refusals });
      else setRun({ kind: 'failed', message: errorText(e) });
    }
  };

  const again = () => {
    setFiles([]);
    if (input.current) input.current.value = '';
    setRun({ kind: 'choose' });
  };

  return (
    <Dialog title="Merge packs" onClose={busy ? () => undefined : onClose} className="pack-dialog merge-dialog">
      {(run.kind === 'choose' || run.kind === 'uploading' || run.kind === 'merging') && (
        <form
          className="pack-form"
          onSubmit={(e) => {
            e.preventDefault();
            void merge();
          }}
        >
          <p className="muted">
            Choose the pack files reviewers sent back. They are merged in one go: if any is refused, nothing is written. Merging a pack again adds nothing.
          </p>
          <label>
            Pack files
            <input
              ref={input}
              data-autofocus
              type="file"
              multiple
              accept=".assay"
              disabled={busy}
              onChange={(e) => setFiles([...(e.target.files ?? [])])}
            />
          </label>
          {files.length > 0 && (
            <ul className="pack-files" aria-label="Chosen packs">
              {files.map((f) => (
                <li key={f.name + f.size}>
                  {f.name} <span className="muted">{formatBytes(f.size)}</span>
                </li>
              ))}
            </ul>
          )}
          {run.kind === 'uploading' && (
            <div className="pack-progress" aria-live="polite">
              <ProgressBar fraction={run.done / run.total} label="Upload progress" />
              <span className="muted">
                Uploading {run.file} ({run.done + 1} of {run.total})…
              </span>
            </div>
          )}
          {run.kind === 'merging' && (
            <div className="pack-progress" aria-live="polite">
              <ProgressBar fraction={run.progress && run.progress.total > 0 ? run.progress.done / run.progress.total : null} label="Merge progress" />
              <span className="muted" data-testid="merge-progress">
                {run.progress ? `${PHASES[run.progress.phase]}${run.progress.pack ? ` ${run.progress.pack}` : ''} · ${run.progress.done} of ${run.progress.total}` : 'Starting…'}
              </span>
            </div>
          )}
          <div className="actions">
            <button type="submit" disabled={busy || files.length === 0}>
              {busy ? 'Merging…' : files.length > 1 ? `Merge ${files.length} packs` : 'Merge'}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {run.kind === 'report' && <MergeReport report={run.report} onAgain={again} onClose={onClose} />}
      {run.kind === 'refused' && (
        <div className="pack-report" data-testid="merge-refused" role="alert">
          <p>
            <strong>Nothing was merged.</strong>{' '}
            {run.refusals.length === 1 ? 'A pack was refused' : `${run.refusals.length} packs were refused`}, so no label from any of the chosen files was written.
          </p>
          <table className="session-table" aria-label="Refused packs">
            <thead>
              <tr>
                <th>File</th>
                <th>Why</th>
                <th>What to do</th>
              </tr>
            </thead>
            <tbody>
              {run.refusals.map((r, i) => (
                <tr key={i}>
                  <td>{r.file}</td>
                  <td>Refused: {r.reason}</td>
                  <td>{r.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button data-autofocus onClick={again}>
              Choose other files
            </button>
            <button className="secondary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
      {run.kind === 'failed' && (
        <div className="pack-report">
          <p className="error" role="alert">
            {run.message}
          </p>
          <p className="muted">Nothing was merged.</p>
          <div className="actions">
            <button data-autofocus onClick={again}>
              Choose other files
            </button>
            <button className="secondary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}

function MergeReport({ report, onAgain, onClose }: { report: PackMergeReport; onAgain: () => void; onClose: () => void }) {
  const a = report.added;
  const parts = [
    plural(a.reviews, 'review'),
    plural(a.comparisons, 'comparison label'),
    a.ratings > 0 ? plural(a.ratings, 'rating') : '',
    a.tags > 0 ? plural(a.tags, 'tag') : '',
    a.steps > 0 ? plural(a.steps, 'think-aloud step') : '',
    a.corrections > 0 ? plural(a.corrections, 'correction') : '',
    a.swaps > 0 ? plural(a.swaps, 'swap re-show') : '',
  ].filter(Boolean);
  const fresh = report.packs.filter((p) => !p.alreadyMerged).length;
  // Only measures with items behind them: the rest would be a column of dashes.
  const agreement = report.agreement.filter((r) => r.items > 0);
  // The rule is said once when every conflict followed the same one.
  const rules = [...new Set(report.conflicts.map((c) => c.rule))];
  return (
    <div className="pack-report" data-testid="merge-report">
      <p>
        <strong>
          Merged {plural(report.packs.length, 'pack')}: {plural(report.labels, 'label')} added
        </strong>{' '}
        ({parts.join(', ')}) in {(report.durationMs / 1000).toFixed(1)} s.
        {fresh < report.packs.length ? ` ${plural(report.packs.length - fresh, 'pack')} had been merged before and added nothing.` : ''}
      </p>
      <table className="session-table" aria-label="Merged packs">
        <thead>
          <tr>
            <th>File</th>
            <th>Reviewer</th>
            <th>Labels added</th>
          </tr>
        </thead>
        <tbody>
          {report.packs.map((p) => (
            <tr key={p.packId}>
              <td>{p.file}</td>
              <td>{p.reviewerName}</td>
              <td>{p.alreadyMerged ? <span className="muted">none: merged before</span> : p.labels.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Conflicts</h3>
      {report.conflicts.length === 0 ? (
        <p className="muted" data-testid="merge-no-conflicts">
          None: no item was labelled by the same reviewer on both sides.
        </p>
      ) : (
        <>
          <p className="muted">
            The same reviewer labelled these items on both sides. Both labels are kept in the item’s history; the live one follows the rule
            {rules.length === 1 ? `: ${rules[0]}` : ' beside it.'}
          </p>
          <table className="session-table" aria-label="Conflicts">
            <thead>
              <tr>
                <th>Item</th>
                <th>Reviewer</th>
                <th>From the pack</th>
                <th>Already here</th>
                <th>Live</th>
              </tr>
            </thead>
            <tbody>
              {report.conflicts.map((c, i) => (
                <tr key={i}>
                  <td>
                    {c.kind === 'review' ? 'Output' : c.kind === 'correction' ? 'Correction of output' : c.kind === 'swap' ? 'Swap re-show of pair' : 'Pair'} #{c.itemId}
                  </td>
                  <td>{c.reviewerName}</td>
                  <td>
                    {c.incoming.summary}
                    <div className="muted small">
                      {c.pack} · {formatWhen(c.incoming.updatedAt)}
                    </div>
                  </td>
                  <td>
                    {c.existing.summary}
                    <div className="muted small">
                      {c.existing.from === 'workspace' ? 'this workspace' : 'an earlier pack'} · {formatWhen(c.existing.updatedAt)}
                    </div>
                  </td>
                  <td>
                    {c.live === 'incoming' ? 'from the pack' : 'already here'}
                    {rules.length > 1 && <div className="muted small">{c.rule}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>Agreement at merge</h3>
      {agreement.length === 0 ? (
        <p className="muted" data-testid="merge-no-agreement">
          None yet: no item the merge touched has labels from two or more reviewers.
        </p>
      ) : (
        <table className="session-table" aria-label="Agreement at merge">
          <thead>
            <tr>
              <th>Label</th>
              <th>Measure</th>
              <th>Value</th>
              <th>Items</th>
            </tr>
          </thead>
          <tbody>
            {agreement.map((r, i) => (
              <tr key={i}>
                <td>{r.label}</td>
                <td title={r.method}>{r.measure}</td>
                <td>{r.value === null ? '—' : r.value.toFixed(2)}</td>
                <td>{r.items}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button data-autofocus onClick={onClose}>
          Done
        </button>
        <button className="secondary" onClick={onAgain}>
          Merge more packs
        </button>
      </div>
    </div>
  );
}
