import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ComparisonKind, ComparisonLabel, ComparisonTask, FailureClass, FailureTag, NextItem, Review } from '../../../../contract';
import { call, errorText, onEvent } from '../../api';
import { useAccess } from '../../access';
import { ProgressBar } from '../../components/ProgressBar';
import { useToast } from '../../components/Toast';
import { WithReviewer } from '../../reviewer';
import { CheatSheet } from './CheatSheet';
import { useFocusClock } from '../../components/focusClock';
import { CreateTasksDialog } from './CreateTasksDialog';
import { PairPane } from './PairPane';
import { describeRanking, RankPane } from './RankPane';
import { describeChoice, type Draft, type LabelValues, type PaneHandle, type TagApi } from './shared';
import { TaskList } from './TaskList';
import { useTaskQueue, type TaskFilter, type TaskStatus } from './useTaskQueue';
import { SessionFinished, SessionHeader, SessionPicker, useWorkSession } from '../sessions/workSession';
import { clickTopbar, goToTab } from '../../navigation';
import { isTyping, useWindowKeydown } from '../../components/keyboard';
import { keepPlace, recallPlace } from '../../place';
import { plural } from '../../plural';
import { updateSettings, useSettings } from '../../settings';
import './compare.css';

const STATUSES: { value: TaskStatus; label: string }[] = [
  { value: 'todo', label: 'To do' },
  { value: 'done', label: 'Labeled' },
  { value: 'all', label: 'All' },
];

const PREFS_KEY = 'assay.compare.prefs';

interface Prefs {
  filter: TaskFilter;
  diffOn: boolean;
  syncOn: boolean;
}

function readPrefs(): Prefs {
  const fallback: Prefs = { filter: { status: 'todo' }, diffOn: false, syncOn: true };
  try {
    const raw = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null') as Partial<Prefs> | null;
    if (!raw) return fallback;
    const status = STATUSES.some((s) => s.value === raw.filter?.status) ? raw.filter!.status : 'todo';
    const kind = raw.filter?.kind === 'pair' || raw.filter?.kind === 'rank' ? raw.filter.kind : undefined;
    return { filter: { status, kind }, diffOn: raw.diffOn === true, syncOn: raw.syncOn !== false };
  } catch {
    return fallback;
  }
}

/** Where the reviewer was (kept while another tab is open): the open task and the unsent drafts. */
interface ComparePlace {
  taskId: number | null;
  drafts: [number, Draft][];
}

/** What the keyboard acts on right now, shown above the task so a key never lands unseen. */
type KeysTarget = { kind: 'task' } | { kind: 'field'; name: string } | { kind: 'control'; name: string };

function keysTargetOf(el: Element | null): KeysTarget {
  const node = el as HTMLElement | null;
  if (!node || node === document.body || node.classList.contains('compare-view') || node.closest('.cmp-side-body, .cmp-list')) return { kind: 'task' };
  const labelled = (node as HTMLInputElement).labels?.[0]?.textContent;
  const name = (node.getAttribute('aria-label') || labelled || node.textContent || node.tagName.toLowerCase()).replace(/\s+/g, ' ').trim().slice(0, 40);
  if (isTyping(node)) return { kind: 'field', name };
  // The choice buttons and ranking cards submit with Enter like the view does.
  if (node.closest('.cmp-choices, .cmp-strength, .cmp-card')) return { kind: 'task' };
  if (node.closest('button, a, summary, [draggable]')) return { kind: 'control', name };
  return { kind: 'task' };
}

interface UndoEntry {
  label: string;
  run: () => Promise<void>;
}

/**
 * Compare: the reviewer's comparison tasks on the left, the open task on the right (pairwise or
 * N-way). Keyboard-first (? lists every key); a submit moves on and can be undone.
 */
export function CompareView() {
  return (
    <WithReviewer
      question="Who is comparing?"
      why="Every preference label is saved under a reviewer profile. Pick yours, or create one, to open your comparison queue."
      className="cmp-who"
    >
      {(reviewerId) => <CompareQueue reviewerId={reviewerId} />}
    </WithReviewer>
  );
}

function CompareQueue({ reviewerId }: { reviewerId: number }) {
  const toast = useToast();
  const { blindComparisons: savedBlind } = useSettings();
  // The toggle follows the click at once; the workspace's answer (or a refusal) settles it.
  const [blindAsked, setBlindAsked] = useState<boolean | null>(null);
  const blind = blindAsked ?? savedBlind;
  const placeKey = `compare:${reviewerId}`;
  const [place] = useState(() => recallPlace<ComparePlace>(placeKey));
  const [prefs, setPrefs] = useState<Prefs>(readPrefs);
  const filter = prefs.filter;
  const [version, setVersion] = useState(0);
  const queue = useTaskQueue(reviewerId, filter, version);
  // Session mode: tasks come one at a time from sessions.next; a swap re-show comes back with its sides swapped.
  const work = useWorkSession(reviewerId, 'compare');
  const inSession = work.session !== null;
  const [reservedUntil, setReservedUntil] = useState<number | null>(null);
  const [swapped, setSwapped] = useState(false);
  const [index, setIndex] = useState<number | null>(null);
  const [currentId, setCurrentId] = useState<number | null>(place?.taskId ?? null);
  const [task, setTask] = useState<ComparisonTask | null>(null);
  const [taskError, setTaskError] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);
  const [creating, setCreating] = useState(false);
  /** Team mode, SME: tasks are made by an engineer (or a session); an SME labels them. */
  const canCreateTasks = useAccess().can('comparisons.createTasks');
  const [cheatSheet, setCheatSheet] = useState(false);
  const [overall, setOverall] = useState<{ total: number; done: number } | null>(null);
  const [stats, setStats] = useState<{ tasks: number; labels: number } | null>(null);
  const [classes, setClasses] = useState<FailureClass[]>([]);
  const [tagsByGen, setTagsByGen] = useState<Record<number, FailureTag[] | undefined>>({});
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const [keysTarget, setKeysTarget] = useState<KeysTarget>({ kind: 'task' });
  const [keysNote, setKeysNote] = useState<string | null>(null);
  const cache = useRef(new Map<number, ComparisonTask>()).current;
  const drafts = useRef(new Map<number, Draft>(place?.drafts ?? [])).current;
  const undoStack = useRef<UndoEntry[]>([]);
  const pane = useRef<PaneHandle>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const currentIdRef = useRef(currentId);
  currentIdRef.current = currentId;
  const clock = useFocusClock();

  useEffect(() => {
    try {
      localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
    } catch {
      // Not remembered; nothing else changes.
    }
  }, [prefs]);

  // ── Setup ────────────────────────────────────────────────────────────────────────────────
  const loadClasses = useCallback(() => void call('taxonomy.list', { includeRetired: true }).then(setClasses, () => undefined), []);
  useEffect(() => {
    loadClasses();
    const offs = [
      onEvent('onDidChangeTaxonomy', loadClasses),
      onEvent('onDidChangeComparisons', ({ reason }) => {
        if (reason === 'tasks') setVersion((v) => v + 1);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [loadClasses]);

  useEffect(() => {
    let live = true;
    call('comparisons.queue', { reviewerId, status: 'all', kind: filter.kind, limit: 1 }).then(
      (r) => live && setOverall({ total: r.total, done: r.done }),
      () => live && setOverall(null),
    );
    call('comparisons.stats', {}).then(
      (s) => live && setStats(s),
      () => live && setStats(null),
    );
    return () => {
      live = false;
    };
  }, [reviewerId, filter.kind, version]);

  // With no task yet: whether the workspace has outputs to pair (the empty state says what to do next).
  const [outputs, setOutputs] = useState<number | null>(null);
  useEffect(() => {
    if (stats?.tasks !== 0) return;
    let live = true;
    call('review.queue', { reviewerId, status: 'all', limit: 1 }).then(
      (r) => live && setOutputs(r.total),
      () => live && setOutputs(null),
    );
    return () => {
      live = false;
    };
  }, [stats?.tasks, reviewerId]);

  // ── Showing a task ───────────────────────────────────────────────────────────────────────
  const fetchTask = useCallback(
    async (taskId: number): Promise<ComparisonTask> => {
      const t = await call('comparisons.task', { taskId, reviewerId });
      cache.set(taskId, t);
      return t;
    },
    [cache, reviewerId],
  );

  const show = useCallback(
    (taskId: number | null) => {
      setCurrentId(taskId);
      currentIdRef.current = taskId;
      clock.open(taskId);
      setTaskError(null);
      if (taskId === null) return setTask(null);
      const cached = cache.get(taskId);
      if (cached) return setTask(cached);
      setTask(null);
      fetchTask(taskId).then(
        (t) => currentIdRef.current === taskId && setTask(t),
        (e: unknown) => currentIdRef.current === taskId && setTaskError(errorText(e)),
      );
    },
    [cache, clock, fetchTask],
  );

  // Back from another tab: the task that was open opens again, with its draft; gone, the queue's first.
  useEffect(() => {
    const taskId = place?.taskId;
    if (taskId === null || taskId === undefined) return;
    clock.open(taskId);
    fetchTask(taskId).then(
      (t) => currentIdRef.current === taskId && setTask(t),
      () => {
        if (currentIdRef.current !== taskId) return;
        currentIdRef.current = null;
        setCurrentId(null);
      },
    );
    // Once, on opening the view.
  }, []);

  const savePlace = useCallback(() => keepPlace<ComparePlace>(placeKey, { taskId: currentIdRef.current, drafts: [...drafts] }), [placeKey, drafts]);
  useEffect(savePlace, [currentId, savePlace]);
  useEffect(() => savePlace, [savePlace]);

  const select = useCallback(
    (i: number) => {
      setIndex(i);
      setFinished(false);
      const entry = queue.itemAt(i);
      if (entry) return show(entry.taskId);
      void queue.load(i).then((e) => e && show(e.taskId));
    },
    [queue, show],
  );

  const total = queue.total ?? 0;

  // The first task opens by itself; after a reload the open task may sit at another row.
  useEffect(() => {
    if (inSession || queue.total === null || finished) return;
    if (total === 0) {
      if (index !== null) setIndex(null);
      return;
    }
    if (currentId === null) {
      if (index === null && queue.itemAt(0)) select(0);
      return;
    }
    if (queue.itemAt(index ?? -1)?.taskId !== currentId) {
      const found = queue.indexOf(currentId);
      if (found >= 0 && found !== index) setIndex(found);
    }
  });

  // Fetch the tasks ahead so J/K and submit paint from memory.
  useEffect(() => {
    if (index === null) return;
    const timer = setTimeout(() => {
      for (const i of [index + 1, index + 2, index - 1]) {
        const entry = i >= 0 ? queue.itemAt(i) : undefined;
        if (entry && !cache.has(entry.taskId)) fetchTask(entry.taskId).catch(() => undefined);
      }
    }, 30);
    return () => clearTimeout(timer);
  }, [index, queue, cache, fetchTask]);

  // This reviewer's failure tags on the open task's outputs.
  useEffect(() => {
    if (!task) return;
    let live = true;
    for (const o of task.outputs) {
      if (tagsByGen[o.generationId] !== undefined) continue;
      call('review.item', { generationId: o.generationId, reviewerId }).then(
        (item) => live && setTagsByGen((m) => ({ ...m, [o.generationId]: item.review?.tags ?? [] })),
        () => live && setTagsByGen((m) => ({ ...m, [o.generationId]: [] })),
      );
    }
    return () => {
      live = false;
    };
    // Loaded once per generation: tagsByGen is read, not followed.
  }, [task, reviewerId]);

  const changeFilter = (next: Partial<TaskFilter>) => {
    setPrefs((p) => ({ ...p, filter: { ...p.filter, ...next } }));
    setIndex(null);
    setFinished(false);
    show(null);
    // The keys go back to the task: a filter chip left focused would take the next Enter.
    rootRef.current?.focus({ preventScroll: true });
  };

  // ── Undo ─────────────────────────────────────────────────────────────────────────────────
  const runUndo = useCallback(
    async (entry: UndoEntry) => {
      undoStack.current = undoStack.current.filter((e) => e !== entry);
      try {
        await entry.run();
        toast.show(`Undone: ${entry.label}.`);
      } catch (e) {
        toast.show(`Could not undo: ${errorText(e)}`, { kind: 'error' });
      }
    },
    [toast],
  );
  const pushUndo = useCallback(
    (entry: UndoEntry) => {
      undoStack.current = [...undoStack.current.slice(-49), entry];
      return () => void runUndo(entry);
    },
    [runUndo],
  );

  const setLabel = useCallback(
    (taskId: number, label: ComparisonLabel | null) => {
      const cached = cache.get(taskId);
      const next = cached ? { ...cached, label } : undefined;
      if (next) cache.set(taskId, next);
      if (next && currentIdRef.current === taskId) setTask(next);
      queue.patch(taskId, label !== null);
    },
    [cache, queue],
  );

  /** Back to a task after an undo: it is open again, as it was. */
  const reopen = useCallback(
    (taskId: number) => {
      setFinished(false);
      setVersion((v) => v + 1);
      show(taskId);
    },
    [show],
  );

  // ── Tags on outputs ──────────────────────────────────────────────────────────────────────
  const tagApi: TagApi = useMemo(() => {
    const apply = (generationId: number, review: Review) => setTagsByGen((m) => ({ ...m, [generationId]: review.tags }));
    // Blind: a tag this reviewer made in Review (where model names show) would tie a side to a
    // model, so only tags made in Compare show here.
    const shown = blind
      ? Object.fromEntries(Object.entries(tagsByGen).map(([id, list]) => [id, list?.filter((t) => t.madeIn === 'compare')]))
      : tagsByGen;
    return {
      byGeneration: shown,
      classes,
      add(generationId, side, { classId, note, name: pickedName }) {
        const before = new Set((tagsByGen[generationId] ?? []).map((t) => t.id));
        call('review.addTag', { generationId, reviewerId, classId, note, madeIn: 'compare' }).then(
          (review) => {
            const added = review.tags.find((t) => !before.has(t.id));
            apply(generationId, review);
            const name = classes.find((c) => c.id === classId)?.name ?? pickedName ?? 'failure';
            const undo = added
              ? pushUndo({ label: `tag “${name}” on ${side}`, run: async () => apply(generationId, await call('review.removeTag', { id: added.id, reviewerId })) })
              : undefined;
            toast.show(`Tagged ${side}: ${name}.`, undo ? { action: { label: 'Undo', run: undo } } : {});
          },
          (e: unknown) => toast.show(`Could not tag: ${errorText(e)}`, { kind: 'error' }),
        );
      },
      remove(generationId, side, tagId) {
        call('review.removeTag', { id: tagId, reviewerId }).then(
          (review) => {
            apply(generationId, review);
            const undo = pushUndo({ label: `tag removal on ${side}`, run: async () => apply(generationId, await call('review.restoreTag', { id: tagId, reviewerId })) });
            toast.show(`Removed the tag on ${side}.`, { action: { label: 'Undo', run: undo } });
          },
          (e: unknown) => toast.show(`Could not remove the tag: ${errorText(e)}`, { kind: 'error' }),
        );
      },
    };
  }, [tagsByGen, classes, reviewerId, pushUndo, toast, blind]);

  // ── Submit → next ────────────────────────────────────────────────────────────────────────
  const nextInSession = work.next;
  const skipThenNext = work.skip;
  const openSessionItem = useCallback(
    (item: NextItem | null) => {
      setReservedUntil(item?.reservedUntil ?? null);
      setSwapped(item?.swapped ?? false);
      setIndex(null);
      if (item === null) {
        setFinished(true);
        show(null);
        return;
      }
      setFinished(false);
      // A re-show fetches the task afresh (the cached one carries the first label).
      if (item.swapped) cache.delete(item.itemId);
      show(item.itemId);
    },
    [show, cache],
  );
  const openNextInSession = useCallback(async () => openSessionItem(await nextInSession()), [nextInSession, openSessionItem]);
  /** Skip (L): the task is not handed to this reviewer again unless they revisit their skipped ones. */
  const skipInSession = useCallback(async () => {
    const taskId = currentIdRef.current;
    if (!inSession || taskId === null || swapped || busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    try {
      openSessionItem(await skipThenNext(taskId));
      toast.show(`Skipped task ${taskId}: it is not handed to you again unless you revisit your skipped tasks.`, { timeoutMs: 4000 });
    } catch (e) {
      toast.show(`Not skipped: ${errorText(e)}`, { kind: 'error' });
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  }, [inSession, swapped, openSessionItem, skipThenNext, toast]);
  const sessionKey = work.session?.id ?? null;
  const [sessionRound, setSessionRound] = useState(0);
  useEffect(() => {
    if (sessionKey === null) {
      setSwapped(false);
      return;
    }
    openNextInSession().catch((e: unknown) => setTaskError(errorText(e)));
  }, [sessionKey, sessionRound]);

  const advance = useCallback(
    async (fromTaskId: number) => {
      if (inSession) return openNextInSession();
      const from = index ?? 0;
      const base = { reviewerId, status: filter.status, kind: filter.kind };
      let { taskId: nextId } = await call('comparisons.next', { ...base, afterTaskId: fromTaskId });
      // Tasks skipped earlier in To do: wrap around to them.
      if (nextId === null && filter.status === 'todo') nextId = (await call('comparisons.next', base)).taskId;
      setVersion((v) => v + 1);
      if (nextId === null) {
        setFinished(true);
        setIndex(null);
        show(null);
        return;
      }
      setIndex(filter.status === 'todo' ? from : from + 1);
      show(nextId);
    },
    [index, reviewerId, filter, show, inSession, openNextInSession],
  );

  const submit = useCallback(
    async (values: LabelValues) => {
      const current = task;
      if (!current || busy) return;
      const taskId = current.id;
      const previous = current.label;
      const ms = clock.take(taskId);
      busyRef.current = true;
      setBusy(true);
      if (swapped && inSession && values.choice) {
        // The re-show's choice is stored apart, as shown (the engine maps it back); the first label stays.
        try {
          await call('sessions.saveSwap', {
            sessionId: work.session!.id,
            reviewerId,
            taskId,
            choice: values.choice,
            strength: values.strength,
            rationale: values.rationale,
            addTimeSpentMs: ms,
          });
          toast.show(`Saved task ${taskId}: ${describeChoice(values.choice, values.strength)}.`, { timeoutMs: 4000 });
          await advance(taskId);
        } catch (e) {
          clock.giveBack(taskId, ms);
          toast.show(`Not saved: ${errorText(e)}`, { kind: 'error' });
        } finally {
          busyRef.current = false;
          setBusy(false);
        }
        return;
      }
      try {
        const label = await call('comparisons.label', { taskId, reviewerId, ...values, addTimeSpentMs: ms });
        drafts.delete(taskId);
        setLabel(taskId, label);
        const what = current.kind === 'pair' ? describeChoice(label.choice, label.strength) : describeRanking(label.ranking ?? []);
        // Blind (the default for a preference study): the toast says what was chosen, never who wrote it.
        const reveal = blind
          ? ''
          : current.kind === 'pair'
            ? ` A was ${current.outputs[0]!.modelName}, B was ${current.outputs[1]!.modelName}.`
            : ` ${current.outputs.map((o) => `#${o.position + 1} ${o.modelName}`).join(', ')}.`;
        const undo = pushUndo({
          label: previous ? 'the label change' : 'the label',
          run: async () => {
            if (previous) {
              const { choice, strength, ranking, rationale, correction } = previous;
              setLabel(taskId, await call('comparisons.label', { taskId, reviewerId, choice, strength, ranking, rationale, correction }));
            } else {
              await call('comparisons.deleteLabel', { taskId, reviewerId });
              setLabel(taskId, null);
            }
            reopen(taskId);
          },
        });
        // Short-lived: a quick reviewer would otherwise stack them over the next task (Ctrl+Z stays).
        toast.show(`Saved task ${taskId}: ${what}.${reveal}`, { action: { label: 'Undo', run: undo }, timeoutMs: 4000 });
        await advance(taskId);
      } catch (e) {
        clock.giveBack(taskId, ms);
        toast.show(`Not saved: ${errorText(e)}`, { kind: 'error' });
      } finally {
        busyRef.current = false;
        setBusy(false);
        setKeysNote(null);
      }
    },
    [task, busy, blind, clock, reviewerId, drafts, setLabel, pushUndo, reopen, toast, advance, swapped, inSession, work.session],
  );

  const deleteLabel = useCallback(async () => {
    const current = task;
    if (!current?.label) {
      toast.show('No label of yours on this task.');
      return;
    }
    const taskId = current.id;
    try {
      await call('comparisons.deleteLabel', { taskId, reviewerId });
      setLabel(taskId, null);
      const undo = pushUndo({
        label: 'the delete',
        run: async () => {
          setLabel(taskId, await call('comparisons.restoreLabel', { taskId, reviewerId }));
          reopen(taskId);
        },
      });
      setVersion((v) => v + 1);
      toast.show('Deleted your label on this task.', { action: { label: 'Undo', run: undo } });
    } catch (e) {
      toast.show(`Could not delete: ${errorText(e)}`, { kind: 'error' });
    }
  }, [task, reviewerId, setLabel, pushUndo, reopen, toast]);

  const focusRoot = useCallback(() => rootRef.current?.focus({ preventScroll: true }), []);

  // ── Keys ─────────────────────────────────────────────────────────────────────────────────
  useWindowKeydown((e) => {
    if (e.defaultPrevented || e.isComposing) return;
    if (document.querySelector('dialog[open]')) return;
    const typing = isTyping(e.target);
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'z' && !typing) {
      e.preventDefault();
      const entry = undoStack.current[undoStack.current.length - 1];
      if (entry) void runUndo(entry);
      else toast.show('Nothing to undo.');
      return;
    }
    if (e.ctrlKey || e.metaKey || typing) return;
    const arrow = e.key === 'ArrowUp' || e.key === 'ArrowDown';
    if (e.altKey && !arrow) return;
    const target = e.target as HTMLElement | null;
    // Enter and Space on a button or link do what it says, except on the choice buttons; the
    // strip above the task says so while such a control has the focus.
    if ((e.key === 'Enter' || e.key === ' ') && target?.closest?.('button, a, summary, [draggable]') && !target.closest('.cmp-choices, .cmp-strength, .cmp-card')) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    // While a submit is saving, the old task is still on screen: its keys would land on it, not
    // on the next one. They are refused, visibly, until the next task opens.
    if (busyRef.current && key !== '?' && key !== 'Escape') {
      e.preventDefault();
      setKeysNote(`Still saving task ${currentIdRef.current ?? ''}: “${e.key}” was not applied. Press it again once the next task opens.`);
      return;
    }
    if (key === '?') {
      e.preventDefault();
      setCheatSheet(true);
      return;
    }
    if (e.key === 'Delete' && e.shiftKey) {
      e.preventDefault();
      void deleteLabel();
      return;
    }
    // L: skip the task in a session (not a swapped re-show: it repeats a task already labelled).
    if (key === 'l' && inSession && task && !swapped) {
      e.preventDefault();
      void skipInSession();
      return;
    }
    // The open task takes its keys first (the ranking view uses the arrows).
    if (task && pane.current?.handleKey(e)) {
      e.preventDefault();
      return;
    }
    const move = (delta: number) => {
      e.preventDefault();
      // A session hands tasks out in its own order, one at a time.
      if (total === 0 || inSession) return;
      select(Math.max(0, Math.min(total - 1, index === null ? 0 : index + delta)));
    };
    if (key === 'j' || key === 'ArrowDown') return move(1);
    if (key === 'k' || key === 'ArrowUp') return move(-1);
    if (key === 'n' && canCreateTasks) {
      e.preventDefault();
      setCreating(true);
      return;
    }
    if (key === 'g') {
      e.preventDefault();
      clickTopbar('header button', 'Guidelines');
      return;
    }
    if (key === 'Escape') focusRoot();
  });

  // Follow the focus, so the strip above the task can say where the next key goes.
  useEffect(() => {
    const onFocusIn = () => setKeysTarget(keysTargetOf(document.activeElement));
    const onFocusOut = (e: FocusEvent) => setKeysTarget(keysTargetOf(e.relatedTarget as Element | null));
    document.addEventListener('focusin', onFocusIn);
    document.addEventListener('focusout', onFocusOut);
    return () => {
      document.removeEventListener('focusin', onFocusIn);
      document.removeEventListener('focusout', onFocusOut);
    };
  }, []);

  // The view takes the keyboard when it opens.
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body) focusRoot();
  }, [focusRoot]);

  const onDraft = useCallback(
    (draft: Draft) => {
      if (currentIdRef.current === null) return;
      drafts.set(currentIdRef.current, draft);
      savePlace();
    },
    [drafts, savePlace],
  );
  const toggleDiff = useCallback(() => setPrefs((p) => ({ ...p, diffOn: !p.diffOn })), []);
  const toggleSync = useCallback(() => setPrefs((p) => ({ ...p, syncOn: !p.syncOn })), []);

  const fraction = overall && overall.total > 0 ? overall.done / overall.total : 0;

  // A swap re-show: the same task with its sides swapped and no label yet (the first one is not shown).
  const shownTask: ComparisonTask | null =
    task && swapped && task.kind === 'pair'
      ? { ...task, label: null, outputs: [...task.outputs].reverse().map((o, position) => ({ ...o, position })) }
      : task;

  const noDraft = () => undefined;
  const paneFor = (task: ComparisonTask): ReactNode =>
    task.kind === 'pair' ? (
        <PairPane
          key={`${task.id}-${swapped ? 'swap' : (task.label?.updatedAt ?? 0)}`}
          ref={pane}
          task={task}
          draft={swapped ? undefined : drafts.get(task.id)}
          onDraft={swapped ? noDraft : onDraft}
          tags={tagApi}
          diffOn={prefs.diffOn}
          syncOn={prefs.syncOn}
          onToggleDiff={toggleDiff}
          onToggleSync={toggleSync}
          blind={blind}
          onSubmit={(v) => void submit(v)}
          onFocusRoot={focusRoot}
          onGoToTab={goToTab}
        />
      ) : (
        <RankPane
          key={`${task.id}-${swapped ? 'swap' : (task.label?.updatedAt ?? 0)}`}
          ref={pane}
          task={task}
          draft={swapped ? undefined : drafts.get(task.id)}
          onDraft={swapped ? noDraft : onDraft}
          tags={tagApi}
          blind={blind}
          onSubmit={(v) => void submit(v)}
          onFocusRoot={focusRoot}
          onGoToTab={goToTab}
        />
      );

  let main: ReactNode;
  if (inSession && finished) {
    main = <SessionFinished work={work} things="Tasks" className="empty cmp-empty" onLookAgain={() => setSessionRound((r) => r + 1)} />;
  } else if (inSession && taskError) {
    main = (
      <div className="empty">
        <p className="error">{taskError}</p>
      </div>
    );
  } else if (inSession) {
    main = shownTask ? paneFor(shownTask) : <div className="cmp-loading muted">Loading…</div>;
  } else if (stats?.tasks === 0 && outputs !== 0) {
    main = (
      <div className="empty cmp-empty" data-testid="compare-empty">
        <h2>No comparison tasks yet</h2>
        <p>
          Press <kbd>N</kbd> to create comparison tasks{outputs === null ? '' : ` from the ${outputs.toLocaleString()} output${outputs === 1 ? '' : 's'} in this workspace`}: pairs (A vs B) or N-way
          rankings of the outputs that share a prompt, for all prompts or a tagged subset.
        </p>
        <p className="muted">Then label them here, keyboard first; the Leaderboard fits a Bradley–Terry rating from your labels.</p>
        <div className="actions">
          {canCreateTasks && (
            <button onClick={() => setCreating(true)}>
              Create tasks… <kbd>N</kbd>
            </button>
          )}
        </div>
      </div>
    );
  } else if (stats?.tasks === 0) {
    main = (
      <div className="empty cmp-empty" data-testid="compare-empty">
        <h2>No comparison tasks yet</h2>
        <ol className="cmp-steps">
          <li>
            <strong>Generate outputs in Batch</strong> from two or more models over the same prompts (or several samples of one model).
          </li>
          <li>
            <strong>Create tasks</strong>: pairs (A vs B) or N-way rankings, for all prompts or a tagged subset.
          </li>
          <li>Label them here, keyboard first; the Leaderboard fits a Bradley–Terry rating from your labels.</li>
        </ol>
        <div className="actions">
          {canCreateTasks && (
            <button onClick={() => setCreating(true)}>Create tasks…</button>
          )}
          {canCreateTasks && (
            <button className="secondary" onClick={() => goToTab('Batch')}>
              Go to Batch
            </button>
          )}
        </div>
      </div>
    );
  } else if (finished) {
    main = (
      <div className="empty cmp-empty">
        <h2>End of the queue</h2>
        <p>{overall ? `${overall.done.toLocaleString()} of ${overall.total.toLocaleString()} tasks labeled.` : 'Nothing more in this filter.'}</p>
        <div className="actions">
          <button onClick={() => goToTab('Leaderboard')}>Open the Leaderboard</button>
          <button className="secondary" onClick={() => changeFilter({ status: 'all' })}>
            Look back at all tasks
          </button>
          {canCreateTasks && (
            <button className="secondary" onClick={() => setCreating(true)}>
              Create more tasks…
            </button>
          )}
        </div>
      </div>
    );
  } else if (queue.total === 0) {
    main = (
      <div className="empty cmp-empty">
        <h2>{filter.status === 'todo' ? 'Nothing left to compare' : 'Nothing in this filter'}</h2>
        <p>{filter.status === 'todo' ? 'Every task here has your label. Look back at them under Labeled, or create more tasks.' : 'Try another status or kind.'}</p>
        <div className="actions">
          <button className="secondary" onClick={() => changeFilter({ status: 'all', kind: undefined })}>
            Show everything
          </button>
          {canCreateTasks && (
            <button className="secondary" onClick={() => setCreating(true)}>
              Create tasks…
            </button>
          )}
        </div>
      </div>
    );
  } else if (taskError) {
    main = (
      <div className="empty">
        <p className="error">{taskError}</p>
        <button className="secondary" onClick={() => show(currentId)}>
          Try again
        </button>
      </div>
    );
  } else if (shownTask) {
    main = paneFor(shownTask);
  } else {
    main = <div className="cmp-loading muted">Loading…</div>;
  }

  return (
    <div className="compare-view" ref={rootRef} tabIndex={-1} aria-label="Compare">
      <aside className="cmp-queue" aria-label="Comparison queue">
        <SessionPicker work={work} />
        {inSession && <SessionHeader work={work} reservedUntil={reservedUntil} onSkip={task && !swapped && !finished ? () => void skipInSession() : null} />}
        {!inSession && (
        <>
        <div className="cmp-filters">
          <div className="cmp-status-filter" role="radiogroup" aria-label="Status">
            {STATUSES.map((s) => (
              <button key={s.value} role="radio" aria-checked={filter.status === s.value} className={`chip${filter.status === s.value ? ' on' : ''}`} onClick={() => changeFilter({ status: s.value })}>
                {s.label}
              </button>
            ))}
          </div>
          <select
            aria-label="Kind"
            value={filter.kind ?? ''}
            onChange={(e) => {
              changeFilter({ kind: e.target.value === '' ? undefined : (e.target.value as ComparisonKind) });
              e.currentTarget.blur();
            }}
          >
            <option value="">Pairs and rankings</option>
            <option value="pair">Pairs</option>
            <option value="rank">N-way rankings</option>
          </select>
          <label className="cmp-toggle cmp-blind" title="A preference study is blind: no model name in Compare (tasks, panes, messages) for any reviewer of this workspace">
            <input
              type="checkbox"
              checked={blind}
              onChange={(e) => {
                const next = e.target.checked;
                setBlindAsked(next);
                updateSettings({ blindComparisons: next })
                  .catch((err: unknown) => toast.show(`Could not change the setting: ${errorText(err)}`, { kind: 'error' }))
                  .finally(() => setBlindAsked((asked) => (asked === next ? null : asked)));
                focusRoot();
              }}
            />
            Blind: hide model names
          </label>
        </div>
        <div className="cmp-progress" aria-label="Queue progress">
          <ProgressBar fraction={overall === null ? null : fraction} label="Labeled" />
          <div className="cmp-counts muted" data-testid="compare-counts">
            {overall === null ? 'Loading…' : `${overall.done.toLocaleString()} of ${overall.total.toLocaleString()} labeled`}
            {filter.status === 'todo' && queue.total !== null && <span> · {total.toLocaleString()} to do</span>}
          </div>
        </div>
        </>
        )}
        {!inSession && queue.error && <p className="error">{queue.error}</p>}
        {inSession ? <div className="cmp-list" /> : total > 0 ? <TaskList pages={queue} selectedIndex={index} onSelect={select} /> : <div className="cmp-list" />}
        <div className="cmp-toast-dock" ref={toast.dock} />
        <footer className="cmp-queue-footer">
          {canCreateTasks && (
            <button className="secondary small" onClick={() => setCreating(true)}>
              Create tasks… <kbd>N</kbd>
            </button>
          )}
          <span className="muted small">
            <kbd>?</kbd> keys
          </span>
        </footer>
      </aside>
      <section className="cmp-main">
        {task && currentId === task.id && (
          <KeysStrip
            target={keysTarget}
            taskId={task.id}
            promptId={task.promptId}
            position={index === null || queue.total === null ? null : `${(index + 1).toLocaleString()} of ${total.toLocaleString()}`}
            busy={busy}
            note={keysNote}
          />
        )}
        <div className="cmp-main-body">{main}</div>
      </section>
      {creating && (
        <CreateTasksDialog
          onClose={() => setCreating(false)}
          onCreated={(r) => {
            setCreating(false);
            setFinished(false);
            setVersion((v) => v + 1);
            if (r.created === 0) {
              toast.show(
                r.prompts === 0
                  ? 'No tasks made: no prompt in this filter has outputs from two or more of those models. Generate them in Batch first.'
                  : `No new tasks: every pair over these ${plural(r.prompts, 'prompt')} exists already.`,
                { timeoutMs: 8000 },
              );
            } else {
              toast.show(`Created ${plural(r.created, 'task')} over ${plural(r.prompts, 'prompt')}.`);
              if (filter.status === 'done') changeFilter({ status: 'todo' });
            }
          }}
        />
      )}
      {cheatSheet && <CheatSheet onClose={() => setCheatSheet(false)} />}
    </div>
  );
}

/** One line above the task: which task the keys act on, or which control or field has them instead. */
function KeysStrip({ target, taskId, promptId, position, busy, note }: { target: KeysTarget; taskId: number; promptId: string; position: string | null; busy: boolean; note: string | null }) {
  let text: ReactNode;
  let away = false;
  if (note) text = note;
  else if (busy) text = `Saving task ${taskId}…`;
  else if (target.kind === 'task') {
    text = (
      <>
        Keys act on <strong>task {taskId}</strong>
        {position && <> · {position}</>} · prompt <span className="mono">{promptId}</span>
      </>
    );
  } else {
    away = true;
    text = (
      <>
        {target.kind === 'field' ? <>Typing in “{target.name}”</> : <>Enter presses “{target.name}”</>} · <kbd>Esc</kbd> gives the keys back to task {taskId}
      </>
    );
  }
  return (
    <div className={`cmp-keys${away || note ? ' away' : ''}`} data-testid="keys-target" data-task-id={taskId}>
      {text}
    </div>
  );
}
