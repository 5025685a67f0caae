import { useMemo, useState, type KeyboardEvent } from 'react';
import { utf16ToCodePoint, type FailureClass, type Span } from '../../../../contract';
import { Dialog } from '../../components/Dialog';

interface Props {
  classes: FailureClass[];
  /** The full output (spans are anchored in it). */
  text: string;
  /** The selection in the output when T was pressed, in UTF-16 offsets. */
  selection: { start: number; end: number } | null;
  onApply: (tag: { classId: number; span: Span | null; note: string }) => void;
  onClose: () => void;
  onManageTaxonomy: () => void;
}

export function classPath(cls: FailureClass, byId: Map<number, FailureClass>): string {
  const parent = cls.parentId === null ? undefined : byId.get(cls.parentId);
  return parent ? `${parent.name} › ${cls.name}` : cls.name;
}

function occurrences(text: string, needle: string): number[] {
  const out: number[] = [];
  if (!needle) return out;
  for (let i = text.indexOf(needle); i >= 0 && out.length < 1000; i = text.indexOf(needle, i + 1)) out.push(i);
  return out;
}

function preview(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * T: pick a failure class by typing (↑/↓, Enter). It tags the selected text of the output, or
 * text typed into "Anchor" (↑/↓ there steps through its occurrences), or else the whole output.
 */
export function TagPicker({ classes, text, selection, onApply, onClose, onManageTaxonomy }: Props) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [anchor, setAnchor] = useState('');
  const [occurrence, setOccurrence] = useState(0);
  const [note, setNote] = useState('');

  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes]);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    const scored = classes
      .map((c) => {
        const path = classPath(c, byId).toLowerCase();
        const name = c.name.toLowerCase();
        const score = !q ? 0 : name.startsWith(q) ? 0 : name.includes(q) ? 1 : path.includes(q) ? 2 : c.description.toLowerCase().includes(q) ? 3 : -1;
        return { c, score, path: classPath(c, byId) };
      })
      .filter((m) => m.score >= 0);
    return scored.sort((a, b) => a.score - b.score || a.path.localeCompare(b.path));
  }, [classes, byId, query]);

  const found = useMemo(() => occurrences(text, anchor), [text, anchor]);
  const at = found.length > 0 ? found[Math.min(occurrence, found.length - 1)]! : -1;
  const target: { start: number; end: number } | null | 'missing' = anchor ? (at >= 0 ? { start: at, end: at + anchor.length } : 'missing') : selection;
  const chosen = matches[Math.min(active, matches.length - 1)];

  const apply = () => {
    if (!chosen || target === 'missing') return;
    const span = target ? { start: utf16ToCodePoint(text, target.start), end: utf16ToCodePoint(text, target.end) } : null;
    if (span && span.end <= span.start) return;
    onApply({ classId: chosen.c.id, span, note: note.trim() });
  };

  const onListKeys = (e: KeyboardEvent<HTMLInputElement>) => {
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
    <Dialog title="Tag a failure" onClose={onClose} className="tag-picker">
      <p className="tag-target" aria-live="polite">
        {target === 'missing' ? (
          <span className="error-text">“{preview(anchor, 40)}” is not in the output.</span>
        ) : target ? (
          <>
            Tags the span <q className="quote">{preview(text.slice(target.start, target.end))}</q>
            {anchor && found.length > 1 && (
              <span className="muted">
                {' '}
                · occurrence {Math.min(occurrence, found.length - 1) + 1} of {found.length} (↑/↓ in Anchor)
              </span>
            )}
          </>
        ) : (
          <>
            Tags the <strong>whole output</strong>. <span className="muted">To tag a span, select text in the output first, or type it under Anchor.</span>
          </>
        )}
      </p>
      <label className="field">
        Failure class
        <input
          data-autofocus
          value={query}
          placeholder="Type to filter…"
          aria-label="Filter failure classes"
          aria-controls="tag-class-list"
          aria-activedescendant={chosen ? `tag-class-${chosen.c.id}` : undefined}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onListKeys}
        />
      </label>
      {classes.length === 0 ? (
        <div className="empty-inline">
          <p>No failure classes yet.</p>
          <button className="secondary" onClick={onManageTaxonomy}>
            Create them on the Taxonomy tab
          </button>
        </div>
      ) : (
        <ul id="tag-class-list" className="tp-list" role="listbox" aria-label="Failure classes">
          {matches.length === 0 && <li className="muted">No class matches “{query}”.</li>}
          {matches.map((m, i) => (
            <li
              key={m.c.id}
              id={`tag-class-${m.c.id}`}
              role="option"
              aria-selected={m === chosen}
              className={m === chosen ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => {
                setActive(i);
                onApply({ classId: m.c.id, span: target && target !== 'missing' ? { start: utf16ToCodePoint(text, target.start), end: utf16ToCodePoint(text, target.end) } : null, note: note.trim() });
              }}
            >
              <span className="tp-name">{m.path}</span>
              {m.c.description && <span className="muted tp-desc">{m.c.description}</span>}
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <label className="field">
          Anchor <span className="muted">(exact text of the output, optional)</span>
          <input
            value={anchor}
            aria-label="Anchor to text"
            onChange={(e) => {
              setAnchor(e.target.value);
              setOccurrence(0);
            }}
            onKeyDown={(e) => {
              if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && found.length > 1) {
                e.preventDefault();
                setOccurrence((o) => (Math.min(o, found.length - 1) + (e.key === 'ArrowDown' ? 1 : found.length - 1)) % found.length);
              } else if (e.key === 'Enter') {
                e.preventDefault();
                apply();
              }
            }}
          />
        </label>
        <label className="field">
          Note <span className="muted">(optional)</span>
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
      </div>
      <div className="actions">
        <button onClick={apply} disabled={!chosen || target === 'missing'}>
          Tag{chosen ? ` “${chosen.c.name}”` : ''} <kbd>↵</kbd>
        </button>
        <button className="secondary" onClick={onClose}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </Dialog>
  );
}
