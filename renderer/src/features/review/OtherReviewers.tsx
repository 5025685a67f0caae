import type { Criterion, FailureTag, OtherReviewerLabels } from '../../../../contract';
import { Markdown } from '../../components/Markdown';
import { useSettings } from '../../settings';
import { VERDICTS } from './Rubric';
import './other-reviewers.css';

interface Props {
  others: OtherReviewerLabels[];
  criteria: Criterion[];
  className: (classId: number) => string;
  quote: (tag: FailureTag) => string;
}

/**
 * Other reviewers' labels on this output, read-only and by name. review.item sends them only when
 * the workspace's "blind reviewers" setting is off; there is nothing here to edit, by design: each
 * reviewer's label and correction is their own.
 */
export function OtherReviewers({ others, criteria, className, quote }: Props) {
  // Turned blind while this item was open: hidden at once, not at the next item.
  const { blindReviewers } = useSettings();
  if (others.length === 0 || blindReviewers) return null;
  const criterionName = (id: string) => criteria.find((c) => String(c.id) === id)?.name ?? `criterion #${id}`;
  return (
    <section className="card other-reviewers" aria-label="Other reviewers' labels" data-testid="other-reviewers">
      <header className="card-header">
        <h3>Other reviewers</h3>
        <span className="muted small">read-only · reviewers are not blind in this workspace</span>
      </header>
      {others.map((o) => {
        const r = o.review;
        const latest = o.corrections[o.corrections.length - 1];
        return (
          <article key={o.reviewerId} className="other-reviewer" aria-label={`Labels by ${o.reviewerName}`}>
            <h4>
              {o.reviewerName}{' '}
              {r && <span className="badge">{r.status === 'submitted' ? 'submitted' : 'draft'}</span>}
            </h4>
            {r && (
              <dl className="other-ratings">
                {r.verdict && (
                  <>
                    <dt>Verdict</dt>
                    <dd>{VERDICTS.find((v) => v.value === r.verdict)?.label ?? r.verdict}</dd>
                  </>
                )}
                {Object.entries(r.ratings).map(([id, value]) => (
                  <div key={id} className="other-rating">
                    <dt>{criterionName(id)}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
            )}
            {r?.comment && <p className="other-comment">{r.comment}</p>}
            {r && r.tags.length > 0 && (
              <ul className="other-tags">
                {r.tags.map((t) => (
                  <li key={t.id}>
                    <strong>{className(t.classId)}</strong> <span className="muted">{t.span ? `“${quote(t)}”` : 'whole output'}</span>
                  </li>
                ))}
              </ul>
            )}
            {r && r.steps.length > 0 && (
              <ol className="other-steps" aria-label={`Think-aloud by ${o.reviewerName}`}>
                {r.steps.map((s) => (
                  <li key={s.id}>
                    <Markdown source={s.body} />
                  </li>
                ))}
              </ol>
            )}
            {latest && (
              <>
                <p className="muted small">
                  Correction v{latest.version}
                  {o.corrections.length > 1 ? ` of ${o.corrections.length}` : ''}
                </p>
                <pre className="correction-preview">{latest.text}</pre>
              </>
            )}
          </article>
        );
      })}
    </section>
  );
}
