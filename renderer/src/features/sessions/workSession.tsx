import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { NextItem, QueueProgress, ReviewSession, SessionItemKind } from '../../../../contract';
import { call, onEvent } from '../../api';
import { ProgressBar } from '../../components/ProgressBar';

/** "about 12 min left", "about 2 h 5 min left": an estimate, said as one. */
export function formatEta(ms: number | null): string {
  if (ms === null) return 'no estimate yet';
  if (ms <= 0) return 'nothing left';
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

export const formatSeconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`);

export interface WorkSession {
  /** Open sessions this reviewer is assigned to (for the picker). */
  sessions: ReviewSession[];
  /** The session being worked, or null: the whole workspace's queue. */
  session: ReviewSession | null;
  choose(id: number | null): void;
  progress: QueueProgress | null;
  /** The next item of the session for this view's kind, reserved to the reviewer (null: none left). */
  next(): Promise<NextItem | null>;
  /**
   * Skips the item (it is not handed to this reviewer again unless they revisit their skipped
   * items; others may take it at once) and answers the next one, as `next`.
   */
  skip(itemId: number): Promise<NextItem | null>;
  /** True while the queue hands out only the reviewer's skipped items (oldest skip first). */
  revisiting: boolean;
  /** Hands out the skipped items next (ask `next` after it); ends by itself when none is left. */
  revisit(): void;
  /** The item last handed out (null: none). */
  current: NextItem | null;
}

const storageKey = (kind: SessionItemKind, reviewerId: number) => `assay.session.${kind}.${reviewerId}`;
/** Stored when the reviewer chose the whole workspace (nothing stored: they have not chosen yet). */
const WHOLE_WORKSPACE = 'workspace';

/**
 * Which review session (if any) the Review or Compare queue works in, per reviewer and kind,
 * remembered in this browser. Until the reviewer chooses, it is their first open assigned session
 * (labels made outside it do not count for it: a new SME's first labels went to the whole
 * workspace). A session that closes or drops the reviewer falls back to none.
 */
export function useWorkSession(reviewerId: number, kind: SessionItemKind): WorkSession {
  const [sessions, setSessions] = useState<ReviewSession[]>([]);
  // undefined: not chosen yet; null: the whole workspace.
  const [chosen, setChosen] = useState<number | null | undefined>(() => {
    const raw = localStorage.getItem(storageKey(kind, reviewerId));
    return raw === WHOLE_WORKSPACE ? null : raw ? Number(raw) : undefined;
  });
  const [progress, setProgress] = useState<QueueProgress | null>(null);
  const [current, setCurrent] = useState<NextItem | null>(null);
  // Read by next() at once (a revisit is asked for and the next item fetched in one turn).
  const revisitingRef = useRef(false);
  const [revisiting, setRevisitingState] = useState(false);
  const setRevisiting = useCallback((on: boolean) => {
    revisitingRef.current = on;
    setRevisitingState(on);
  }, []);

  const load = useCallback(() => {
    call('sessions.list', { assignedTo: reviewerId }).then(
      (list) => setSessions(list.filter((s) => (kind === 'review' ? s.items.review > 0 : s.items.compare > 0))),
      () => setSessions([]),
    );
  }, [reviewerId, kind]);
  useEffect(() => {
    load();
    return onEvent('onDidChangeSessions', load);
  }, [load]);

  const session = (chosen === undefined ? sessions.find((s) => s.closedAt === null) : sessions.find((s) => s.id === chosen)) ?? null;
  const shownId = session?.id ?? null;
  const choose = useCallback(
    (id: number | null) => {
      // The session shown already (as the default, say): keep its progress and item; only remember the choice.
      if (id !== shownId) {
        setProgress(null);
        setCurrent(null);
        setRevisiting(false);
      }
      setChosen(id);
      try {
        localStorage.setItem(storageKey(kind, reviewerId), id === null ? WHOLE_WORKSPACE : String(id));
      } catch {
        // Not remembered; the choice holds for this page.
      }
    },
    [kind, reviewerId, setRevisiting, shownId],
  );

  const sessionId = session?.id ?? null;
  const next = useCallback(async () => {
    if (sessionId === null) return null;
    const r = await call('sessions.next', { sessionId, reviewerId, kind, revisitSkipped: revisitingRef.current });
    // Revisiting ends when no skipped item is left to hand out.
    if (r.item === null && revisitingRef.current) setRevisiting(false);
    setProgress(r.progress);
    setCurrent(r.item);
    return r.item;
  }, [sessionId, reviewerId, kind, setRevisiting]);

  const skip = useCallback(
    async (itemId: number) => {
      if (sessionId === null) return null;
      const r = await call('sessions.skip', { sessionId, reviewerId, kind, itemId });
      setProgress(r.progress);
      const item = await next();
      // Revisiting, skipping the one skipped item left hands it straight back: stop revisiting instead.
      if (item?.itemId === itemId && revisitingRef.current) {
        setRevisiting(false);
        return next();
      }
      return item;
    },
    [sessionId, reviewerId, kind, next, setRevisiting],
  );
  const revisit = useCallback(() => setRevisiting(true), [setRevisiting]);

  return { sessions, session, choose, progress, next, skip, revisiting, revisit, current };
}

/** "Work in: whole workspace / a session" — shown only when the reviewer is assigned to a session. */
export function SessionPicker({ work }: { work: WorkSession }) {
  const id = useId();
  if (work.sessions.length === 0 && work.session === null) return null;
  return (
    <div className="session-picker">
      <label htmlFor={id}>Work in</label>
      <select
        id={id}
        value={work.session?.id ?? ''}
        onChange={(e) => {
          work.choose(e.target.value === '' ? null : Number(e.target.value));
          e.currentTarget.blur();
        }}
      >
        <option value="">The whole workspace</option>
        {work.sessions.map((s) => (
          <option key={s.id} value={s.id}>
            Session: {s.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The queue header in session mode: which session, this reviewer's progress in it, and an ETA. */
export function SessionHeader({ work, reservedUntil, onSkip }: { work: WorkSession; reservedUntil: number | null; onSkip?: (() => void) | null }) {
  const { session, progress } = work;
  if (!session) return null;
  const fraction = progress && progress.assigned > 0 ? Math.min(1, progress.done / progress.assigned) : null;
  return (
    <div className="session-header" aria-label="Session progress" data-testid="session-header">
      <div>
        <strong>{session.name}</strong> <span className="muted">· overlap {session.overlap}</span>
      </div>
      <ProgressBar fraction={fraction} label="Your share of the session" />
      <div className="muted" data-testid="session-counts">
        {progress
          ? `${progress.done} of ${progress.assigned} done${progress.meanTimeMs === null ? '' : ` · ${formatSeconds(progress.meanTimeMs)} per item`} · ${formatEta(progress.etaMs)}${progress.skipped > 0 ? ` · ${progress.skipped} skipped` : ''}`
          : 'Loading…'}
      </div>
      {work.revisiting && <div className="muted" data-testid="session-revisiting">Revisiting the items you skipped, oldest skip first.</div>}
      {onSkip && (
        <div className="session-skip">
          <button
            type="button"
            className="secondary"
            onClick={onSkip}
            title="Skip this item (L): it is not handed to you again unless you revisit your skipped items; other reviewers may take it now"
          >
            Skip <kbd>L</kbd>
          </button>
        </div>
      )}
      {reservedUntil !== null && (
        <div className="muted" title="No one else is handed this item until then; submitting ends it sooner.">
          Held for you until {new Date(reservedUntil).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(session.reservationMinutes < 5 ? { second: '2-digit' } : {}) })}
        </div>
      )}
      <p className="muted session-note">Items come in the session's order for you; others' labels stay hidden.</p>
    </div>
  );
}

/**
 * The queue's end in session mode: nothing more is handed to this reviewer for now (`things`: what
 * the view hands out, "Items" or "Tasks"). `onLookAgain` asks the session again.
 */
export function SessionFinished({ work, things, className, onLookAgain }: { work: WorkSession; things: string; className: string; onLookAgain: () => void }) {
  return (
    <div className={className}>
      <h2>Nothing more in this session for you</h2>
      <p>
        {work.progress ? `${work.progress.done} of your ${work.progress.assigned} done. ` : ''}
        {things} held by other reviewers come back when their time runs out; look again later, or work the whole workspace.
        {work.progress && work.progress.skipped > 0 ? ` You skipped ${work.progress.skipped}: revisit them when you are ready.` : ''}
      </p>
      <div className="actions">
        {work.progress && work.progress.skipped > 0 && (
          <button
            onClick={() => {
              work.revisit();
              onLookAgain();
            }}
          >
            Revisit {work.progress.skipped} skipped
          </button>
        )}
        <button className="secondary" onClick={onLookAgain}>
          Look again
        </button>
        <button className="secondary" onClick={() => work.choose(null)}>
          Leave the session
        </button>
      </div>
    </div>
  );
}
