import { createContext, Fragment, useCallback, useContext, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { Reviewer, ReviewerRole } from '../../contract';
import { roleLabel, useAccess } from './access';
import { call, errorText, onReviewerRequired } from './api';
import { DemoOffer } from './components/DemoOffer';
import { Dialog } from './components/Dialog';

/**
 * Who is labelling. Every label carries a reviewer, so the UI always knows the current one: it is
 * remembered per workspace in this browser (localStorage, keyed by the workspace path) and chosen or
 * created in a dialog the first time a workspace is opened here.
 *
 * Choosing one signs this browser in as them (`session.signIn`) before any view uses the reviewer:
 * in browser mode the server takes the reviewer of every label from that session and refuses a call
 * naming anyone else. A remembered reviewer is signed in again on page load. (Electron's engine only
 * checks the reviewer exists.)
 */

export const ROLE_LABELS: Record<ReviewerRole, string> = { sme: 'SME', nlp: 'NLP engineer' };

interface ReviewerState {
  current: Reviewer | null;
  reviewers: Reviewer[];
  /** False until reviewers.list answered (or failed). */
  loaded: boolean;
  /** Set when reviewers cannot be listed (e.g. an engine without review). */
  error: string | null;
  /** Signs in as this reviewer and makes them current; false (and the error shown in the dialog) when refused. */
  select(id: number): Promise<boolean>;
  /** Opens the dialog that picks an existing reviewer or creates a new one. */
  openPicker(mode?: 'pick' | 'create'): void;
  refresh(): Promise<void>;
}

const ReviewerContext = createContext<ReviewerState>({
  current: null,
  reviewers: [],
  loaded: false,
  error: null,
  select: async () => false,
  openPicker: () => undefined,
  refresh: async () => undefined,
});

function storageKey(workspacePath: string): string {
  return `assay.reviewer:${workspacePath}`;
}

function readRemembered(key: string | null): number | null {
  if (!key) return null;
  try {
    const value = Number(localStorage.getItem(key));
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

function remember(key: string | null, id: number) {
  if (!key) return;
  try {
    localStorage.setItem(key, String(id));
  } catch {
    // Storage may be unavailable (private mode); the choice then lasts for this session only.
  }
}

export function ReviewerProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<string | null>(null);
  const [reviewers, setReviewers] = useState<Reviewer[]>([]);
  const [currentId, setCurrentId] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [picker, setPicker] = useState<'pick' | 'create' | null>(null);
  /** Why the last sign-in failed (or why the server asked who is reviewing); shown in the dialog. */
  const [signInError, setSignInError] = useState<string | null>(null);
  /** An empty workspace on first start: the dialog offers the demo workspace too. */
  const [emptyWorkspace, setEmptyWorkspace] = useState(false);
  const asked = useRef(false);
  const access = useAccess();

  const refresh = useCallback(async () => {
    try {
      const list = await call('reviewers.list', {});
      setReviewers(list);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoaded(true);
    }
  }, []);

  useEffect(() => {
    let live = true;
    (async () => {
      const info = await call('workspace.info', {});
      if (!live) return;
      const k = storageKey(info.path);
      setKey(k);
      setEmptyWorkspace(info.promptCount === 0);
      const list = await call('reviewers.list', {});
      if (!live) return;
      setReviewers(list);
      if (access.bound && access.reviewerId !== null) {
        // Opened with an invite link: the session is that reviewer's and no one else's.
        setCurrentId(access.reviewerId);
        setLoaded(true);
        return;
      }
      const remembered = list.find((r) => r.id === readRemembered(k) && r.kind === 'person');
      // The remembered reviewer becomes current only once this browser is signed in as them.
      if (remembered) {
        try {
          await call('session.signIn', { reviewerId: remembered.id });
          if (live) setCurrentId(remembered.id);
        } catch (e) {
          if (live) setSignInError(`Could not sign in as ${remembered.name}: ${errorText(e)}`);
        }
      }
      else if (access.team && access.reviewerId !== null && list.some((r) => r.id === access.reviewerId)) {
        // Team mode signs the owner's token in as the owner's own profile, so the owner is not asked
        // who is reviewing. Single-user browser mode keeps asking a browser that forgot its choice.
        setCurrentId(access.reviewerId);
        remember(k, access.reviewerId);
      }
      if (live) setLoaded(true);
    })().catch((e: unknown) => {
      if (!live) return;
      setError(errorText(e));
      setLoaded(true);
    });
    return () => {
      live = false;
    };
  }, [refresh, access]);

  const current = useMemo(() => reviewers.find((r) => r.id === currentId) ?? null, [reviewers, currentId]);

  // Where the choice of reviewer stands, on <html data-reviewer>: `loading`, `asking` (a dialog asks
  // who is reviewing), `chosen` or `none`. The e2e suite waits on it before pressing a view's keys
  // (e2e/fixtures.ts pressKey), so a key never goes to a dialog that is about to open.
  useEffect(() => {
    document.documentElement.dataset.reviewer = !loaded ? 'loading' : picker ? 'asking' : current ? 'chosen' : 'none';
  }, [loaded, picker, current]);

  // First start here (or the remembered reviewer is gone): ask once who is reviewing.
  useEffect(() => {
    if (!loaded || error || current || asked.current) return;
    asked.current = true;
    document.documentElement.dataset.reviewer = 'asking';
    setPicker(reviewers.some((r) => r.kind === 'person') ? 'pick' : 'create');
  }, [loaded, error, current, reviewers.length]);

  const select = useCallback(
    async (id: number) => {
      setSignInError(null);
      try {
        await call('session.signIn', { reviewerId: id });
      } catch (e) {
        setSignInError(`Could not sign in as ${reviewers.find((r) => r.id === id)?.name ?? `reviewer #${id}`}: ${errorText(e)}`);
        setPicker((open) => open ?? 'pick');
        return false;
      }
      setCurrentId(id);
      remember(key, id);
      return true;
    },
    [key, reviewers],
  );

  // The server says this browser is signed in as nobody (its session was reset): ask who is reviewing.
  useEffect(
    () =>
      onReviewerRequired(() => {
        setSignInError('This browser is not signed in as a reviewer any more; choose who you are to go on.');
        setPicker((open) => open ?? 'pick');
      }),
    [],
  );

  const openPicker = useCallback(
    (mode: 'pick' | 'create' = 'pick') => {
      void refresh();
      setPicker(mode);
    },
    [refresh],
  );

  const value = useMemo<ReviewerState>(
    () => ({ current, reviewers, loaded, error, select, openPicker, refresh }),
    [current, reviewers, loaded, error, select, openPicker, refresh],
  );

  return (
    <ReviewerContext.Provider value={value}>
      {children}
      {picker && (
        <ReviewerDialog
          mode={picker}
          reviewers={reviewers.filter((r) => r.kind === 'person')}
          current={current}
          offerDemo={emptyWorkspace && !current && access.can('workspace.openDemo')}
          signInError={signInError}
          onClose={() => setPicker(null)}
          onChosen={async (reviewer) => {
            setReviewers((list) => (list.some((r) => r.id === reviewer.id) ? list : [...list, reviewer]));
            if (await select(reviewer.id)) setPicker(null);
          }}
        />
      )}
    </ReviewerContext.Provider>
  );
}

/** The reviewer labels are saved as; null until one is chosen. */
export function useReviewer(): Reviewer | null {
  return useContext(ReviewerContext).current;
}

/** The list, the choice and the dialog, for views that need more than the current reviewer. */
export function useReviewers(): ReviewerState {
  return useContext(ReviewerContext);
}

function ReviewerDialog({
  mode,
  reviewers,
  current,
  offerDemo,
  signInError,
  onClose,
  onChosen,
}: {
  mode: 'pick' | 'create';
  reviewers: Reviewer[];
  current: Reviewer | null;
  offerDemo: boolean;
  signInError: string | null;
  onClose: () => void;
  onChosen: (reviewer: Reviewer) => Promise<void>;
}) {
  const [creating, setCreating] = useState(mode === 'create' || reviewers.length === 0);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ReviewerRole>('sme');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  const listRef = useRef<HTMLUListElement>(null);
  // After the dialog opened (its effect runs before ours): the name field, or the current / first reviewer.
  useEffect(() => {
    if (creating) nameRef.current?.focus();
    else (listRef.current?.querySelector<HTMLElement>('[aria-current="true"]') ?? listRef.current?.querySelector<HTMLElement>('button'))?.focus();
  }, [creating]);

  const create = async () => {
    if (!name.trim()) {
      setError('Enter your name.');
      nameRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await call('reviewers.create', { name: name.trim(), role });
      // On a failed sign-in the dialog stays open and shows why (signInError).
      await onChosen(created);
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false);
  };

  const title = current ? 'Switch reviewer' : 'Who is reviewing?';
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="reviewer-dialog">
        {offerDemo && <DemoOffer variant="inline" />}
        {!current && <p className="muted">Every rating, tag and correction is saved under your name, with the time you spent on it.</p>}
        {signInError && (
          <p className="error" role="alert">
            {signInError}
          </p>
        )}
        {!creating && (
          <>
            <ul className="reviewer-choices" aria-label="Reviewers" ref={listRef}>
              {reviewers.map((r) => (
                <li key={r.id}>
                  <button
                    className={`reviewer-choice${r.id === current?.id ? ' on' : ''}`}
                    onClick={() => void onChosen(r)}
                    aria-current={r.id === current?.id}
                  >
                    <span className="avatar" aria-hidden>
                      {initials(r.name)}
                    </span>
                    <span>{r.name}</span>
                    <span className="badge">{ROLE_LABELS[r.role]}</span>
                  </button>
                </li>
              ))}
            </ul>
            <div className="actions">
              <button className="secondary" onClick={() => setCreating(true)}>
                New reviewer…
              </button>
              <button className="link" onClick={onClose}>
                Not now
              </button>
            </div>
          </>
        )}
        {creating && (
          <form
            className="editor"
            onSubmit={(e) => {
              e.preventDefault();
              void create();
            }}
          >
            <label>
              Name
              <input ref={nameRef} value={name} maxLength={200} autoComplete="name" onChange={(e) => setName(e.target.value)} />
            </label>
            <div className="segmented" role="radiogroup" aria-label="Role">
              {(Object.keys(ROLE_LABELS) as ReviewerRole[]).map((r) => (
                <label key={r}>
                  <input type="radio" name="reviewer-role" value={r} checked={role === r} onChange={() => setRole(r)} />
                  {r === 'sme' ? 'Subject-matter expert (SME)' : 'NLP engineer'}
                </label>
              ))}
            </div>
            {error && <p className="error">{error}</p>}
            <div className="actions">
              <button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Start reviewing'}
              </button>
              {reviewers.length > 0 ? (
                <button type="button" className="secondary" onClick={() => setCreating(false)}>
                  Back to the list
                </button>
              ) : (
                <button type="button" className="link" onClick={onClose}>
                  Not now
                </button>
              )}
            </div>
          </form>
        )}
      </div>
    </Dialog>
  );
}

function initials(name: string): string {
  // Words that start with a letter or digit ("Dr. Ada Lovelace" → "DL").
  const parts = name.split(/\s+/).filter((p) => /^[\p{L}\p{N}]/u.test(p));
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((p) => [...p][0]!.toUpperCase()).join('') || '?';
}

/** In the top bar: who is reviewing; a menu to switch to another reviewer or create one. */
export function ReviewerSwitcher() {
  const { current, reviewers, loaded, error, select, openPicker, refresh } = useReviewers();
  const access = useAccess();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!open) return;
    void refresh();
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [open, refresh]);

  useEffect(() => {
    if (!open) return;
    const items = menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]');
    const checked = menuRef.current?.querySelector<HTMLElement>('[aria-checked="true"]');
    (checked ?? items?.[0])?.focus();
  }, [open]);

  if (!loaded || error) return null;

  if (access.bound) {
    // Team mode, opened with an invite: who is signed in and as what; there is no one to switch to.
    const name = current?.name ?? 'Signing in…';
    return (
      <div className="reviewer-switcher signed-in" title={`Signed in as ${name} (${roleLabel(access.role)}) with an invite link. Everything you save is saved as ${name}.`}>
        <span className="reviewer-button static" data-testid="signed-in-as">
          <span className="avatar" aria-hidden>
            {initials(name)}
          </span>
          <span className="reviewer-name">{name}</span>
          <span className="badge role-badge">{roleLabel(access.role)}</span>
        </span>
      </div>
    );
  }
  /** The profile's role; in team mode the session's (the owner's token). */
  const roleOf = (r: Reviewer) => (access.team ? roleLabel(access.role) : ROLE_LABELS[r.role]);

  const onMenuKey = (e: KeyboardEvent) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (index + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      rootRef.current?.querySelector<HTMLButtonElement>('.reviewer-button')?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  return (
    <div className="reviewer-switcher" ref={rootRef}>
      <button
        className="reviewer-button"
        aria-haspopup="menu"
        aria-expanded={open}
        title={current ? `Reviewing as ${current.name} (${roleOf(current)}). Switch reviewer` : 'Choose who is reviewing'}
        onClick={() => (current || reviewers.some((r) => r.kind === 'person') ? setOpen((o) => !o) : openPicker('create'))}
      >
        {current ? (
          <>
            <span className="avatar" aria-hidden>
              {initials(current.name)}
            </span>
            <span className="reviewer-name">{current.name}</span>
            {access.team ? <span className="badge role-badge">{roleLabel(access.role)}</span> : <span className="muted">{ROLE_LABELS[current.role]}</span>}
          </>
        ) : (
          <span>Choose reviewer…</span>
        )}
        <span aria-hidden className="caret">
          ▾
        </span>
      </button>
      {open && (
        <ul className="menu" role="menu" aria-label="Switch reviewer" ref={menuRef} onKeyDown={onMenuKey}>
          {/* Import sources (e.g. "hh-rlhf import") are not people: never offered here. */}
          {reviewers.filter((r) => r.kind === 'person').map((r) => (
            <li key={r.id} role="none">
              <button
                role="menuitemradio"
                aria-checked={r.id === current?.id}
                tabIndex={-1}
                onClick={() => {
                  // A refused sign-in opens the dialog with the reason.
                  void select(r.id);
                  setOpen(false);
                }}
              >
                <span className="check" aria-hidden>
                  {r.id === current?.id ? '✓' : ''}
                </span>
                <span className="reviewer-name">{r.name}</span>
                <span className="muted">{ROLE_LABELS[r.role]}</span>
              </button>
            </li>
          ))}
          <li role="separator" />
          <li role="none">
            <button
              role="menuitem"
              tabIndex={-1}
              onClick={() => {
                setOpen(false);
                openPicker('create');
              }}
            >
              <span className="check" aria-hidden>
                +
              </span>
              New reviewer…
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}

/**
 * A view whose work is saved under a reviewer (Review, Compare): until one is chosen it asks who
 * is working, with the way to pick or create a profile; then it renders the view for that reviewer
 * (keyed by them, so switching reviewer starts the view afresh).
 */
export function WithReviewer({ question, why, className, children }: { question: string; why: string; className: string; children: (reviewerId: number) => ReactNode }) {
  const reviewer = useReviewer();
  const { openPicker, loaded, error } = useReviewers();
  if (reviewer) return <Fragment key={reviewer.id}>{children(reviewer.id)}</Fragment>;
  return (
    <div className={`page empty ${className}`}>
      <h2>{question}</h2>
      {error ? <p className="error">{error}</p> : <p>{why}</p>}
      <div className="actions">
        <button onClick={() => openPicker('pick')} disabled={!loaded}>
          Choose reviewer…
        </button>
        <button className="secondary" onClick={() => openPicker('create')} disabled={!loaded}>
          New reviewer…
        </button>
      </div>
    </div>
  );
}
