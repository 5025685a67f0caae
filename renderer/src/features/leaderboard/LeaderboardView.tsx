import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Leaderboard, Template } from '../../../../contract';
import { call, errorText, onEvent } from '../../api';
import { goToTab } from '../../navigation';
import { useReviewers } from '../../reviewer';
import type { RatingRow } from './RatingsChart';
import './leaderboard.css';

const RatingsChart = lazy(() => import('./RatingsChart'));

const BOOTSTRAP = 200;

interface Filter {
  tag?: string;
  reviewerId?: number;
  templateId?: number;
}

function pct(x: number | null, digits = 0): string {
  return x === null ? '—' : `${(x * 100).toFixed(digits)}%`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * The engine gives strengths (log scale) with their intervals and a display rating; the rating is
 * an affine function of the strength. Its slope is read from the models themselves (so the interval
 * is drawn on the same scale as the rating), the usual Elo slope 400/ln 10 when they cannot tell.
 */
function ratingScale(models: Leaderboard['models']): (strength: number) => number {
  let slope = 400 / Math.LN10;
  const sorted = [...models].sort((a, b) => a.strength - b.strength);
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  if (lo && hi && hi.strength - lo.strength > 1e-9) slope = (hi.rating - lo.rating) / (hi.strength - lo.strength);
  const ref = models[0];
  const offset = ref ? ref.rating - slope * ref.strength : 1000;
  return (s) => offset + slope * s;
}

/** "9 comparisons · 10 labels": labels include both-bad ones, which the fit leaves out. */
const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;

/** Every label in the filter, both-bad ones and those between samples of one model included. */
function labelCount(board: Leaderboard): number {
  return board.reviewers.reduce((sum, r) => sum + r.labels, 0);
}

function totals(board: Leaderboard): string {
  const labels = labelCount(board);
  return `${plural(board.comparisons, 'comparison')} · ${plural(labels, 'label')}`;
}

/** Background of a win-rate cell: green when the row model wins, red when it loses, none at 50%. */
function heat(rate: number | null): string | undefined {
  if (rate === null) return undefined;
  const t = Math.min(1, Math.abs(rate - 0.5) * 2);
  const alpha = (0.08 + 0.5 * t).toFixed(2);
  return rate >= 0.5 ? `rgba(46, 125, 50, ${alpha})` : `rgba(190, 60, 50, ${alpha})`;
}

/**
 * Leaderboard: Bradley–Terry ratings fitted on every pairwise outcome (ties count half) with
 * bootstrap 95% intervals, as a table and a chart; the win-rate matrix; label quality (position
 * bias, reviewers, agreement). Filters: prompt tag, reviewer, template.
 */
export function LeaderboardView() {
  const { reviewers } = useReviewers();
  const [filter, setFilter] = useState<Filter>({});
  const [board, setBoard] = useState<Leaderboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tags, setTags] = useState<{ tag: string; count: number }[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [version, setVersion] = useState(0);
  const request = useRef(0);

  useEffect(() => {
    call('prompts.tags', {}).then(setTags, () => undefined);
    call('templates.list', {}).then(setTemplates, () => undefined);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = onEvent('onDidChangeComparisons', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), 500);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, []);

  const load = useCallback(() => {
    const id = ++request.current;
    setLoading(true);
    call('comparisons.leaderboard', { ...filter, bootstrap: BOOTSTRAP, seed: 1 }).then(
      (b) => {
        if (id !== request.current) return;
        setBoard(b);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== request.current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
  }, [filter]);
  useEffect(load, [load, version]);

  const toRating = useMemo(() => (board ? ratingScale(board.models) : null), [board]);
  // Best first; `index` keeps the engine's order, which the matrices use.
  const ranked = useMemo(
    () => (board ? board.models.map((m, index) => ({ ...m, index })).sort((a, b) => b.strength - a.strength || a.name.localeCompare(b.name)) : []),
    [board],
  );
  const chartRows: RatingRow[] = useMemo(
    () =>
      toRating
        ? ranked.map((m) => {
            const low = toRating(m.low);
            const high = toRating(m.high);
            return { name: m.name, rating: m.rating, low, high, err: [Math.max(0, m.rating - low), Math.max(0, high - m.rating)], comparisons: m.comparisons };
          })
        : [],
    [ranked, toRating],
  );
  const mean = toRating ? toRating(0) : null;
  const filtered = filter.tag !== undefined || filter.reviewerId !== undefined || filter.templateId !== undefined;

  const bias = board?.positionBias;
  const biasVerdict =
    !bias || bias.leftWinRate === null || bias.low === null || bias.high === null
      ? null
      : bias.low > 0.5
        ? 'The interval is above 50%: the left side (A) wins more often than chance.'
        : bias.high < 0.5
          ? 'The interval is below 50%: the right side (B) wins more often than chance.'
          : 'The interval includes 50%: no sign of a position bias.';

  return (
    <div className="leaderboard" aria-label="Leaderboard">
      <header className="lb-header">
        <h2>Leaderboard</h2>
        <div className="lb-filters">
          <select aria-label="Prompt tag" value={filter.tag ?? ''} onChange={(e) => setFilter((f) => ({ ...f, tag: e.target.value || undefined }))}>
            <option value="">Any prompt tag</option>
            {tags.map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.count})
              </option>
            ))}
          </select>
          <select
            aria-label="Reviewer"
            value={filter.reviewerId ?? ''}
            onChange={(e) => setFilter((f) => ({ ...f, reviewerId: e.target.value ? Number(e.target.value) : undefined }))}
          >
            <option value="">All reviewers</option>
            {reviewers.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Template"
            value={filter.templateId ?? ''}
            onChange={(e) => setFilter((f) => ({ ...f, templateId: e.target.value ? Number(e.target.value) : undefined }))}
          >
            <option value="">Any template</option>
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          {filtered && (
            <button className="link" onClick={() => setFilter({})}>
              Clear filters
            </button>
          )}
        </div>
        <span className="lb-total muted" data-testid="lb-total" aria-live="polite">
          {loading ? 'Fitting…' : board ? totals(board) : ''}
        </span>
      </header>

      {error && (
        <div className="lb-section">
          <p className="error">{error}</p>
          <button className="secondary" onClick={load}>
            Try again
          </button>
        </div>
      )}

      {board && board.comparisons === 0 && !error && (
        <div className="empty lb-empty">
          <h3>{filtered ? 'No comparisons in this filter' : labelCount(board) > 0 ? 'No comparisons between models yet' : 'No comparisons yet'}</h3>
          <p>
            {filtered
              ? 'Clear a filter, or label more tasks that match it.'
              : labelCount(board) > 0
                ? `The ${plural(labelCount(board), 'label')} so far compare outputs of one model (samples of it, or the chosen and rejected sides of an imported dataset), or say both are bad. They export as preference pairs, but only labels between two different models rank models here: create tasks from prompts that more than one model answered.`
                : 'Label pairs or rankings on the Compare tab; the ratings, their intervals and the win rates appear here as labels come in.'}
          </p>
          {!filtered && (
            <div className="actions">
              <button onClick={() => goToTab('Compare')}>Go to Compare</button>
            </div>
          )}
        </div>
      )}

      {board && board.comparisons > 0 && (
        <div className={`lb-body${loading ? ' stale' : ''}`}>
          <section className="lb-section lb-ratings">
            <div className="lb-table-wrap">
              <h3>Bradley–Terry ratings</h3>
              <table className="lb-table" aria-label="Ratings">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Model</th>
                    <th className="num">Rating</th>
                    <th className="num">95% interval</th>
                    <th className="num">Comparisons</th>
                  </tr>
                </thead>
                <tbody>
                  {chartRows.map((r, i) => (
                    <tr key={ranked[i]!.modelId} data-model={r.name}>
                      <td className="num">{i + 1}</td>
                      <th scope="row">{r.name}</th>
                      <td className="num strong">{Math.round(r.rating)}</td>
                      <td className="num">
                        {Math.round(r.low)} – {Math.round(r.high)}
                      </td>
                      <td className="num" data-testid="model-comparisons">
                        {r.comparisons.toLocaleString()}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted small">
                Maximum-likelihood Bradley–Terry on every pairwise outcome (a tie counts half; an N-way ranking counts as its pairs; “both bad” says neither is better and is left out). Intervals: {BOOTSTRAP} bootstrap resamples of
                the labels. Ratings on an Elo-like scale; the dashed line is the average model.
              </p>
            </div>
            <div className="lb-chart-wrap">
              <Suspense fallback={<p className="muted">Loading the chart…</p>}>
                <RatingsChart rows={chartRows} mean={mean} />
              </Suspense>
            </div>
          </section>

          <section className="lb-section">
            <h3>Win rates</h3>
            <p className="muted small">Share of comparisons the row model won against the column model (ties count half), and how many there were.</p>
            <div className="lb-scroll">
              <table className="lb-matrix" aria-label="Win rate matrix">
                <thead>
                  <tr>
                    <th scope="col" className="corner">
                      <span className="muted small">row vs column</span>
                    </th>
                    {ranked.map((c) => (
                      <th key={c.modelId} scope="col" title={c.name}>
                        {c.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {ranked.map((r) => (
                    <tr key={r.modelId}>
                      <th scope="row" title={r.name}>
                        {r.name}
                      </th>
                      {ranked.map((c) => {
                        if (r.index === c.index) {
                          return (
                            <td key={c.modelId} className="diag">
                              —
                            </td>
                          );
                        }
                        const rate = board.winRate[r.index]?.[c.index] ?? null;
                        const n = board.counts[r.index]?.[c.index] ?? 0;
                        return (
                          <td key={c.modelId} style={{ background: heat(rate) }} title={`${r.name} vs ${c.name}: ${pct(rate, 1)} of ${n}`}>
                            <span className="rate">{pct(rate)}</span>
                            <span className="n">n = {n}</span>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <div className="lb-quality">
            <section className="lb-section">
              <h3>Position bias</h3>
              {bias && bias.leftWinRate !== null ? (
                <>
                  <p className="lb-big">
                    Left (A) wins <strong>{pct(bias.leftWinRate, 1)}</strong>
                  </p>
                  <BiasBar rate={bias.leftWinRate} low={bias.low} high={bias.high} />
                  <p className="small">
                    95% interval {pct(bias.low, 1)} – {pct(bias.high, 1)} over {bias.decided.toLocaleString()} decided pairs (ties and both bad left out). {biasVerdict}
                  </p>
                </>
              ) : (
                <p className="muted small">No decided pairwise labels yet.</p>
              )}
            </section>

            <section className="lb-section">
              <h3>Reviewers</h3>
              {board.reviewers.length === 0 ? (
                <p className="muted small">Nobody yet.</p>
              ) : (
                <table className="lb-table" aria-label="Reviewers">
                  <thead>
                    <tr>
                      <th>Reviewer</th>
                      <th className="num">Labels</th>
                      <th className="num">Median time</th>
                    </tr>
                  </thead>
                  <tbody>
                    {board.reviewers.map((r) => (
                      <tr key={r.reviewerId}>
                        <th scope="row">{r.name}</th>
                        <td className="num">{r.labels.toLocaleString()}</td>
                        <td className="num">{duration(r.medianTimeMs)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <p className="muted small">Median time per comparison, counted while the task was open and the window in use.</p>
            </section>

            <section className="lb-section">
              <h3>Agreement</h3>
              {board.agreement.length === 0 ? (
                <p className="muted small">Needs the same pair labeled by two or more reviewers.</p>
              ) : (
                <ul className="lb-agreement">
                  {board.agreement.map((a) => (
                    <li key={a.method} className={a.value === null ? 'none' : undefined}>
                      {a.value !== null && <span className="lb-big">{a.value.toFixed(3)}</span>}
                      <span className="lb-method">{a.method}</span>
                      {a.value !== null || a.items > 0 ? (
                        <span className="muted small">
                          over {a.items.toLocaleString()} item{a.items === 1 ? '' : 's'} labeled by two or more reviewers{a.value === null ? ' (too few to compute)' : ''}
                        </span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </div>
      )}
      {!board && !error && <p className="muted lb-section">Fitting…</p>}
    </div>
  );
}

/** 0–100% with the 50% line, the interval as a band and the estimate as a tick. */
function BiasBar({ rate, low, high }: { rate: number; low: number | null; high: number | null }) {
  return (
    <div className="lb-bias" aria-hidden>
      {low !== null && high !== null && <div className="lb-bias-band" style={{ left: `${low * 100}%`, width: `${Math.max(0.5, (high - low) * 100)}%` }} />}
      <div className="lb-bias-mid" />
      <div className="lb-bias-tick" style={{ left: `${rate * 100}%` }} />
      <span className="lb-bias-label left">0%</span>
      <span className="lb-bias-label mid">50%</span>
      <span className="lb-bias-label right">100%</span>
    </div>
  );
}
