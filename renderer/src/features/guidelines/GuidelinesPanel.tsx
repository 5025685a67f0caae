import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { Guidelines } from '../../../../contract';
import { useAccess } from '../../access';
import { call, errorText, onEvent } from '../../api';
import { Markdown } from '../../components/Markdown';
import { useToast } from '../../components/Toast';
import { useReviewers } from '../../reviewer';
import { useWindowKeydown } from '../../components/keyboard';

const MarkdownEditor = lazy(() => import('../../components/MarkdownEditor'));

type HistoryEntry = Omit<Guidelines, 'body'>;
type Mode = { kind: 'read' } | { kind: 'edit' } | { kind: 'history' } | { kind: 'old'; doc: Guidelines };

function when(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The workspace's guidelines beside the work: read the current version (markdown, rendered safely),
 * edit it in Monaco (each save is a new version; labels record the version they were made under),
 * and look back at earlier versions.
 */
export function GuidelinesPanel({ onClose }: { onClose: () => void }) {
  /** Team mode, SME: guidelines are read, not edited. */
  const canEdit = useAccess().can('guidelines.save');
  const toast = useToast();
  const { current: reviewer, reviewers, openPicker } = useReviewers();
  const [doc, setDoc] = useState<Guidelines | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>({ kind: 'read' });
  const [draft, setDraft] = useState('');
  // Each edit session mounts a fresh editor on the text it started from.
  const [session, setSession] = useState({ n: 0, body: '' });
  const [saving, setSaving] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [history, setHistory] = useState<HistoryEntry[] | null>(null);
  const panelRef = useRef<HTMLElement>(null);

  const load = useCallback(() => {
    call('guidelines.get', {}).then(
      (g) => {
        setDoc(g);
        setError(null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);

  const loadHistory = useCallback(() => {
    call('guidelines.history', {}).then(
      (list) => setHistory([...list].sort((a, b) => b.version - a.version)),
      (e: unknown) => toast.show(errorText(e), { kind: 'error' }),
    );
  }, [toast]);

  useEffect(() => {
    load();
    return onEvent('onDidChangeGuidelines', () => {
      load();
      setHistory(null);
    });
  }, [load]);

  useEffect(() => {
    if (mode.kind === 'history' && history === null) loadHistory();
  }, [mode.kind, history, loadHistory]);

  const dirty = mode.kind === 'edit' && draft !== (doc?.body ?? '');

  const startEdit = (body = doc?.body ?? '') => {
    setDraft(body);
    setSession((s) => ({ n: s.n + 1, body }));
    setConfirmDiscard(false);
    setMode({ kind: 'edit' });
  };

  const cancelEdit = () => {
    if (dirty && !confirmDiscard) {
      setConfirmDiscard(true);
      return;
    }
    setConfirmDiscard(false);
    setMode({ kind: 'read' });
  };

  const save = async () => {
    if (saving) return;
    if (!reviewer) {
      openPicker();
      return;
    }
    setSaving(true);
    try {
      const saved = await call('guidelines.save', { body: draft, reviewerId: reviewer.id });
      const changed = saved.version !== doc?.version;
      setDoc(saved);
      setHistory(null);
      setMode({ kind: 'read' });
      toast.show(changed ? `Saved guidelines version ${saved.version}.` : 'No changes: the guidelines stay at version ' + saved.version + '.');
    } catch (e) {
      toast.show(errorText(e), { kind: 'error' });
    } finally {
      setSaving(false);
    }
  };

  const openVersion = async (version: number) => {
    try {
      const old = await call('guidelines.get', { version });
      setMode({ kind: 'old', doc: old });
    } catch (e) {
      toast.show(errorText(e), { kind: 'error' });
    }
  };

  // Escape closes the panel (or leaves history / an old version) unless an edit is in progress.
  useWindowKeydown((e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || mode.kind === 'edit') return;
    if (!panelRef.current?.contains(document.activeElement)) return;
    e.preventDefault();
    if (mode.kind === 'old') setMode({ kind: 'history' });
    else if (mode.kind === 'history') setMode({ kind: 'read' });
    else onClose();
  });

  useEffect(() => {
    panelRef.current?.focus();
  }, []);

  const reviewerName = (id: number | null) => (id === null ? null : reviewers.find((r) => r.id === id)?.name ?? `reviewer ${id}`);

  return (
    <aside
      className="side-panel guidelines"
      aria-label="Guidelines"
      ref={panelRef}
      tabIndex={-1}
      onKeyDown={(e) => {
        // Keys typed into the editor belong to it, not to the view's single-key shortcuts (J, N, E…).
        // Monaco edits through a div (EditContext), which the views' "is typing" checks do not see.
        if ((e.target as HTMLElement).closest('.monaco-editor, input, textarea, select')) e.stopPropagation();
      }}
    >
      <header className="side-panel-header">
        <h2>Guidelines</h2>
        {doc && doc.version > 0 && mode.kind !== 'edit' && <span className="badge">v{doc.version}</span>}
        <div className="side-panel-actions">
          {mode.kind === 'read' && (
            <>
              {doc && doc.version > 0 && (
                <button className="secondary" onClick={() => setMode({ kind: 'history' })}>
                  History
                </button>
              )}
              {canEdit && (
                <button onClick={() => startEdit()} disabled={!doc}>
                  Edit
                </button>
              )}
            </>
          )}
          {(mode.kind === 'history' || mode.kind === 'old') && (
            <button className="secondary" onClick={() => setMode({ kind: 'read' })}>
              Back to current
            </button>
          )}
          <button className="icon" aria-label="Close guidelines" title="Close (Esc)" onClick={onClose}>
            ×
          </button>
        </div>
      </header>

      {error && <p className="error">{error}</p>}

      {mode.kind === 'read' && doc && (
        <div className="side-panel-body">
          {doc.version === 0 ? (
            <div className="empty">
              <h2>No guidelines yet</h2>
              <p className="muted">
                Write down what reviewers should know: what a good answer looks like, how to use the rubric, when to tag a failure class. Every label
                records the version it was made under.
              </p>
              {canEdit ? (
                <button onClick={() => startEdit('# Review guidelines\n\n')}>Write guidelines</button>
              ) : (
                <p className="muted">An NLP engineer or the owner writes them.</p>
              )}
            </div>
          ) : (
            <>
              <p className="muted side-panel-meta">
                Version {doc.version}
                {doc.createdAt !== null && <> · {when(doc.createdAt)}</>}
                {reviewerName(doc.reviewerId) && <> · by {reviewerName(doc.reviewerId)}</>}
              </p>
              <Markdown source={doc.body} />
            </>
          )}
        </div>
      )}

      {mode.kind === 'edit' && (
        <div className="side-panel-edit">
          <p className="muted side-panel-meta">
            Markdown. Saving makes version {(doc?.version ?? 0) + 1}; labels keep the version they were made under. <kbd>Ctrl S</kbd> saves.
          </p>
          <div className="editor-frame">
            <Suspense fallback={<div className="muted editor-loading">Loading the editor…</div>}>
              <MarkdownEditor key={session.n} initialValue={session.body} onChange={setDraft} onSave={() => void save()} label="Guidelines markdown" />
            </Suspense>
          </div>
          {!reviewer && <p className="notice">Choose who you are before saving: each version records its author.</p>}
          <div className="actions">
            <button onClick={() => void save()} disabled={saving || !dirty}>
              {saving ? 'Saving…' : reviewer ? 'Save new version' : 'Choose reviewer…'}
            </button>
            <button className="secondary" onClick={cancelEdit}>
              {confirmDiscard ? 'Discard changes' : 'Cancel'}
            </button>
            {confirmDiscard && <span className="muted">Unsaved changes will be lost.</span>}
          </div>
        </div>
      )}

      {mode.kind === 'history' && (
        <div className="side-panel-body">
          {history === null ? (
            <p className="muted">Loading…</p>
          ) : history.length === 0 ? (
            <p className="muted">No versions yet.</p>
          ) : (
            <ol className="version-list" aria-label="Guideline versions">
              {history.map((h) => (
                <li key={h.version}>
                  <button className="version" onClick={() => void openVersion(h.version)}>
                    <strong>Version {h.version}</strong>
                    {h.version === doc?.version && <span className="badge">current</span>}
                    <span className="muted">
                      {when(h.createdAt)}
                      {reviewerName(h.reviewerId) && <> · {reviewerName(h.reviewerId)}</>}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}

      {mode.kind === 'old' && (
        <div className="side-panel-body">
          <div className="notice old-version">
            <span>
              Version {mode.doc.version} of {doc?.version ?? '?'} · {when(mode.doc.createdAt)}
            </span>
            <span className="actions">
              <button className="link" onClick={() => setMode({ kind: 'history' })}>
                All versions
              </button>
              {canEdit && mode.doc.version !== doc?.version && (
                <button className="link" onClick={() => startEdit(mode.doc.body)}>
                  Edit from this version
                </button>
              )}
            </span>
          </div>
          <Markdown source={mode.doc.body} />
        </div>
      )}
    </aside>
  );
}
