import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { scaleRange, type AdjudicatedLabel, type AdjudicationItem, type AdjudicationQueueItem, type DisagreementReason, type ReviewerLabel, type ReviewSession } from '../../../../contract';
import { call, errorText, onEvent } from '../../api';
import { PromptText } from '../../components/PromptText';
import { useToast } from '../../components/Toast';
import { WithReviewer } from '../../reviewer';
import '../leaderboard/leaderboard.css';
import './adjudication.css';

const REASONS: Record<DisagreementReason, string> = {
  pairwise: 'pairwise choice',
  ranking: 'ranking',
  verdict: 'verdict',
  rating: 'rubric rating',
  classes: 'failure classes',
  spans: 'spans',
};
const CHOICES: Record<string, string> = { A: 'A is better', B: 'B is better', tie: 'Tie', both_bad: 'Both bad' };
const itemKey = (i: { kind: string; itemId: number }) => `${i.kind}-${i.itemId}`;
const typing = (t: EventTarget | null) => t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;

/** A reviewer's label as the final label it would make. */
function labelFrom(item: AdjudicationItem, l: ReviewerLabel): AdjudicatedLabel | null {
  if (item.taskKind === 'pair') return l.choice ? { type: 'pair', choice: l.choice } : null;
  if (item.taskKind === 'rank') return l.ranks ? { type: 'rank', ranks: l.ranks } : null;
  if (!l.verdict) return null;
  return {
    type: 'review',
    verdict: l.verdict,
    classIds: [...new Set(l.tags.filter((t) => t.span === null).map((t) => t.classId))],
    spans: l.tags.flatMap((t) => (t.span ? [{ classId: t.classId, start: t.span.start, end: t.span.end }] : [])),
    ratings: l.ratings.map((r) => ({ criterionId: r.criterionId, value: r.value })),
  };
}

/** Review's verdict order (Rubric.tsx: 1 bad, 2 acceptable, 3 good). */
const VERDICTS = ['bad', 'acceptable', 'good'] as const;

/** A criterion's values, lowest first; pass/fail as Fail / Pass. */
function criterionValues(scale: AdjudicationItem['criteria'][number]['scale']): { value: number; label: string }[] {
  if (scale === 'passfail') return [{ value: 0, label: 'Fail' }, { value: 1, label: 'Pass' }];
  const { min, max } = scaleRange(scale);
  return Array.from({ length: max - min + 1 }, (_, i) => ({ value: min + i, label: String(min + i) }));
}

/** Ranks (group per shown position) as "A > B = C". */
function rankText(ranks: number[]): string {
  const letters = ranks.map((_, i) => String.fromCharCode(65 + i));
  const groups = [...new Set(ranks)].sort((a, b) => a - b);
  return groups.map((g) => letters.filter((_, i) => ranks[i] === g).join(' = ')).join(' > ');
}

function labelText(item: AdjudicationItem, label: AdjudicatedLabel | null): string {
  if (!label) return '—';
  if (label.type === 'pair') return CHOICES[label.choice] ?? label.choice;
  if (label.type === 'rank') return rankText(label.ranks);
  const names = new Map(item.labels.flatMap((l) => l.tags.map((t) => [t.classId, t.className] as const)));
  const parts: string[] = [label.verdict];
  const criteria = new Map(item.criteria.map((c) => [c.id, c.name]));
  if (label.ratings?.length) parts.push(label.ratings.map((r) => `${criteria.get(r.criterionId) ?? `criterion #${r.criterionId}`} ${r.value}`).join(', '));
  if (label.classIds.length) parts.push(`classes: ${label.classIds.map((c) => names.get(c) ?? `#${c}`).join(', ')}`);
  if (label.spans.length) parts.push(`${label.spans.length} span${label.spans.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** Code-point slice (spans are stored in code points). */
const sliceCp = (text: string, start: number, end: number) => [...text].slice(start, end).join('');

function ReviewerColumn({ item, label, index, onPick }: { item: AdjudicationItem; label: ReviewerLabel; index: number; onPick: () => void }) {
  const output = item.outputs[0]?.text ?? '';
  return (
    <section className="adj-reviewer" aria-label={`Label by ${label.reviewerName}`}>
      <header>
        <button className="secondary adj-pick" onClick={onPick} title={`Take ${label.reviewerName}'s label (${index + 1})`}>
          <kbd>{index + 1}</kbd> {label.reviewerName}
        </button>
        <strong className="adj-value">{labelText(item, labelFrom(item, label))}</strong>
        {label.strength && <span className="muted small"> ({label.strength})</span>}
      </header>
      {label.ratings.length > 0 && (
        <ul className="adj-ratings">
          {label.ratings.map((r) => (
            <li key={r.criterion}>
              {r.criterion}: <strong>{r.value}</strong>
            </li>
          ))}
        </ul>
      )}
      {label.tags.length > 0 && (
        <ul className="adj-tags">
          {label.tags.map((t, i) => (
            <li key={i}>
              <span className="adj-class">{t.className}</span>{' '}
              {t.span ? <q className="adj-quote">{t.quote ?? sliceCp(output, t.span.start, t.span.end)}</q> : <span className="muted">whole output</span>}
              {t.note && <span className="muted"> — {t.note}</span>}
            </li>
          ))}
        </ul>
      )}
      {label.rationale && <p className="adj-note"><span className="muted">Rationale:</span> {label.rationale}</p>}
      {label.comment && <p className="adj-note"><span className="muted">Comment:</span> {label.comment}</p>}
      {label.correction && <p className="adj-note"><span className="muted">Correction:</span> {label.correction}</p>}
      {label.thinkAloud.length > 0 && (
        <ol className="adj-steps" aria-label="Think-aloud">
          {label.thinkAloud.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Decision({ reviewerId, sessionId, entry, onSaved }: { reviewerId: number; sessionId: number | undefined; entry: AdjudicationQueueItem; onSaved: (entry: AdjudicationQueueItem, revision: number) => void }) {
  const [item, setItem] = useState<AdjudicationItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState<AdjudicatedLabel | null>(null);
  const [rationale, setRationale] = useState('');
  const [saving, setSaving] = useState(false);
  const rationaleRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let live = true;
    setItem(null);
    setError(null);
    call('adjudication.item', { kind: entry.kind, itemId: entry.itemId, reviewerId, ...(sessionId === undefined ? {} : { sessionId }) }).then(
      (it) => {
        if (!live) return;
        setItem(it);
        setLabel(it.adjudication?.label ?? null);
        setRationale(it.adjudication?.rationale ?? '');
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [entry, reviewerId, sessionId]);

  const save = useCallback(async () => {
    if (!item || !label || saving) return;
    setSaving(true);
    try {
      const saved = await call('adjudication.save', { kind: item.kind, itemId: item.itemId, reviewerId, label, rationale, expectedRevision: item.adjudication?.revision ?? 0 });
      onSaved(entry, saved.revision);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  }, [item, label, rationale, reviewerId, saving, entry, onSaved]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!item) return;
      // Enter saves, from the rationale box too (Shift+Enter is a new line there); Esc leaves the box, so the keys work again.
      const inRationale = e.target === rationaleRef.current;
      if (inRationale && e.key === 'Escape') {
        e.preventDefault();
        rationaleRef.current?.blur();
        return;
      }
      if (e.key === 'Enter' && !e.shiftKey && !e.altKey && (!typing(e.target) || inRationale || e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void save();
        return;
      }
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= item.labels.length) {
        e.preventDefault();
        const picked = labelFrom(item, item.labels[n - 1]!);
        if (picked) setLabel(picked);
        return;
      }
      if (item.taskKind === 'pair') {
        const side = ({ a: 'A', b: 'B', t: 'tie', x: 'both_bad' } as const)[e.key.toLowerCase() as 'a' | 'b' | 't' | 'x'];
        if (side) {
          e.preventDefault();
          setLabel({ type: 'pair', choice: side });
        }
      }
      if (e.key === 'r') {
        e.preventDefault();
        rationaleRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [item, save]);

  if (error && !item) return <p className="error">{error}</p>;
  if (!item) return <p className="muted">Loading…</p>;
  const letters = item.outputs.map((_, i) => String.fromCharCode(65 + i));
  const spansOf = (l: AdjudicatedLabel | null) => (l?.type === 'review' ? l.spans : []);

  return (
    <div className="adj-item" aria-label="Disagreement">
      <section className="adj-prompt" aria-label="Prompt">
        <span className="muted small">Prompt {item.promptId}</span>
        <PromptText prompt={item.prompt} />
        {item.renderedPrompt && (
          <details className="rendered">
            <summary>As the model saw it</summary>
            <pre className="rendered-prompt">{item.renderedPrompt}</pre>
          </details>
        )}
      </section>
      <div className={`adj-outputs n${item.outputs.length}`}>
        {item.outputs.map((o, i) => (
          <figure key={o.generationId} className="adj-output" aria-label={item.taskKind ? `Output ${letters[i]}` : 'Output'}>
            <figcaption>
              {item.taskKind ? `Output ${letters[i]}` : 'Output'} <span className="badge">{o.modelName}</span> <span className="muted small">#{o.generationId}</span>
            </figcaption>
            <pre>{o.text}</pre>
          </figure>
        ))}
      </div>
      <p className="muted small">Reviewers disagree on: {item.reasons.map((r) => REASONS[r]).join(', ') || 'nothing (they agree now)'}</p>
      <div className="adj-reviewers">
        {item.labels.map((l, i) => (
          <ReviewerColumn key={l.reviewerId} item={item} label={l} index={i} onPick={() => setLabel(labelFrom(item, l))} />
        ))}
      </div>
      <section className="adj-final" aria-label="Final label">
        <h3>Final label</h3>
        {item.taskKind === 'pair' && (
          <div className="adj-sides" role="group" aria-label="Choice">
            {(['A', 'B', 'tie', 'both_bad'] as const).map((c) => (
              <button key={c} className={label?.type === 'pair' && label.choice === c ? '' : 'secondary'} aria-pressed={label?.type === 'pair' && label.choice === c} onClick={() => setLabel({ type: 'pair', choice: c })}>
                <kbd>{c === 'both_bad' ? 'X' : c === 'tie' ? 'T' : c}</kbd> {CHOICES[c]}
              </button>
            ))}
          </div>
        )}
        {item.kind === 'review' && (
          <div className="adj-sides" role="group" aria-label="Verdict">
            {VERDICTS.map((v) => (
              <button
                key={v}
                className={label?.type === 'review' && label.verdict === v ? '' : 'secondary'}
                aria-pressed={label?.type === 'review' && label.verdict === v}
                onClick={() => setLabel(label?.type === 'review' ? { ...label, verdict: v } : { type: 'review', verdict: v, classIds: [], spans: [] })}
              >
                {v}
              </button>
            ))}
          </div>
        )}
        {item.kind === 'review' &&
          item.criteria.map((c) => {
            const current = label?.type === 'review' ? label.ratings?.find((r) => r.criterionId === c.id)?.value : undefined;
            const rate = (value: number) => {
              if (label?.type !== 'review') return;
              setLabel({ ...label, ratings: [...(label.ratings ?? []).filter((r) => r.criterionId !== c.id), { criterionId: c.id, value }].sort((x, y) => item.criteria.findIndex((k) => k.id === x.criterionId) - item.criteria.findIndex((k) => k.id === y.criterionId)) });
            };
            return (
              <div key={c.id} className="adj-sides adj-rating" role="group" aria-label={`Rating: ${c.name}`}>
                <span className="adj-criterion">{c.name}</span>
                {criterionValues(c.scale).map((v) => (
                  <button key={v.value} className={current === v.value ? '' : 'secondary'} aria-pressed={current === v.value} onClick={() => rate(v.value)} disabled={label?.type !== 'review'} title={label?.type === 'review' ? undefined : 'Choose a verdict or take a reviewer\'s label first'}>
                    {v.label}
                  </button>
                ))}
              </div>
            );
          })}
        <p data-testid="adj-final-value">
          {label && <strong>{labelText(item, label)}</strong>}
          {spansOf(label).map((s, i) => (
            <q key={i} className="adj-quote">
              {sliceCp(item.outputs[0]?.text ?? '', s.start, s.end)}
            </q>
          ))}
          {!label && <span className="muted">None yet: press a number to take a reviewer's label{item.taskKind === 'pair' ? ', or A / B / T / X for a side' : ''}.</span>}
        </p>
        <label className="adj-rationale">
          Rationale (R)
          <textarea ref={rationaleRef} value={rationale} rows={2} onChange={(e) => setRationale(e.target.value)} placeholder="Why this label (kept with the adjudication) · Enter saves, Shift+Enter new line, Esc leaves" />
        </label>
        {error && <p className="error">{error}</p>}
        <div className="actions">
          <button onClick={() => void save()} disabled={!label || saving}>
            Save final label (Enter)
          </button>
          {item.adjudication && (
            <span className="muted small">
              Revision {item.adjudication.revision} by {item.adjudication.adjudicatorName}
            </span>
          )}
        </div>
      </section>
    </div>
  );
}

function Adjudication({ reviewerId }: { reviewerId: number }) {
  const toast = useToast();
  const [sessions, setSessions] = useState<ReviewSession[]>([]);
  const [sessionId, setSessionId] = useState<number | undefined>(undefined);
  const [items, setItems] = useState<AdjudicationQueueItem[] | null>(null);
  const [done, setDone] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(() => {
    const id = ++request.current;
    call('sessions.list', {}).then(setSessions, () => setSessions([]));
    call('adjudication.queue', { pendingOnly: true, ...(sessionId === undefined ? {} : { sessionId }) }).then(
      (q) => {
        if (id !== request.current) return;
        setItems(q.items);
        setDone(q.adjudicated);
        setError(null);
        setSelected((s) => (s && q.items.some((i) => itemKey(i) === s) ? s : q.items[0] ? itemKey(q.items[0]) : null));
      },
      (e: unknown) => id === request.current && setError(errorText(e)),
    );
  }, [sessionId]);
  useEffect(load, [load]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, 500);
    };
    const offs = [onEvent('onDidChangeComparisons', later), onEvent('onDidChangeReview', later)];
    return () => {
      offs.forEach((off) => off());
      if (timer) clearTimeout(timer);
    };
  }, [load]);

  const index = useMemo(() => (items ?? []).findIndex((i) => itemKey(i) === selected), [items, selected]);
  const entry = index >= 0 ? items![index]! : null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey || !items?.length) return;
      if (e.key === 'j' || e.key === 'k') {
        e.preventDefault();
        const next = Math.min(items.length - 1, Math.max(0, index + (e.key === 'j' ? 1 : -1)));
        setSelected(itemKey(items[next]!));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, index]);

  const onSaved = useCallback(
    (saved: AdjudicationQueueItem, revision: number) => {
      setItems((list) => {
        if (!list) return list;
        const at = list.findIndex((i) => itemKey(i) === itemKey(saved));
        const rest = list.filter((i) => itemKey(i) !== itemKey(saved));
        setSelected(rest[Math.min(at, rest.length - 1)] ? itemKey(rest[Math.min(at, rest.length - 1)]!) : null);
        return rest;
      });
      setDone((d) => d + 1);
      toast.show(`Adjudicated ${saved.kind === 'review' ? 'output' : 'task'} ${saved.itemId} (prompt ${saved.promptId}).`, {
        action: {
          label: 'Undo',
          run: () =>
            void call('adjudication.undo', { kind: saved.kind, itemId: saved.itemId, reviewerId, revision }).then(
              () => {
                setSelected(itemKey(saved));
                load();
              },
              (e: unknown) => toast.show(errorText(e), { kind: 'error' }),
            ),
        },
      });
    },
    [toast, reviewerId, load],
  );

  return (
    <div className="leaderboard adjudication" aria-label="Adjudication">
      <header className="lb-header">
        <h2>Adjudication</h2>
        <select aria-label="Scope" value={sessionId ?? ''} onChange={(e) => setSessionId(e.target.value ? Number(e.target.value) : undefined)}>
          <option value="">Whole workspace</option>
          {sessions.map((x) => (
            <option key={x.id} value={x.id}>
              Session: {x.name}
              {x.closedAt !== null ? ' (closed)' : ''}
            </option>
          ))}
        </select>
        <span className="lb-total muted" data-testid="adj-total" aria-live="polite">
          {items ? `${items.length} to adjudicate · ${done} adjudicated` : 'Loading…'}
        </span>
        <button className="secondary" onClick={load}>
          Refresh
        </button>
      </header>
      {error && <p className="error">{error}</p>}
      {items && items.length === 0 ? (
        <div className="page empty adj-empty">
          <h3>No disagreements in this scope</h3>
          <p className="muted">
            Items appear here when two or more reviewers labelled them differently: pairwise choices, rankings, verdicts and ratings, failure classes, or spans that barely overlap.
            {done > 0 ? ` ${done} already adjudicated.` : ''}
          </p>
        </div>
      ) : (
        <div className="adj-layout">
          <ul className="adj-queue" role="listbox" aria-label="Disagreements">
            {(items ?? []).map((i) => (
              <li key={itemKey(i)} role="option" aria-selected={itemKey(i) === selected} className={itemKey(i) === selected ? 'selected' : ''} onClick={() => setSelected(itemKey(i))}>
                <span className="adj-kind">{i.kind === 'review' ? 'Output' : i.taskKind === 'rank' ? 'Ranking' : 'Pair'}</span> <span className="muted small">{i.promptId}</span>
                <br />
                <span className="small">{i.reasons.map((r) => REASONS[r]).join(', ')}</span> <span className="muted small">· {i.reviewers} reviewers</span>
              </li>
            ))}
          </ul>
          <div className="adj-detail">
            {entry ? <Decision key={itemKey(entry)} reviewerId={reviewerId} sessionId={sessionId} entry={entry} onSaved={onSaved} /> : null}
            <p className="muted small adj-keys">
              <kbd>J</kbd>/<kbd>K</kbd> move · <kbd>1</kbd>–<kbd>9</kbd> take a reviewer's label · <kbd>A</kbd> <kbd>B</kbd> <kbd>T</kbd> <kbd>X</kbd> pick a side · <kbd>R</kbd> rationale (<kbd>Esc</kbd> leaves it) · <kbd>Enter</kbd> save
            </p>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * Adjudication: the items where reviewers disagree (adjudication.queue) in the workspace or a
 * session, each reviewer's label side by side with rationales, notes and quoted spans, and the
 * final label the adjudicator (the chosen reviewer) records; reviewers' labels are never changed.
 */
export function AdjudicationView() {
  return (
    <WithReviewer question="Who is adjudicating?" why="The final label records its adjudicator." className="adjudication">
      {(reviewerId) => <Adjudication reviewerId={reviewerId} />}
    </WithReviewer>
  );
}
