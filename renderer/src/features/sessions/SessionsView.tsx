import { useCallback, useEffect, useState } from 'react';
import { OUTPUT_PREVIEW_CHARS, RESERVATION_MAX_MINUTES, RESERVATION_MIN_MINUTES, type FailureClass, type MethodInput, type Rate, type Reviewer, type ReviewSession, type SessionItem, type SessionProgress } from '../../../../contract';
import { IfAllowed, useAccess } from '../../access';
import { call, errorText, onEvent } from '../../api';
import { ExportPackDialog } from '../packs/ExportPackDialog';
import { MERGE_PACKS_SHORTCUT, requestMergePacks } from '../packs/MergePacksDialog';
import { Dialog } from '../../components/Dialog';
import { ProgressBar } from '../../components/ProgressBar';
import { useToast } from '../../components/Toast';
import { isTyping, useWindowKeydown } from '../../components/keyboard';
import { useReviewers, WithReviewer } from '../../reviewer';
import { useModels } from '../models/useModels';
import { EditSessionDialog } from './EditSessionDialog';
import { formatEta, formatSeconds } from './workSession';
import './sessions.css';

type Kind = 'review' | 'compare' | 'both';

/** A reservation's length: "30 min", "1.5 min", "3 s" under a minute. */
export const formatMinutes = (minutes: number) => (minutes < 1 ? `${Math.round(minutes * 600) / 10} s` : `${Math.round(minutes * 100) / 100} min`);

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);

/** "3/4 · 75% (30–95%)": successes of n, and the Wilson 95% interval. */
function RateCell({ rate }: { rate: Rate }) {
  if (rate.n === 0) return <span className="muted">no items yet</span>;
  return (
    <span title="Wilson 95% interval in brackets">
      {rate.successes}/{rate.n} · {pct(rate.value)} <span className="muted">({pct(rate.low)}–{pct(rate.high)})</span>
    </span>
  );
}

/**
 * Sessions: an engineer makes a review session from a filter, assigns reviewers and an overlap k,
 * sets gold items, and follows progress per reviewer (time per item, ETA, gold accuracy, swap-flip rate).
 * Reviewers work a session from the Review and Compare views ("Work in").
 */
export function SessionsView() {
  return (
    <WithReviewer question="Who is running the sessions?" why="Sessions record who made them and who set their gold answers." className="sessions-empty">
      {(reviewerId) => <Sessions reviewerId={reviewerId} />}
    </WithReviewer>
  );
}

function Sessions({ reviewerId }: { reviewerId: number }) {
  const [sessions, setSessions] = useState<ReviewSession[] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    call('sessions.list', {}).then(
      (list) => {
        setSessions(list);
        setError(null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);
  useEffect(() => {
    load();
    return onEvent('onDidChangeSessions', load);
  }, [load]);
  const current = sessions?.find((s) => s.id === selected) ?? sessions?.[0] ?? null;
  useWindowKeydown((e) => {
    if (e.key.toLowerCase() !== 'n' || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
    e.preventDefault();
    setCreating(true);
  });

  return (
    <div className="sessions-view">
      <aside className="sessions-list" aria-label="Sessions">
        <div className="sessions-list-head">
          <h2>Sessions</h2>
          <button onClick={() => setCreating(true)} title="New review session (N)">
            New session
          </button>
        </div>
        {error && <p className="error">{error}</p>}
        {sessions?.length === 0 && <p className="muted">No sessions yet. A session hands a set of outputs or comparisons to several reviewers, each labelling as themselves.</p>}
        <ul>
          {sessions?.map((s) => (
            <li key={s.id}>
              <button className={`session-row${current?.id === s.id ? ' on' : ''}`} onClick={() => setSelected(s.id)}>
                <strong>{s.name}</strong>
                <span className="muted">
                  {s.items.review > 0 && `${s.items.review} outputs`}
                  {s.items.review > 0 && s.items.compare > 0 && ' · '}
                  {s.items.compare > 0 && `${s.items.compare} comparisons`} · {s.reviewers.length} reviewers{s.closedAt !== null ? ' · closed' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section className="session-detail">
        {current ? (
          <SessionDetail key={current.id} session={current} reviewerId={reviewerId} />
        ) : sessions !== null ? (
          <div className="empty">
            <h2>Make a review session</h2>
            <p>Choose the prompts, models and failure classes to review, who reviews them and how many reviewers label each item.</p>
            <button onClick={() => setCreating(true)}>New session</button>
          </div>
        ) : (
          <div className="muted">Loading…</div>
        )}
      </section>
      {creating && (
        <CreateSessionDialog
          reviewerId={reviewerId}
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            setSelected(s.id);
            load();
          }}
        />
      )}
    </div>
  );
}

function CreateSessionDialog({ reviewerId, onClose, onCreated }: { reviewerId: number; onClose: () => void; onCreated: (s: ReviewSession) => void }) {
  const { reviewers } = useReviewers();
  const { models } = useModels();
  const [classes, setClasses] = useState<FailureClass[]>([]);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('review');
  const [query, setQuery] = useState('');
  const [tags, setTags] = useState('');
  const [modelIds, setModelIds] = useState<number[]>([]);
  const [classIds, setClassIds] = useState<number[]>([]);
  const [makeTasks, setMakeTasks] = useState(true);
  const [assigned, setAssigned] = useState<number[]>([]);
  const [overlap, setOverlap] = useState(2);
  const [minutes, setMinutes] = useState(30);
  const [goldRate, setGoldRate] = useState(10);
  const [goldFirst, setGoldFirst] = useState(2);
  const [swapShare, setSwapShare] = useState(10);
  const [preview, setPreview] = useState<{ review: number; compare: number; prompts: number } | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void call('taxonomy.list', {}).then(setClasses, () => undefined), []);

  const filter: MethodInput<'sessions.create'>['filter'] = {
    kind,
    prompts: { query, tags: tags.split(',').map((t) => t.trim()).filter(Boolean) },
    ...(modelIds.length > 0 ? { modelIds } : {}),
    ...(classIds.length > 0 ? { classIds } : {}),
    ...(kind !== 'review' && makeTasks ? { makeTasks: { kind: 'pair' as const } } : {}),
  };
  const filterKey = JSON.stringify(filter);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call('sessions.preview', { filter: JSON.parse(filterKey) as typeof filter }).then(
        (p) => {
          if (!live) return;
          setPreview(p);
          setPreviewError(null);
        },
        (e: unknown) => live && (setPreview(null), setPreviewError(errorText(e))),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // filterKey stands for the filter.
  }, [filterKey]);

  const people = reviewers.filter((r: Reviewer) => r.kind === 'person');
  const toggle = (list: number[], id: number) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  const submit = () => {
    if (name.trim() === '') return setError('Give the session a name.');
    if (assigned.length === 0) return setError('Tick at least one reviewer: only assigned reviewers are handed the items.');
    setBusy(true);
    call('sessions.create', {
      reviewerId,
      name: name.trim(),
      filter,
      reviewerIds: assigned,
      overlap,
      reservationMinutes: minutes,
      goldRate: goldRate / 100,
      goldFirst,
      swapShare: swapShare / 100,
    }).then(onCreated, (e: unknown) => {
      setBusy(false);
      setError(errorText(e));
    });
  };

  return (
    <Dialog title="New review session" onClose={onClose} className="session-dialog">
      <form
        className="session-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label>
          Name
          <input data-autofocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Safety review, week 12" />
        </label>
        <fieldset>
          <legend>What to label</legend>
          <div className="chips" role="radiogroup" aria-label="Kind">
            {(['review', 'compare', 'both'] as const).map((k) => (
              <label key={k} className="inline">
                <input type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} /> {k === 'review' ? 'Review outputs' : k === 'compare' ? 'Compare pairs' : 'Both'}
              </label>
            ))}
          </div>
          <label>
            Prompts matching
            <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="search text (empty: all prompts)" />
          </label>
          <label>
            With tags
            <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma-separated, all must match" />
          </label>
          {models && models.length > 0 && (
            <div className="checks" aria-label="Models">
              <span className="muted">Models (none ticked: all)</span>
              {models.map((m) => (
                <label key={m.id} className="inline">
                  <input type="checkbox" checked={modelIds.includes(m.id)} onChange={() => setModelIds((l) => toggle(l, m.id))} /> {m.name}
                </label>
              ))}
            </div>
          )}
          {classes.length > 0 && (
            <div className="checks" aria-label="Failure classes">
              <span className="muted">Only outputs tagged (none ticked: any)</span>
              {classes.map((c) => (
                <label key={c.id} className="inline">
                  <input type="checkbox" checked={classIds.includes(c.id)} onChange={() => setClassIds((l) => toggle(l, c.id))} /> {c.name}
                </label>
              ))}
            </div>
          )}
          {kind !== 'review' && (
            <label className="inline">
              <input type="checkbox" checked={makeTasks} onChange={(e) => setMakeTasks(e.target.checked)} /> Make the comparison pairs these prompts lack
            </label>
          )}
          <p className="session-preview" data-testid="session-preview" aria-live="polite">
            {previewError ? (
              <span className="error">{previewError}</span>
            ) : preview ? (
              <>
                {preview.prompts} prompts · <strong>{kind !== 'compare' ? `${preview.review} outputs` : ''}</strong>
                {kind === 'both' ? ' · ' : ''}
                <strong>{kind !== 'review' ? `${preview.compare} comparisons` : ''}</strong>
                {kind !== 'review' && makeTasks ? <span className="muted"> (plus pairs made on create)</span> : null}
              </>
            ) : (
              'Counting…'
            )}
          </p>
        </fieldset>
        <fieldset>
          <legend>Who and how</legend>
          <div className="checks" aria-label="Reviewers">
            <span className="muted">Reviewers</span>
            {people.map((r) => (
              <label key={r.id} className="inline">
                <input type="checkbox" checked={assigned.includes(r.id)} onChange={() => setAssigned((l) => toggle(l, r.id))} /> {r.name}
              </label>
            ))}
          </div>
          <div className="number-row">
            <label>
              Overlap k
              <input type="number" min={1} max={50} value={overlap} onChange={(e) => setOverlap(Number(e.target.value))} title="Each item is labelled by k different reviewers" />
            </label>
            <label>
              Hold for (minutes)
              <input
                type="number"
                min={RESERVATION_MIN_MINUTES}
                max={RESERVATION_MAX_MINUTES}
                step="any"
                value={minutes}
                onChange={(e) => setMinutes(Number(e.target.value))}
                title={`An item handed out is held for its reviewer this long; a fraction is allowed (${RESERVATION_MIN_MINUTES} min = 3 s is the least, ${RESERVATION_MAX_MINUTES} min = 24 h the most)`}
              />
            </label>
            <label>
              Gold rate %
              <input type="number" min={0} max={90} value={goldRate} onChange={(e) => setGoldRate(Number(e.target.value))} />
            </label>
            <label>
              Gold first
              <input type="number" min={0} max={100} value={goldFirst} onChange={(e) => setGoldFirst(Number(e.target.value))} title="Gold items at the top of a new reviewer's queue" />
            </label>
            <label>
              Swap re-shows %
              <input type="number" min={0} max={100} value={swapShare} onChange={(e) => setSwapShare(Number(e.target.value))} title="Share of pairwise items shown again later with the sides swapped" />
            </label>
          </div>
          <p className="muted">Mark gold items (with their known answers) on the session once it is made.</p>
        </fieldset>
        {error && <p className="error">{error}</p>}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create session'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SessionDetail({ session, reviewerId }: { session: ReviewSession; reviewerId: number }) {
  const toast = useToast();
  const [progress, setProgress] = useState<SessionProgress | null>(null);
  const [items, setItems] = useState<SessionItem[]>([]);
  const [classes, setClasses] = useState<FailureClass[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [packFor, setPackFor] = useState<{ id: number; name: string } | null>(null);
  const canPack = useAccess().can('packs.export');
  const [editing, setEditing] = useState(false);
  const load = useCallback(() => {
    call('sessions.progress', { sessionId: session.id }).then(setProgress, (e: unknown) => setError(errorText(e)));
    call('sessions.items', { sessionId: session.id, limit: 500 }).then((r) => setItems(r.items), () => undefined);
  }, [session.id]);
  useEffect(() => {
    load();
    void call('taxonomy.list', {}).then(setClasses, () => undefined);
    const offs = [onEvent('onDidChangeSessions', load), onEvent('onDidChangeReview', load), onEvent('onDidChangeComparisons', load)];
    return () => offs.forEach((o) => o());
  }, [load]);

  const setGold = (item: SessionItem, answer: MethodInput<'sessions.setGold'>['answer']) =>
    call('sessions.setGold', { sessionId: session.id, reviewerId, kind: item.kind, itemId: item.itemId, answer }).then(
      (updated) => setItems((list) => list.map((i) => (i.kind === updated.kind && i.itemId === updated.itemId ? updated : i))),
      (e: unknown) => toast.show(`Gold not set: ${errorText(e)}`, { kind: 'error' }),
    );

  const close = () =>
    call(session.closedAt === null ? 'sessions.close' : 'sessions.reopen', { sessionId: session.id, reviewerId }).then(
      (s) =>
        toast.show(s.closedAt === null ? `Reopened ${s.name}.` : `Closed ${s.name}: it hands out nothing; its labels stay.`, {
          action: s.closedAt === null ? undefined : { label: 'Undo', run: () => void call('sessions.reopen', { sessionId: s.id, reviewerId }) },
        }),
      (e: unknown) => toast.show(errorText(e), { kind: 'error' }),
    );

  return (
    <div className="session-detail-inner">
      <header className="session-detail-head">
        <div>
          <h2>{session.name}</h2>
          <p className="muted">
            overlap k = {session.overlap} · held {formatMinutes(session.reservationMinutes)} · gold {Math.round(session.goldRate * 100)}% after the first {session.goldFirst} · swap re-shows{' '}
            {Math.round(session.swapShare * 100)}% · {session.items.gold} gold items
          </p>
        </div>
        <div className="session-head-actions">
          <button className="secondary" onClick={() => setEditing(true)} title="Name, reviewers, overlap, how long items are held, gold and swap re-shows">
            Edit…
          </button>
          <IfAllowed method="packs.merge">
            <button className="secondary" onClick={requestMergePacks} title={`Merge review packs reviewers sent back (${MERGE_PACKS_SHORTCUT})`}>
              Merge packs…
            </button>
          </IfAllowed>
          <button className="secondary" onClick={close}>
            {session.closedAt === null ? 'Close session' : 'Reopen'}
          </button>
        </div>
      </header>
      {editing && (
        <EditSessionDialog
          session={session}
          reviewerId={reviewerId}
          onClose={() => setEditing(false)}
          onSaved={(s) => {
            setEditing(false);
            toast.show(`Saved the settings of ${s.name}.`);
          }}
        />
      )}
      {error && <p className="error">{error}</p>}
      {progress && (
        <>
          <div className="session-overall">
            <ProgressBar fraction={progress.needed > 0 ? progress.done / progress.needed : null} label="Session progress" />
            <span data-testid="session-overall">
              {progress.done} of {progress.needed} labels · {progress.itemsComplete} of {progress.items} items complete · {formatSeconds(progress.meanTimeMs)} per item · {formatEta(progress.etaMs)}
            </span>
          </div>
          <table className="session-table" aria-label="Reviewers">
            <thead>
              <tr>
                <th>Reviewer</th>
                <th>Done / share</th>
                <th>Time per item</th>
                <th>ETA</th>
                <th title="Gold items labelled as the known answer (Wilson 95% interval)">Gold accuracy</th>
                <th title="Swap re-shows whose choice changed with the sides (Wilson 95% interval)">Swap-flip rate</th>
                {canPack && <th title="Their share of this session in one file, to label with no network">Offline</th>}
              </tr>
            </thead>
            <tbody>
              {progress.reviewers.length === 0 && (
                <tr>
                  <td colSpan={canPack ? 7 : 6} className="muted">
                    No reviewers assigned.
                  </td>
                </tr>
              )}
              {progress.reviewers.map((r) => (
                <tr key={r.reviewerId} data-revoked={r.revoked || undefined}>
                  <td>
                    {r.name}
                    {r.revoked && (
                      <span className="session-revoked" title="Their invite was revoked: they can label no more, and the session's ETA leaves them out">
                        revoked
                      </span>
                    )}
                  </td>
                  <td>
                    {r.done} / {r.assigned}
                    {r.skipped > 0 && <span className="muted"> · {r.skipped} skipped</span>}
                  </td>
                  <td>{formatSeconds(r.meanTimeMs)}</td>
                  <td>{r.revoked ? <span className="muted">not counted</span> : formatEta(r.etaMs)}</td>
                  <td>
                    <RateCell rate={r.gold} />
                  </td>
                  <td>
                    <RateCell rate={r.swapFlip} />
                  </td>
                  {canPack && (
                    <td>
                      <button className="secondary" onClick={() => setPackFor({ id: r.reviewerId, name: r.name })} aria-label={`Export pack for ${r.name}`}>
                        Export pack…
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {packFor && <ExportPackDialog sessionId={session.id} sessionName={session.name} reviewer={packFor} senderId={reviewerId} onClose={() => setPackFor(null)} />}
      <h3>Items and gold answers</h3>
      <p className="muted">Reviewers are not told which items are gold. Set the known answer here; clear it to make the item ordinary again.</p>
      <table className="session-table session-items" aria-label="Session items">
        <thead>
          <tr>
            <th>Item</th>
            <th>Prompt and output</th>
            <th>Labels</th>
            <th>Gold answer</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={`${item.kind}:${item.itemId}`}>
              <td>
                {item.kind === 'review' ? 'Output' : 'Pair'} #{item.itemId}
                <div className="muted">{item.models.join(' vs ')}</div>
              </td>
              <td className="preview">
                <strong>{item.promptId}</strong> {item.preview}
                {/* The output is what a gold answer judges: shown here, so the answer is not set blind. */}
                {item.outputs.map((text, i) => (
                  <div key={i} className="session-output" data-testid="session-item-output">
                    <span className="muted">{item.kind === 'review' ? 'Output' : i === 0 ? 'A (left as stored)' : 'B'}:</span> {text}
                    {text.length >= OUTPUT_PREVIEW_CHARS ? '…' : ''}
                  </div>
                ))}
              </td>
              <td>{item.labels}</td>
              <td>
                {item.kind === 'review' ? (
                  <span className="gold-edit">
                    <select
                      aria-label={`Gold verdict for output ${item.itemId}`}
                      value={item.gold?.verdict ?? ''}
                      onChange={(e) => {
                        const verdict = e.target.value === '' ? null : (e.target.value as 'good' | 'acceptable' | 'bad');
                        const classId = item.gold?.classId ?? null;
                        void setGold(item, verdict === null && classId === null ? null : { verdict, classId });
                      }}
                    >
                      <option value="">No gold verdict</option>
                      <option value="bad">bad</option>
                      <option value="acceptable">acceptable</option>
                      <option value="good">good</option>
                    </select>
                    <select
                      aria-label={`Gold failure class for output ${item.itemId}`}
                      value={item.gold?.classId ?? ''}
                      onChange={(e) => {
                        const classId = e.target.value === '' ? null : Number(e.target.value);
                        const verdict = item.gold?.verdict ?? null;
                        void setGold(item, verdict === null && classId === null ? null : { verdict, classId });
                      }}
                    >
                      <option value="">No gold class</option>
                      {classes.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.name}
                        </option>
                      ))}
                    </select>
                  </span>
                ) : (
                  <select
                    aria-label={`Gold choice for pair ${item.itemId}`}
                    value={item.gold?.choice ?? ''}
                    onChange={(e) => void setGold(item, e.target.value === '' ? null : { choice: e.target.value as 'A' | 'B' | 'tie' | 'both_bad' })}
                  >
                    <option value="">Not gold</option>
                    <option value="A">A (left as stored) is better</option>
                    <option value="B">B is better</option>
                    <option value="tie">Tie</option>
                    <option value="both_bad">Both bad</option>
                  </select>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
