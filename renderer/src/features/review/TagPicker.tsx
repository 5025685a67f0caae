import { useMemo, useState } from 'react';
import { utf16ToCodePoint, type FailureClass, type Span } from '../../../../contract';
import { ClassPickerField, useClassPicker } from '../../components/ClassPicker';
import { Dialog } from '../../components/Dialog';

interface Props {
  classes: FailureClass[];
  /** The full output (spans are anchored in it). */
  text: string;
  /** The selection in the output when T was pressed, in UTF-16 offsets. */
  selection: { start: number; end: number } | null;
  /** `cls` is the class picked or just created (the taxonomy list may not have it yet). */
  onApply: (tag: { classId: number; span: Span | null; note: string }, cls: FailureClass) => void;
  onClose: () => void;
  onManageTaxonomy: () => void;
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
  const picker = useClassPicker(classes);
  const [anchor, setAnchor] = useState('');
  const [occurrence, setOccurrence] = useState(0);
  const [note, setNote] = useState('');

  const found = useMemo(() => occurrences(text, anchor), [text, anchor]);
  const at = found.length > 0 ? found[Math.min(occurrence, found.length - 1)]! : -1;
  const target: { start: number; end: number } | null | 'missing' = anchor ? (at >= 0 ? { start: at, end: at + anchor.length } : 'missing') : selection;
  const { chosen, creating, createName } = picker;

  const apply = (cls = chosen?.c) => {
    if (!cls || target === 'missing') return;
    const span = target ? { start: utf16ToCodePoint(text, target.start), end: utf16ToCodePoint(text, target.end) } : null;
    if (span && span.end <= span.start) return;
    onApply({ classId: cls.id, span, note: note.trim() }, cls);
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
      <ClassPickerField picker={picker} fieldClassName="field" onApply={() => apply()} onPick={apply} onManageTaxonomy={onManageTaxonomy} />
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
        {creating ? (
          <button onClick={() => void picker.create().then((cls) => cls && apply(cls))} disabled={target === 'missing' || picker.createBusy}>
            Create and tag “{createName}” <kbd>↵</kbd>
          </button>
        ) : (
          <button onClick={() => apply()} disabled={!chosen || target === 'missing'}>
            Tag{chosen ? ` “${chosen.c.name}”` : ''} <kbd>↵</kbd>
          </button>
        )}
        <button className="secondary" onClick={onClose}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </Dialog>
  );
}
