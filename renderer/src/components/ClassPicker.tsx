import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import type { FailureClass } from '../../../contract';
import { call, errorText } from '../api';
import { useAccess } from '../access';
import './class-picker.css';

/** "Parent › Child" for a subclass, the name for a top-level class. */
export function classPath(cls: FailureClass, byId: Map<number, FailureClass>): string {
  const parent = cls.parentId === null ? undefined : byId.get(cls.parentId);
  return parent ? `${parent.name} › ${cls.name}` : cls.name;
}

/**
 * The class every new workspace is seeded with (db/migrations/0005-review.ts, from the W&B
 * paper), while it is still as shipped: an example to rename, edit or retire, not a class someone
 * chose. Once edited it is the workspace's own and loses the mark.
 */
const SEEDED_EXAMPLE = {
  name: 'Arithmetic with integers and spelled-out numbers',
  description: 'does not handle arithmetic with integers nor their spelled-out forms',
};
export const EXAMPLE_CLASS_TITLE = 'An example class shipped with every new workspace: rename, edit or retire it on the Taxonomy tab';

export function isExampleClass(cls: Pick<FailureClass, 'name' | 'description'>): boolean {
  return cls.name === SEEDED_EXAMPLE.name && cls.description === SEEDED_EXAMPLE.description;
}

/** The "example" mark beside the seeded class's name, nothing for any other class. */
export function ExampleBadge({ cls }: { cls: Pick<FailureClass, 'name' | 'description'> }) {
  return isExampleClass(cls) ? (
    <span className="badge example-badge" title={EXAMPLE_CLASS_TITLE}>
      example
    </span>
  ) : null;
}

export interface ClassMatch {
  c: FailureClass;
  path: string;
}

/**
 * The state of a type-to-filter failure-class list (Review's and Compare's tag pickers): classes
 * whose name starts with the query first, then name, path and description matches; ↑/↓ move.
 * A name no class has yet gets a last option, Create "…": a failure met while tagging is named
 * there, without leaving the item for the Taxonomy tab.
 */
export function useClassPicker(classes: FailureClass[]) {
  /** Team mode, SME: no Create option (the taxonomy is the engineer's). */
  const canCreate = useAccess().can('taxonomy.create');
  const [query, setQueryState] = useState('');
  const [active, setActive] = useState(0);
  const [createState, setCreateState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes]);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    return classes
      .map((c) => {
        const path = classPath(c, byId);
        const name = c.name.toLowerCase();
        const score = !q ? 0 : name.startsWith(q) ? 0 : name.includes(q) ? 1 : path.toLowerCase().includes(q) ? 2 : c.description.toLowerCase().includes(q) ? 3 : -1;
        return { c, path, score };
      })
      .filter((m) => m.score >= 0)
      .sort((a, b) => a.score - b.score || a.path.localeCompare(b.path));
  }, [classes, byId, query]);
  const name = query.trim();
  // Only an exact name (any case) already exists; a partial match can still be a new class.
  const createName = canCreate && name && !classes.some((c) => c.name.toLowerCase() === name.toLowerCase()) ? name : null;
  const options = matches.length + (createName ? 1 : 0);
  const at = Math.min(active, options - 1);
  /** The Create "…" option is the active one (Enter creates the class, then applies it). */
  const creating = createName !== null && at === matches.length;
  const chosen: ClassMatch | undefined = creating ? undefined : matches[Math.min(active, matches.length - 1)];
  const setQuery = (next: string) => {
    setQueryState(next);
    setActive(0);
    setCreateState({ busy: false, error: null });
  };
  const move = (step: 1 | -1) => {
    const n = options;
    if (n > 0) setActive((i) => (Math.min(i, n - 1) + (step === 1 ? 1 : n - 1)) % n);
  };
  /** Creates the class named by the query; undefined (and the error shown) when it fails. */
  const create = async (): Promise<FailureClass | undefined> => {
    if (!createName || createState.busy) return undefined;
    setCreateState({ busy: true, error: null });
    try {
      const created = await call('taxonomy.create', { name: createName });
      setCreateState({ busy: false, error: null });
      return created;
    } catch (e) {
      setCreateState({ busy: false, error: `Could not create “${createName}”: ${errorText(e)}` });
      return undefined;
    }
  };
  return { classes, query, setQuery, matches, chosen, setActive, move, createName, creating, create, createBusy: createState.busy, createError: createState.error };
}

export type ClassPickerState = ReturnType<typeof useClassPicker>;

interface FieldProps {
  picker: ClassPickerState;
  /** The label's class in the surrounding form. */
  fieldClassName: string;
  /** Enter in the filter: apply the chosen class. */
  onApply: () => void;
  /** A click on a class: apply that one. */
  onPick: (cls: FailureClass) => void;
  onManageTaxonomy: () => void;
}

/** The filter box and the list of classes (or the way to the Taxonomy tab when there are none). */
export function ClassPickerField({ picker, fieldClassName, onApply, onPick, onManageTaxonomy }: FieldProps) {
  const listId = useId();
  const optionId = (cls: FailureClass) => `${listId}-${cls.id}`;
  const { classes, query, setQuery, matches, chosen, setActive, move, createName, creating, create, createBusy, createError } = picker;
  const createAndPick = () => void create().then((cls) => cls && onPick(cls));
  const onKeys = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      move(e.key === 'ArrowDown' ? 1 : -1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (creating) createAndPick();
      else onApply();
    }
  };
  const createOption = createName && (
    <li
      id={`${listId}-create`}
      role="option"
      aria-selected={creating}
      className={`class-create${creating ? ' active' : ''}`}
      onMouseEnter={() => setActive(matches.length)}
      onClick={() => {
        setActive(matches.length);
        createAndPick();
      }}
    >
      <span className="class-name">{createBusy ? `Creating “${createName}”…` : `Create “${createName}”`}</span>
      <span className="muted class-desc">A new failure class (describe it later on the Taxonomy tab)</span>
    </li>
  );
  return (
    <>
      <label className={fieldClassName}>
        Failure class
        <input
          data-autofocus
          value={query}
          placeholder="Type to filter…"
          aria-label="Filter failure classes"
          aria-controls={listId}
          aria-activedescendant={creating ? `${listId}-create` : chosen ? optionId(chosen.c) : undefined}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeys}
        />
      </label>
      {classes.length === 0 && !createName ? (
        <div className="class-empty">
          <p>No failure classes yet. Type a name to create one here.</p>
          <button className="secondary" onClick={onManageTaxonomy}>
            Or set them up on the Taxonomy tab
          </button>
        </div>
      ) : (
        <ul id={listId} className="class-list" role="listbox" aria-label="Failure classes">
          {matches.length === 0 && classes.length > 0 && <li className="muted">No class matches “{query}”.</li>}
          {matches.map((m, i) => (
            <li
              key={m.c.id}
              id={optionId(m.c)}
              role="option"
              aria-selected={m === chosen}
              className={m === chosen ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => {
                setActive(i);
                onPick(m.c);
              }}
            >
              <span className="class-name">
                {m.path} <ExampleBadge cls={m.c} />
              </span>
              {m.c.description && <span className="muted class-desc">{m.c.description}</span>}
            </li>
          ))}
          {createOption}
        </ul>
      )}
      {createError && (
        <p className="error-text" role="alert">
          {createError}
        </p>
      )}
    </>
  );
}
