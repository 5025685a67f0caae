import { useState } from 'react';
import { RESERVATION_MAX_MINUTES, RESERVATION_MIN_MINUTES, reviewSessionMethods, type Reviewer, type ReviewSession } from '../../../../contract';
import { call, CallError, errorText } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useReviewers } from '../../reviewer';

type Field = 'name' | 'reviewerIds' | 'overlap' | 'reservationMinutes' | 'goldRate' | 'goldFirst' | 'swapShare';
type Errors = Partial<Record<Field, string>>;

/** What each field takes, said the way the form asks for it (percentages as percentages). */
const RULES: Record<Field, string> = {
  name: 'Give the session a name (at most 200 characters).',
  reviewerIds: 'Tick at least one reviewer: only assigned reviewers are handed the items.',
  overlap: 'Overlap k is a whole number from 1 to 50.',
  reservationMinutes: `Hold for is a number of minutes from ${RESERVATION_MIN_MINUTES} (3 s) to ${RESERVATION_MAX_MINUTES} (24 h); a fraction is allowed.`,
  goldRate: 'Gold rate is a percentage from 0 to 90.',
  goldFirst: 'Gold first is a whole number from 0 to 100.',
  swapShare: 'Swap re-shows is a percentage from 0 to 100.',
};
const FIELDS = Object.keys(RULES) as Field[];
const isField = (key: unknown): key is Field => typeof key === 'string' && (FIELDS as string[]).includes(key);

/** A number typed in a field; an empty or non-numeric one is NaN, which the contract refuses. */
const num = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

/** The field errors of issues as the contract's zod schema (or the engine, in `details`) reports them. */
function fieldErrors(issues: readonly { path?: readonly PropertyKey[] }[]): Errors {
  const out: Errors = {};
  for (const issue of issues) {
    const key = issue.path?.[0];
    if (isField(key) && !out[key]) out[key] = RULES[key];
  }
  return out;
}

/**
 * Edit a session's settings over `sessions.update`: name, assigned reviewers, overlap k, how long an
 * item is held, gold rate and gold first, swap re-shows. Each field is checked against the
 * contract's own schema as it is typed, and its error is shown under it; an error the engine
 * answers (a reviewer removed meanwhile) is shown by its field too, or above the buttons.
 */
export function EditSessionDialog({ session, reviewerId, onClose, onSaved }: { session: ReviewSession; reviewerId: number; onClose: () => void; onSaved: (s: ReviewSession) => void }) {
  const { reviewers } = useReviewers();
  const [name, setName] = useState(session.name);
  const [assigned, setAssigned] = useState<number[]>(() => session.reviewers.map((r) => r.reviewerId));
  const [overlap, setOverlap] = useState(String(session.overlap));
  const [minutes, setMinutes] = useState(String(session.reservationMinutes));
  const [goldRate, setGoldRate] = useState(String(Math.round(session.goldRate * 1000) / 10));
  const [goldFirst, setGoldFirst] = useState(String(session.goldFirst));
  const [swapShare, setSwapShare] = useState(String(Math.round(session.swapShare * 1000) / 10));
  const [touched, setTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<Errors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const input = {
    reviewerId,
    sessionId: session.id,
    name,
    reviewerIds: assigned,
    overlap: num(overlap),
    reservationMinutes: num(minutes),
    goldRate: num(goldRate) / 100,
    goldFirst: num(goldFirst),
    swapShare: num(swapShare) / 100,
  };
  const parsed = reviewSessionMethods['sessions.update'].input.safeParse(input);
  const local: Errors = parsed.success ? {} : fieldErrors(parsed.error.issues);
  // The schema lets an empty list through (the engine refuses it): say so here, before saving.
  if (assigned.length === 0) local.reviewerIds = RULES.reviewerIds;
  const errors: Errors = { ...serverErrors, ...local };
  const valid = Object.keys(local).length === 0;

  const people = reviewers.filter((r: Reviewer) => r.kind === 'person' || assigned.includes(r.id));
  // Someone assigned but not listed (a reviewer profile of another kind): still shown, by name.
  const missing = session.reviewers.filter((r) => !people.some((p) => p.id === r.reviewerId));

  const edited = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setTouched(true);
    setServerErrors({});
    setError(null);
  };

  const save = () => {
    setTouched(true);
    if (!valid) return;
    setBusy(true);
    call('sessions.update', { ...input, name: name.trim() }).then(onSaved, (e: unknown) => {
      setBusy(false);
      const details = e instanceof CallError && Array.isArray(e.error.details) ? (e.error.details as { path?: PropertyKey[] }[]) : [];
      const byField = fieldErrors(details);
      setServerErrors(byField);
      setError(Object.keys(byField).length > 0 ? null : errorText(e));
    });
  };

  const show = (field: Field) =>
    (touched || serverErrors[field]) && errors[field] ? (
      <span className="field-error error" role="alert" id={`session-edit-${field}-error`}>
        {errors[field]}
      </span>
    ) : null;
  const described = (field: Field) => (errors[field] && (touched || serverErrors[field]) ? { 'aria-invalid': true, 'aria-describedby': `session-edit-${field}-error` } : {});

  return (
    <Dialog title={`Edit session “${session.name}”`} onClose={onClose} className="session-dialog">
      <form
        className="session-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <label>
          Name
          <input data-autofocus value={name} onChange={(e) => edited(setName)(e.target.value)} {...described('name')} />
          {show('name')}
        </label>
        <fieldset>
          <legend>Who and how</legend>
          <div className="checks" aria-label="Reviewers" {...described('reviewerIds')}>
            <span className="muted">Reviewers (labels already made stay; someone removed loses the items they hold)</span>
            {people.map((r) => (
              <label key={r.id} className="inline">
                <input
                  type="checkbox"
                  checked={assigned.includes(r.id)}
                  onChange={() => edited(setAssigned)(assigned.includes(r.id) ? assigned.filter((x) => x !== r.id) : [...assigned, r.id])}
                />{' '}
                {r.name}
              </label>
            ))}
            {missing.map((r) => (
              <label key={r.reviewerId} className="inline">
                <input
                  type="checkbox"
                  checked={assigned.includes(r.reviewerId)}
                  onChange={() => edited(setAssigned)(assigned.includes(r.reviewerId) ? assigned.filter((x) => x !== r.reviewerId) : [...assigned, r.reviewerId])}
                />{' '}
                {r.name}
              </label>
            ))}
            {show('reviewerIds')}
          </div>
          <div className="number-row">
            <label>
              Overlap k
              <input type="number" min={1} max={50} value={overlap} onChange={(e) => edited(setOverlap)(e.target.value)} title="Each item is labelled by k different reviewers" {...described('overlap')} />
              {show('overlap')}
            </label>
            <label>
              Hold for (minutes)
              <input
                type="number"
                min={RESERVATION_MIN_MINUTES}
                max={RESERVATION_MAX_MINUTES}
                step="any"
                value={minutes}
                onChange={(e) => edited(setMinutes)(e.target.value)}
                title="An item handed out is held for its reviewer this long (a fraction of a minute is allowed); items held now keep their time"
                {...described('reservationMinutes')}
              />
              {show('reservationMinutes')}
            </label>
            <label>
              Gold rate %
              <input type="number" min={0} max={90} step="any" value={goldRate} onChange={(e) => edited(setGoldRate)(e.target.value)} {...described('goldRate')} />
              {show('goldRate')}
            </label>
            <label>
              Gold first
              <input type="number" min={0} max={100} value={goldFirst} onChange={(e) => edited(setGoldFirst)(e.target.value)} title="Gold items at the top of a new reviewer's queue" {...described('goldFirst')} />
              {show('goldFirst')}
            </label>
            <label>
              Swap re-shows %
              <input type="number" min={0} max={100} step="any" value={swapShare} onChange={(e) => edited(setSwapShare)(e.target.value)} {...described('swapShare')} />
              {show('swapShare')}
            </label>
          </div>
          <p className="muted">The items are fixed when the session is made; mark gold items on the session itself.</p>
        </fieldset>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy || (touched && !valid)}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
