import { useMemo, useState, type KeyboardEvent } from 'react';
import type { FailureClass } from '../../../../contract';
import { Dialog } from '../../components/Dialog';

function classPath(cls: FailureClass, byId: Map<number, FailureClass>): string {
  const parent = cls.parentId === null ? undefined : byId.get(cls.parentId);
  return parent ? `${parent.name} › ${cls.name}` : cls.name;
}

interface Props {
  /** "A", "B", … */
  side: string;
  /** Active classes only (retired and merged ones leave the picker). */
  classes: FailureClass[];
  onApply: (tag: { classId: number; note: string }) => void;
  onClose: () => void;
  onManageTaxonomy: () => void;
}

/** A failure class on one side's whole output: type to filter, ↑/↓, Enter. */
export function TagPicker({ side, classes, onApply, onClose, onManageTaxonomy }: Props) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [note, setNote] = useState('');
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
  const chosen = matches[Math.min(active, matches.length - 1)];

  const apply = () => {
    if (chosen) onApply({ classId: chosen.c.id, note: note.trim() });
  };
  const onKeys = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = matches.length;
      if (n > 0) setActive((i) => (Math.min(i, n - 1) + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      apply();
    }
  };

  return (
    <Dialog title={`Tag a failure on ${side}`} onClose={onClose} className="cmp-tag-picker">
      <p className="muted small">Tags the whole output {side}, under your name; the same failure classes as in Review.</p>
      <label className="cmp-field">
        Failure class
        <input
          data-autofocus
          value={query}
          placeholder="Type to filter…"
          aria-label="Filter failure classes"
          aria-activedescendant={chosen ? `cmp-class-${chosen.c.id}` : undefined}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeys}
        />
      </label>
      {classes.length === 0 ? (
        <div className="cmp-empty-inline">
          <p>No failure classes yet.</p>
          <button className="secondary" onClick={onManageTaxonomy}>
            Create them on the Taxonomy tab
          </button>
        </div>
      ) : (
        <ul className="cmp-class-list" role="listbox" aria-label="Failure classes">
          {matches.length === 0 && <li className="muted">No class matches “{query}”.</li>}
          {matches.map((m, i) => (
            <li
              key={m.c.id}
              id={`cmp-class-${m.c.id}`}
              role="option"
              aria-selected={m === chosen}
              className={m === chosen ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => onApply({ classId: m.c.id, note: note.trim() })}
            >
              <span className="cmp-class-name">{m.path}</span>
              {m.c.description && <span className="muted cmp-class-desc">{m.c.description}</span>}
            </li>
          ))}
        </ul>
      )}
      <label className="cmp-field">
        <span>
          Note <span className="muted">(optional)</span>
        </span>
        <input
          value={note}
          aria-label="Tag note"
          maxLength={5000}
          onChange={(e) => setNote(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              apply();
            }
          }}
        />
      </label>
      <div className="actions">
        <button onClick={apply} disabled={!chosen}>
          Tag{chosen ? ` “${chosen.c.name}”` : ''} <kbd>↵</kbd>
        </button>
        <button className="secondary" onClick={onClose}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </Dialog>
  );
}
