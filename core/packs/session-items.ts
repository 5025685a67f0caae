import { AppError } from '../../contract/result';
import type { SessionItemKind } from '../../contract/review-sessions';
import type { WritableDB } from '../../db/handles';
import { getReviewer } from '../../db/review';
import { activeReservations, isAssigned, itemStates, reserve, reviewerLabels, sessionReviewers, sessionRow } from '../../db/sessions';
import { reviewerOrder } from '../sessions/order';

export interface SessionPackItems {
  sessionId: number;
  sessionName: string;
  generationIds: number[];
  taskIds: number[];
  gold: number;
}

/**
 * The items a review session would give one reviewer, for an offline pack, in their seeded order
 * (the order sessions.next walks): every gold item they have not labelled, and their share of the
 * rest (⌈regular × min(k, m) / m⌉ for m assigned reviewers, less what they have done) taken from
 * items that have fewer than k labels and live reservations of others. Each is reserved for the
 * reviewer for `holdDays`, so online reviewers are not handed the same items meanwhile; a label
 * merged back ends the reservation, as a submit does online. `limit` caps the count.
 */
export function sessionItemsForPack(
  db: WritableDB,
  input: { sessionId: number; reviewerId: number; limit?: number; holdDays: number; now: number },
): SessionPackItems {
  const s = sessionRow(db, input.sessionId);
  if (!s) throw new AppError('not_found', `No review session ${input.sessionId}; pick one in Sessions.`);
  if (s.closed_at !== null) throw new AppError('conflict', `The session “${s.name}” is closed; reopen it in Sessions to export packs from it.`);
  const reviewer = getReviewer(db, input.reviewerId);
  if (!reviewer) throw new AppError('not_found', `No reviewer ${input.reviewerId}; create the reviewer first.`);
  if (!isAssigned(db, s.id, reviewer.id)) {
    throw new AppError('conflict', `${reviewer.name} is not assigned to the session “${s.name}”; add them to the session first (Sessions › Edit).`);
  }
  const m = Math.max(1, sessionReviewers(db, s.id).length);
  const perItem = Math.min(s.overlap, m);
  const until = input.now + input.holdDays * 86_400_000;
  const out: SessionPackItems = { sessionId: s.id, sessionName: s.name, generationIds: [], taskIds: [], gold: 0 };
  let left = input.limit ?? Number.POSITIVE_INFINITY;
  for (const kind of ['review', 'compare'] as SessionItemKind[]) {
    const states = itemStates(db, s.id, kind);
    const byId = new Map(states.map((i) => [i.item_id, i]));
    const mine = new Set(reviewerLabels(db, s.id, kind, reviewer.id).map((l) => l.item_id));
    const heldByOthers = new Map<number, number>();
    for (const r of activeReservations(db, s.id, kind, input.now)) {
      if (r.reviewer_id !== reviewer.id) heldByOthers.set(r.item_id, (heldByOthers.get(r.item_id) ?? 0) + 1);
    }
    const regular = states.filter((i) => i.is_gold === 0);
    const doneRegular = regular.filter((i) => mine.has(i.item_id)).length;
    let share = Math.ceil((regular.length * perItem) / m) - doneRegular;
    const order = reviewerOrder(
      states.map((i) => ({ id: i.item_id, gold: i.is_gold === 1, swappable: i.pair === 1 })),
      { seed: s.seed, reviewerId: reviewer.id, kind, goldFirst: s.gold_first, goldRate: s.gold_rate, swapShare: 0 },
    );
    const list = kind === 'review' ? out.generationIds : out.taskIds;
    for (const entry of order) {
      if (left <= 0) break;
      if (entry.swap || mine.has(entry.id)) continue;
      const item = byId.get(entry.id)!;
      if (item.is_gold === 1) {
        out.gold++;
      } else {
        if (share <= 0 || item.labels + (heldByOthers.get(entry.id) ?? 0) >= s.overlap) continue;
        share--;
      }
      list.push(entry.id);
      left--;
      reserve(db, s.id, kind, entry.id, reviewer.id, input.now, until);
    }
  }
  if (out.generationIds.length + out.taskIds.length === 0) {
    throw new AppError('not_found', `The session “${s.name}” has nothing left for ${reviewer.name}: their share is done or every item has its ${s.overlap} reviewers.`);
  }
  return out;
}
