import { useState } from 'react';
import type { FailureClass } from '../../../../contract';
import { ClassPickerField, useClassPicker } from '../../components/ClassPicker';
import { Dialog } from '../../components/Dialog';

interface Props {
  /** "A", "B", … */
  side: string;
  /** Active classes only (retired and merged ones leave the picker). */
  classes: FailureClass[];
  /** `name`: the class's, known here even for one just created (the taxonomy list catches up later). */
  onApply: (tag: { classId: number; note: string; name: string }) => void;
  onClose: () => void;
  onManageTaxonomy: () => void;
}

/** A failure class on one side's whole output: type to filter, ↑/↓, Enter. */
export function TagPicker({ side, classes, onApply, onClose, onManageTaxonomy }: Props) {
  const picker = useClassPicker(classes);
  const [note, setNote] = useState('');
  const { chosen } = picker;
  const apply = (cls = chosen?.c) => {
    if (cls) onApply({ classId: cls.id, note: note.trim(), name: cls.name });
  };

  return (
    <Dialog title={`Tag a failure on ${side}`} onClose={onClose} className="cmp-tag-picker">
      <p className="muted small">Tags the whole output {side}, under your name; the same failure classes as in Review.</p>
      <ClassPickerField picker={picker} fieldClassName="cmp-field" onApply={() => apply()} onPick={apply} onManageTaxonomy={onManageTaxonomy} />
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
        <button onClick={() => apply()} disabled={!chosen}>
          Tag{chosen ? ` “${chosen.c.name}”` : ''} <kbd>↵</kbd>
        </button>
        <button className="secondary" onClick={onClose}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </Dialog>
  );
}
