import { forwardRef, useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import {
  sliceCodePoints,
  type Correction,
  type Criterion,
  type FailureClass,
  type FailureTag,
  type Review,
  type ReviewItem,
  type Reviewer,
  type Span,
  type ThinkAloudStep,
  type Verdict,
} from '../../../../contract';
import { call, errorText } from '../../api';
import { Markdown } from '../../components/Markdown';
import { PromptText } from '../../components/PromptText';
import { useToast } from '../../components/Toast';
import { CorrectionDialog } from './CorrectionDialog';
import type { FocusClock } from '../../components/focusClock';
import type { ItemCache } from './itemCache';
import { OutputText, selectionRange, type OutputSelection, type OutputTextHandle } from './OutputText';
import { OtherReviewers } from './OtherReviewers';
import { Rubric, scaleValues } from './Rubric';
import type { Saver } from './saver';
import { classPath } from '../../components/ClassPicker';
import { TagPicker } from './TagPicker';
import { ThinkAloud, type StepModel, type ThinkAloudHandle } from './ThinkAloud';
import { isTyping } from '../../components/keyboard';
import { plural } from '../../plural';

/** Whether the keyboard focus is in a field or an editor (the view's keys are off there). */
function useTypingFocus(): boolean {
  const [typing, setTyping] = useState(() => isTyping(document.activeElement));
  useEffect(() => {
    const update = () => setTyping(isTyping(document.activeElement));
    // focusout fires before the next element takes focus: look once it has.
    const later = () => setTimeout(update, 0);
    document.addEventListener('focusin', update);
    document.addEventListener('focusout', later);
    return () => {
      document.removeEventListener('focusin', update);
      document.removeEventListener('focusout', later);
    };
  }, []);
  return typing;
}

const AUTOSAVE_MS = 400;

/** Ratings, verdict and comment as the reviewer left them. */
export interface UnsentLabel {
  ratings: Record<string, number>;
  verdict: Verdict | null;
  comment: string;
}

/** The reviewer's choice of raw text (where spans are tagged) or rendered markdown, kept across items and sessions. */
const RENDERED_KEY = 'assay.review.outputRendered';
function useOutputRendered(): [boolean, (next: boolean) => void] {
  const [rendered, setRendered] = useState(() => localStorage.getItem(RENDERED_KEY) === '1');
  const set = useCallback((next: boolean) => {
    localStorage.setItem(RENDERED_KEY, next ? '1' : '0');
    setRendered(next);
  }, []);
  return [rendered, set];
}

export interface UndoEntry {
  /** What comes back, for the toast: "Restored the tag." */
  label: string;
  generationId: number;
  /** The inverse call; the view applies the review it returns to whatever shows that item. */
  run: () => Promise<Review>;
}

export interface PaneHandle {
  /** An item-level key (already known not to come from a text field); true when handled. */
  handleKey(e: KeyboardEvent): boolean;
  /** The engine's answer to an undo made after this pane opened. */
  applyReview(review: Review | null): void;
}

interface Props {
  item: ReviewItem;
  reviewer: Reviewer;
  criteria: Criterion[];
  /** Every class, retired and merged included (old tags still name them). */
  classes: FailureClass[];
  cache: ItemCache;
  saver: Saver;
  clock: FocusClock;
  correctionDrafts: Map<number, string>;
  reviewerName: (id: number) => string;
  /** Adds to the Ctrl+Z stack; the returned function runs this one undo (the toast's button). */
  pushUndo: (entry: UndoEntry) => () => void;
  /** `reopened`: a draft of a label that was submitted (out of exports until submitted again). */
  onStatus: (generationId: number, status: 'todo' | 'draft' | 'submitted', reopened?: boolean) => void;
  /** The item is being left while its submitted label is reopened (or about to be, by an edit not sent yet). */
  onLeaveReopened: (generationId: number, promptId: string, label: UnsentLabel) => void;
  /** Asks for the next item as the submit starts (it does not depend on the save). */
  /**
   * Enter submitted this item: `ack` settles when the workspace has stored it. The view moves on
   * at once (showing "Saving…" until the ack); a failed ack keeps `label` for this item.
   */
  onSubmit: (generationId: number, ack: Promise<Review>, label: UnsentLabel) => void;
  /** Labels whose submit failed after the view had moved on, by generation: shown again here. */
  unsentLabels: Map<number, UnsentLabel>;
  onFocusRoot: () => void;
  onGoToTab: (label: string) => void;
  /** A template's name (the item only carries its id). */
  templateName: (id: number) => string | undefined;
}

/** Criterion names are stored as typed ("correctness"); messages start them with a capital. */
function cap(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function preview(text: string, max = 48): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function stepModels(steps: ThinkAloudStep[], keep?: StepModel[]): StepModel[] {
  return [...steps]
    .sort((a, b) => a.position - b.position)
    .map((s) => {
      const existing = keep?.find((k) => k.id === s.id);
      return existing ? { ...existing, tagId: s.tagId } : { key: `s-${s.id}`, id: s.id, tagId: s.tagId, initialBody: s.body, state: 'saved' as const };
    });
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * "N s spent": the time the workspace has plus the focused time not sent yet, ticking once a
 * second. Its own component, so a tick re-renders this one span and not the pane.
 */
function TimeSpent({ clock, generationId, savedMs }: { clock: FocusClock; generationId: number; savedMs: number }) {
  const [unsentMs, setUnsentMs] = useState(0);
  // Never counts down: between a save taking the unsent time and its answer, neither holds it.
  const shown = useRef(0);
  useEffect(() => {
    shown.current = 0;
    const peek = () => {
      // take + giveBack reads the unsent time without sending it (the next save still takes it all).
      const ms = clock.take(generationId);
      clock.giveBack(generationId, ms);
      // A state per whole second: ticks inside the same second render nothing.
      setUnsentMs(Math.floor(ms / 1000) * 1000);
    };
    peek();
    const timer = setInterval(peek, 1000);
    return () => clearInterval(timer);
  }, [clock, generationId]);
  shown.current = Math.max(shown.current, savedMs + unsentMs);
  if (shown.current < 1000) return null;
  return (
    <span className="muted small" data-testid="time-spent">
      {formatDuration(shown.current)} spent
    </span>
  );
}

/** A draft of a label that was submitted before: its submitted revision is out of exports now. */
export function isReopened(review: Review): boolean {
  return review.status === 'draft' && review.submittedAt !== null;
}

let newStepCounter = 0;

/** One generation under review: what was asked, what the model said, and the reviewer's labels. */
export const ItemPane = forwardRef<PaneHandle, Props>(function ItemPane(props, ref) {
  const { item, reviewer, criteria, classes, cache, saver, clock, correctionDrafts, reviewerName, pushUndo, onStatus, onLeaveReopened, onSubmit, unsentLabels, onFocusRoot, onGoToTab, templateName } = props;
  const toast = useToast();
  const generationId = item.generationId;
  const reviewerId = reviewer.id;
  const key = { generationId, reviewerId };

  // ── Label: ratings, verdict, comment ─────────────────────────────────────────────────────
  const initial = item.review;
  // A submit that failed after the view moved on left its label here: it comes back, unsaved.
  const [unsent] = useState(() => unsentLabels.get(generationId));
  const [ratings, setRatings] = useState<Record<string, number>>(unsent?.ratings ?? initial?.ratings ?? {});
  const [verdict, setVerdict] = useState<Verdict | null>(unsent ? unsent.verdict : (initial?.verdict ?? null));
  const [comment, setComment] = useState(unsent?.comment ?? initial?.comment ?? '');
  const [meta, setMeta] = useState<Review | null>(initial);
  const metaRef = useRef(meta);
  metaRef.current = meta;
  /** Runs the undo that puts back the submitted label this pane reopened (null: none here). */
  const [putBack, setPutBack] = useState<(() => void) | null>(null);
  const reopenedRevision = useRef<number | null>(null);
  /** Saves without submit sent on a submitted label and not answered yet (they reopen it). */
  const reopening = useRef(0);
  /** Set below: what leaving the item says (a reopened label). */
  const leaving = useRef<() => void>(() => undefined);
  const [labelState, setLabelState] = useState<'saved' | 'saving' | 'error'>(unsent ? 'error' : 'saved');
  const label = useRef({ ratings, verdict, comment });
  const labelTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const labelEdits = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const [tags, setTags] = useState<FailureTag[]>(initial?.tags ?? []);
  const [steps, setStepsState] = useState<StepModel[]>(() => stepModels(initial?.steps ?? []));
  const stepsRef = useRef(steps);
  const setSteps = useCallback((update: (prev: StepModel[]) => StepModel[]) => {
    stepsRef.current = update(stepsRef.current);
    if (mounted.current) setStepsState(stepsRef.current);
  }, []);
  const bodies = useRef(new Map<string, string>(steps.map((s) => [s.key, s.initialBody])));
  const stepTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const stepEdits = useRef(new Map<string, number>());
  const [corrections, setCorrections] = useState<Correction[]>(item.corrections);

  const [focusedRow, setFocusedRow] = useState(() => {
    const first = criteria.findIndex((c) => (unsent?.ratings ?? initial?.ratings)?.[String(c.id)] === undefined);
    return first >= 0 ? first : criteria.length;
  });
  const [hint, setHintState] = useState<{ text: string; n: number } | null>(() =>
    unsent ? { text: 'Its submit did not reach the workspace; the label is as you left it. Enter submits it again.', n: 0 } : null,
  );
  // A counter in the key, so the same message for a second key press flashes again.
  const setHint = useCallback((text: string | null) => setHintState((h) => (text === null ? null : { text, n: (h?.n ?? 0) + 1 })), []);
  const typingHere = useTypingFocus();
  const [selection, setSelection] = useState<OutputSelection | null>(null);
  const [activeTagId, setActiveTagId] = useState<number | null>(null);
  const [dialog, setDialog] = useState<'tag' | 'correct' | null>(null);
  const [autoFocusStep, setAutoFocusStep] = useState<string | null>(null);
  const outputRef = useRef<OutputTextHandle>(null);
  const [rendered, setRendered] = useOutputRendered();
  const stepsHandle = useRef<ThinkAloudHandle>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const rubricRef = useRef<HTMLDivElement>(null);

  // A class created from the tag dialog is known here before the taxonomy list catches up.
  const [created, setCreated] = useState<FailureClass[]>([]);
  const byId = useMemo(() => new Map([...created, ...classes].map((c) => [c.id, c])), [classes, created]);
  const className = useCallback(
    (id: number): string => {
      let cls = byId.get(id);
      const seen = new Set<number>();
      // A merged class counts for the one that absorbed it.
      while (cls?.mergedIntoId && !seen.has(cls.id)) {
        seen.add(cls.id);
        cls = byId.get(cls.mergedIntoId) ?? cls;
      }
      if (!cls) return `class #${id}`;
      return `${classPath(cls, byId)}${cls.retiredAt ? ' (retired)' : ''}`;
    },
    [byId],
  );
  const activeClasses = useMemo(() => classes.filter((c) => c.retiredAt === null && c.mergedIntoId === null), [classes]);
  const quote = useCallback((t: FailureTag) => preview(t.quote ?? (t.span ? sliceCodePoints(item.output, t.span.start, t.span.end) : ''), 40), [item.output]);

  /** Every write for this item: in order with all others, and counted so a revisit waits for it. */
  const write = useCallback(<T,>(fn: () => Promise<T>): Promise<T> => cache.track(generationId, saver.run(fn)), [cache, saver, generationId]);

  const adopt = useCallback(
    (review: Review) => {
      cache.setReview(generationId, review);
      onStatus(generationId, review.status, isReopened(review));
      if (mounted.current) setMeta(review);
    },
    [cache, generationId, onStatus],
  );

  // ── Reopening a submitted label ──────────────────────────────────────────────────────────
  /**
   * An edit reopened the submitted label `before`: say so, and offer to put it back (Ctrl+Z, the
   * toast, the note on the item), which submits its ratings, verdict and comment again, as long
   * as the label is still that reopened draft.
   */
  const reopenedNow = useCallback(
    (before: Review) => {
      const run = () => {
        if (mounted.current && labelTimer.current) {
          clearTimeout(labelTimer.current);
          labelTimer.current = null;
        }
        return write(async () => {
          const now = (await call('review.item', { generationId, reviewerId })).review;
          if (!now || now.status !== 'draft' || now.revision !== before.revision) {
            throw new Error('the label was submitted again or deleted since; there is no reopened label to put back');
          }
          return call('review.save', {
            generationId,
            reviewerId,
            ratings: before.ratings,
            verdict: before.verdict,
            comment: before.comment,
            addTimeSpentMs: clock.take(generationId),
            submit: true,
          });
        });
      };
      const undo = pushUndo({ label: `submitted label (rev ${before.revision})`, generationId, run });
      // Left already: the toast on leaving said it (and offers to submit); Ctrl+Z still puts it back.
      if (!mounted.current) return;
      setPutBack(() => undo);
      toast.show(`Reopened your submitted label on ${item.promptId}: it is out of every export until you submit it again (Enter).`, {
        timeoutMs: 12_000,
        action: { label: 'Put it back (Ctrl+Z)', run: undo },
      });
    },
    [write, generationId, reviewerId, clock, pushUndo, toast, item.promptId],
  );

  // ── Saving the label ─────────────────────────────────────────────────────────────────────
  const saveLabel = useCallback(
    (submit: boolean): Promise<Review> => {
      if (labelTimer.current) clearTimeout(labelTimer.current);
      labelTimer.current = null;
      const edit = labelEdits.current;
      const snapshot = label.current;
      // A submitted label saved without submit is reopened: it leaves exports until submitted again.
      const before = metaRef.current;
      const reopens = !submit && before?.status === 'submitted';
      if (reopens) reopening.current++;
      if (mounted.current) setLabelState('saving');
      let ms = 0;
      return write(() => {
        ms = clock.take(generationId);
        return call('review.save', { ...key, ratings: snapshot.ratings, verdict: snapshot.verdict, comment: snapshot.comment, addTimeSpentMs: ms, submit });
      }).then(
        (review) => {
          if (reopens) reopening.current--;
          adopt(review);
          if (!submit && before?.status === 'submitted' && isReopened(review) && reopenedRevision.current !== review.revision) {
            reopenedRevision.current = review.revision;
            reopenedNow(before);
          }
          if (submit || edit === labelEdits.current) unsentLabels.delete(generationId);
          if (mounted.current && edit === labelEdits.current) setLabelState('saved');
          return review;
        },
        (e: unknown) => {
          if (reopens) reopening.current--;
          clock.giveBack(generationId, ms);
          if (mounted.current) setLabelState('error');
          toast.show(`Not saved: ${errorText(e)}`, { kind: 'error' });
          throw e;
        },
      );
    },
    [write, clock, generationId, reviewerId, adopt, toast, unsentLabels, reopenedNow],
  );

  const editLabel = (next: Partial<typeof label.current>) => {
    label.current = { ...label.current, ...next };
    labelEdits.current++;
    if (next.ratings) setRatings(next.ratings);
    if (next.verdict !== undefined) setVerdict(next.verdict);
    if (next.comment !== undefined) setComment(next.comment);
    setLabelState('saving');
    if (labelTimer.current) clearTimeout(labelTimer.current);
    labelTimer.current = setTimeout(() => void saveLabel(false).catch(() => undefined), AUTOSAVE_MS);
  };

  // ── Saving steps ─────────────────────────────────────────────────────────────────────────
  const setStepState = useCallback(
    (stepKey: string, state: StepModel['state'], error?: string) => setSteps((list) => list.map((s) => (s.key === stepKey ? { ...s, state, error } : s))),
    [setSteps],
  );

  const saveStep = useCallback(
    (stepKey: string, attempt = 0): Promise<void> => {
      const timer = stepTimers.current.get(stepKey);
      if (timer) clearTimeout(timer);
      stepTimers.current.delete(stepKey);
      const edit = stepEdits.current.get(stepKey) ?? 0;
      setStepState(stepKey, 'saving');
      return write(async () => {
        const step = stepsRef.current.find((s) => s.key === stepKey);
        if (!step) return null; // deleted meanwhile
        const saved = await call('review.saveStep', { ...key, stepId: step.id ?? undefined, body: bodies.current.get(stepKey) ?? '', tagId: step.tagId });
        // Set synchronously: the next queued save of this step must update, not append.
        step.id = saved.id;
        return saved;
      }).then(
        (saved) => {
          if (!saved) return;
          cache.updateStep(generationId, saved);
          onStatus(generationId, meta?.status === 'submitted' ? 'submitted' : 'draft', meta !== null && isReopened(meta));
          setSteps((list) => list.map((s) => (s.key === stepKey ? { ...s, id: saved.id, state: (stepEdits.current.get(stepKey) ?? 0) === edit ? 'saved' : s.state, error: undefined } : s)));
        },
        (e: unknown) => {
          setStepState(stepKey, 'error', errorText(e));
          // Keep trying with backoff while the pane is open; the text stays in the editor.
          if (mounted.current && attempt < 6) {
            stepTimers.current.set(
              stepKey,
              setTimeout(() => void saveStep(stepKey, attempt + 1), 1000 * 2 ** attempt),
            );
          }
        },
      );
    },
    [write, setStepState, setSteps, cache, generationId, reviewerId, onStatus, meta?.status],
  );

  const onBodyChange = (stepKey: string, body: string) => {
    bodies.current.set(stepKey, body);
    stepEdits.current.set(stepKey, (stepEdits.current.get(stepKey) ?? 0) + 1);
    const step = stepsRef.current.find((s) => s.key === stepKey);
    if (step && step.state !== 'saving') setStepState(stepKey, 'pending');
    const timer = stepTimers.current.get(stepKey);
    if (timer) clearTimeout(timer);
    stepTimers.current.set(
      stepKey,
      setTimeout(() => void saveStep(stepKey), AUTOSAVE_MS),
    );
  };

  /** Queue every debounced edit now. */
  const flush = useCallback(() => {
    if (labelTimer.current) void saveLabel(false).catch(() => undefined);
    for (const stepKey of [...stepTimers.current.keys()]) {
      const s = stepsRef.current.find((x) => x.key === stepKey);
      if (s && s.state !== 'error') void saveStep(stepKey);
    }
  }, [saveLabel, saveStep]);

  const flushRef = useRef(flush);
  flushRef.current = flush;
  useEffect(() => {
    const unregister = saver.register(() => flushRef.current());
    // Leaving the item (J/K, a filter, another tab) sends what is still waiting.
    return () => {
      leaving.current();
      unregister();
      flushRef.current();
      for (const t of stepTimers.current.values()) clearTimeout(t);
    };
  }, [saver]);

  const addStep = (afterKey: string | null) => {
    const stepKey = `new-${++newStepCounter}`;
    bodies.current.set(stepKey, '');
    const afterIndex = afterKey === null ? -1 : stepsRef.current.findIndex((s) => s.key === afterKey);
    const model: StepModel = { key: stepKey, id: null, tagId: null, initialBody: '', state: 'saving' };
    setSteps((list) => (afterIndex >= 0 && afterIndex < list.length - 1 ? [...list.slice(0, afterIndex + 1), model, ...list.slice(afterIndex + 1)] : [...list, model]));
    setAutoFocusStep(stepKey);
    // Create it now (empty): typing goes on in the editor meanwhile and saves into it.
    void saveStep(stepKey).then(() => {
      const position = stepsRef.current.findIndex((s) => s.key === stepKey);
      const step = stepsRef.current[position];
      if (step?.id && position < stepsRef.current.length - 1) {
        void write(() => call('review.moveStep', { id: step.id!, reviewerId: reviewer.id, position })).then(
          (review) => adopt(review),
          (e: unknown) => toast.show(errorText(e), { kind: 'error' }),
        );
      }
    });
  };

  const deleteStep = (stepKey: string) => {
    const step = stepsRef.current.find((s) => s.key === stepKey);
    if (!step) return;
    const timer = stepTimers.current.get(stepKey);
    if (timer) {
      clearTimeout(timer);
      stepTimers.current.delete(stepKey);
    }
    const index = stepsRef.current.indexOf(step);
    setSteps((list) => list.filter((s) => s.key !== stepKey));
    if (step.id === null && step.state !== 'saving') return;
    // Store the last text first, so an undo brings back exactly what was there.
    const body = bodies.current.get(stepKey) ?? '';
    void write(async () => {
      const id = step.id;
      if (id === null) return null;
      await call('review.saveStep', { ...key, stepId: id, body, tagId: step.tagId });
      return call('review.deleteStep', { id, reviewerId: reviewer.id });
    }).then(
      (review) => {
        if (!review) return;
        cache.setReview(generationId, review);
        const undo = pushUndo({ label: 'step', generationId, run: () => write(() => call('review.restoreStep', { id: step.id!, reviewerId: reviewer.id })) });
        toast.show(`Deleted step ${index + 1}.`, { action: { label: 'Undo (Ctrl+Z)', run: undo } });
      },
      (e: unknown) => {
        toast.show(`Could not delete the step: ${errorText(e)}`, { kind: 'error' });
        setSteps((list) => [...list.slice(0, index), step, ...list.slice(index)]);
      },
    );
  };

  const moveStep = (stepKey: string, delta: -1 | 1) => {
    const index = stepsRef.current.findIndex((s) => s.key === stepKey);
    const step = stepsRef.current[index];
    const to = index + delta;
    if (!step || step.id === null || to < 0 || to >= stepsRef.current.length) return;
    setSteps((list) => {
      const next = [...list];
      next.splice(index, 1);
      next.splice(to, 0, step);
      return next;
    });
    void write(() => call('review.moveStep', { id: step.id!, reviewerId: reviewer.id, position: to })).then(
      (review) => {
        cache.setReview(generationId, review);
        if (mounted.current) applySteps(review);
      },
      (e: unknown) => toast.show(`Could not move the step: ${errorText(e)}`, { kind: 'error' }),
    );
  };

  const linkStep = (stepKey: string, tagId: number | null) => {
    setSteps((list) => list.map((s) => (s.key === stepKey ? { ...s, tagId } : s)));
    const step = stepsRef.current.find((s) => s.key === stepKey);
    if (step) step.tagId = tagId;
    void saveStep(stepKey);
  };

  /** Steps as the engine has them, keeping the editors (and any unsent text) of steps still there. */
  const applySteps = (review: Review) => {
    setSteps((list) => {
      const next = stepModels(review.steps, list);
      for (const s of next) if (!bodies.current.has(s.key)) bodies.current.set(s.key, s.initialBody);
      // Steps created here and not stored yet stay at the end.
      return [...next, ...list.filter((s) => s.id === null)];
    });
  };

  // ── Tags ─────────────────────────────────────────────────────────────────────────────────
  const addTag = async (tag: { classId: number; span: Span | null; note: string }, cls?: FailureClass) => {
    setDialog(null);
    const name = byId.has(tag.classId) ? className(tag.classId) : (cls?.name ?? className(tag.classId));
    if (cls && !byId.has(cls.id)) setCreated((list) => [...list, cls]);
    try {
      const review = await write(() => call('review.addTag', { ...key, classId: tag.classId, span: tag.span, note: tag.note }));
      adopt(review);
      setTags(review.tags);
      setSelection((s) => (s ? { anchor: s.focus, focus: s.focus } : s));
      const added = review.tags.find((t) => !tags.some((old) => old.id === t.id));
      if (added) {
        pushUndo({ label: 'output without that tag', generationId, run: () => write(() => call('review.removeTag', { id: added.id, reviewerId: reviewer.id })) });
        toast.show(`Tagged ${tag.span ? 'the span' : 'the output'} “${name}”.`);
      }
    } catch (e) {
      toast.show(`Could not tag: ${errorText(e)}`, { kind: 'error' });
    }
  };

  const removeTag = async (tag: FailureTag) => {
    try {
      const review = await write(() => call('review.removeTag', { id: tag.id, reviewerId: reviewer.id }));
      adopt(review);
      setTags(review.tags);
      const undo = pushUndo({ label: 'tag', generationId, run: () => write(() => call('review.restoreTag', { id: tag.id, reviewerId: reviewer.id })) });
      toast.show(`Removed the tag “${className(tag.classId)}”.`, { action: { label: 'Undo (Ctrl+Z)', run: undo } });
    } catch (e) {
      toast.show(`Could not remove the tag: ${errorText(e)}`, { kind: 'error' });
    }
  };

  // ── The whole label ──────────────────────────────────────────────────────────────────────
  const reset = (review: Review | null) => {
    label.current = { ratings: review?.ratings ?? {}, verdict: review?.verdict ?? null, comment: review?.comment ?? '' };
    setRatings(label.current.ratings);
    setVerdict(label.current.verdict);
    setComment(label.current.comment);
    setMeta(review);
    setPutBack(null);
    setTags(review?.tags ?? []);
    setLabelState('saved');
    const models = stepModels(review?.steps ?? []);
    bodies.current = new Map(models.map((s) => [s.key, s.initialBody]));
    stepsRef.current = models;
    setStepsState(models);
  };

  const deleteLabel = async () => {
    if (!meta && tags.length === 0 && steps.length === 0) {
      setHint('Nothing to delete: this item has no label of yours yet.');
      return;
    }
    if (labelTimer.current) clearTimeout(labelTimer.current);
    labelTimer.current = null;
    for (const t of stepTimers.current.values()) clearTimeout(t);
    stepTimers.current.clear();
    // Everything typed lands first, so the undo restores the label as it was.
    flush();
    try {
      await write(() => call('review.delete', key));
      cache.setReview(generationId, null);
      onStatus(generationId, 'todo');
      reset(null);
      const undo = pushUndo({ label: 'label', generationId, run: () => write(() => call('review.restore', key)) });
      toast.show('Deleted your label on this item.', { action: { label: 'Undo (Ctrl+Z)', run: undo } });
    } catch (e) {
      toast.show(`Could not delete the label: ${errorText(e)}`, { kind: 'error' });
    }
  };

  // ── Submit ───────────────────────────────────────────────────────────────────────────────
  const submitting = useRef(false);
  const submit = () => {
    if (submitting.current) return;
    const missing = criteria.findIndex((c) => label.current.ratings[String(c.id)] === undefined);
    if (missing >= 0) {
      setFocusedRow(missing);
      setHint(`Rate “${criteria[missing]!.name}” before submitting.`);
      return;
    }
    if (label.current.verdict === null) {
      setFocusedRow(criteria.length);
      setHint('Choose a verdict before submitting (1 bad, 2 acceptable, 3 good).');
      return;
    }
    submitting.current = true;
    // The submit carries the latest ratings itself: only the steps' pending text goes first.
    if (labelTimer.current) clearTimeout(labelTimer.current);
    labelTimer.current = null;
    flush();
    const snapshot = label.current;
    const ack = saveLabel(true);
    const done = () => {
      submitting.current = false;
    };
    ack.then(done, done);
    // The view moves on now, while the write is acknowledged (the queue says "Saving…").
    onSubmit(generationId, ack, snapshot);
  };

  leaving.current = () => {
    if (submitting.current) return;
    const m = metaRef.current;
    // Reopened, or about to be: an edit not sent yet is sent as the item is left, without submit.
    if ((m && isReopened(m)) || (m?.status === 'submitted' && (labelTimer.current !== null || reopening.current > 0))) onLeaveReopened(generationId, item.promptId, label.current);
  };

  // ── Keys ─────────────────────────────────────────────────────────────────────────────────
  const rate = (n: number) => {
    setHint(null);
    if (focusedRow >= criteria.length) {
      const v = (['bad', 'acceptable', 'good'] as const)[n - 1];
      if (!v) return setHint(`${n} is not an option for Verdict: 1–3 (1 bad, 2 acceptable, 3 good).`);
      editLabel({ verdict: v });
      return;
    }
    const c = criteria[focusedRow]!;
    const values = scaleValues(c).map((x) => x.value);
    if (!values.includes(n)) {
      setHint(c.scale === 'passfail' ? `${n} is not an option for ${cap(c.name)}: 1 or P passes, 0 or F fails.` : `${n} is not an option for ${cap(c.name)}: ${values[0]}–${values[values.length - 1]}.`);
      return;
    }
    editLabel({ ratings: { ...label.current.ratings, [String(c.id)]: n } });
    setFocusedRow(focusedRow + 1);
  };

  const focusSteps = () => {
    if (!stepsHandle.current?.focusLast()) addStep(null);
  };

  useImperativeHandle(ref, () => ({
    handleKey(e) {
      const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (/^[0-9]$/.test(k)) {
        rate(Number(k));
        return true;
      }
      switch (k) {
        case 'p':
        case 'f': {
          const c = criteria[focusedRow];
          if (c?.scale === 'passfail') rate(k === 'p' ? 1 : 0);
          else setHint(`${e.key.toUpperCase()} is not an option for ${c ? cap(c.name) : 'Verdict'}: P and F rate pass/fail criteria only.`);
          return true;
        }
        case 'ArrowLeft':
        case 'ArrowRight':
          setHint(null);
          setFocusedRow((r) => Math.max(0, Math.min(criteria.length, r + (k === 'ArrowRight' ? 1 : -1))));
          return true;
        case 'Backspace':
        case 'Delete':
          if (e.shiftKey) {
            void deleteLabel();
          } else if (focusedRow >= criteria.length) {
            if (label.current.verdict !== null) editLabel({ verdict: null });
          } else {
            const id = String(criteria[focusedRow]!.id);
            if (id in label.current.ratings) {
              const next = { ...label.current.ratings };
              delete next[id];
              editLabel({ ratings: next });
            }
          }
          return true;
        case 't':
          setDialog('tag');
          return true;
        case 'o':
          // Spans are selected in the raw text: leave the rendered view first.
          if (rendered) {
            setRendered(false);
            requestAnimationFrame(() => outputRef.current?.focus());
          } else {
            outputRef.current?.focus();
          }
          return true;
        case 'm':
          setSelection(null);
          setRendered(!rendered);
          return true;
        case 'e':
          setDialog('correct');
          return true;
        case 's':
          focusSteps();
          return true;
        case 'n':
          addStep(null);
          return true;
        case 'c':
          commentRef.current?.focus();
          return true;
        case 'Enter':
          void submit();
          return true;
        default:
          // A printable key with no meaning here says so, rather than vanishing.
          if (e.key.length === 1 && e.key !== ' ') {
            setHint(`${e.key} does nothing here. Press ? for every key.`);
            return true;
          }
          return false;
      }
    },
    applyReview(review) {
      if (review === null) return reset(null);
      // Ratings and comment typed but not yet sent stay; the rest follows the engine.
      if (!labelTimer.current) {
        label.current = { ratings: review.ratings, verdict: review.verdict, comment: review.comment };
        setRatings(review.ratings);
        setVerdict(review.verdict);
        setComment(review.comment);
      }
      setMeta(review);
      setTags(review.tags);
      applySteps(review);
    },
  }));

  // Keep the focused rubric row in view when it moves (not on opening: measuring there would force
  // a layout of the whole new item before its first paint).
  const firstRow = useRef(true);
  useEffect(() => {
    if (firstRow.current) {
      firstRow.current = false;
      return;
    }
    const frame = requestAnimationFrame(() => rubricRef.current?.querySelectorAll('.criterion')[focusedRow]?.scrollIntoView({ block: 'nearest' }));
    return () => cancelAnimationFrame(frame);
  }, [focusedRow]);

  const status = meta?.status ?? 'todo';
  const reopened = meta !== null && isReopened(meta);
  const latestCorrection = corrections[corrections.length - 1];
  const range = selectionRange(selection);
  const wholeTags = tags.filter((t) => !t.span);
  const spanTags = tags.filter((t) => t.span).sort((a, b) => a.span!.start - b.span!.start || a.span!.end - b.span!.end);

  return (
    <div className="item-pane" data-generation-id={generationId} data-testid="review-item">
      <header className="item-header">
        <div className="item-title">
          <span className="mono">{item.promptId}</span>
          <span className="badge">{item.modelName}</span>
          {item.templateId !== null && (
            <span className="badge">
              {templateName(item.templateId) ?? `template #${item.templateId}`} v{item.templateVersion}
            </span>
          )}
          <span className="badge">{item.mode}</span>
          {item.finishReason !== 'stop' && <span className={`badge finish-${item.finishReason}`}>{item.finishReason === 'length' ? 'cut off at max tokens' : item.finishReason}</span>}
        </div>
        <div className="item-state">
          <span className={`status status-${status}`} data-testid="review-status">
            {status === 'todo' ? 'To do' : reopened ? 'Reopened · not in exports' : status === 'draft' ? 'Draft' : `Submitted${meta && meta.revision > 1 ? ` · rev ${meta.revision}` : ''}`}
          </span>
          <TimeSpent clock={clock} generationId={generationId} savedMs={meta?.timeSpentMs ?? 0} />
          <span className={`save-state ${labelState}`} aria-live="polite">
            {labelState === 'saving' ? 'Saving…' : labelState === 'error' ? 'Not saved' : meta ? 'Saved' : ''}
          </span>
        </div>
      </header>

      <div className="item-columns">
        <div className="item-read">
          <section className="card prompt-card" aria-label="Prompt">
            <h3>Prompt</h3>
            {item.promptVersion < item.promptCurrentVersion && (
              <p className="muted small" data-testid="prompt-version-note">
                Version {item.promptVersion}, the text this output was made from. The prompt was edited since (now version {item.promptCurrentVersion}).
              </p>
            )}
            <PromptText prompt={item.prompt} />
            {item.promptTags.length > 0 && (
              <div className="prompt-tags">
                {item.promptTags.map((t) => (
                  <span key={t} className="tag">
                    {t}
                  </span>
                ))}
              </div>
            )}
            {item.reference !== null && (
              <details className="reference">
                <summary>Reference answer</summary>
                <Markdown source={item.reference} className="prompt-md" />
              </details>
            )}
            {item.renderedPrompt && (
              <details className="rendered">
                <summary>As the model saw it</summary>
                <pre className="rendered-prompt">{item.renderedPrompt}</pre>
              </details>
            )}
          </section>

          <section className="card output-card" aria-label="Output">
            <header className="card-header">
              <h3>Output</h3>
              <span className="muted hint">
                {rendered ? (
                  <>
                    Rendered markdown · spans are tagged in the raw text (<kbd>O</kbd>)
                  </>
                ) : range ? (
                  <>
                    {plural(range.end - range.start, 'character')} selected · <kbd>T</kbd> tag it · <kbd>Esc</kbd> clear
                  </>
                ) : (
                  <>
                    Select text (drag, or <kbd>O</kbd> then <kbd>Shift</kbd>+arrows), then <kbd>T</kbd> to tag it
                  </>
                )}
              </span>
              <button
                className="link output-mode"
                data-testid="output-mode"
                onClick={() => setRendered(!rendered)}
                title={rendered ? 'Showing rendered markdown; M shows the raw text' : 'Showing the raw text; M shows rendered markdown'}
              >
                {/* The label names what shows now; the title says what M switches to. */}
                Showing: {rendered ? 'rendered markdown' : 'raw text'} <kbd>M</kbd>
              </button>
            </header>
            {rendered ? (
              <div className="output-rendered" data-testid="output-rendered">
                <Markdown source={item.output} />
              </div>
            ) : (
              <OutputText
                ref={outputRef}
                text={item.output}
                tags={tags}
                className={className}
                selection={selection}
                onSelection={setSelection}
                activeTagId={activeTagId}
                onTagClick={setActiveTagId}
                onLeave={onFocusRoot}
              />
            )}
            <div className="tag-list" aria-label="Failure tags">
              {tags.length === 0 ? (
                <span className="muted small">No failure tags.</span>
              ) : (
                [...wholeTags, ...spanTags].map((t) => (
                  <span
                    key={t.id}
                    className={`tag-chip${t.id === activeTagId ? ' active' : ''}${t.span ? ` tag-c${t.classId % 6}` : ''}`}
                    data-tag-id={t.id}
                    onMouseEnter={() => setActiveTagId(t.id)}
                    onMouseLeave={() => setActiveTagId(null)}
                  >
                    <span className="tag-chip-class">{className(t.classId)}</span>
                    <span className="muted">{t.span ? `“${quote(t)}”` : 'whole output'}</span>
                    {t.note && <span className="muted tag-note">· {t.note}</span>}
                    <button
                      className="icon"
                      aria-label={`Remove tag ${className(t.classId)}`}
                      title="Remove (undo with Ctrl+Z)"
                      onFocus={() => setActiveTagId(t.id)}
                      onBlur={() => setActiveTagId(null)}
                      onClick={() => void removeTag(t)}
                    >
                      ×
                    </button>
                  </span>
                ))
              )}
              <button className="secondary small" onClick={() => setDialog('tag')}>
                Tag… <kbd>T</kbd>
              </button>
            </div>
          </section>

          <section className="card correction-card" aria-label="Correction">
            <header className="card-header">
              <h3>Correction</h3>
              <span className="muted small">
                {latestCorrection
                  ? `v${latestCorrection.version} by ${reviewerName(latestCorrection.reviewerId)}${corrections.length > 1 ? ` · ${corrections.length} versions` : ''}`
                  : correctionDrafts.has(generationId)
                    ? 'Unsaved draft'
                    : 'None'}
              </span>
              <button className="secondary small" onClick={() => setDialog('correct')}>
                {latestCorrection ? 'Edit correction' : 'Correct the output'} <kbd>E</kbd>
              </button>
            </header>
            {latestCorrection && <pre className="correction-preview">{latestCorrection.text}</pre>}
          </section>
          <OtherReviewers others={item.others} criteria={criteria} className={className} quote={quote} />
        </div>

        <div className="item-label">
          {reopened && (
            <div className="reopened-note" role="alert" data-testid="reopened-note">
              <span>
                <strong>Reopened.</strong> Your submitted label (rev {meta.revision}) is out of every export until you submit it again with <kbd>Enter</kbd>.
              </span>
              {putBack && (
                <button className="secondary small" onClick={() => putBack()}>
                  Put back the submitted label <kbd>Ctrl Z</kbd>
                </button>
              )}
            </div>
          )}
          <div className={`keys-target${typingHere ? ' typing' : ''}`} data-testid="keys-target" aria-live="polite">
            {typingHere ? (
              <>
                Keys type into the field · <kbd>Esc</kbd> gives them back to {item.promptId} · output #{generationId}
              </>
            ) : (
              <>
                Keys act on: <strong>{item.promptId}</strong> · output #{generationId}
              </>
            )}
          </div>
          <section className="card rubric-card" aria-label="Ratings">
            <header className="card-header">
              <h3>Ratings</h3>
              <span className="muted hint">
                <kbd>1</kbd>–<kbd>{Math.max(3, ...criteria.map((c) => (c.scale === 'likert7' ? 7 : c.scale === 'likert5' ? 5 : 1)))}</kbd> rates the highlighted row and moves on · <kbd>←</kbd>/<kbd>→</kbd> select a row
              </span>
            </header>
            <div ref={rubricRef}>
              {criteria.length === 0 && <p className="muted small">No rubric criteria are configured; rate the verdict.</p>}
              <Rubric
                criteria={criteria}
                ratings={ratings}
                verdict={verdict}
                focusedRow={focusedRow}
                onFocusRow={setFocusedRow}
                onRate={(id, value) => {
                  const next = { ...label.current.ratings };
                  if (value === null) delete next[String(id)];
                  else next[String(id)] = value;
                  editLabel({ ratings: next });
                }}
                onVerdict={(v) => editLabel({ verdict: v })}
              />
            </div>
            {hint && (
              <p key={hint.n} className="hint-line" role="status" data-testid="key-hint">
                {hint.text}
              </p>
            )}
            <label className="comment">
              <span>
                Comment <kbd>C</kbd>
              </span>
              <textarea
                ref={commentRef}
                rows={3}
                value={comment}
                maxLength={200_000}
                placeholder="Anything the ratings do not say"
                onChange={(e) => editLabel({ comment: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') {
                    e.preventDefault();
                    onFocusRoot();
                  }
                }}
              />
            </label>
          </section>

          <ThinkAloud
            ref={stepsHandle}
            steps={steps}
            tags={tags}
            className={className}
            quote={quote}
            autoFocusKey={autoFocusStep}
            onBodyChange={onBodyChange}
            onTagLink={linkStep}
            onAdd={addStep}
            onDelete={deleteStep}
            onMove={moveStep}
            onSaveNow={(k) => void saveStep(k)}
            onLeave={onFocusRoot}
            onActiveTag={setActiveTagId}
          />

          <div className="item-actions">
            <button onClick={() => void submit()} data-testid="submit">
              {status === 'submitted' ? 'Resubmit' : reopened ? 'Submit again' : 'Submit'} and next <kbd>↵</kbd>
            </button>
            <button className="danger" onClick={() => void deleteLabel()} disabled={!meta && tags.length === 0 && steps.length === 0}>
              Delete label <kbd>Shift Del</kbd>
            </button>
          </div>
        </div>
      </div>

      {dialog === 'tag' && (
        <TagPicker
          classes={activeClasses}
          text={item.output}
          selection={range}
          onApply={(t, cls) => void addTag(t, cls)}
          onClose={() => setDialog(null)}
          onManageTaxonomy={() => {
            setDialog(null);
            onGoToTab('Taxonomy');
          }}
        />
      )}
      {dialog === 'correct' && (
        <CorrectionDialog
          output={item.output}
          corrections={corrections}
          draft={correctionDrafts.get(generationId)}
          reviewerName={reviewerName}
          onDraft={(text) => (text === undefined ? correctionDrafts.delete(generationId) : correctionDrafts.set(generationId, text))}
          onSave={async (text) => {
            const saved = await write(() => call('corrections.save', { ...key, text }));
            cache.addCorrection(generationId, saved);
            if (mounted.current) setCorrections((list) => [...list, saved]);
            toast.show(`Saved correction v${saved.version}.`);
            return saved;
          }}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
});
