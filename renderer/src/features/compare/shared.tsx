import { forwardRef, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { FailureClass, FailureTag, PairChoice, Strength } from '../../../../contract';

/** What a reviewer has chosen on a task but not yet submitted (kept per task while the view is open). */
export interface Draft {
  choice: PairChoice | null;
  strength: Strength | null;
  ranking: number[][] | null;
  rationale: string;
  correction: string | null;
}

export interface LabelValues {
  choice: PairChoice | null;
  strength: Strength | null;
  ranking: number[][] | null;
  rationale: string;
  correction: string | null;
}

/** The parent's keys go to the open pane first. */
export interface PaneHandle {
  handleKey(e: KeyboardEvent): boolean;
}

export interface TagApi {
  /** This reviewer's tags on each generation; undefined while loading. */
  byGeneration: Record<number, FailureTag[] | undefined>;
  classes: FailureClass[];
  add(generationId: number, side: string, tag: { classId: number; note: string; name?: string }): void;
  remove(generationId: number, side: string, tagId: number): void;
}

export const STRENGTHS: { value: Strength; label: string; key: string }[] = [
  { value: 'slightly', label: 'Slightly', key: 'Q' },
  { value: 'clearly', label: 'Clearly', key: 'W' },
  { value: 'much', label: 'Much', key: 'E' },
];

export function nextStrength(s: Strength | null): Strength {
  return s === 'slightly' ? 'clearly' : s === 'clearly' ? 'much' : 'slightly';
}

export function describeChoice(choice: PairChoice | null, strength: Strength | null): string {
  if (choice === 'A' || choice === 'B') return `${choice} is ${strength ?? 'slightly'} better`;
  if (choice === 'tie') return 'Tie: about as good';
  if (choice === 'both_bad') return 'Both bad';
  return 'No choice yet';
}

/** Tag chips on one output (whole-output failure tags), with a remove button each. */
export function SideTags({ side, generationId, tags }: { side: string; generationId: number; tags: TagApi }) {
  const list = tags.byGeneration[generationId];
  const byId = new Map(tags.classes.map((c) => [c.id, c]));
  if (!list || list.length === 0) return null;
  return (
    <ul className="cmp-tags" aria-label={`Failure tags on ${side}`}>
      {list.map((t) => {
        const cls = byId.get(t.classId);
        const name = cls ? (cls.mergedIntoId !== null ? (byId.get(cls.mergedIntoId)?.name ?? cls.name) : cls.name) : `class #${t.classId}`;
        return (
          <li key={t.id} className="cmp-tag" title={t.note || undefined}>
            <span>{name}</span>
            {t.span && <span className="muted"> (span)</span>}
            <button className="icon" aria-label={`Remove tag ${name} from ${side}`} onClick={() => tags.remove(generationId, side, t.id)}>
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The rationale: why this choice. Ctrl+Enter submits, Esc leaves the field. */
export const RationaleField = forwardRef<
  HTMLTextAreaElement,
  { value: string; onChange: (value: string) => void; onSubmit: () => void; onLeave: () => void }
>(function RationaleField({ value, onChange, onSubmit, onLeave }, ref) {
  return (
    <label className="cmp-rationale">
      <span>
        Rationale <kbd>C</kbd> <span className="muted">(optional; why this choice)</span>
      </span>
      <textarea
        ref={ref}
        rows={2}
        value={value}
        maxLength={100_000}
        placeholder="What decided it: correctness, completeness, tone, format…"
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => fieldKeys(e, onSubmit, onLeave)}
      />
    </label>
  );
});

export function fieldKeys(e: ReactKeyboardEvent<HTMLElement>, onSubmit: () => void, onLeave: () => void) {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    e.stopPropagation();
    onSubmit();
  } else if (e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation();
    onLeave();
  }
}
