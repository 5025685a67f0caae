import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { FailureClass, FailureRate, ModelConfig } from '../../../../contract';
import { useAccess } from '../../access';
import { call, CallError, onEvent } from '../../api';
import { useToast } from '../../components/Toast';
import { EXAMPLE_CLASS_TITLE, ExampleBadge, isExampleClass } from '../../components/ClassPicker';
import type { RatesChartData } from './RatesChart';
import { useWindowKeydown } from '../../components/keyboard';

const RatesChart = lazy(() => import('./RatesChart'));

type Pane =
  | { kind: 'view' }
  | { kind: 'new'; parentId: number | null }
  | { kind: 'edit'; cls: FailureClass }
  | { kind: 'merge'; cls: FailureClass };

function message(e: unknown): string {
  return e instanceof CallError ? e.message : String(e);
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest?.('.monaco-editor, dialog'));
}

function percent(rate: number): string {
  const p = rate * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

interface TreeNode {
  cls: FailureClass;
  depth: number;
  childCount: number;
}

/** Visible classes in tree order (parents before their subclasses, names alphabetical). */
function flattenTree(classes: FailureClass[]): TreeNode[] {
  const ids = new Set(classes.map((c) => c.id));
  const children = new Map<number | null, FailureClass[]>();
  for (const c of classes) {
    // A subclass whose parent is hidden (retired) shows at the top level.
    const parent = c.parentId !== null && ids.has(c.parentId) ? c.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name));
  const out: TreeNode[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    for (const cls of children.get(parent) ?? []) {
      if (seen.has(cls.id)) continue;
      seen.add(cls.id);
      out.push({ cls, depth, childCount: children.get(cls.id)?.length ?? 0 });
      walk(cls.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The class and every class below it. */
function descendantsOf(id: number, classes: FailureClass[]): Set<number> {
  const out = new Set<number>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of classes) {
      if (c.parentId !== null && out.has(c.parentId) && !out.has(c.id)) {
        out.add(c.id);
        grew = true;
      }
    }
  }
  return out;
}

/**
 * The failure-class taxonomy: a tree of classes and subclasses (name, description, example) to
 * create, edit, merge and retire, and the failure rate of each class per model over submitted
 * reviews, as a chart and a table.
 */
export function TaxonomyView() {
  const toast = useToast();
  /** Team mode, SME: the taxonomy is read-only (its classes are what they tag with). */
  const canEdit = useAccess().can('taxonomy.create');
  const [classes, setClasses] = useState<FailureClass[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showRetired, setShowRetired] = useState(false);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [pane, setPane] = useState<Pane>({ kind: 'view' });
  const [rates, setRates] = useState<FailureRate[] | null>(null);
  const [models, setModels] = useState<ModelConfig[]>([]);
  const [modelId, setModelId] = useState<number | null>(null);
  const retiredStack = useRef<FailureClass[]>([]);
  const treeRef = useRef<HTMLUListElement>(null);

  const loadClasses = useCallback(() => {
    call('taxonomy.list', { includeRetired: true }).then(
      (list) => {
        setClasses(list);
        setError(null);
      },
      (e: unknown) => setError(message(e)),
    );
  }, []);

  const loadRates = useCallback(() => {
    call('taxonomy.rates', modelId === null ? {} : { modelId }).then(setRates, (e: unknown) => {
      setRates([]);
      toast.show(message(e), { kind: 'error' });
    });
  }, [modelId, toast]);

  useEffect(() => {
    loadClasses();
    call('models.list', {}).then(setModels, () => undefined);
    return onEvent('onDidChangeTaxonomy', loadClasses);
  }, [loadClasses]);

  useEffect(() => {
    loadRates();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(loadRates, 500);
    };
    const disposers = [onEvent('onDidChangeTaxonomy', later), onEvent('onDidChangeReview', later)];
    return () => {
      clearTimeout(timer);
      disposers.forEach((d) => d());
    };
  }, [loadRates]);

  const byId = useMemo(() => new Map((classes ?? []).map((c) => [c.id, c])), [classes]);
  const active = useMemo(() => (classes ?? []).filter((c) => c.retiredAt === null), [classes]);
  const visible = useMemo(() => (showRetired ? (classes ?? []) : active), [classes, active, showRetired]);
  const tree = useMemo(() => flattenTree(visible), [visible]);
  const retiredCount = (classes?.length ?? 0) - active.length;
  const selected = selectedId === null ? null : (byId.get(selectedId) ?? null);

  // A selection that the filter hides is dropped.
  useEffect(() => {
    if (selectedId !== null && !tree.some((n) => n.cls.id === selectedId)) setSelectedId(null);
  }, [tree, selectedId]);

  const afterChange = (cls: FailureClass) => {
    setClasses((list) => (list ? [...list.filter((c) => c.id !== cls.id), cls] : [cls]));
    loadClasses();
  };

  const restore = useCallback(
    async (cls: FailureClass) => {
      try {
        const restored = await call('taxonomy.restore', { id: cls.id });
        setClasses((list) => list?.map((c) => (c.id === restored.id ? restored : c)) ?? null);
        setSelectedId(restored.id);
        loadClasses();
        toast.show(cls.mergedIntoId !== null ? `Un-merged “${restored.name}”: its tags count for it again.` : `Restored “${restored.name}”.`);
      } catch (e) {
        toast.show(message(e), { kind: 'error' });
      }
    },
    [loadClasses, toast],
  );

  const undoRetire = useCallback(async () => {
    const cls = retiredStack.current.pop();
    if (!cls) return toast.show('Nothing to undo.');
    await restore(cls);
  }, [restore, toast]);

  const retire = useCallback(
    async (cls: FailureClass) => {
      try {
        const retired = await call('taxonomy.retire', { id: cls.id });
        retiredStack.current.push(retired);
        setClasses((list) => list?.map((c) => (c.id === retired.id ? retired : c)) ?? null);
        setPane({ kind: 'view' });
        loadClasses();
        toast.show(`Retired “${retired.name}”. Old labels keep it.`, { action: { label: 'Undo (Ctrl+Z)', run: () => void undoRetire() } });
      } catch (e) {
        toast.show(message(e), { kind: 'error' });
      }
    },
    [loadClasses, toast, undoRetire],
  );

  useWindowKeydown((e) => {
    if (e.defaultPrevented) return;
    if (!canEdit) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && !e.shiftKey && !isTyping(e.target)) {
      e.preventDefault();
      void undoRetire();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || pane.kind !== 'view') return;
    if (e.key === 'n') {
      e.preventDefault();
      setPane({ kind: 'new', parentId: null });
    } else if (e.key === 'e' && selected) {
      e.preventDefault();
      setPane({ kind: 'edit', cls: selected });
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && selected && selected.retiredAt === null) {
      e.preventDefault();
      void retire(selected);
    }
  });

  const onTreeKey = (e: ReactKeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'j' && e.key !== 'k' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    if (tree.length === 0) return;
    const index = tree.findIndex((n) => n.cls.id === selectedId);
    const next =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? tree.length - 1
          : Math.max(0, Math.min(tree.length - 1, index === -1 ? 0 : index + (e.key === 'ArrowDown' || e.key === 'j' ? 1 : -1)));
    const id = tree[next]!.cls.id;
    setSelectedId(id);
    treeRef.current?.querySelector<HTMLElement>(`[data-id="${id}"]`)?.focus();
  };

  const ratesFor = (id: number) => (rates ?? []).filter((r) => r.classId === id);

  if (error) {
    return (
      <div className="page">
        <p className="error">{error}</p>
        <button className="secondary" onClick={loadClasses}>
          Try again
        </button>
      </div>
    );
  }

  return (
    <div className="taxonomy">
      <section className="taxonomy-tree-pane" aria-label="Failure classes">
        <div className="toolbar">
          {canEdit && (
            <button onClick={() => setPane({ kind: 'new', parentId: null })} title="New class (N)">
              New class
            </button>
          )}
          <label className="check retired-toggle">
            <input type="checkbox" checked={showRetired} onChange={(e) => setShowRetired(e.target.checked)} />
            Show retired{retiredCount > 0 && <span className="muted"> ({retiredCount})</span>}
          </label>
        </div>
        {classes === null ? (
          <p className="muted list-status">Loading…</p>
        ) : tree.length === 0 ? (
          <div className="empty">
            {active.length === 0 && retiredCount === 0 ? (
              <>
                <h2>No failure classes yet</h2>
                <p className="muted">
                  A failure class names one way outputs go wrong, for example “does not handle arithmetic with integers nor their spelled-out forms”. Create
                  the first one; reviewers then tag whole outputs or spans with it in the Review tab, and failure rates per model appear here.
                </p>
                {canEdit ? (
                  <button onClick={() => setPane({ kind: 'new', parentId: null })}>Create a failure class</button>
                ) : (
                  <p className="muted">An NLP engineer or the owner makes the classes.</p>
                )}
              </>
            ) : (
              <>
                <p className="muted">Every class is retired.</p>
                <button className="secondary" onClick={() => setShowRetired(true)}>
                  Show retired classes
                </button>
              </>
            )}
          </div>
        ) : (
          <ul className="class-tree" role="tree" aria-label="Failure classes" ref={treeRef} onKeyDown={onTreeKey}>
            {tree.map(({ cls, depth, childCount }) => {
              const mergedInto = cls.mergedIntoId !== null ? byId.get(cls.mergedIntoId) : undefined;
              return (
                <li
                  key={cls.id}
                  role="treeitem"
                  aria-level={depth + 1}
                  aria-selected={cls.id === selectedId}
                  aria-label={cls.name}
                  data-id={cls.id}
                  tabIndex={cls.id === selectedId || (selectedId === null && tree[0]?.cls.id === cls.id) ? 0 : -1}
                  className={`class-node${cls.id === selectedId ? ' selected' : ''}${cls.retiredAt !== null ? ' retired' : ''}`}
                  style={{ paddingLeft: 12 + depth * 20 }}
                  onClick={() => {
                    setSelectedId(cls.id);
                    if (pane.kind !== 'new') setPane({ kind: 'view' });
                  }}
                >
                  <div className="class-node-title">
                    {depth > 0 && (
                      <span className="tree-branch" aria-hidden>
                        └
                      </span>
                    )}
                    <span className="class-name">{cls.name}</span>
                    <ExampleBadge cls={cls} />
                    {childCount > 0 && <span className="badge">{childCount} sub</span>}
                    {mergedInto ? (
                      <span className="badge">merged into {mergedInto.name}</span>
                    ) : (
                      cls.retiredAt !== null && <span className="badge">retired</span>
                    )}
                  </div>
                  {cls.description && <div className="class-node-desc muted">{cls.description}</div>}
                </li>
              );
            })}
          </ul>
        )}
        {tree.length > 0 && (
          <p className="shortcuts muted tree-help">
            <kbd>↑</kbd>/<kbd>↓</kbd> move
            {canEdit && (
              <>
                {' '}
                · <kbd>N</kbd> new · <kbd>E</kbd> edit · <kbd>Del</kbd> retire · <kbd>Ctrl Z</kbd> undo retire or merge
              </>
            )}
          </p>
        )}
      </section>

      <section className="taxonomy-main">
        {pane.kind === 'new' && (
          <ClassForm
            key={`new-${pane.parentId}`}
            title={pane.parentId === null ? 'New failure class' : `New subclass of “${byId.get(pane.parentId)?.name ?? ''}”`}
            initial={{ name: '', description: '', example: '', parentId: pane.parentId }}
            parents={active}
            exclude={new Set()}
            onCancel={() => setPane({ kind: 'view' })}
            onSave={async (input) => {
              const created = await call('taxonomy.create', input);
              afterChange(created);
              setSelectedId(created.id);
              setPane({ kind: 'view' });
              toast.show(`Created “${created.name}”.`);
            }}
          />
        )}
        {pane.kind === 'edit' && (
          <ClassForm
            key={`edit-${pane.cls.id}`}
            title={`Edit “${pane.cls.name}”`}
            initial={pane.cls}
            parents={active}
            exclude={descendantsOf(pane.cls.id, classes ?? [])}
            onCancel={() => setPane({ kind: 'view' })}
            onSave={async (input) => {
              const updated = await call('taxonomy.update', { ...input, id: pane.cls.id });
              afterChange(updated);
              setPane({ kind: 'view' });
              toast.show(`Saved “${updated.name}”.`);
            }}
          />
        )}
        {pane.kind === 'merge' && (
          <MergeForm
            key={`merge-${pane.cls.id}`}
            source={pane.cls}
            targets={active.filter((c) => !descendantsOf(pane.cls.id, classes ?? []).has(c.id))}
            onCancel={() => setPane({ kind: 'view' })}
            onMerge={async (target) => {
              const merged = await call('taxonomy.merge', { sourceId: pane.cls.id, targetId: target.id });
              retiredStack.current.push(merged);
              afterChange(merged);
              setSelectedId(target.id);
              setPane({ kind: 'view' });
              toast.show(`Merged “${merged.name}” into “${target.name}”; its tags now count for “${target.name}”.`, {
                action: { label: 'Undo (Ctrl+Z)', run: () => void undoRetire() },
              });
            }}
          />
        )}
        {pane.kind === 'view' && selected && (
          <ClassDetail
            cls={selected}
            parent={selected.parentId !== null ? byId.get(selected.parentId) : undefined}
            mergedInto={selected.mergedIntoId !== null ? byId.get(selected.mergedIntoId) : undefined}
            rates={ratesFor(selected.id)}
            canEdit={canEdit}
            onEdit={() => setPane({ kind: 'edit', cls: selected })}
            onAddSub={() => setPane({ kind: 'new', parentId: selected.id })}
            onMerge={() => setPane({ kind: 'merge', cls: selected })}
            onRetire={() => void retire(selected)}
            onRestore={() => void restore(selected)}
          />
        )}
        {pane.kind === 'view' && !selected && tree.length > 0 && (
          <p className="muted taxonomy-hint">{canEdit ? 'Select a class to read, edit, merge or retire it; add classes with New class.' : 'Select a class to read it.'}</p>
        )}
        <RatesSection rates={rates} models={models} modelId={modelId} onModel={setModelId} hasClasses={active.length > 0} />
      </section>
    </div>
  );
}

function ClassDetail({
  cls,
  parent,
  mergedInto,
  rates,
  onEdit,
  onAddSub,
  onMerge,
  onRetire,
  onRestore,
  canEdit,
}: {
  canEdit: boolean;
  cls: FailureClass;
  parent: FailureClass | undefined;
  mergedInto: FailureClass | undefined;
  rates: FailureRate[];
  onEdit: () => void;
  onAddSub: () => void;
  onMerge: () => void;
  onRetire: () => void;
  onRestore: () => void;
}) {
  const retired = cls.retiredAt !== null;
  return (
    <article className="card class-detail" aria-label={`Class ${cls.name}`}>
      <header className="detail-header">
        <div>
          {parent && <div className="muted crumb">{parent.name} ›</div>}
          <h2>
            {cls.name} <ExampleBadge cls={cls} />
          </h2>
        </div>
        <div className="actions">
          {!canEdit ? null : retired ? (
            <button className="secondary" onClick={onRestore}>
              {mergedInto ? 'Un-merge' : 'Restore'}
            </button>
          ) : (
            <>
              <button className="secondary" onClick={onEdit} title="Edit (E)">
                Edit
              </button>
              <button className="secondary" onClick={onAddSub}>
                Add subclass
              </button>
              <button className="secondary" onClick={onMerge}>
                Merge…
              </button>
              <button className="danger" onClick={onRetire} title="Retire (Del)">
                Retire
              </button>
            </>
          )}
        </div>
      </header>
      {/* The badge's tooltip, said where it can be read without hovering. */}
      {isExampleClass(cls) && <p className="muted small" aria-label="About the example class">{EXAMPLE_CLASS_TITLE}. It is an ordinary class: tags with it count like any other.</p>}
      {retired && (
        <p className="notice">
          {mergedInto ? `Merged into “${mergedInto.name}”: its tags count for that class.` : 'Retired: hidden from the pickers, kept on old labels.'}
        </p>
      )}
      <h3>Description</h3>
      {cls.description ? <p className="plain">{cls.description}</p> : <p className="muted">No description.</p>}
      <h3>Example</h3>
      {cls.example ? <blockquote className="plain example">{cls.example}</blockquote> : <p className="muted">No example.</p>}
      {rates.length > 0 && (
        <>
          <h3>Failure rate</h3>
          <ul className="class-rates">
            {rates.map((r) => (
              <li key={r.modelId}>
                <span>{r.modelName}</span>
                <strong>{percent(r.rate)}</strong>
                <span className="muted">
                  {r.tagged} of {r.reviewed} reviewed
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </article>
  );
}

interface ClassDraft {
  name: string;
  description: string;
  example: string;
  parentId: number | null;
}

function ClassForm({
  title,
  initial,
  parents,
  exclude,
  onSave,
  onCancel,
}: {
  title: string;
  initial: ClassDraft;
  parents: FailureClass[];
  exclude: Set<number>;
  onSave: (draft: ClassDraft) => Promise<void>;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<ClassDraft>({ name: initial.name, description: initial.description, example: initial.example, parentId: initial.parentId });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const submit = async () => {
    if (!draft.name.trim()) {
      setError('A class needs a name.');
      nameRef.current?.focus();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave({ ...draft, name: draft.name.trim() });
    } catch (e) {
      setError(message(e));
      setSaving(false);
    }
  };

  const options = parents.filter((p) => !exclude.has(p.id)).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <form
      className="editor card class-form"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        } else if ((e.ctrlKey || e.metaKey) && (e.key === 'Enter' || e.key.toLowerCase() === 's')) {
          e.preventDefault();
          void submit();
        }
      }}
    >
      <h2>{title}</h2>
      <label>
        Name
        <input ref={nameRef} value={draft.name} maxLength={200} onChange={(e) => setDraft({ ...draft, name: e.target.value })} placeholder="e.g. Arithmetic with spelled-out numbers" />
      </label>
      <label>
        Parent class
        <select value={draft.parentId ?? ''} onChange={(e) => setDraft({ ...draft, parentId: e.target.value === '' ? null : Number(e.target.value) })}>
          <option value="">None (top level)</option>
          {options.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Description
        <textarea
          rows={3}
          maxLength={5000}
          value={draft.description}
          onChange={(e) => setDraft({ ...draft, description: e.target.value })}
          placeholder="Does not handle arithmetic with integers nor their spelled-out forms."
        />
      </label>
      <label>
        Example
        <textarea rows={3} maxLength={5000} value={draft.example} onChange={(e) => setDraft({ ...draft, example: e.target.value })} placeholder="“seven plus 5” → “75”" />
      </label>
      {error && <p className="error">{error}</p>}
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save'} <kbd>Ctrl S</kbd>
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </form>
  );
}

function MergeForm({
  source,
  targets,
  onMerge,
  onCancel,
}: {
  source: FailureClass;
  targets: FailureClass[];
  onMerge: (target: FailureClass) => Promise<void>;
  onCancel: () => void;
}) {
  const sorted = [...targets].sort((a, b) => a.name.localeCompare(b.name));
  const [targetId, setTargetId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const target = sorted.find((t) => t.id === targetId) ?? null;
  return (
    <form
      className="editor card merge-form"
      aria-label={`Merge ${source.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!target) return;
        setBusy(true);
        setError(null);
        onMerge(target).catch((err: unknown) => {
          setError(message(err));
          setBusy(false);
        });
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <h2>Merge “{source.name}” into…</h2>
      <p className="muted">
        “{source.name}” is retired and every tag it has counts for the class you pick; old labels keep pointing at it. Undo (or Un-merge later) brings it
        back.
      </p>
      {sorted.length === 0 ? (
        <p className="notice">There is no other active class to merge into.</p>
      ) : (
        <div className="merge-targets" role="radiogroup" aria-label="Merge target">
          {sorted.map((t) => (
            <label key={t.id} className={`merge-target${t.id === targetId ? ' on' : ''}`}>
              <input type="radio" name="merge-target" checked={t.id === targetId} onChange={() => setTargetId(t.id)} />
              <span className="class-name">{t.name}</span>
              {t.description && <span className="muted">{t.description}</span>}
            </label>
          ))}
        </div>
      )}
      {error && <p className="error">{error}</p>}
      <div className="actions">
        <button type="submit" disabled={!target || busy}>
          {busy ? 'Merging…' : target ? `Merge into “${target.name}”` : 'Pick a class'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </form>
  );
}

function RatesSection({
  rates,
  models,
  modelId,
  onModel,
  hasClasses,
}: {
  rates: FailureRate[] | null;
  models: ModelConfig[];
  modelId: number | null;
  onModel: (id: number | null) => void;
  hasClasses: boolean;
}) {
  const { modelNames, classes, cells, reviewedByModel, chart } = useMemo(() => {
    const list = rates ?? [];
    const modelNames = new Map<number, string>();
    const reviewedByModel = new Map<number, number>();
    const classes = new Map<number, string>();
    const cells = new Map<string, FailureRate>();
    for (const r of list) {
      modelNames.set(r.modelId, r.modelName);
      reviewedByModel.set(r.modelId, Math.max(reviewedByModel.get(r.modelId) ?? 0, r.reviewed));
      classes.set(r.classId, r.className);
      cells.set(`${r.classId}:${r.modelId}`, r);
    }
    const modelIds = [...modelNames.keys()];
    // Classes in order of their worst rate on any model.
    const worst = (classId: number) => Math.max(...modelIds.map((m) => cells.get(`${classId}:${m}`)?.rate ?? 0));
    const classIds = [...classes.keys()].sort((a, b) => worst(b) - worst(a) || classes.get(a)!.localeCompare(classes.get(b)!));
    const chart: RatesChartData = {
      models: modelIds.map((m) => modelNames.get(m)!),
      rows: classIds.map((c) => {
        const row: Record<string, string | number> = { className: classes.get(c)! };
        modelIds.forEach((m, i) => (row[`m${i}`] = Math.round((cells.get(`${c}:${m}`)?.rate ?? 0) * 1000) / 10));
        return row;
      }),
    };
    return { modelNames, classes: classIds.map((id) => ({ id, name: classes.get(id)! })), cells, reviewedByModel, chart };
  }, [rates]);

  const modelIds = [...modelNames.keys()];
  return (
    <section className="rates" aria-label="Failure rates">
      <header className="rates-header">
        <h2>Failure rates</h2>
        <span className="muted">tagged outputs / reviewed outputs, over submitted reviews</span>
        <label className="rates-model">
          <span className="muted">Model</span>
          <select value={modelId ?? ''} onChange={(e) => onModel(e.target.value === '' ? null : Number(e.target.value))} aria-label="Model">
            <option value="">All models</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {rates === null ? (
        <p className="muted">Loading…</p>
      ) : rates.length === 0 ? (
        <div className="empty rates-empty">
          <p className="muted">
            {hasClasses
              ? 'No rates yet. Tag failures on outputs in the Review tab and submit the reviews; each class’s rate per model appears here.'
              : 'Rates appear once there are failure classes and submitted reviews that use them.'}
          </p>
        </div>
      ) : (
        <>
          <Suspense fallback={<p className="muted">Loading the chart…</p>}>
            <RatesChart data={chart} />
          </Suspense>
          <div className="table-scroll">
            <table className="rates-table">
              <thead>
                <tr>
                  <th scope="col">Class</th>
                  {modelIds.map((m) => (
                    <th key={m} scope="col">
                      {modelNames.get(m)}
                      <div className="muted th-sub">{reviewedByModel.get(m)} reviewed</div>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {classes.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">{c.name}</th>
                    {modelIds.map((m) => {
                      const cell = cells.get(`${c.id}:${m}`);
                      return (
                        <td key={m}>
                          {cell ? (
                            <>
                              <span className="rate-bar" style={{ width: `${Math.min(100, cell.rate * 100)}%` }} aria-hidden />
                              <strong>{percent(cell.rate)}</strong> <span className="muted">{cell.tagged}/{cell.reviewed}</span>
                            </>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
