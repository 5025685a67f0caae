import { forwardRef, useImperativeHandle, useRef, useState, type DragEvent } from 'react';
import type { ComparisonTask } from '../../../../contract';
import { Markdown } from '../../components/Markdown';
import { PromptBlock } from './PromptBlock';
import { RationaleField, SideTags, type Draft, type LabelValues, type PaneHandle, type TagApi } from './shared';
import { TagPicker } from './TagPicker';

interface Props {
  task: ComparisonTask;
  draft: Draft | undefined;
  onDraft: (draft: Draft) => void;
  tags: TagApi;
  /** A blind study: no model name, even once labeled. */
  blind: boolean;
  onSubmit: (values: LabelValues) => void;
  onFocusRoot: () => void;
  onGoToTab: (label: string) => void;
}

type Zone = 'before' | 'join' | 'after';

/**
 * Takes `pos` out of its group and puts it before or after the group at `target` (in the original
 * numbering), or into it as a tie. Empty groups disappear.
 */
export function place(groups: number[][], pos: number, target: number, zone: Zone): number[][] {
  const stripped = groups.map((g) => g.filter((p) => p !== pos));
  const targetGroup = stripped[target];
  if (!targetGroup || targetGroup.length === 0) return groups;
  const kept = stripped.filter((g) => g.length > 0);
  const t = kept.indexOf(targetGroup);
  if (zone === 'join') kept[t] = [...targetGroup, pos];
  else kept.splice(zone === 'before' ? t : t + 1, 0, [pos]);
  return kept;
}

function locate(groups: number[][], pos: number): { g: number; size: number } {
  const g = groups.findIndex((group) => group.includes(pos));
  return { g, size: groups[g]?.length ?? 0 };
}

/** "#3 > #1 = #4 > #2" */
export function describeRanking(groups: number[][]): string {
  return groups.map((g) => g.map((p) => `#${p + 1}`).join(' = ')).join(' > ');
}

function initialGroups(task: ComparisonTask, draft: Draft | undefined): number[][] {
  const valid = (r: number[][] | null | undefined) => r && r.flat().length === task.outputs.length;
  if (valid(draft?.ranking)) return draft!.ranking!;
  if (valid(task.label?.ranking)) return task.label!.ranking!;
  return task.outputs.map((o) => [o.position]);
}

/**
 * N-way ranking: K outputs (K ≤ 9) put in order best first, by drag and drop or by keyboard
 * (number selects, arrows move, `=` ties with the one above). Submitted as groups of positions.
 */
export const RankPane = forwardRef<PaneHandle, Props>(function RankPane(props, ref) {
  const { task, tags, onSubmit, onFocusRoot, onGoToTab } = props;
  const [groups, setGroups] = useState<number[][]>(() => initialGroups(task, props.draft));
  const [rationale, setRationale] = useState(props.draft?.rationale ?? task.label?.rationale ?? '');
  const [selected, setSelected] = useState<number | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const [picker, setPicker] = useState<number | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<{ g: number; zone: Zone } | null>(null);
  const rationaleRef = useRef<HTMLTextAreaElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const revealed = task.label !== null;
  const showModels = revealed && !props.blind;
  const byPosition = new Map(task.outputs.map((o) => [o.position, o]));
  const k = task.outputs.length;

  const onDraft = props.onDraft;
  const commit = (next: number[][], text = rationale) => {
    setHint(null);
    setGroups(next);
    onDraft({ choice: null, strength: null, ranking: next, rationale: text, correction: null });
  };

  const scrollToCard = (pos: number) =>
    requestAnimationFrame(() => listRef.current?.querySelector<HTMLElement>(`[data-position="${pos}"]`)?.scrollIntoView({ block: 'nearest' }));

  const move = (delta: -1 | 1) => {
    if (selected === null) {
      setHint(`Select an output first: its number, 1 … ${k}.`);
      return;
    }
    const { g, size } = locate(groups, selected);
    if (size > 1) commit(place(groups, selected, g, delta < 0 ? 'before' : 'after'));
    else if (g + delta >= 0 && g + delta < groups.length) commit(place(groups, selected, g + delta, delta < 0 ? 'before' : 'after'));
    scrollToCard(selected);
  };

  const tie = () => {
    if (selected === null) {
      setHint(`Select an output first: its number, 1 … ${k}.`);
      return;
    }
    const { g, size } = locate(groups, selected);
    if (size > 1) commit(place(groups, selected, g, 'after'));
    else if (g > 0) commit(place(groups, selected, g - 1, 'join'));
    else setHint('The first output has nothing above it to tie with.');
  };

  const submit = () => onSubmit({ choice: null, strength: null, ranking: groups, rationale, correction: null });

  useImperativeHandle(ref, () => ({
    handleKey(e) {
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (/^[1-9]$/.test(key)) {
        const pos = Number(key) - 1;
        if (pos < k) {
          setSelected(pos);
          setHint(null);
          scrollToCard(pos);
        } else setHint(`This task has ${k} outputs.`);
        return true;
      }
      switch (key) {
        case 'ArrowUp':
        case 'ArrowDown':
          move(key === 'ArrowUp' ? -1 : 1);
          return true;
        case '=':
          tie();
          return true;
        case 'f':
          if (selected === null) setHint('Select the output to tag first: its number.');
          else setPicker(selected);
          return true;
        case 'c':
          rationaleRef.current?.focus();
          return true;
        case 'Enter':
          submit();
          return true;
        case 'Escape':
          setSelected(null);
          setHint(null);
          return false;
        default:
          return false;
      }
    },
  }));

  // ── Drag and drop: onto the top or bottom quarter of a group places before/after it, onto its middle ties.
  const zoneOf = (e: DragEvent<HTMLElement>): Zone => {
    const box = e.currentTarget.getBoundingClientRect();
    const y = (e.clientY - box.top) / Math.max(1, box.height);
    return y < 0.3 ? 'before' : y > 0.7 ? 'after' : 'join';
  };
  const onDragOver = (e: DragEvent<HTMLElement>, g: number) => {
    if (dragging === null) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const zone = zoneOf(e);
    if (dropAt?.g !== g || dropAt.zone !== zone) setDropAt({ g, zone });
  };
  const onDrop = (e: DragEvent<HTMLElement>, g: number) => {
    e.preventDefault();
    const pos = dragging ?? Number(e.dataTransfer.getData('text/plain'));
    if (Number.isInteger(pos) && pos >= 0 && pos < k) {
      commit(place(groups, pos, g, zoneOf(e)));
      setSelected(pos);
    }
    setDragging(null);
    setDropAt(null);
  };

  return (
    <div className="cmp-pane" data-testid="compare-task" data-task-id={task.id} data-kind="rank">
      <div className="cmp-task-head">
        <strong>Ranking of {k}</strong>
        <span className="mono muted">task {task.id}</span>
        {revealed ? <span className="cmp-status done">labeled</span> : <span className="cmp-status">to do</span>}
        <span className="cmp-spacer" />
        <span className="muted small">
          Best first. <kbd>1</kbd>…<kbd>{k}</kbd> select · <kbd>↑</kbd>/<kbd>↓</kbd> move · <kbd>=</kbd> tie · or drag
        </span>
      </div>
      <PromptBlock task={task} />
      <ol className="cmp-rank-list" ref={listRef} aria-label="Ranking, best first">
        {groups.map((group, gi) => (
          <li
            key={group.join('-')}
            className={`cmp-rank-group${group.length > 1 ? ' tied' : ''}${dropAt?.g === gi ? ` drop-${dropAt.zone}` : ''}`}
            onDragOver={(e) => onDragOver(e, gi)}
            onDragLeave={() => setDropAt((d) => (d?.g === gi ? null : d))}
            onDrop={(e) => onDrop(e, gi)}
            aria-label={`Rank ${gi + 1}${group.length > 1 ? ' (tie)' : ''}`}
          >
            <div className="cmp-rank-number" aria-hidden>
              {gi + 1}
              {group.length > 1 && <span className="cmp-tie-mark">tie</span>}
            </div>
            <div className="cmp-rank-cards">
              {group.map((pos) => {
                const output = byPosition.get(pos)!;
                return (
                  <article
                    key={pos}
                    data-position={pos}
                    className={`cmp-card${selected === pos ? ' selected' : ''}${dragging === pos ? ' dragging' : ''}`}
                    draggable
                    aria-label={`Output ${pos + 1}`}
                    aria-current={selected === pos}
                    onDragStart={(e) => {
                      e.dataTransfer.setData('text/plain', String(pos));
                      e.dataTransfer.effectAllowed = 'move';
                      setDragging(pos);
                    }}
                    onDragEnd={() => {
                      setDragging(null);
                      setDropAt(null);
                    }}
                    onClick={() => setSelected(pos)}
                  >
                    <header className="cmp-card-head">
                      <span className="cmp-card-number">{pos + 1}</span>
                      {showModels ? <span className="cmp-model">{output.modelName}</span> : <span className="muted small">model hidden</span>}
                      <SideTags side={`#${pos + 1}`} generationId={output.generationId} tags={tags} />
                      <span className="cmp-drag" aria-hidden title="Drag to reorder">
                        ⠿
                      </span>
                    </header>
                    <div className="cmp-card-body">
                      <Markdown source={output.text} className="cmp-md" />
                      {output.text.trim() === '' && <p className="muted">(empty output)</p>}
                    </div>
                  </article>
                );
              })}
            </div>
          </li>
        ))}
      </ol>
      <footer className="cmp-decide">
        <div className="cmp-choice-row">
          <span className="cmp-summary" data-testid="ranking-summary" aria-live="polite">
            {describeRanking(groups)}
          </span>
        </div>
        {hint && (
          <p className="cmp-hint" role="status">
            {hint}
          </p>
        )}
        <div className="cmp-fields">
          <RationaleField
            ref={rationaleRef}
            value={rationale}
            onChange={(text) => {
              setRationale(text);
              onDraft({ choice: null, strength: null, ranking: groups, rationale: text, correction: null });
            }}
            onSubmit={submit}
            onLeave={onFocusRoot}
          />
        </div>
        <div className="cmp-submit-row">
          <button onClick={submit}>
            {revealed ? 'Replace my ranking' : 'Submit ranking'} <kbd>↵</kbd>
          </button>
          <span className="muted small">
            <kbd>F</kbd> tag the selected output · <kbd>?</kbd> all keys
          </span>
        </div>
      </footer>
      {picker !== null && (
        <TagPicker
          side={`#${picker + 1}`}
          classes={tags.classes.filter((c) => c.retiredAt === null && c.mergedIntoId === null)}
          onApply={(tag) => {
            tags.add(byPosition.get(picker)!.generationId, `#${picker + 1}`, tag);
            setPicker(null);
          }}
          onClose={() => setPicker(null)}
          onManageTaxonomy={() => {
            setPicker(null);
            onGoToTab('Taxonomy');
          }}
        />
      )}
    </div>
  );
});
