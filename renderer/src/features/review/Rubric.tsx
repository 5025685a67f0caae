import { scaleRange, type Criterion, type Verdict } from '../../../../contract';

export const VERDICTS: { value: Verdict; label: string; key: string }[] = [
  { value: 'bad', label: 'Bad', key: '1' },
  { value: 'acceptable', label: 'Acceptable', key: '2' },
  { value: 'good', label: 'Good', key: '3' },
];

/** The values a criterion's scale offers, lowest first (pass/fail: 0 fail, 1 pass). */
export function scaleValues(c: Criterion): { value: number; label: string }[] {
  if (c.scale === 'passfail') {
    return [
      { value: 0, label: 'Fail' },
      { value: 1, label: 'Pass' },
    ];
  }
  const { min, max } = scaleRange(c.scale);
  return Array.from({ length: max - min + 1 }, (_, i) => ({ value: min + i, label: String(min + i) }));
}

interface Props {
  criteria: Criterion[];
  ratings: Record<string, number>;
  verdict: Verdict | null;
  /** The row the number keys rate; criteria.length is the verdict row. */
  focusedRow: number;
  onFocusRow: (row: number) => void;
  onRate: (criterionId: number, value: number | null) => void;
  onVerdict: (verdict: Verdict | null) => void;
}

/**
 * One row per criterion and one for the verdict. The focused row (←/→, or Tab into it) takes the
 * number keys, and rating a row moves on to the next, so "5 4 5 3" rates three criteria and the
 * verdict. Click a chosen value again to clear it.
 */
export function Rubric({ criteria, ratings, verdict, focusedRow, onFocusRow, onRate, onVerdict }: Props) {
  return (
    <div className="rubric" aria-label="Rubric">
      {criteria.map((c, row) => {
        const value = ratings[String(c.id)];
        const values = scaleValues(c);
        return (
          <div key={c.id} className={`criterion${row === focusedRow ? ' focused' : ''}`} onFocus={() => onFocusRow(row)}>
            <div className="criterion-name" id={`criterion-${c.id}`}>
              {c.name}
              {c.description && <span className="muted criterion-desc">{c.description}</span>}
            </div>
            <div className="scale" role="radiogroup" aria-labelledby={`criterion-${c.id}`} data-criterion={c.id}>
              {values.map((v, i) => (
                <button
                  key={v.value}
                  type="button"
                  role="radio"
                  aria-checked={value === v.value}
                  aria-label={c.scale === 'passfail' ? `${v.label} (${v.value})` : `${v.value} of ${values.length}`}
                  tabIndex={(value === undefined ? i === 0 : value === v.value) ? 0 : -1}
                  className={`scale-value${value === v.value ? ' on' : ''}${c.scale === 'passfail' ? ` pf-${v.value}` : ''}`}
                  onClick={() => {
                    onFocusRow(row);
                    onRate(c.id, value === v.value ? null : v.value);
                  }}
                >
                  {c.scale === 'passfail' ? (
                    <>
                      {v.label} <kbd>{v.value === 1 ? 'P' : 'F'}</kbd>
                    </>
                  ) : (
                    v.label
                  )}
                </button>
              ))}
            </div>
          </div>
        );
      })}
      <div className={`criterion verdict${focusedRow === criteria.length ? ' focused' : ''}`} onFocus={() => onFocusRow(criteria.length)}>
        <div className="criterion-name" id="criterion-verdict">
          Verdict
          <span className="muted criterion-desc">Overall</span>
        </div>
        <div className="scale" role="radiogroup" aria-labelledby="criterion-verdict">
          {VERDICTS.map((v, i) => (
            <button
              key={v.value}
              type="button"
              role="radio"
              aria-checked={verdict === v.value}
              tabIndex={(verdict === null ? i === 0 : verdict === v.value) ? 0 : -1}
              className={`scale-value verdict-${v.value}${verdict === v.value ? ' on' : ''}`}
              onClick={() => {
                onFocusRow(criteria.length);
                onVerdict(verdict === v.value ? null : v.value);
              }}
            >
              {v.label} <kbd>{v.key}</kbd>
            </button>
          ))}
        </div>
      </div>
    </div>
  );
}
