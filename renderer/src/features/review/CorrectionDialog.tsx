import { lazy, Suspense, useRef, useState } from 'react';
import type { Correction } from '../../../../contract';
import { Dialog } from '../../components/Dialog';
import { LazyBoundary } from './LazyBoundary';
import type { DiffEditorInstance } from './MonacoDiff';

const MonacoDiff = lazy(() => import('./MonacoDiff'));

interface Props {
  output: string;
  corrections: Correction[];
  /** Unsaved text from an earlier opening of this dialog on the same item. */
  draft: string | undefined;
  reviewerName: (id: number) => string;
  onDraft: (text: string | undefined) => void;
  onSave: (text: string) => Promise<Correction>;
  onClose: () => void;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * E: the output against its correction in Monaco's diff editor, the right side editable. Every save
 * is a new version; earlier versions stay listed and can be loaded back to start from. Closing keeps
 * unsaved text as a draft for this item until the window closes.
 */
export function CorrectionDialog({ output, corrections, draft, reviewerName, onDraft, onSave, onClose }: Props) {
  const latest = corrections[corrections.length - 1];
  const [initial] = useState(() => draft ?? latest?.text ?? output);
  const text = useRef(initial);
  const editor = useRef<DiffEditorInstance | null>(null);
  const [dirty, setDirty] = useState(draft !== undefined && draft !== (latest?.text ?? output));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const baseline = useRef(latest?.text ?? output);

  const save = async () => {
    if (saving) return;
    if (text.current === baseline.current) {
      setError(latest ? 'No change since the last version.' : 'No change from the model output yet.');
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const saved = await onSave(text.current);
      baseline.current = saved.text;
      setDirty(false);
      onDraft(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const load = (value: string) => {
    const right = editor.current?.getModifiedEditor();
    if (!right) return;
    right.setValue(value);
    right.focus();
  };

  return (
    <Dialog title="Correct the output" onClose={onClose} className="correction-dialog">
      <div className="correction-body">
        <div className="diff-labels muted">
          <span>Model output (read-only)</span>
          <span>Your correction {dirty ? <span className="badge">unsaved</span> : latest ? <span className="badge">v{latest.version}</span> : null}</span>
        </div>
        <div className="diff-host" data-testid="correction-diff">
          <LazyBoundary
            fallback={
              <textarea
                className="diff-fallback"
                aria-label="Corrected output"
                defaultValue={initial}
                onChange={(e) => {
                  text.current = e.target.value;
                  const changed = e.target.value !== baseline.current;
                  setDirty(changed);
                  onDraft(changed ? e.target.value : undefined);
                }}
                onKeyDown={(e) => {
                  if (e.key === 's' && (e.ctrlKey || e.metaKey)) {
                    e.preventDefault();
                    void save();
                  }
                }}
              />
            }
          >
            <Suspense fallback={<div className="muted editor-loading">Loading the diff editor…</div>}>
              <MonacoDiff
                original={output}
                modified={initial}
                onReady={(e) => (editor.current = e)}
                onSave={() => void save()}
                onEscape={onClose}
                onChange={(value) => {
                  text.current = value;
                  const changed = value !== baseline.current;
                  setDirty(changed);
                  onDraft(changed ? value : undefined);
                }}
              />
            </Suspense>
          </LazyBoundary>
        </div>
        <aside className="correction-history" aria-label="Correction history">
          <h3>Versions</h3>
          {corrections.length === 0 ? (
            <p className="muted">None yet. Edit the right side and save: each save is a new version.</p>
          ) : (
            <ol reversed>
              {[...corrections].reverse().map((c) => (
                <li key={c.id}>
                  <button className="link" onClick={() => load(c.text)} title="Load this version into the editor">
                    v{c.version}
                  </button>{' '}
                  <span className="muted">
                    {reviewerName(c.reviewerId)} · {when(c.createdAt)}
                  </span>
                </li>
              ))}
            </ol>
          )}
          <button className="link" onClick={() => load(output)}>
            Start again from the model output
          </button>
        </aside>
      </div>
      {error && <p className="error">{error}</p>}
      <div className="actions">
        <button onClick={() => void save()} disabled={saving}>
          {saving ? 'Saving…' : `Save as v${(latest?.version ?? 0) + 1}`} <kbd>Ctrl S</kbd>
        </button>
        <button className="secondary" onClick={onClose}>
          Close <kbd>Esc</kbd>
        </button>
        <span className="muted">{dirty ? 'Unsaved changes are kept while the window is open.' : ''}</span>
      </div>
    </Dialog>
  );
}
