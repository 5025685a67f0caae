import { useCallback, useEffect, useRef, useState } from 'react';
import type { MethodInput, Prompt } from '../../../../contract';
import { call, CallError, onEvent } from '../../api';
import { useAccess } from '../../access';
import { DemoOffer } from '../../components/DemoOffer';
import { useToast } from '../../components/Toast';
import { plural } from '../../plural';
import { ImportDialog } from './ImportDialog';
import { PromptDetail } from './PromptDetail';
import { PromptEditor } from './PromptEditor';
import { PromptList } from './PromptList';
import { usePromptPages } from './usePromptPages';
import { useWindowKeydown } from '../../components/keyboard';

type Pane = { kind: 'view' } | { kind: 'new' } | { kind: 'edit'; prompt: Prompt };

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function PromptsView() {
  const access = useAccess();
  /** Team mode, SME: prompts are read-only (no new, edit, delete, import). */
  const canEdit = access.can('prompts.create');
  const canImport = access.can('prompts.import');
  const toast = useToast();
  const [queryText, setQueryText] = useState('');
  const query = useDebounced(queryText, 150);
  const [tags, setTags] = useState<string[]>([]);
  const [allTags, setAllTags] = useState<{ tag: string; count: number }[]>([]);
  const [version, setVersion] = useState(0);
  const pages = usePromptPages(query, tags, version);
  const [selectedIndex, setSelectedIndex] = useState<number | null>(null);
  const [selected, setSelected] = useState<Prompt | null>(null);
  const [pane, setPane] = useState<Pane>({ kind: 'view' });
  const [saving, setSaving] = useState(false);
  const [editError, setEditError] = useState<string | null>(null);
  const [importFile, setImportFile] = useState<File | null | undefined>(undefined);
  const [dragging, setDragging] = useState(false);
  const deletedStack = useRef<string[][]>([]);
  const searchRef = useRef<HTMLInputElement>(null);

  const total = pages.total ?? 0;
  const filtered = query.trim() !== '' || tags.length > 0;

  useEffect(() => {
    const refresh = () => {
      setVersion((v) => v + 1);
      call('prompts.tags', {}).then(setAllTags, () => undefined);
    };
    refresh();
    const disposers = [
      onEvent('onDidChangePrompts', refresh),
      onEvent('onDidRequestCommand', ({ command }) => {
        if (command === 'prompts.import') setImportFile(null);
        else setPane({ kind: 'new' });
      }),
    ];
    return () => disposers.forEach((dispose) => dispose());
  }, []);

  // Keep the open prompt in step with the selected row. With no row selected (a new filter, a
  // prompt just added) the open prompt stays open.
  const selectedId = selectedIndex === null ? undefined : pages.itemAt(selectedIndex)?.id;
  /** E pressed while the selected row's prompt was still loading: open the editor when it arrives. */
  const editWhenLoaded = useRef<string | null>(null);
  useEffect(() => {
    if (editWhenLoaded.current !== selectedId) editWhenLoaded.current = null;
    if (!selectedId) return;
    let live = true;
    call('prompts.get', { id: selectedId }).then(
      (p) => {
        if (!live) return;
        setSelected(p);
        if (editWhenLoaded.current === p.id) {
          editWhenLoaded.current = null;
          setEditError(null);
          setPane((current) => (current.kind === 'view' ? { kind: 'edit', prompt: p } : current));
        }
      },
      () => live && setSelected(null),
    );
    return () => {
      live = false;
    };
  }, [selectedId, version]);

  useEffect(() => setSelectedIndex(null), [query, tags]);
  useEffect(() => {
    if (selectedIndex !== null && selectedIndex >= total) setSelectedIndex(total > 0 ? total - 1 : null);
  }, [total, selectedIndex]);

  const undoDelete = useCallback(async () => {
    const ids = deletedStack.current.pop();
    if (!ids) return toast.show('Nothing to undo.');
    try {
      const { restored } = await call('prompts.restore', { ids });
      toast.show(`Restored ${restored.length} prompt${restored.length === 1 ? '' : 's'}.`);
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
    }
  }, [toast]);

  const deleteSelected = useCallback(async () => {
    if (!selected) return;
    try {
      const { deleted } = await call('prompts.delete', { ids: [selected.id] });
      deletedStack.current.push(deleted);
      setSelected(null);
      setPane({ kind: 'view' });
      toast.show(`Deleted ${selected.id}.`, { action: { label: 'Undo (Ctrl+Z)', run: () => void undoDelete() } });
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
    }
  }, [selected, toast, undoDelete]);

  const save = async (draft: MethodInput<'prompts.create'>) => {
    setSaving(true);
    setEditError(null);
    try {
      const saved =
        pane.kind === 'edit'
          ? await call('prompts.update', draft as MethodInput<'prompts.update'>)
          : await call('prompts.create', draft);
      setSelected(saved);
      setPane({ kind: 'view' });
      const before = pane.kind === 'edit' ? pane.prompt : null;
      toast.show(
        before === null
          ? `Added ${saved.id}.`
          : saved.version > before.version && before.outputs > 0
            ? `Saved ${saved.id} as version ${saved.version}; ${plural(before.outputs, 'output')} keep version ${before.version}.`
            : `Saved ${saved.id}.`,
      );
    } catch (e) {
      setEditError(e instanceof CallError ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  useWindowKeydown((e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && !isTyping(e.target) && canEdit) {
      e.preventDefault();
      void undoDelete();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || importFile !== undefined || pane.kind !== 'view') return;
    // A modal (the first-start "Who is reviewing?", the reviewer switcher) keeps its keys.
    if (document.querySelector('dialog[open]')) return;
    // The prompt on screen is the selected row's only once it has loaded: until then E and Delete
    // would act on the one shown before. E waits for it instead (see the effect above).
    const shown = selected && (selectedId === undefined || selected.id === selectedId) ? selected : null;
    const move = (delta: number) => {
      e.preventDefault();
      if (total === 0) return;
      setSelectedIndex((i) => Math.max(0, Math.min(total - 1, i === null ? 0 : i + delta)));
    };
    if (e.key === 'j' || e.key === 'ArrowDown') move(1);
    else if (e.key === 'k' || e.key === 'ArrowUp') move(-1);
    else if (e.key === '/') {
      e.preventDefault();
      searchRef.current?.focus();
    } else if (e.key === 'n' && canEdit) {
      e.preventDefault();
      setEditError(null);
      setPane({ kind: 'new' });
    } else if (e.key === 'i' && canImport) {
      e.preventDefault();
      setImportFile(null);
    } else if (e.key === 'e' && shown && canEdit) {
      e.preventDefault();
      setEditError(null);
      setPane({ kind: 'edit', prompt: shown });
    } else if (e.key === 'e' && selectedId !== undefined && canEdit) {
      e.preventDefault();
      editWhenLoaded.current = selectedId;
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && shown && canEdit) {
      e.preventDefault();
      void deleteSelected();
    }
  });

  const toggleTag = (tag: string) => setTags((list) => (list.includes(tag) ? list.filter((t) => t !== tag) : [...list, tag]));

  return (
    <div
      className={`prompts-view${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        if (canImport && e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer.files[0];
        if (file && canImport) setImportFile(file);
      }}
    >
      <section className="list-pane">
        <div className="toolbar">
          <input
            ref={searchRef}
            type="search"
            className="search"
            placeholder="Search prompts  ( / )"
            aria-label="Search prompts"
            value={queryText}
            onChange={(e) => setQueryText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setQueryText('');
                e.currentTarget.blur();
              } else if (e.key === 'Enter' || e.key === 'ArrowDown') {
                e.currentTarget.blur();
                if (total > 0) setSelectedIndex(0);
              }
            }}
          />
          {canImport && (
            <button onClick={() => setImportFile(null)} title="Import prompts (I)">
              Import…
            </button>
          )}
          {canEdit && (
            <button
              className="secondary"
              onClick={() => {
                setEditError(null);
                setPane({ kind: 'new' });
              }}
              title="New prompt (N)"
            >
              New
            </button>
          )}
        </div>
        {allTags.length > 0 && (
          <div className="tag-filter" aria-label="Filter by tag">
            {allTags.slice(0, 30).map(({ tag, count }) => (
              <button key={tag} className={`chip${tags.includes(tag) ? ' on' : ''}`} aria-pressed={tags.includes(tag)} onClick={() => toggleTag(tag)}>
                {tag} <span className="muted">{count}</span>
              </button>
            ))}
          </div>
        )}
        <div className="list-status muted" aria-live="polite">
          {pages.error ? <span className="error">{pages.error}</span> : pages.total === null ? 'Loading…' : `${total.toLocaleString()} ${filtered ? 'matching' : ''} prompts`}
        </div>
        {pages.total === 0 ? (
          filtered ? (
            <div className="empty">
              <p>No prompts match {query.trim() ? <q>{query.trim()}</q> : 'these tags'}.</p>
              <button
                className="secondary"
                onClick={() => {
                  setQueryText('');
                  setTags([]);
                }}
              >
                Clear search and filters
              </button>
            </div>
          ) : (
            <div className="empty">
              <h2>No prompts yet</h2>
              {canEdit ? (
                <>
                  <p>Import a JSONL or CSV file (or drop it anywhere in this window), or write a prompt by hand.</p>
                  <div className="actions">
                    {canImport && <button onClick={() => setImportFile(null)}>Import prompts…</button>}
                    <button className="secondary" onClick={() => setPane({ kind: 'new' })}>
                      New prompt
                    </button>
                  </div>
                </>
              ) : (
                <p>An NLP engineer or the owner adds the prompts of this workspace.</p>
              )}
            </div>
          )
        ) : (
          <PromptList pages={pages} selectedIndex={selectedIndex} onSelect={(index) => setSelectedIndex(index)} />
        )}
      </section>
      <section className="detail-pane">
        {pane.kind === 'new' && <PromptEditor initial={null} saving={saving} error={editError} onSave={(d) => void save(d)} onCancel={() => setPane({ kind: 'view' })} />}
        {pane.kind === 'edit' && (
          <PromptEditor key={pane.prompt.id} initial={pane.prompt} saving={saving} error={editError} onSave={(d) => void save(d)} onCancel={() => setPane({ kind: 'view' })} />
        )}
        {pane.kind === 'view' &&
          (selected ? (
            <PromptDetail
              prompt={selected}
              canEdit={canEdit}
              onEdit={() => {
                setEditError(null);
                setPane({ kind: 'edit', prompt: selected });
              }}
              onDelete={() => void deleteSelected()}
            />
          ) : (
            <div className="empty muted">
              {pages.total === 0 && !filtered && access.can('workspace.openDemo') && <DemoOffer />}
              <p>{total > 0 ? 'Select a prompt to read it.' : 'Prompts you add appear here.'}</p>
              <p className="shortcuts">
                <kbd>J</kbd>/<kbd>K</kbd> move · <kbd>/</kbd> search
                {canEdit && (
                  <>
                    {' '}
                    · <kbd>N</kbd> new · <kbd>I</kbd> import · <kbd>E</kbd> edit · <kbd>Del</kbd> delete · <kbd>Ctrl Z</kbd> undo delete
                  </>
                )}
              </p>
            </div>
          ))}
      </section>
      {importFile !== undefined && <ImportDialog initialFile={importFile} onClose={() => setImportFile(undefined)} />}
    </div>
  );
}
