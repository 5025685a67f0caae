import { memo, useCallback, useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent, type ReactNode, type RefObject } from 'react';
import type { Criterion, FailureClass, QueueStatus, Review, ReviewItem, Template } from '../../../../contract';
import { call, errorText, onEvent } from '../../api';
import { useAccess } from '../../access';
import { ProgressBar } from '../../components/ProgressBar';
import { useToast } from '../../components/Toast';
import { clickTopbar, goToTab } from '../../navigation';
import { useReviewer, useReviewers, WithReviewer } from '../../reviewer';
import { useModels } from '../models/useModels';
import { keepPlace, recallPlace } from '../../place';
import { CheatSheet } from './CheatSheet';
import { useFocusClock } from '../../components/focusClock';
import { isTyping, useWindowKeydown } from '../../components/keyboard';
import { ItemCache } from './itemCache';
import { isReopened, ItemPane, type PaneHandle, type UndoEntry, type UnsentLabel } from './ItemPane';
import { QueueList } from './QueueList';
import { useSaver, useSaveState } from './saver';
import { useQueue, type QueueFilterState } from './useQueue';
import { SessionFinished, SessionHeader, SessionPicker, useWorkSession } from '../sessions/workSession';
import './review.css';

const STATUSES: { value: QueueStatus; label: string }[] = [
  { value: 'todo', label: 'To do' },
  { value: 'draft', label: 'Drafts' },
  { value: 'submitted', label: 'Submitted' },
  { value: 'all', label: 'All' },
];

const FILTER_KEY = 'assay.review.filter';

/** The open item, kept while other tabs are visited (the filters are kept in localStorage). */
interface ReviewPlace {
  generationId: number;
  index: number;
}

function readFilter(): QueueFilterState {
  try {
    const raw = JSON.parse(localStorage.getItem(FILTER_KEY) ?? 'null') as Partial<QueueFilterState> | null;
    if (raw && STATUSES.some((s) => s.value === raw.status)) {
      return {
        status: raw.status!,
        modelId: typeof raw.modelId === 'number' ? raw.modelId : undefined,
        templateId: typeof raw.templateId === 'number' ? raw.templateId : undefined,
        tag: typeof raw.tag === 'string' ? raw.tag : undefined,
      };
    }
  } catch {
    // A damaged or unavailable store: start from the default filter.
  }
  return { status: 'todo' };
}

/**
 * Review: the queue of generations on the left, the item on the right. Keyboard-first (? lists
 * every key), every write autosaved in order, deletes undoable.
 */
export function ReviewView() {
  return (
    <WithReviewer
      question="Who is reviewing?"
      why="Every rating, tag and correction is saved under a reviewer profile. Pick yours, or create one, to open the queue."
      className="review-empty"
    >
      {(reviewerId) => <ReviewQueue reviewerId={reviewerId} />}
    </WithReviewer>
  );
}

interface FiltersProps {
  filter: QueueFilterState;
  models: { id: number; name: string }[] | null;
  templates: Template[];
  promptTags: { tag: string; count: number }[];
  onChange: (next: Partial<QueueFilterState>) => void;
  /** Gives the keyboard back to the item. */
  onDone: () => void;
  firstRef: RefObject<HTMLSelectElement | null>;
}

/** Status tabs and the model/template/tag filters; memoized so moving through items skips it. */
const QueueFilters = memo(function QueueFilters({ filter, models, templates, promptTags, onChange, onDone, firstRef }: FiltersProps) {
  return (
    <div className="queue-filters">
      <div className="status-filter" role="radiogroup" aria-label="Status">
        {STATUSES.map((s) => (
          <button
            key={s.value}
            role="radio"
            aria-checked={filter.status === s.value}
            className={`chip${filter.status === s.value ? ' on' : ''}`}
            // The chosen tab again changes nothing (it used to reopen the first item under the keys).
            onClick={() => (filter.status === s.value ? onDone() : onChange({ status: s.value }))}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div className="filter-selects">
        <select
          ref={firstRef}
          aria-label="Model"
          value={filter.modelId ?? ''}
          onChange={(e) => {
            onChange({ modelId: e.target.value === '' ? undefined : Number(e.target.value) });
            e.currentTarget.blur();
          }}
        >
          <option value="">All models</option>
          {models?.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
        <select
          aria-label="Template"
          value={filter.templateId ?? ''}
          onChange={(e) => {
            onChange({ templateId: e.target.value === '' ? undefined : Number(e.target.value) });
            e.currentTarget.blur();
          }}
        >
          <option value="">Any template</option>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <select
          aria-label="Prompt tag"
          value={filter.tag ?? ''}
          onChange={(e) => {
            onChange({ tag: e.target.value === '' ? undefined : e.target.value });
            e.currentTarget.blur();
          }}
        >
          <option value="">Any prompt tag</option>
          {promptTags.map((t) => (
            <option key={t.tag} value={t.tag}>
              {t.tag} ({t.count})
            </option>
          ))}
        </select>
      </div>
    </div>
  );
});

/**
 * A click on a button in the view leaves the keyboard where it was: a button focused by a click
 * would take the next Enter (a chip re-filtering, M toggling) instead of the submit. Tab still
 * focuses buttons on purpose; dialogs keep the usual behaviour.
 */
function keepFocusOffButtons(e: ReactMouseEvent) {
  const target = e.target as HTMLElement;
  if (target.closest('button, summary') && !target.closest('dialog')) e.preventDefault();
}

function ReviewQueue({ reviewerId }: { reviewerId: number }) {
  /** Team mode, SME: outputs come from an engineer's batch, not from here. */
  const canGenerate = useAccess().can('jobs.create');
  const reviewer = useReviewer()!;
  const { reviewers } = useReviewers();
  const toast = useToast();
  const { models } = useModels();
  // useModels answers a new array on every render; the filters only need ids and names.
  const modelKey = models?.map((m) => `${m.id}\u001f${m.name}`).join('\u001e') ?? null;
  const modelOptions = useMemo(
    () => (modelKey === null ? null : modelKey === '' ? [] : modelKey.split('\u001e').map((row) => ({ id: Number(row.split('\u001f')[0]), name: row.split('\u001f')[1]! }))),
    [modelKey],
  );
  const [templates, setTemplates] = useState<Template[]>([]);
  const [promptTags, setPromptTags] = useState<{ tag: string; count: number }[]>([]);
  const [criteria, setCriteria] = useState<Criterion[] | null>(null);
  const [classes, setClasses] = useState<FailureClass[]>([]);
  const [setupError, setSetupError] = useState<string | null>(null);
  const [filter, setFilter] = useState<QueueFilterState>(readFilter);
  const [version, setVersion] = useState(0);
  const queue = useQueue(reviewerId, filter, version);
  // Session mode: items come one at a time from sessions.next (reserved to this reviewer), not from the filter.
  const work = useWorkSession(reviewerId, 'review');
  const inSession = work.session !== null;
  const [reservedUntil, setReservedUntil] = useState<number | null>(null);
  // Coming back from another tab opens the item that was open, not the first of the queue: a
  // draft there would otherwise hide under Drafts.
  const placeKey = `review:${reviewerId}`;
  const [place] = useState(() => recallPlace<ReviewPlace>(placeKey));
  const [index, setIndex] = useState<number | null>(place?.index ?? null);
  const [currentId, setCurrentId] = useState<number | null>(null);
  const [shown, setShown] = useState<ReviewItem | null>(null);
  const [itemError, setItemError] = useState<string | null>(null);
  const [cheatSheet, setCheatSheet] = useState(false);
  const [finished, setFinished] = useState(false);
  const [anyGenerations, setAnyGenerations] = useState<boolean | null>(null);
  const cache = useMemo(() => new ItemCache(reviewerId), [reviewerId]);
  const saver = useSaver();
  const saveState = useSaveState(saver);
  const clock = useFocusClock({ countPointerMoves: true });
  const pane = useRef<PaneHandle>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const filterRef = useRef<HTMLSelectElement>(null);
  const undoStack = useRef<UndoEntry[]>([]);
  const correctionDrafts = useRef(new Map<number, string>()).current;
  const unsentLabels = useRef(new Map<number, UnsentLabel>()).current;
  const currentIdRef = useRef(currentId);
  currentIdRef.current = currentId;

  // ── Setup: rubric, taxonomy, filter options ──────────────────────────────────────────────
  const loadSetup = useCallback(() => {
    call('rubric.list', {}).then(
      (list) => {
        setCriteria(list);
        setSetupError(null);
      },
      (e: unknown) => setSetupError(errorText(e)),
    );
    call('taxonomy.list', { includeRetired: true }).then(setClasses, () => undefined);
    call('templates.list', {}).then(setTemplates, () => undefined);
    call('prompts.tags', {}).then(setPromptTags, () => undefined);
  }, []);
  useEffect(() => {
    loadSetup();
    const disposers = [
      onEvent('onDidChangeTaxonomy', () => void call('taxonomy.list', { includeRetired: true }).then(setClasses, () => undefined)),
      onEvent('onDidChangeReview', ({ generationId, reviewerId: who }) => {
        if (who === reviewerId && generationId !== currentIdRef.current && !cache.busy(generationId)) cache.refresh(generationId);
      }),
      onEvent('onDidChangeJob', (job) => {
        // New generations from a running batch join the queue as they land.
        if (job.status === 'done' || job.counts.done % 50 === 0) setVersion((v) => v + 1);
      }),
    ];
    return () => disposers.forEach((d) => d());
  }, [loadSetup, cache, reviewerId]);

  useEffect(() => {
    try {
      localStorage.setItem(FILTER_KEY, JSON.stringify(filter));
    } catch {
      // Not remembered across sessions; nothing else changes.
    }
  }, [filter]);

  // ── Showing an item ──────────────────────────────────────────────────────────────────────
  const show = useCallback(
    (generationId: number | null) => {
      setCurrentId(generationId);
      currentIdRef.current = generationId;
      clock.open(generationId);
      setItemError(null);
      if (generationId === null) return setShown(null);
      const cached = cache.busy(generationId) ? undefined : cache.get(generationId);
      if (cached) return setShown(cached);
      setShown(null);
      // Writes still landing for this item (it was just left): wait for them, then fetch it whole.
      void cache
        .settled(generationId)
        .then(() => cache.load(generationId))
        .then(
          (item) => currentIdRef.current === generationId && setShown(item),
          (e: unknown) => currentIdRef.current === generationId && setItemError(errorText(e)),
        );
    },
    [cache, clock],
  );

  const restored = useRef(false);
  useEffect(() => {
    if (place && !restored.current) show(place.generationId);
    restored.current = true;
  }, [place, show]);
  useEffect(() => {
    if (currentId !== null && index !== null) keepPlace<ReviewPlace>(placeKey, { generationId: currentId, index });
  }, [placeKey, currentId, index]);

  const select = useCallback(
    (i: number) => {
      setIndex(i);
      setFinished(false);
      const entry = queue.itemAt(i);
      if (entry) return show(entry.generationId);
      void queue.load(i).then((e) => {
        if (e) show(e.generationId);
      });
    },
    [queue, show],
  );

  const total = queue.total ?? 0;

  // The first item opens by itself; a filter that no longer holds the open item moves to its first.
  useEffect(() => {
    if (inSession || queue.total === null || finished) return;
    if (total === 0) {
      if (currentId !== null) show(null);
      setIndex(null);
      return;
    }
    if (index === null) {
      if (queue.itemAt(0)) select(0);
      return;
    }
    // After a reload the open item may sit at another row: follow it.
    if (currentId !== null && queue.itemAt(index)?.generationId !== currentId) {
      const found = queue.indexOf(currentId, index);
      if (found >= 0 && found !== index) setIndex(found);
    }
  });

  // Fetch the neighbours ahead, so J/K paint from memory; after this frame is painted (effects of
  // a key press run before it).
  const prefetch = useRef<() => void>(() => undefined);
  prefetch.current = () => {
    if (index === null) return;
    for (const i of [index + 1, index + 2, index - 1, index + 3]) {
      const entry = i >= 0 ? queue.itemAt(i) : undefined;
      if (entry && !cache.busy(entry.generationId) && !cache.get(entry.generationId)) cache.load(entry.generationId).catch(() => undefined);
    }
  };
  const pageLoaded = index !== null && queue.itemAt(index + 1) !== undefined;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => prefetch.current(), 0)));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [index, pageLoaded, cache]);

  // The progress bar counts the whole filter, whatever the status tab shows.
  const [overall, setOverall] = useState<{ total: number; done: number } | null>(null);
  // Bumped when a label's status changes without a queue reload (a reopened label): counts again.
  const [countsVersion, setCountsVersion] = useState(0);
  useEffect(() => {
    let live = true;
    call('review.queue', { reviewerId, modelId: filter.modelId, templateId: filter.templateId, tag: filter.tag, status: 'all', limit: 1 }).then(
      (r) => live && setOverall({ total: r.total, done: r.done }),
      () => live && setOverall(null),
    );
    return () => {
      live = false;
    };
  }, [reviewerId, filter.modelId, filter.templateId, filter.tag, version, countsVersion]);

  // Whether the workspace has any generation at all (for the empty state).
  useEffect(() => {
    if (queue.total !== 0) return;
    let live = true;
    call('review.queue', { reviewerId, status: 'all', limit: 1 }).then(
      (r) => live && setAnyGenerations(r.total > 0),
      () => live && setAnyGenerations(null),
    );
    return () => {
      live = false;
    };
  }, [queue.total, reviewerId]);

  const changeFilter = useCallback(
    (next: Partial<QueueFilterState>) => {
      saver.flush();
      setFilter((f) => ({ ...f, ...next }));
      setIndex(null);
      setFinished(false);
      show(null);
      // A chip or a select keeps no focus: Enter must submit the next item, not press the filter again.
      rootRef.current?.focus({ preventScroll: true });
    },
    [saver, show],
  );

  // ── Submit → next ────────────────────────────────────────────────────────────────────────
  const nextInSession = work.next;
  const requestNext = useCallback(
    (generationId: number) =>
      inSession
        ? nextInSession().then((item) => {
            setReservedUntil(item?.reservedUntil ?? null);
            return item?.itemId ?? null;
          })
        : call('review.next', { reviewerId, ...filter, afterGenerationId: generationId }).then((r) => r.generationId),
    [reviewerId, filter, inSession, nextInSession],
  );
  /** Skip (L): the item is not handed to this reviewer again unless they revisit their skipped ones. */
  const skipThenNext = work.skip;
  const skipping = useRef(false);
  const skipInSession = useCallback(() => {
    const generationId = currentIdRef.current;
    if (!inSession || generationId === null || skipping.current) return;
    skipping.current = true;
    // A draft typed so far is saved as a draft (it stays this reviewer's, and counts for no one).
    saver.flush();
    skipThenNext(generationId)
      .then(
        (item) => {
          setReservedUntil(item?.reservedUntil ?? null);
          setFinished(item === null);
          show(item?.itemId ?? null);
          toast.show(`Skipped: it is not handed to you again unless you revisit your skipped items.`, { timeoutMs: 4000 });
        },
        (e: unknown) => toast.show(`Not skipped: ${errorText(e)}`, { kind: 'error' }),
      )
      .finally(() => (skipping.current = false));
  }, [inSession, saver, skipThenNext, show, toast]);
  // Choosing a session opens its next item for this reviewer (the one they hold, if any).
  const sessionKey = work.session?.id ?? null;
  const [sessionRound, setSessionRound] = useState(0);
  useEffect(() => {
    if (sessionKey === null) return;
    let live = true;
    setFinished(false);
    setIndex(null);
    nextInSession().then(
      (item) => {
        if (!live) return;
        setReservedUntil(item?.reservedUntil ?? null);
        if (item) show(item.itemId);
        else {
          show(null);
          setFinished(true);
        }
      },
      (e: unknown) => live && setItemError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [sessionKey, sessionRound]);
  /**
   * The next item after `generationId` in the loaded pages, as review.next would find it (the
   * queue is in generation order; To do skips items labelled since, Drafts and Submitted keep
   * their status); undefined when the pages loaded do not say.
   */
  const nextLoaded = useCallback(
    (generationId: number): { index: number; generationId: number } | undefined => {
      const at = queue.indexOf(generationId, index ?? 0);
      if (at < 0) return undefined;
      for (let i = at + 1; ; i++) {
        const entry = queue.itemAt(i);
        if (!entry) return undefined;
        if (filter.status === 'all' || entry.status === (filter.status === 'todo' ? 'todo' : filter.status)) return { index: i, generationId: entry.generationId };
      }
    },
    [queue, index, filter.status],
  );
  const onSubmitted = useCallback(
    async (generationId: number, next: Promise<number | null>) => {
      const from = index ?? 0;
      try {
        const nextId = await next;
        if (nextId === null) {
          setFinished(true);
          show(null);
          setIndex(null);
          toast.show(inSession ? 'Submitted. Nothing more in this session for you now.' : 'Submitted. That was the last item in this queue.');
          return;
        }
        // In To do and Drafts the submitted item leaves the list, so the next one moves up into its row.
        if (inSession) {
          show(nextId);
          return;
        }
        setIndex(filter.status === 'todo' || filter.status === 'draft' ? from : from + 1);
        show(nextId);
      } catch (e) {
        toast.show(`Submitted, but the next item could not be found: ${errorText(e)}`, { kind: 'error' });
      }
    },
    [index, filter, show, toast, inSession],
  );

  const onSubmit = useCallback(
    (generationId: number, ack: Promise<Review>, label: UnsentLabel) => {
      unsentLabels.delete(generationId);
      const stored = ack.then(
        () => setVersion((v) => v + 1),
        (e: unknown) => {
          // The view has moved on: the label waits on its item, and the reviewer is told where.
          unsentLabels.set(generationId, label);
          const at = queue.indexOf(generationId, index ?? 0);
          const name = at >= 0 ? queue.itemAt(at)?.promptId : undefined;
          toast.show(`${name ? `${name} was not submitted` : 'Not submitted'} (${errorText(e)}). Its label is kept on that item.`, {
            kind: 'error',
            timeoutMs: 30_000,
            action: { label: 'Open it', run: () => (at >= 0 ? select(at) : show(generationId)) },
          });
          throw e;
        },
      );
      const local = inSession ? undefined : nextLoaded(generationId);
      if (local) {
        // Painted now, from memory (prefetched); the submit is acknowledged meanwhile.
        stored.catch(() => undefined);
        setFinished(false);
        setIndex(local.index);
        show(local.generationId);
        return;
      }
      // Not in the pages loaded: ask the engine once the submit is stored (a failed one stays open).
      stored.then(
        () => void onSubmitted(generationId, requestNext(generationId)),
        () => undefined,
      );
    },
    [unsentLabels, queue, index, toast, select, show, nextLoaded, requestNext, onSubmitted],
  );
  // ── Status of a label ────────────────────────────────────────────────────────────────────
  // Drafts of labels that were submitted, among the rows on screen (the queue only says "draft").
  const [reopenedIds, setReopenedIds] = useState<ReadonlySet<number>>(() => new Set());
  /**
   * A label changed status: its row says so at once, and the submitted count follows at once (and
   * is counted again by the workspace), whether the label was submitted, reopened or put back.
   */
  const statusChanged = useCallback(
    (generationId: number, status: 'todo' | 'draft' | 'submitted', reopened = false) => {
      const at = queue.indexOf(generationId, index ?? 0);
      const before = at >= 0 ? queue.itemAt(at)?.status : undefined;
      queue.patch(generationId, status);
      setReopenedIds((set) => {
        if (set.has(generationId) === reopened) return set;
        const next = new Set(set);
        if (reopened) next.add(generationId);
        else next.delete(generationId);
        return next;
      });
      if (before !== undefined && before !== status && (before === 'submitted' || status === 'submitted')) {
        setOverall((o) => o && { ...o, done: Math.max(0, o.done + (status === 'submitted' ? 1 : -1)) });
        setCountsVersion((v) => v + 1);
      }
    },
    [queue, index],
  );

  /** Submit, from the toast, a label left reopened on an item no longer open. */
  const submitLeft = useCallback(
    (generationId: number, promptId: string, label: UnsentLabel) => {
      void cache
        .track(
          generationId,
          saver.run(() => call('review.save', { generationId, reviewerId, ...label, addTimeSpentMs: clock.take(generationId), submit: true })),
        )
        .then(
          (review) => {
            cache.setReview(generationId, review);
            statusChanged(generationId, review.status, isReopened(review));
            if (currentIdRef.current === generationId) pane.current?.applyReview(review);
            toast.show(`Submitted ${promptId} again: its label is back in exports.`);
          },
          (e: unknown) => toast.show(`${promptId} was not submitted (${errorText(e)}); it stays reopened.`, { kind: 'error', timeoutMs: 20_000 }),
        );
    },
    [cache, saver, reviewerId, clock, statusChanged, toast],
  );

  const onLeaveReopened = useCallback(
    (generationId: number, promptId: string, label: UnsentLabel) => {
      const complete = criteria !== null && criteria.every((c) => label.ratings[String(c.id)] !== undefined) && label.verdict !== null;
      toast.show(`You left ${promptId} reopened: its submitted label is out of every export until you submit it again.`, {
        kind: 'error',
        timeoutMs: 20_000,
        action: complete
          ? { label: 'Submit it', run: () => submitLeft(generationId, promptId, label) }
          : { label: 'Open it', run: () => (goToTab('Review'), show(generationId)) },
      });
    },
    [criteria, toast, submitLeft, show],
  );

  // ── Undo ─────────────────────────────────────────────────────────────────────────────────
  const [undoLabel, setUndoLabel] = useState<string | null>(null);
  const runUndo = useCallback(
    async (entry: UndoEntry) => {
      undoStack.current = undoStack.current.filter((e) => e !== entry);
      setUndoLabel(undoStack.current[undoStack.current.length - 1]?.label ?? null);
      try {
        const review: Review = await entry.run();
        cache.setReview(entry.generationId, review);
        statusChanged(entry.generationId, review.status, isReopened(review));
        if (entry.generationId === currentIdRef.current) pane.current?.applyReview(review);
        toast.show(`Restored the ${entry.label}.`);
      } catch (e) {
        toast.show(`Could not undo: ${errorText(e)}`, { kind: 'error' });
      }
    },
    [cache, statusChanged, toast],
  );
  const pushUndo = useCallback(
    (entry: UndoEntry) => {
      undoStack.current = [...undoStack.current.slice(-49), entry];
      setUndoLabel(entry.label);
      return () => void runUndo(entry);
    },
    [runUndo],
  );

  const focusRoot = useCallback(() => rootRef.current?.focus({ preventScroll: true }), []);

  // ── Keys ─────────────────────────────────────────────────────────────────────────────────
  useWindowKeydown((e) => {
    if (e.defaultPrevented || e.isComposing) return;
    // Dialogs (tag picker, correction, cheat sheet, reviewer) keep their keys.
    if (document.querySelector('dialog[open]')) return;
    const typing = isTyping(e.target);
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'z' && !e.shiftKey && !typing) {
      e.preventDefault();
      const entry = undoStack.current[undoStack.current.length - 1];
      if (entry) void runUndo(entry);
      else toast.show('Nothing to undo.');
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing) return;
    const target = e.target as HTMLElement | null;
    // Enter and Space on a button, link or summary do what it says, except on radio buttons (the
    // rating values and the status chips): there Enter submits the item, as everywhere in the view.
    if ((e.key === 'Enter' || e.key === ' ') && target?.closest?.('button, a, summary') && !(e.key === 'Enter' && target.closest('[role="radio"]'))) return;
    const move = (delta: number) => {
      e.preventDefault();
      // A session hands items out in its own order, one at a time.
      if (total === 0 || inSession) return;
      saver.flush();
      // The open item may have left the list (a draft under To do, kept while away): its row
      // then holds the item after it, which J opens next.
      const inList = index !== null && queue.itemAt(index)?.generationId === currentIdRef.current;
      select(Math.max(0, Math.min(total - 1, index === null ? 0 : !inList && delta > 0 ? index : index + delta)));
    };
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === 'j' || key === 'ArrowDown') return move(1);
    if (key === 'k' || key === 'ArrowUp') return move(-1);
    if (key === '?') {
      e.preventDefault();
      setCheatSheet(true);
      return;
    }
    if (key === 'g') {
      e.preventDefault();
      clickTopbar('header button', 'Guidelines');
      return;
    }
    if (key === '/') {
      e.preventDefault();
      filterRef.current?.focus();
      return;
    }
    if (key === 'Escape') {
      focusRoot();
      return;
    }
    if (key === 'l' && inSession && currentIdRef.current !== null) {
      e.preventDefault();
      skipInSession();
      return;
    }
    if (shown && pane.current?.handleKey(e)) e.preventDefault();
  });

  // The view takes the keyboard when it opens (from the tab button too: Enter must submit, not
  // press the tab again).
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.getAttribute('role') === 'tab') focusRoot();
  }, [focusRoot]);

  const templateName = useCallback((id: number) => templates.find((t) => t.id === id)?.name, [templates]);
  const reviewerName = useCallback((id: number) => reviewers.find((r) => r.id === id)?.name ?? `reviewer #${id}`, [reviewers]);

  const filtered = filter.modelId !== undefined || filter.templateId !== undefined || filter.tag !== undefined;
  const fraction = overall && overall.total > 0 ? overall.done / overall.total : 0;
  const inTab = { todo: 'to do', draft: 'drafts', submitted: 'submitted', all: 'in all' }[filter.status];

  let emptyState: ReactNode = null;
  if (inSession) {
    emptyState = null;
  } else if (queue.total === 0 && anyGenerations === false) {
    emptyState = (
      <div className="empty">
        <h2>No generations to review yet</h2>
        {canGenerate ? (
          <>
            <p>Generate outputs first: try a prompt on a model in the Playground and save it, or run a batch over your prompts.</p>
            <div className="actions">
              <button onClick={() => goToTab('Batch')}>Go to Batch</button>
              <button className="secondary" onClick={() => goToTab('Playground')}>
                Go to Playground
              </button>
            </div>
          </>
        ) : (
          <p>An NLP engineer or the owner generates the outputs you review here.</p>
        )}
      </div>
    );
  } else if (queue.total === 0) {
    emptyState = (
      <div className="empty">
        <h2>{filter.status === 'todo' && !filtered ? 'Nothing left to review' : 'Nothing in this filter'}</h2>
        <p>
          {filter.status === 'todo'
            ? 'Every generation here has your submitted label. Look back at them under Submitted, or widen the filter.'
            : 'Try another status or clear the filters.'}
        </p>
        <div className="actions">
          <button className="secondary" onClick={() => changeFilter({ status: 'all', modelId: undefined, templateId: undefined, tag: undefined })}>
            Show everything
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="review-view" ref={rootRef} tabIndex={-1} aria-label="Review" onMouseDown={keepFocusOffButtons}>
      <aside className="queue-pane" aria-label="Queue">
        <SessionPicker work={work} />
        {inSession ? (
          <SessionHeader work={work} reservedUntil={reservedUntil} onSkip={currentId !== null && !finished ? skipInSession : null} />
        ) : (
          <QueueFilters filter={filter} models={modelOptions} templates={templates} promptTags={promptTags} onChange={changeFilter} onDone={focusRoot} firstRef={filterRef} />
        )}
        {!inSession && (
        <div className="queue-progress" aria-label="Queue progress">
          <ProgressBar fraction={overall === null ? null : fraction} label="Submitted" />
          <div className="queue-counts muted" data-testid="queue-counts">
            {overall === null || queue.total === null
              ? 'Loading…'
              : `${overall.done.toLocaleString()} of ${overall.total.toLocaleString()} submitted${filter.status === 'submitted' || filter.status === 'all' ? '' : ` · ${total.toLocaleString()} ${inTab}`}`}
            <span className={`save-indicator ${saveState}`} aria-live="polite">
              {saveState === 'saving' ? 'Saving…' : saveState === 'failed' ? 'Not saved' : 'All saved'}
            </span>
          </div>
        </div>
        )}
        {queue.error && <p className="error">{queue.error}</p>}
        {inSession ? <div className="queue-list" /> : total > 0 ? <QueueList pages={queue} reopened={reopenedIds} selectedIndex={index !== null && queue.itemAt(index)?.generationId === currentId ? index : null} onSelect={(i) => select(i)} /> : <div className="queue-list" />}
        <footer className="queue-footer muted">
          <button className="link" onClick={() => setCheatSheet(true)} title="Every key of this view">
            Keys <kbd>?</kbd>
          </button>
          <span className="spacer" />
          {undoLabel && (
            <button
              className="link"
              title="Undo the last delete (Ctrl+Z)"
              onClick={() => {
                const entry = undoStack.current[undoStack.current.length - 1];
                if (entry) void runUndo(entry);
              }}
            >
              Undo
            </button>
          )}
          <button className="link" onClick={() => clickTopbar('header button', 'Guidelines')}>
            Guidelines <kbd>G</kbd>
          </button>
        </footer>
      </aside>
      <section className="review-main">
        {setupError ? (
          <div className="empty">
            <h2>Review is not available</h2>
            <p className="error">{setupError}</p>
            <button className="secondary" onClick={loadSetup}>
              Try again
            </button>
          </div>
        ) : emptyState ? (
          emptyState
        ) : finished && inSession ? (
          <SessionFinished work={work} things="Items" className="empty" onLookAgain={() => setSessionRound((r) => r + 1)} />
        ) : finished ? (
          <div className="empty">
            <h2>End of the queue</h2>
            <p>{overall ? `${overall.done.toLocaleString()} of ${overall.total.toLocaleString()} submitted in this filter.` : 'Nothing more in this filter.'}</p>
            <div className="actions">
              <button className="secondary" onClick={() => select(0)}>
                Back to the first item
              </button>
            </div>
          </div>
        ) : itemError ? (
          <div className="empty">
            <p className="error">{itemError}</p>
            <button className="secondary" onClick={() => show(currentId)}>
              Try again
            </button>
          </div>
        ) : shown && criteria ? (
          <ItemPane
            key={`${shown.generationId}`}
            ref={pane}
            item={shown}
            reviewer={reviewer}
            criteria={criteria}
            classes={classes}
            cache={cache}
            saver={saver}
            clock={clock}
            correctionDrafts={correctionDrafts}
            reviewerName={reviewerName}
            pushUndo={pushUndo}
            onStatus={statusChanged}
            onLeaveReopened={onLeaveReopened}
            onSubmit={onSubmit}
            unsentLabels={unsentLabels}
            onFocusRoot={focusRoot}
            onGoToTab={goToTab}
            templateName={templateName}
          />
        ) : (
          <div className="item-loading muted">Loading…</div>
        )}
      </section>
      {cheatSheet && <CheatSheet onClose={() => setCheatSheet(false)} />}
    </div>
  );
}
