import { useCallback, useEffect, useRef, useState } from 'react';
import type { AgreementRow, QualityKind, QualityReport, ReviewSession, SessionProgress } from '../../../../contract';
import { call, errorText, onEvent } from '../../api';
import { goToTab } from '../../navigation';
import '../leaderboard/leaderboard.css';
import './quality.css';
import { useWindowKeydown } from '../../components/keyboard';

const KIND_NAMES: Record<QualityKind, string> = {
  verdict: 'Verdicts',
  rating: 'Rubric ratings',
  classes: 'Failure classes',
  spans: 'Span tags',
  pairwise: 'Pairwise choices',
  ranking: 'N-way rankings',
};
const NEEDS_TWO = 'Needs at least two reviewers on the same items.';

const pct = (x: number | null, digits = 0) => (x === null ? '—' : `${(x * 100).toFixed(digits)}%`);
const num = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));
const isShare = (measure: string) => measure.startsWith('agreement') || measure === 'span F1';
const signed = (x: number | null) => (x === null ? '—' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(2)}`);

/** A proportion with its interval and n: "52% (41–63%) of 80". */
function Interval({ p }: { p: QualityReport['reviewers'][number]['leftWinRate'] }) {
  if (p.value === null) return <span className="muted">— (none decided)</span>;
  return (
    <span title={p.method}>
      <strong>{pct(p.value)}</strong>{' '}
      <span className="muted">
        ({pct(p.low)}–{pct(p.high)}) of {p.trials.toLocaleString()}
      </span>
    </span>
  );
}

/** A rate from the sessions service (gold accuracy, swap flips). */
function Rate({ r, none, method }: { r: SessionProgress['reviewers'][number]['gold'] | undefined; none: string; method: string }) {
  if (!r || r.value === null) return <span className="muted">— ({none})</span>;
  return <Interval p={{ value: r.value, low: r.low, high: r.high, successes: r.successes, trials: r.n, method }} />;
}

/**
 * Quality: agreement between reviewers on everything labelled (one table per kind of label, with
 * n and the method beside every figure), per failure class, each reviewer against the rest, and
 * calibration (left-side win rate, length preference, leniency). Computed by `quality.report`.
 */
export function QualityView() {
  const [report, setReport] = useState<QualityReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const [sessions, setSessions] = useState<ReviewSession[]>([]);
  const [sessionId, setSessionId] = useState<number | undefined>(undefined);
  /** Gold accuracy and swap-flip rate per reviewer, from the sessions service (a session's scope only). */
  const [progress, setProgress] = useState<SessionProgress | null>(null);
  const request = useRef(0);


  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), 500);
    };
    const offs = [onEvent('onDidChangeComparisons', later), onEvent('onDidChangeReview', later), onEvent('onDidChangeTaxonomy', later)];
    return () => {
      offs.forEach((off) => off());
      if (timer) clearTimeout(timer);
    };
  }, []);

  const load = useCallback(() => {
    const id = ++request.current;
    setLoading(true);
    call('sessions.list', {}).then(setSessions, () => setSessions([]));
    call('quality.report', sessionId === undefined ? {} : { sessionId }).then(
      (r) => {
        if (id !== request.current) return;
        setReport(r);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== request.current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    setProgress(null);
    if (sessionId !== undefined) {
      call('sessions.progress', { sessionId }).then(
        (p) => id === request.current && setProgress(p),
        () => undefined,
      );
    }
  }, [sessionId]);
  useEffect(load, [load, version]);
  const progressOf = new Map((progress?.reviewers ?? []).map((p) => [p.reviewerId, p]));

  useWindowKeydown((e) => {
    if (e.key === 'r' && !e.ctrlKey && !e.metaKey && !e.altKey && !(e.target instanceof HTMLInputElement) && !(e.target instanceof HTMLTextAreaElement)) load();
  });

  const shared = report ? report.scope.sharedGenerations + report.scope.sharedTasks : 0;
  const labelled = report ? report.scope.generations + report.scope.tasks : 0;
  const byKind = new Map<QualityKind, AgreementRow[]>();
  for (const a of report?.agreement ?? []) {
    let list = byKind.get(a.kind);
    if (!list) byKind.set(a.kind, (list = []));
    list.push(a);
  }

  return (
    <div className="leaderboard quality" aria-label="Quality">
      <header className="lb-header">
        <h2>Quality</h2>
        <select aria-label="Scope" value={sessionId ?? ''} onChange={(e) => setSessionId(e.target.value ? Number(e.target.value) : undefined)}>
          <option value="">Whole workspace</option>
          {sessions.map((x) => (
            <option key={x.id} value={x.id}>
              Session: {x.name}
              {x.closedAt !== null ? ' (closed)' : ''}
            </option>
          ))}
        </select>
        <span className="muted small">{report?.scope.description}</span>
        <span className="lb-total muted" data-testid="quality-total" aria-live="polite">
          {loading
            ? 'Computing…'
            : report
              ? `${report.scope.sharedGenerations.toLocaleString()} of ${report.scope.generations.toLocaleString()} outputs and ${report.scope.sharedTasks.toLocaleString()} of ${report.scope.tasks.toLocaleString()} tasks labelled by two or more reviewers`
              : ''}
        </span>
        <button className="secondary" onClick={load} title="Recompute (R)">
          Refresh
        </button>
      </header>

      {error && (
        <div className="lb-section">
          <p className="error">{error}</p>
          <button className="secondary" onClick={load}>
            Try again
          </button>
        </div>
      )}

      {report && labelled === 0 && !error && (
        <div className="empty lb-empty">
          <h3>{sessionId === undefined ? 'Nothing labelled yet' : 'Nothing labelled in this session yet'}</h3>
          <p>Agreement and calibration appear here once reviewers label outputs on the Review tab or comparisons on the Compare tab. Agreement needs at least two reviewers on the same items.</p>
          <div className="actions">
            <button onClick={() => goToTab('Review')}>Go to Review</button>
            <button className="secondary" onClick={() => goToTab('Compare')}>
              Go to Compare
            </button>
          </div>
        </div>
      )}

      {report && labelled > 0 && (
        <div className={`lb-body${loading ? ' stale' : ''}`}>
          {shared === 0 && (
            <div className="lb-section qv-note" role="status">
              <strong>No agreement yet.</strong> {NEEDS_TWO} So far every item has one reviewer: have a second reviewer label some of the same
              outputs or tasks (with blind review on, they will not see the first one’s labels). Calibration below needs no overlap.
            </div>
          )}

          {shared > 0 && (
            <section className="lb-section">
              <h3>Agreement</h3>
              <table className="lb-table qv-agreement" aria-label="Agreement">
                <thead>
                  <tr>
                    <th>Label</th>
                    <th>Measure</th>
                    <th className="num">Value</th>
                    <th className="num">Items</th>
                    <th className="num">Pairs</th>
                    <th>Method</th>
                  </tr>
                </thead>
                {[...byKind].map(([kind, rows]) => (
                  <tbody key={kind}>
                    <tr className="qv-group">
                      <th colSpan={6} scope="rowgroup">
                        {KIND_NAMES[kind]}
                      </th>
                    </tr>
                    {rows.every((a) => a.items === 0) && (
                      <tr className="qv-none" data-kind={kind}>
                        <td colSpan={6}>No {KIND_NAMES[kind].toLowerCase()} labelled by two or more reviewers yet.</td>
                      </tr>
                    )}
                    {rows.some((a) => a.items > 0) && rows.map((a) => (
                      <tr key={`${a.label}/${a.measure}`} className={a.value === null ? 'qv-none' : undefined} data-kind={a.kind} data-measure={a.measure}>
                        <th scope="row">{a.label}</th>
                        <td>{a.measure}</td>
                        <td className="num strong" title={a.value === null ? NEEDS_TWO : undefined}>
                          {isShare(a.measure) ? pct(a.value, 1) : num(a.value)}
                        </td>
                        <td className="num">{a.items.toLocaleString()}</td>
                        <td className="num">{a.pairs === undefined ? '' : a.pairs.toLocaleString()}</td>
                        <td className="qv-method">{a.method}</td>
                      </tr>
                    ))}
                  </tbody>
                ))}
              </table>
              <p className="muted small">
                Only items labelled by two or more reviewers count. α: Krippendorff’s α (1 = perfect, 0 = chance). Pairwise agreement as MT-Bench reports it:
                with ties every pair of votes counts (a tie agrees only with a tie, both bad only with both bad); without ties only pairs where both picked a
                side. Spans: character-level F1 between pairs of reviewers, same class only.
              </p>
            </section>
          )}

          {shared > 0 && report.classes.length > 0 && (
            <section className="lb-section">
              <h3>Per failure class</h3>
              <table className="lb-table" aria-label="Per failure class">
                <thead>
                  <tr>
                    <th>Class</th>
                    <th className="num">Presence α</th>
                    <th className="num">Items</th>
                    <th className="num">Span F1</th>
                    <th className="num">Reviewer pairs</th>
                  </tr>
                </thead>
                <tbody>
                  {report.classes.map((c) => (
                    <tr key={c.classId} data-class={c.name}>
                      <th scope="row">{c.name}</th>
                      <td className="num strong" title={c.presence.method}>
                        {num(c.presence.value)}
                      </td>
                      <td className="num">{c.presence.items.toLocaleString()}</td>
                      <td className="num" title={c.spans?.method}>
                        {c.spans ? pct(c.spans.value, 1) : <span className="muted">no spans</span>}
                      </td>
                      <td className="num">{c.spans ? (c.spans.pairs ?? 0).toLocaleString() : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted small">Presence: whether each reviewer tagged the class on the item at all (α nominal, present/absent). Tags of a merged class count for the class it was merged into.</p>
            </section>
          )}

          {shared > 0 && (
            <section className="lb-section">
              <h3>Each reviewer against the rest</h3>
              <table className="lb-table" aria-label="Reviewer against the rest">
                <thead>
                  <tr>
                    <th>Reviewer</th>
                    <th>Label</th>
                    <th className="num">α</th>
                    <th className="num">Agreement</th>
                    <th className="num">Shared items</th>
                    <th className="num">Pairs</th>
                  </tr>
                </thead>
                {report.reviewers.map((r) => {
                  const rows = r.vsRest.filter((v) => v.pairs > 0);
                  return (
                    <tbody key={r.reviewerId} data-reviewer={r.name}>
                      {rows.length === 0 ? (
                        <tr>
                          <th scope="row">{r.name}</th>
                          <td colSpan={5} className="muted">
                            Shares no item with another reviewer.
                          </td>
                        </tr>
                      ) : (
                        rows.map((v, i) => (
                          <tr key={`${v.kind}/${v.label}`}>
                            {i === 0 && (
                              <th scope="rowgroup" rowSpan={rows.length}>
                                {r.name}
                              </th>
                            )}
                            <td>{v.label}</td>
                            <td className="num strong" title={v.method}>
                              {v.kind === 'spans' ? '' : num(v.alpha)}
                            </td>
                            <td className="num" title={v.kind === 'spans' ? v.method : 'share of (this reviewer, another) pairs with the same value'}>
                              {pct(v.agreement, 1)}
                              {v.kind === 'spans' ? ' F1' : ''}
                            </td>
                            <td className="num">{v.items.toLocaleString()}</td>
                            <td className="num">{v.pairs.toLocaleString()}</td>
                          </tr>
                        ))
                      )}
                    </tbody>
                  );
                })}
              </table>
              <p className="muted small">
                α over the pairs (this reviewer, another reviewer) on the items they share; agreement is the share of those pairs with the same value (spans:
                character F1 with each other reviewer). A reviewer well below the others may read the guidelines differently.
              </p>
            </section>
          )}

          <section className="lb-section">
            <h3>Calibration</h3>
            <table className="lb-table" aria-label="Calibration">
              <thead>
                <tr>
                  <th>Reviewer</th>
                  <th className="num">Reviews</th>
                  <th className="num">Comparisons</th>
                  <th>Left side wins</th>
                  <th>Longer output chosen</th>
                  <th>Leniency against the rest</th>
                  {progress && <th>Gold correct</th>}
                  {progress && <th>Swap flips</th>}
                </tr>
              </thead>
              <tbody>
                {report.reviewers.map((r) => (
                  <tr key={r.reviewerId} data-reviewer={r.name}>
                    <th scope="row">{r.name}</th>
                    <td className="num">{r.reviews.toLocaleString()}</td>
                    <td className="num">{r.comparisons.toLocaleString()}</td>
                    <td>
                      <Interval p={r.leftWinRate} />
                    </td>
                    <td>
                      <Interval p={r.lengthPreference} />
                    </td>
                    <td>
                      {r.leniency.filter((l) => l.items > 0).length === 0 ? (
                        <span className="muted">— (no shared review labels)</span>
                      ) : (
                        <ul className="qv-leniency">
                          {r.leniency
                            .filter((l) => l.items > 0)
                            .map((l) => (
                              <li key={l.label} title={l.method}>
                                {l.label} <strong>{signed(l.value)}</strong> <span className="muted">(n = {l.items})</span>
                              </li>
                            ))}
                        </ul>
                      )}
                    </td>
                    {progress && (
                      <td>
                        <Rate r={progressOf.get(r.reviewerId)?.gold} none="no gold labelled" method="share of this reviewer’s gold items labelled as the known answer, Wilson 95% interval" />
                      </td>
                    )}
                    {progress && (
                      <td>
                        <Rate r={progressOf.get(r.reviewerId)?.swapFlip} none="no re-shows" method="share of swap re-shows where the choice changed with the sides, Wilson 95% interval" />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small">
              Reviews: submitted review labels; comparisons: comparison labels. Left side: share of decided pairwise labels (A or B) won by the side shown on the left;
              sides are shuffled, so an interval that excludes 50% is a position bias. Longer output: share of decided pairwise labels that chose the longer
              output (equal lengths left out). Intervals are Wilson 95%. Leniency: mean of (own value − the others’ mean) on shared items; verdicts bad 0,
              acceptable 1, good 2; positive is more lenient.
              {progress && ' Gold correct and swap flips come from the session (swap flips: re-shown with the sides swapped, the choice changed).'}
            </p>
          </section>
        </div>
      )}
      {!report && !error && <p className="muted lb-section">Computing…</p>}
    </div>
  );
}
