import { forwardRef, useImperativeHandle, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ComparisonOutput, ComparisonTask, PairChoice, Strength } from '../../../../contract';
import { Markdown } from '../../components/Markdown';
import { PromptBlock } from './PromptBlock';
import { describeChoice, fieldKeys, nextStrength, RationaleField, SideTags, STRENGTHS, type Draft, type LabelValues, type PaneHandle, type TagApi } from './shared';
import { TagPicker } from './TagPicker';
import { wordDiff, type DiffPiece } from './wordDiff';

interface Props {
  task: ComparisonTask;
  draft: Draft | undefined;
  onDraft: (draft: Draft) => void;
  tags: TagApi;
  /** A blind study: no model name, even once labeled. */
  blind: boolean;
  diffOn: boolean;
  syncOn: boolean;
  onToggleDiff: () => void;
  onToggleSync: () => void;
  onSubmit: (values: LabelValues) => void;
  onFocusRoot: () => void;
  onGoToTab: (label: string) => void;
}

const CHOICES: { value: PairChoice; label: string; key: string }[] = [
  { value: 'A', label: 'A is better', key: '1' },
  { value: 'tie', label: 'Tie', key: 'T' },
  { value: 'both_bad', label: 'Both bad', key: 'B' },
  { value: 'B', label: 'B is better', key: '2' },
];

function initialDraft(task: ComparisonTask, draft: Draft | undefined): Draft {
  if (draft) return draft;
  const l = task.label;
  return { choice: l?.choice ?? null, strength: l?.strength ?? null, ranking: null, rationale: l?.rationale ?? '', correction: l?.correction ?? null };
}

/**
 * A against B: the two outputs side by side (shuffled sides, model names hidden until labeled),
 * optional word diff and synced scrolling; choice, strength, rationale, tags and a correction when
 * both are bad.
 */
export const PairPane = forwardRef<PaneHandle, Props>(function PairPane(props, ref) {
  const { task, tags, diffOn, syncOn, onToggleDiff, onToggleSync, onSubmit, onFocusRoot, onGoToTab } = props;
  const [state, setState] = useState<Draft>(() => initialDraft(task, props.draft));
  const [hint, setHint] = useState<string | null>(null);
  const [picker, setPicker] = useState<number | null>(null);
  const rationaleRef = useRef<HTMLTextAreaElement>(null);
  const correctionRef = useRef<HTMLTextAreaElement>(null);
  const bodies = useRef<(HTMLDivElement | null)[]>([]);
  const scrolling = useRef<HTMLDivElement | null>(null);
  const revealed = task.label !== null;
  const showModels = revealed && !props.blind;
  const [a, b] = [task.outputs[0]!, task.outputs[1]!];

  const onDraft = props.onDraft;
  const update = (patch: Partial<Draft>) => {
    setHint(null);
    setState((s) => {
      const next = { ...s, ...patch };
      onDraft(next);
      return next;
    });
  };

  const choose = (choice: PairChoice) => {
    if (choice === 'A' || choice === 'B') {
      // Pressing the same side again grades it up: slightly → clearly → much → slightly.
      update({ choice, strength: state.choice === choice ? nextStrength(state.strength) : (state.strength ?? 'slightly') });
    } else {
      // A correction begun under "both bad" and left empty goes away with another choice.
      update({ choice, strength: null, correction: choice !== 'both_bad' && !state.correction?.trim() ? null : state.correction });
    }
  };

  const setStrength = (strength: Strength) => {
    if (state.choice !== 'A' && state.choice !== 'B') {
      setHint('Strength grades a win: choose A (1) or B (2) first.');
      return;
    }
    update({ strength });
  };

  const submit = () => {
    if (!state.choice) {
      setHint('Choose first: 1 (A better), 2 (B better), T (tie) or B (both bad).');
      return;
    }
    const correction = state.choice === 'both_bad' && state.correction?.trim() ? state.correction : null;
    onSubmit({
      choice: state.choice,
      strength: state.choice === 'A' || state.choice === 'B' ? (state.strength ?? 'slightly') : null,
      ranking: null,
      rationale: state.rationale,
      correction,
    });
  };

  const openCorrection = () => {
    if (state.choice !== 'both_bad') {
      setHint('A correction goes with “Both bad” (B).');
      return;
    }
    if (state.correction === null) update({ correction: '' });
    setTimeout(() => correctionRef.current?.focus(), 0);
  };

  useImperativeHandle(ref, () => ({
    handleKey(e) {
      const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      switch (k) {
        case '1':
          choose('A');
          return true;
        case '2':
          choose('B');
          return true;
        case 't':
          choose('tie');
          return true;
        case 'b':
          choose('both_bad');
          return true;
        case 'q':
          setStrength('slightly');
          return true;
        case 'w':
          setStrength('clearly');
          return true;
        case 'e':
          setStrength('much');
          return true;
        case 'c':
          rationaleRef.current?.focus();
          return true;
        case 'r':
          openCorrection();
          return true;
        case 'd':
          onToggleDiff();
          return true;
        case 's':
          onToggleSync();
          return true;
        case '[':
          setPicker(0);
          return true;
        case ']':
          setPicker(1);
          return true;
        case 'Enter':
          submit();
          return true;
        case 'Escape':
          setHint(null);
          return false;
        default:
          return false;
      }
    },
  }));

  // Synced scrolling: the other side follows at the same fraction of its height.
  const onScroll = (index: number) => {
    if (!syncOn) return;
    const from = bodies.current[index];
    const to = bodies.current[1 - index];
    if (!from || !to || (scrolling.current && scrolling.current !== from)) return;
    scrolling.current = from;
    const range = from.scrollHeight - from.clientHeight;
    const fraction = range > 0 ? from.scrollTop / range : 0;
    to.scrollTop = fraction * (to.scrollHeight - to.clientHeight);
    requestAnimationFrame(() => {
      if (scrolling.current === from) scrolling.current = null;
    });
  };

  const diff = useMemo(() => (diffOn ? wordDiff(a.text, b.text) : null), [diffOn, a.text, b.text]);

  const side = (output: ComparisonOutput, index: number): ReactNode => {
    const name = index === 0 ? 'A' : 'B';
    const pieces = diff ? (index === 0 ? diff.left : diff.right) : null;
    return (
      <section className={`cmp-side${state.choice === name ? ' winner' : state.choice === (index === 0 ? 'B' : 'A') ? ' loser' : ''}`} aria-label={`Output ${name}`} data-side={name}>
        <header className="cmp-side-head">
          <span className="cmp-side-name">{name}</span>
          {showModels ? (
            <span className="cmp-model" title="Shown once you have labeled this task">
              {output.modelName}
            </span>
          ) : (
            <span className="muted small">model hidden</span>
          )}
          <SideTags side={name} generationId={output.generationId} tags={tags} />
          <button className="link small cmp-tag-button" onClick={() => setPicker(index)} title={`Tag a failure on ${name}`}>
            Tag <kbd>{index === 0 ? '[' : ']'}</kbd>
          </button>
        </header>
        <div className="cmp-side-body" ref={(el) => void (bodies.current[index] = el)} onScroll={() => onScroll(index)} tabIndex={-1} data-testid={`output-${name}`}>
          {pieces ? <DiffText pieces={pieces} kind={index === 0 ? 'del' : 'ins'} /> : <Markdown source={output.text} className="cmp-md" />}
          {output.text.trim() === '' && <p className="muted">(empty output)</p>}
        </div>
      </section>
    );
  };

  const won = state.choice === 'A' || state.choice === 'B';
  return (
    <div className="cmp-pane" data-testid="compare-task" data-task-id={task.id} data-kind="pair">
      <div className="cmp-task-head">
        <strong>Pair</strong>
        <span className="mono muted">task {task.id}</span>
        {revealed ? <span className="cmp-status done">labeled</span> : <span className="cmp-status">to do</span>}
        <span className="cmp-spacer" />
        <label className="cmp-toggle" title="Word diff highlight (D)">
          <input
            type="checkbox"
            checked={diffOn}
            onChange={() => {
              onToggleDiff();
              onFocusRoot();
            }}
          />{' '}
          Diff <kbd>D</kbd>
        </label>
        <label className="cmp-toggle" title="Synced scrolling (S)">
          <input
            type="checkbox"
            checked={syncOn}
            onChange={() => {
              onToggleSync();
              onFocusRoot();
            }}
          />{' '}
          Sync scroll <kbd>S</kbd>
        </label>
      </div>
      <PromptBlock task={task} />
      {diffOn && !diff && <p className="notice cmp-notice">These outputs differ too much (or are too long) for a useful word diff; shown as text.</p>}
      <div className="cmp-sides">
        {side(a, 0)}
        {side(b, 1)}
      </div>
      <footer className="cmp-decide">
        <div className="cmp-choice-row">
          <div className="cmp-choices" role="radiogroup" aria-label="Preference">
            {CHOICES.map((c) => (
              <button
                key={c.value}
                role="radio"
                aria-checked={state.choice === c.value}
                className={`cmp-choice cmp-choice-${c.value}${state.choice === c.value ? ' on' : ''}`}
                onClick={() => choose(c.value)}
              >
                {c.label} <kbd>{c.key}</kbd>
              </button>
            ))}
          </div>
          <div className={`cmp-strength${won ? '' : ' inactive'}`} role="radiogroup" aria-label="Strength">
            {STRENGTHS.map((s) => (
              <button
                key={s.value}
                role="radio"
                aria-checked={won && state.strength === s.value}
                disabled={!won}
                className={`chip${won && state.strength === s.value ? ' on' : ''}`}
                onClick={() => setStrength(s.value)}
              >
                {s.label} <kbd>{s.key}</kbd>
              </button>
            ))}
          </div>
          <span className="cmp-summary" data-testid="choice-summary" aria-live="polite">
            {describeChoice(state.choice, won ? (state.strength ?? 'slightly') : null)}
          </span>
        </div>
        {hint && (
          <p className="cmp-hint" role="status">
            {hint}
          </p>
        )}
        <div className="cmp-fields">
          <RationaleField ref={rationaleRef} value={state.rationale} onChange={(rationale) => update({ rationale })} onSubmit={submit} onLeave={onFocusRoot} />
          {state.choice === 'both_bad' && (
            <div className="cmp-correction">
              {state.correction === null ? (
                <p className="small">
                  Both bad: write a correction? It wins over both outputs at export.{' '}
                  <button className="link" onClick={openCorrection}>
                    Write a correction <kbd>R</kbd>
                  </button>
                </p>
              ) : (
                <label>
                  <span>
                    Correction <span className="muted">(a good answer; empty: none)</span>
                    <button className="link small" onClick={() => update({ correction: a.text })}>
                      Start from A
                    </button>
                    <button className="link small" onClick={() => update({ correction: b.text })}>
                      Start from B
                    </button>
                  </span>
                  <textarea
                    ref={correctionRef}
                    rows={3}
                    value={state.correction}
                    maxLength={200_000}
                    aria-label="Correction"
                    onChange={(e) => update({ correction: e.target.value })}
                    onKeyDown={(e) => fieldKeys(e, submit, onFocusRoot)}
                  />
                </label>
              )}
            </div>
          )}
        </div>
        <div className="cmp-submit-row">
          <button onClick={submit} disabled={!state.choice}>
            {revealed ? 'Replace my label' : 'Submit'} <kbd>↵</kbd>
          </button>
          <span className="muted small">
            <kbd>?</kbd> all keys · <kbd>J</kbd>/<kbd>K</kbd> move
          </span>
        </div>
      </footer>
      {picker !== null && (
        <TagPicker
          side={picker === 0 ? 'A' : 'B'}
          classes={tags.classes.filter((c) => c.retiredAt === null && c.mergedIntoId === null)}
          onApply={(tag) => {
            const output = task.outputs[picker]!;
            tags.add(output.generationId, picker === 0 ? 'A' : 'B', tag);
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

function DiffText({ pieces, kind }: { pieces: DiffPiece[]; kind: 'del' | 'ins' }) {
  return (
    <div className="cmp-diff">
      {pieces.map((p, i) =>
        p.changed ? (
          <mark key={i} className={`cmp-${kind}`}>
            {p.text}
          </mark>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </div>
  );
}
