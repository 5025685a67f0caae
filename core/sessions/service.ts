import type { MethodOutput, ParsedInput } from '../../contract';
import type { PairChoice } from '../../contract/comparisons';
import { AppError } from '../../contract/result';
import type { Rate, ReviewSession, ReviewerProgress, reviewSessionMethods, SessionItemKind, SessionProgress } from '../../contract/review-sessions';
import type { ReadableDB } from '../../db/handles';
import { promptSeqsForIds, promptSeqsMatching } from '../../db/prompts';
import { getReviewer } from '../../db/review';
import { revokedReviewerIds } from '../../db/team';
import {
  activeReservations,
  classExists,
  goldResults,
  insertItems,
  insertSession,
  insertSkip,
  insertSwap,
  isAssigned,
  itemCounts,
  itemStates,
  listItems,
  matchingGenerations,
  matchingTasks,
  missingReviewers,
  release,
  reserve,
  reviewerLabels,
  sessionItemRow,
  sessionReviewers,
  sessionRow,
  sessionRows,
  setGold,
  setSessionClosed,
  setSessionReviewers,
  skippedItems,
  swapsOf,
  taskKind,
  updateSession,
  type ItemFilter,
  type SessionRow,
} from '../../db/sessions';
import { makeTasks } from '../comparisons/service';
import type { EventBus } from '../events';
import { wilsonInterval } from '../stats/proportion';
import type { Workspace } from '../workspace/workspace';
import { reviewerOrder } from './order';

type SessionMethod = keyof typeof reviewSessionMethods;

/** One handler per method of contract/review-sessions.ts; the compiler checks none is missing. */
/** A session with nobody assigned hands nothing to anyone: refused on create and on update. */
const NO_REVIEWERS = 'Assign at least one reviewer: only assigned reviewers are handed a session\'s items, so a session with none would never be labelled.';

export type SessionHandlers = { [M in SessionMethod]: (input: ParsedInput<M>) => MethodOutput<M> };

export interface SessionServiceOptions {
  onCommit?: () => void;
  /** The clock reservations are measured by (tests inject one; default Date.now). */
  now?: () => number;
}

type Filter = ParsedInput<'sessions.create'>['filter'];
const KINDS: readonly SessionItemKind[] = ['review', 'compare'];

/** A reservation in whole milliseconds (the contract bounds the minutes: 3 s to 24 h). */
const reservationMs = (minutes: number) => Math.round(minutes * 60_000);

const rate = (successes: number, n: number): Rate => {
  const w = wilsonInterval(successes, n);
  return { successes, n, value: w.value, low: w.low, high: w.high };
};

/**
 * Review sessions (contract/review-sessions.ts). The labels of a session are the ordinary review and
 * comparison labels, written by review.save / comparisons.label; this service only decides who gets
 * which item next, holds reservations, keeps gold answers and swap re-shows, and reports progress.
 */
export function sessionService(workspace: Workspace, events: EventBus, options: SessionServiceOptions = {}): SessionHandlers {
  const { reader, writer } = workspace;
  const now = options.now ?? Date.now;

  const inTransaction = <T>(fn: () => T): T => {
    const value = writer.transaction(fn).immediate();
    options.onCommit?.();
    return value;
  };
  const changed = (sessionId: number) => events.emit('onDidChangeSessions', { sessionId });

  const mustReviewer = (db: ReadableDB, id: number) => {
    const r = getReviewer(db, id);
    if (!r) throw new AppError('not_found', `No reviewer ${id}; choose a reviewer profile first.`);
    return r;
  };
  const mustSession = (db: ReadableDB, id: number): SessionRow => {
    const s = sessionRow(db, id);
    if (!s) throw new AppError('not_found', `No review session ${id}; it may have been made in another workspace.`);
    return s;
  };
  const mustAssigned = (db: ReadableDB, s: SessionRow, reviewerId: number) => {
    if (!isAssigned(db, s.id, reviewerId)) {
      throw new AppError('conflict', `You are not assigned to the session “${s.name}”; ask the engineer who runs it to add you.`);
    }
  };
  const mustReviewersExist = (db: ReadableDB, ids: readonly number[]) => {
    const missing = missingReviewers(db, ids);
    if (missing.length > 0) throw new AppError('not_found', `No reviewer ${missing.join(', ')}; create the reviewer profiles first.`);
  };

  const sessionOf = (db: ReadableDB, row: SessionRow): ReviewSession => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    filter: JSON.parse(row.filter) as unknown,
    overlap: row.overlap,
    reservationMinutes: row.reservation_ms / 60_000,
    seed: row.seed,
    goldRate: row.gold_rate,
    goldFirst: row.gold_first,
    swapShare: row.swap_share,
    createdBy: row.created_by,
    createdAt: row.created_at,
    closedAt: row.closed_at,
    reviewers: sessionReviewers(db, row.id),
    items: itemCounts(db, row.id),
  });

  /** The prompts of a filter: search and tags, and (when given) ids, all of which must hold. */
  const promptSeqs = (db: ReadableDB, f: Filter): number[] => {
    let seqs = promptSeqsMatching(db, f.prompts);
    if (f.prompts.ids !== undefined) {
      const { seqs: byId, missing } = promptSeqsForIds(db, f.prompts.ids);
      if (missing.length > 0) {
        throw new AppError('not_found', `No prompt ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}; check the ids in the filter.`);
      }
      const wanted = new Set(byId);
      seqs = seqs.filter((s) => wanted.has(s));
    }
    return seqs;
  };
  const itemFilter = (f: Filter, seqs: number[]): ItemFilter => ({ seqs, classIds: f.classIds, modelIds: f.modelIds, templateIds: f.templateIds, limit: f.limit });
  const kindsOf = (kind: Filter['kind']): SessionItemKind[] => (kind === 'both' ? ['review', 'compare'] : [kind]);

  /** This reviewer's labels and time on the session, and their share of the work. */
  const reviewerProgress = (db: ReadableDB, s: SessionRow, reviewerId: number, name: string, reviewers: number, revoked = false): ReviewerProgress => {
    let done = 0;
    let time = 0;
    let gold = 0;
    let regular = 0;
    let skipped = 0;
    for (const kind of KINDS) {
      const mine = new Set<number>();
      for (const l of reviewerLabels(db, s.id, kind, reviewerId)) {
        done++;
        time += l.time_spent_ms;
        mine.add(l.item_id);
      }
      for (const r of skippedItems(db, s.id, kind, reviewerId)) if (!mine.has(r.item_id)) skipped++;
      for (const item of itemStates(db, s.id, kind)) {
        if (item.is_gold) gold++;
        else regular++;
      }
    }
    const perItem = Math.min(s.overlap, Math.max(1, reviewers));
    const assigned = gold + Math.ceil((regular * perItem) / Math.max(1, reviewers));
    const meanTimeMs = done > 0 ? time / done : null;
    const golds = goldResults(db, s.id, reviewerId);
    const swaps = swapsOf(db, s.id, reviewerId).filter((x) => x.first !== null);
    return {
      reviewerId,
      name,
      revoked,
      done,
      assigned,
      reshows: swaps.length,
      skipped,
      meanTimeMs,
      etaMs: meanTimeMs === null || revoked ? null : Math.max(0, assigned - done) * meanTimeMs,
      gold: rate(golds.filter((g) => g.correct === 1).length, golds.length),
      swapFlip: rate(swaps.filter((x) => x.choice !== x.first).length, swaps.length),
    };
  };

  const sessionProgress = (db: ReadableDB, s: SessionRow): SessionProgress => {
    const assigned = sessionReviewers(db, s.id);
    const m = assigned.length;
    const perItem = Math.min(s.overlap, Math.max(1, m));
    let needed = 0;
    let done = 0;
    let items = 0;
    let complete = 0;
    for (const kind of KINDS) {
      for (const item of itemStates(db, s.id, kind)) {
        items++;
        const want = item.is_gold ? m : perItem;
        needed += want;
        done += Math.min(item.labels, want);
        if (item.labels >= want) complete++;
      }
    }
    // A reviewer whose invite was revoked labels no more: shown as such, and the ETA counts only the others.
    const revoked = revokedReviewerIds(db, now());
    const reviewers = assigned.map((r) => reviewerProgress(db, s, r.reviewerId, r.name, m, revoked.has(r.reviewerId)));
    const working = reviewers.filter((r) => !r.revoked).length;
    const labels = reviewers.reduce((n, r) => n + r.done, 0);
    const time = reviewers.reduce((t, r) => t + (r.meanTimeMs ?? 0) * r.done, 0);
    const meanTimeMs = labels > 0 ? time / labels : null;
    return {
      sessionId: s.id,
      needed,
      done,
      itemsComplete: complete,
      items,
      meanTimeMs,
      etaMs: meanTimeMs === null || (working === 0 && needed > done) ? null : ((needed - done) * meanTimeMs) / Math.max(1, working),
      reviewers,
    };
  };

  const goldAnswerFor = (db: ReadableDB, kind: SessionItemKind, itemId: number, answer: NonNullable<ParsedInput<'sessions.setGold'>['answer']>) => {
    if ('choice' in answer) {
      if (kind !== 'compare') throw new AppError('invalid_input', 'A review item takes a verdict and/or a failure class as its gold answer, not a choice.');
      if (taskKind(db, itemId) !== 'pair') throw new AppError('invalid_input', `Task ${itemId} is an N-way ranking; gold answers are pairwise choices, so pick a pairwise task.`);
      return { verdict: null, classId: null, choice: answer.choice };
    }
    if (kind !== 'review') throw new AppError('invalid_input', 'A comparison item takes a choice (A, B, tie or both_bad) as its gold answer.');
    if (answer.classId !== null && !classExists(db, answer.classId)) throw new AppError('not_found', `No failure class ${answer.classId}; pick one from the taxonomy.`);
    return { verdict: answer.verdict, classId: answer.classId, choice: null };
  };

  /** What the reviewer's own queue header shows (no gold or swap figures: they would tell which items are gold). */
  const queueProgress = (db: ReadableDB, s: SessionRow, me: { id: number; name: string }) => {
    const { gold: _gold, swapFlip: _swapFlip, reshows: _reshows, revoked: _revoked, ...own } = reviewerProgress(db, s, me.id, me.name, sessionReviewers(db, s.id).length);
    return own;
  };

  const itemOf = (db: ReadableDB, sessionId: number, kind: SessionItemKind, itemId: number) => {
    return listItems(db, { sessionId, kind, itemId, goldOnly: false, offset: 0, limit: 1 }).items[0]!;
  };

  return {
    'sessions.preview': (input) => {
      const seqs = promptSeqs(reader, input.filter);
      const f = itemFilter(input.filter, seqs);
      const kinds = kindsOf(input.filter.kind);
      return {
        prompts: seqs.length,
        review: kinds.includes('review') ? matchingGenerations(reader, f).length : 0,
        compare: kinds.includes('compare') ? matchingTasks(reader, f).length : 0,
      };
    },

    'sessions.create': (input) => {
      const session = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        mustReviewersExist(writer, input.reviewerIds);
        const at = now();
        const seqs = promptSeqs(writer, input.filter);
        if (seqs.length === 0) throw new AppError('not_found', 'No prompts match this filter; widen the search or the tags.');
        // Nobody assigned means nobody is ever handed an item (sessions.next refuses anyone not assigned).
        if (input.reviewerIds.length === 0) throw new AppError('invalid_input', NO_REVIEWERS);
        const kinds = kindsOf(input.filter.kind);
        const f = itemFilter(input.filter, seqs);
        if (kinds.includes('compare') && input.filter.makeTasks) {
          makeTasks(writer, seqs, { ...input.filter.makeTasks, modelIds: input.filter.modelIds }, at);
        }
        const review = kinds.includes('review') ? matchingGenerations(writer, f) : [];
        const compare = kinds.includes('compare') ? matchingTasks(writer, f) : [];
        if (review.length + compare.length === 0) {
          throw new AppError(
            'not_found',
            kinds.includes('compare') && !input.filter.makeTasks
              ? 'The filter matches no outputs or comparison tasks; make tasks with the session (Make comparison tasks) or widen the filter.'
              : 'The filter matches no outputs to review; widen it, or generate outputs for these prompts first.',
          );
        }
        const id = insertSession(
          writer,
          {
            name: input.name,
            kind: input.filter.kind,
            filter: input.filter,
            overlap: input.overlap,
            reservationMs: reservationMs(input.reservationMinutes),
            seed: input.seed ?? Math.floor(Math.random() * 2 ** 32),
            goldRate: input.goldRate,
            goldFirst: input.goldFirst,
            swapShare: input.swapShare,
            createdBy: input.reviewerId,
          },
          at,
        );
        insertItems(writer, id, 'review', review);
        insertItems(writer, id, 'compare', compare);
        setSessionReviewers(writer, id, input.reviewerIds, at);
        return sessionOf(writer, sessionRow(writer, id)!);
      });
      changed(session.id);
      if (session.items.compare > 0) events.emit('onDidChangeComparisons', { reason: 'tasks' });
      return session;
    },

    'sessions.list': (input) => sessionRows(reader, input.assignedTo ?? null, input.assignedTo === undefined ? input.includeClosed : false).map((r) => sessionOf(reader, r)),
    'sessions.get': (input) => sessionOf(reader, mustSession(reader, input.sessionId)),

    'sessions.update': (input) => {
      const session = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        updateSession(writer, s.id, { ...input, reservationMs: input.reservationMinutes === undefined ? undefined : reservationMs(input.reservationMinutes) });
        if (input.reviewerIds !== undefined) {
          if (input.reviewerIds.length === 0) throw new AppError('invalid_input', NO_REVIEWERS);
          mustReviewersExist(writer, input.reviewerIds);
          setSessionReviewers(writer, s.id, input.reviewerIds, now());
        }
        return sessionOf(writer, sessionRow(writer, s.id)!);
      });
      changed(session.id);
      return session;
    },
    'sessions.close': (input) => {
      const session = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        if (s.closed_at === null) setSessionClosed(writer, s.id, now());
        return sessionOf(writer, sessionRow(writer, s.id)!);
      });
      changed(session.id);
      return session;
    },
    'sessions.reopen': (input) => {
      const session = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        setSessionClosed(writer, s.id, null);
        return sessionOf(writer, sessionRow(writer, s.id)!);
      });
      changed(session.id);
      return session;
    },

    'sessions.items': (input) => {
      mustSession(reader, input.sessionId);
      return listItems(reader, input);
    },
    'sessions.setGold': (input) => {
      const item = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        if (!sessionItemRow(writer, s.id, input.kind, input.itemId)) {
          throw new AppError('not_found', `${input.kind === 'review' ? 'Output' : 'Task'} ${input.itemId} is not an item of the session “${s.name}”.`);
        }
        const answer = input.answer === null ? null : goldAnswerFor(writer, input.kind, input.itemId, input.answer);
        setGold(writer, s.id, input.kind, input.itemId, answer, input.reviewerId, now());
        return itemOf(writer, s.id, input.kind, input.itemId);
      });
      changed(input.sessionId);
      return item;
    },

    'sessions.next': (input) =>
      inTransaction(() => {
        const me = mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        mustAssigned(writer, s, me.id);
        const progress = () => queueProgress(writer, s, me);
        if (s.closed_at !== null) return { item: null, progress: progress() };
        const at = now();
        const mine = new Set(reviewerLabels(writer, s.id, input.kind, me.id).map((l) => l.item_id));
        // Skipped items are not handed back to the skipper; revisiting hands out only those.
        const skippedAt = new Map(skippedItems(writer, s.id, input.kind, me.id).map((r) => [r.item_id, r.skipped_at]));
        const reservations = activeReservations(writer, s.id, input.kind, at);
        // Asking again while holding an item gives the same item (a reload, another tab).
        const held = reservations.find((r) => r.reviewer_id === me.id);
        if (held) {
          return { item: { kind: input.kind, itemId: held.item_id, swapped: false, reservedUntil: held.expires_at, skipped: skippedAt.has(held.item_id) }, progress: progress() };
        }

        const heldByOthers = new Map<number, number>();
        for (const r of reservations) {
          // A reservation ends with its holder's label as well as with its time.
          if (r.reviewer_id !== me.id) heldByOthers.set(r.item_id, (heldByOthers.get(r.item_id) ?? 0) + 1);
        }
        const states = itemStates(writer, s.id, input.kind);
        const byId = new Map(states.map((i) => [i.item_id, i]));
        const swapped = new Set(swapsOf(writer, s.id, me.id).map((x) => x.task_id));
        let order = reviewerOrder(
          states.map((i) => ({ id: i.item_id, gold: i.is_gold === 1, swappable: i.pair === 1 })),
          { seed: s.seed, reviewerId: me.id, kind: input.kind, goldFirst: s.gold_first, goldRate: s.gold_rate, swapShare: s.swap_share },
        );
        // Revisiting: the skipped items only, oldest skip first (a skip again puts an item last).
        if (input.revisitSkipped) order = order.filter((e) => !e.swap && skippedAt.has(e.id)).sort((a, b) => skippedAt.get(a.id)! - skippedAt.get(b.id)!);
        for (const entry of order) {
          const item = byId.get(entry.id)!;
          if (entry.swap) {
            if (!input.revisitSkipped && mine.has(entry.id) && !swapped.has(entry.id)) {
              return { item: { kind: input.kind, itemId: entry.id, swapped: true, reservedUntil: null, skipped: false }, progress: progress() };
            }
            continue;
          }
          if (mine.has(entry.id)) continue;
          if (skippedAt.has(entry.id) !== input.revisitSkipped) continue;
          // Gold goes to every assigned reviewer; any other item only until k reviewers have it (held ones count).
          if (!item.is_gold && item.labels + (heldByOthers.get(entry.id) ?? 0) >= s.overlap) continue;
          const until = at + s.reservation_ms;
          reserve(writer, s.id, input.kind, entry.id, me.id, at, until);
          return { item: { kind: input.kind, itemId: entry.id, swapped: false, reservedUntil: until, skipped: input.revisitSkipped }, progress: progress() };
        }
        return { item: null, progress: progress() };
      }),

    'sessions.release': (input) => ({
      released: inTransaction(() => {
        mustSession(writer, input.sessionId);
        return release(writer, input.sessionId, input.kind, input.itemId, input.reviewerId);
      }),
    }),

    'sessions.skip': (input) => {
      const result = inTransaction(() => {
        const me = mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        mustAssigned(writer, s, me.id);
        const what = input.kind === 'review' ? 'Output' : 'Task';
        if (!sessionItemRow(writer, s.id, input.kind, input.itemId)) throw new AppError('not_found', `${what} ${input.itemId} is not an item of the session “${s.name}”.`);
        if (reviewerLabels(writer, s.id, input.kind, me.id).some((l) => l.item_id === input.itemId)) {
          throw new AppError('conflict', `You have labelled ${what.toLowerCase()} ${input.itemId}; a labelled item is not handed to you again, so there is nothing to skip.`);
        }
        // Its reservation ends at once, so another reviewer may be handed it.
        release(writer, s.id, input.kind, input.itemId, me.id);
        const skipped = insertSkip(writer, s.id, input.kind, input.itemId, me.id, now());
        return { skipped, progress: queueProgress(writer, s, me) };
      });
      changed(input.sessionId);
      return result;
    },

    'sessions.saveSwap': (input) => {
      const result = inTransaction(() => {
        const me = mustReviewer(writer, input.reviewerId);
        const s = mustSession(writer, input.sessionId);
        mustAssigned(writer, s, me.id);
        if (!sessionItemRow(writer, s.id, 'compare', input.taskId)) throw new AppError('not_found', `Task ${input.taskId} is not an item of the session “${s.name}”.`);
        if (taskKind(writer, input.taskId) !== 'pair') throw new AppError('invalid_input', `Task ${input.taskId} is an N-way ranking; only pairwise tasks are re-shown swapped.`);
        const first = reviewerLabels(writer, s.id, 'compare', me.id).some((l) => l.item_id === input.taskId);
        if (!first) throw new AppError('conflict', `Label task ${input.taskId} first: a swapped re-show repeats a task you have labelled.`);
        if (input.strength !== null && input.choice !== 'A' && input.choice !== 'B') {
          throw new AppError('invalid_input', `Strength says how much better the chosen side is; it goes with A or B, not with ${input.choice}.`);
        }
        // Shown swapped: the left side on screen is the task's stored B. Store it in stored order.
        const stored: PairChoice = input.choice === 'A' ? 'B' : input.choice === 'B' ? 'A' : input.choice;
        const saved = insertSwap(
          writer,
          { sessionId: s.id, taskId: input.taskId, reviewerId: me.id, choice: stored, strength: input.strength, rationale: input.rationale, timeSpentMs: input.addTimeSpentMs },
          now(),
        );
        const row = swapsOf(writer, s.id, me.id).find((x) => x.task_id === input.taskId)!;
        return { saved, flipped: row.first !== null && row.choice !== row.first };
      });
      changed(input.sessionId);
      return result;
    },

    'sessions.progress': (input) => sessionProgress(reader, mustSession(reader, input.sessionId)),
  };
}
