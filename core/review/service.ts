import type { MethodOutput, ParsedInput } from '../../contract';
import type { FailureClass, Review, reviewMethods } from '../../contract/review';
import type { sessionMethods } from '../../contract/session';
import { scaleRange } from '../../contract/review';
import { AppError } from '../../contract/result';
import { codePointLength, sliceCodePoints } from '../../contract/spans';
import type { WritableDB } from '../../db/handles';
import {
  ancestorIds,
  appendHistory,
  assembleReview,
  criterionHasRatings,
  currentGuidelineVersion,
  deleteRating,
  failureRates,
  generationOutput,
  getClass,
  getCriterion,
  getGuidelines,
  getReviewer,
  insertClass,
  insertCorrection,
  insertCriterion,
  insertGuidelines,
  insertReview,
  insertReviewer,
  insertStep,
  insertTag,
  lastDeletedReviewRow,
  latestCorrection,
  listClasses,
  listCorrections,
  listCriteria,
  listGuidelineVersions,
  listReviewers,
  liveChildCount,
  liveReviewRow,
  liveSiblingNamed,
  liveStepIds,
  mergeClass,
  mergeTarget,
  NO_GUIDELINES,
  nextInQueue,
  otherReviewersOf,
  queueCounts,
  queuePage,
  ratingsOf,
  restoreClass,
  retireClass,
  retireCriterion,
  reviewerNamed,
  reviewItemBase,
  reviewRowById,
  setRating,
  setStepDeleted,
  setStepPosition,
  setTagDeleted,
  softDeleteReview,
  stepOf,
  stepRow,
  tagRow,
  touchReview,
  undeleteReview,
  updateClass,
  updateCriterion,
  updateReview,
  updateStep,
  type ReviewRow,
} from '../../db/review';
import { reviewerExists } from '../../db/comparisons';
import { readSettings } from '../../db/settings';
import { inOpenSessionOf } from '../../db/sessions';
import type { EventBus } from '../events';
import type { Workspace } from '../workspace/workspace';

type ReviewMethod = keyof typeof reviewMethods | keyof typeof sessionMethods;

/** One handler per method of contract/review.ts; the compiler checks none is missing. */
export type ReviewHandlers = { [M in ReviewMethod]: (input: ParsedInput<M>) => MethodOutput<M> };

const quoted = (c: { name: string }) => `“${c.name}”`;

/**
 * Completion review. Every write is one transaction on the workspace's writer connection and
 * returns only after COMMIT: with WAL, an acknowledged save is in the file and survives the process
 * being killed right after (nothing is held in memory between calls). Labels are read back through
 * the same connection inside the transaction, so what a call returns is what was committed.
 */
export interface ReviewServiceOptions {
  /** Called after every committed write (the engine schedules WAL checkpoints for quiet moments). */
  onCommit?: () => void;
}

export function reviewService(workspace: Workspace, events: EventBus, options: ReviewServiceOptions = {}): ReviewHandlers {
  const { reader, writer } = workspace;
  const onCommit = options.onCommit ?? (() => undefined);

  const inTransaction = <T>(fn: () => T): T => {
    const result = writer.transaction(fn)();
    onCommit();
    return result;
  };

  // ── Lookups that throw what the user can act on ──────────────────────────────────────────

  const mustReviewer = (db: WritableDB | typeof reader, id: number) => {
    const reviewer = getReviewer(db, id);
    if (!reviewer) throw new AppError('not_found', `No reviewer ${id}; choose a reviewer profile first.`);
    return reviewer;
  };

  const mustGeneration = (db: WritableDB | typeof reader, id: number) => {
    const generation = generationOutput(db, id);
    if (!generation) throw new AppError('not_found', `No generation ${id}.`);
    return generation;
  };

  const mustClass = (db: WritableDB | typeof reader, id: number): FailureClass => {
    const c = getClass(db, id);
    if (!c) throw new AppError('not_found', `No failure class ${id}.`);
    return c;
  };

  /** The reviewer's live label on a generation, created as an empty draft when there is none. */
  const ensureReview = (generationId: number, reviewerId: number, now: number): ReviewRow => {
    // That the reviewer exists (every save asks: not their kind, which reads their labels).
    if (!reviewerExists(writer, reviewerId)) throw new AppError('not_found', `No reviewer ${reviewerId}; choose a reviewer profile first.`);
    mustGeneration(writer, generationId);
    return liveReviewRow(writer, generationId, reviewerId) ?? insertReview(writer, generationId, reviewerId, currentGuidelineVersion(writer), now);
  };

  /**
   * The live label a tag or a step belongs to, which must be the asking reviewer's own; a deleted
   * label must be restored before editing it.
   */
  const liveParent = (reviewId: number, what: string, reviewerId: number): ReviewRow => {
    const row = reviewRowById(writer, reviewId);
    if (!row) throw new AppError('not_found', `No label for this ${what}.`);
    // Each reviewer's label is their own: another reviewer's tags and steps are never edited from here.
    if (row.reviewer_id !== reviewerId) throw new AppError('invalid_input', `This ${what} belongs to another reviewer's label.`);
    if (row.deleted_at !== null) throw new AppError('conflict', `The label this ${what} belongs to was deleted; restore the label first.`);
    return row;
  };

  const touch = (row: ReviewRow, now: number) => touchReview(writer, row.id, currentGuidelineVersion(writer), now);

  const reviewOf = (id: number): Review => assembleReview(writer, reviewRowById(writer, id)!);

  const changed = (row: { generation_id: number; reviewer_id: number }) =>
    events.emit('onDidChangeReview', { generationId: row.generation_id, reviewerId: row.reviewer_id });

  /** Refuses tagging with a class that left the taxonomy, naming the class to use instead. */
  const mustTaggableClass = (id: number): FailureClass => {
    const c = mustClass(writer, id);
    if (c.mergedIntoId !== null) {
      const target = mergeTarget(writer, c.id);
      const live = target && target.retiredAt === null ? target : null;
      throw new AppError(
        'conflict',
        live
          ? `${quoted(c)} was merged into ${quoted(live)}; tag with ${quoted(live)} instead.`
          : `${quoted(c)} was merged into a class that is now retired; restore one of them in the taxonomy, or pick another class.`,
        { classId: c.id, useClassId: live?.id ?? null },
      );
    }
    if (c.retiredAt !== null) {
      throw new AppError('conflict', `${quoted(c)} is retired; pick another class, or restore ${quoted(c)} in the taxonomy first.`, {
        classId: c.id,
        useClassId: null,
      });
    }
    return c;
  };

  /** Puts a step at `index` among the label's live steps and renumbers them 0..n-1. */
  const placeStep = (reviewId: number, stepId: number, index: number) => {
    const ids = liveStepIds(writer, reviewId).filter((id) => id !== stepId);
    ids.splice(Math.max(0, Math.min(index, ids.length)), 0, stepId);
    ids.forEach((id, position) => setStepPosition(writer, id, position));
  };

  const mustStep = (id: number) => {
    const step = stepRow(writer, id);
    if (!step) throw new AppError('not_found', `No think-aloud step ${id}.`);
    return step;
  };

  const checkStepTag = (reviewId: number, tagId: number | null) => {
    if (tagId === null) return;
    const tag = tagRow(writer, tagId);
    if (!tag || tag.review_id !== reviewId) throw new AppError('invalid_input', `Tag ${tagId} is not on this label; a step can link only to a span of its own label.`);
    if (tag.deleted_at !== null) throw new AppError('conflict', `Tag ${tagId} was removed; restore it to link a step to it.`);
  };

  const taxonomyChanged = () => events.emit('onDidChangeTaxonomy', {});

  return {
    // ── Reviewers ────────────────────────────────────────────────────────────────────────────
    'reviewers.list': () => listReviewers(reader),
    'reviewers.create': (input) => {
      const id = inTransaction(() => {
        const same = reviewerNamed(writer, input.name);
        if (same) throw new AppError('conflict', `A reviewer named ${same.name} exists; choose that profile, or pick another name.`);
        return insertReviewer(writer, input.name, input.role, Date.now());
      });
      return getReviewer(reader, id)!;
    },

    // The engine keeps no session: a shell with one local user (Electron) is signed in as whoever it
    // says; browser mode's server binds its session after this check (server/server.ts).
    'session.signIn': (input) => {
      const reviewer = mustReviewer(reader, input.reviewerId);
      // An import source names imported labels; nobody labels as it.
      if (reviewer.kind === 'import') throw new AppError('invalid_input', `“${reviewer.name}” is the source of imported labels, not a person: choose or create your own reviewer profile.`);
      return reviewer;
    },
    'session.get': () => ({ reviewerId: null, mode: 'single' as const, role: 'owner' as const, bound: false, forbidden: [] }),

    // ── Rubric ───────────────────────────────────────────────────────────────────────────────
    'rubric.list': () => listCriteria(reader),
    'rubric.save': (input) => {
      const names = new Set<string>();
      const ids = new Set<number>();
      for (const c of input.criteria) {
        const key = c.name.toLocaleLowerCase();
        if (names.has(key)) throw new AppError('invalid_input', `Two criteria are named ${c.name}; give each a distinct name.`);
        names.add(key);
        if (c.id !== undefined) {
          if (ids.has(c.id)) throw new AppError('invalid_input', `Criterion ${c.id} is listed twice.`);
          ids.add(c.id);
        }
      }
      inTransaction(() => {
        const now = Date.now();
        for (const c of input.criteria) {
          if (c.id === undefined) continue;
          const existing = getCriterion(writer, c.id);
          if (!existing) throw new AppError('not_found', `No criterion ${c.id}.`);
          if (existing.scale !== c.scale && criterionHasRatings(writer, c.id)) {
            throw new AppError(
              'conflict',
              `${quoted(existing)} already has ratings on the ${existing.scale} scale; keep its scale, or add a new criterion and leave this one out (it is retired, its ratings kept).`,
            );
          }
        }
        const keep = new Set<number>();
        input.criteria.forEach((c, position) => {
          if (c.id === undefined) keep.add(insertCriterion(writer, c, position, now));
          else {
            updateCriterion(writer, c.id, c, position);
            keep.add(c.id);
          }
        });
        for (const active of listCriteria(writer)) if (!keep.has(active.id)) retireCriterion(writer, active.id, now);
      });
      return listCriteria(reader);
    },

    // ── Failure classes ──────────────────────────────────────────────────────────────────────
    'taxonomy.list': (input) => listClasses(reader, input.includeRetired),
    'taxonomy.create': (input) => {
      const id = inTransaction(() => {
        if (input.parentId !== null) {
          const parent = mustClass(writer, input.parentId);
          if (parent.retiredAt !== null) throw new AppError('conflict', `${quoted(parent)} is retired; restore it before adding subclasses.`);
        }
        const same = liveSiblingNamed(writer, input.parentId, input.name);
        if (same) throw new AppError('conflict', `${quoted(same)} already exists here; rename one of them.`);
        return insertClass(writer, input, Date.now());
      });
      taxonomyChanged();
      return getClass(reader, id)!;
    },
    'taxonomy.update': (input) => {
      inTransaction(() => {
        const c = mustClass(writer, input.id);
        if (input.parentId !== null && input.parentId !== c.parentId) {
          const parent = mustClass(writer, input.parentId);
          if (ancestorIds(writer, parent.id).includes(c.id)) throw new AppError('invalid_input', `${quoted(c)} cannot go under itself or one of its subclasses.`);
          if (parent.retiredAt !== null) throw new AppError('conflict', `${quoted(parent)} is retired; restore it before moving classes under it.`);
        }
        if (c.retiredAt === null) {
          const same = liveSiblingNamed(writer, input.parentId, input.name, c.id);
          if (same) throw new AppError('conflict', `${quoted(same)} already exists here; merge the two, or pick another name.`);
        }
        updateClass(writer, c.id, input);
      });
      taxonomyChanged();
      return getClass(reader, input.id)!;
    },
    'taxonomy.merge': (input) => {
      inTransaction(() => {
        if (input.sourceId === input.targetId) throw new AppError('invalid_input', 'A class cannot be merged into itself.');
        const source = mustClass(writer, input.sourceId);
        const target = mustClass(writer, input.targetId);
        if (source.mergedIntoId !== null) throw new AppError('conflict', `${quoted(source)} was already merged; restore it first to merge it elsewhere.`);
        if (source.retiredAt !== null) throw new AppError('conflict', `${quoted(source)} is retired; restore it first.`);
        if (target.retiredAt !== null) throw new AppError('conflict', `${quoted(target)} is retired; restore it, or merge into a live class.`);
        const children = liveChildCount(writer, source.id);
        if (children > 0) {
          throw new AppError('conflict', `${quoted(source)} has ${children} subclass${children === 1 ? '' : 'es'}; merge or move them first.`);
        }
        mergeClass(writer, source.id, target.id, Date.now());
      });
      taxonomyChanged();
      return getClass(reader, input.sourceId)!;
    },
    'taxonomy.retire': (input) => {
      inTransaction(() => {
        const c = mustClass(writer, input.id);
        if (c.retiredAt !== null) return;
        const children = liveChildCount(writer, c.id);
        if (children > 0) {
          throw new AppError('conflict', `${quoted(c)} has ${children} live subclass${children === 1 ? '' : 'es'}; retire or move them first.`);
        }
        retireClass(writer, c.id, Date.now());
      });
      taxonomyChanged();
      return getClass(reader, input.id)!;
    },
    'taxonomy.restore': (input) => {
      inTransaction(() => {
        const c = mustClass(writer, input.id);
        if (c.retiredAt === null) return;
        if (c.parentId !== null) {
          const parent = mustClass(writer, c.parentId);
          if (parent.retiredAt !== null) throw new AppError('conflict', `Its parent ${quoted(parent)} is retired; restore the parent first.`);
        }
        const same = liveSiblingNamed(writer, c.parentId, c.name, c.id);
        if (same) throw new AppError('conflict', `A live class is also named ${quoted(same)}; rename one of them first.`);
        restoreClass(writer, c.id);
      });
      taxonomyChanged();
      return getClass(reader, input.id)!;
    },
    'taxonomy.rates': (input) => failureRates(reader, input.modelId),

    // ── Guidelines ───────────────────────────────────────────────────────────────────────────
    'guidelines.get': (input) => {
      const g = getGuidelines(reader, input.version);
      if (g) return g;
      if (input.version === undefined) return NO_GUIDELINES;
      throw new AppError('not_found', `No guidelines version ${input.version}.`);
    },
    'guidelines.save': (input) => {
      const { version, created } = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        const current = getGuidelines(writer);
        if (current && current.body === input.body) return { version: current.version, created: false };
        return { version: insertGuidelines(writer, input.body, input.reviewerId, Date.now()), created: true };
      });
      if (created) events.emit('onDidChangeGuidelines', { version });
      return getGuidelines(reader, version)!;
    },
    'guidelines.history': () => listGuidelineVersions(reader),

    // ── The queue ────────────────────────────────────────────────────────────────────────────
    'review.queue': (input) => {
      mustReviewer(reader, input.reviewerId);
      return { ...queueCounts(reader, input), items: queuePage(reader, input, input.offset, input.limit) };
    },
    'review.next': (input) => ({ generationId: nextInQueue(reader, input, input.afterGenerationId ?? 0) }),
    'review.item': (input) => {
      mustReviewer(reader, input.reviewerId);
      const base = reviewItemBase(reader, input.generationId);
      if (!base) throw new AppError('not_found', `No generation ${input.generationId}.`);
      const row = liveReviewRow(reader, input.generationId, input.reviewerId);
      // Blind (the default): nothing of another reviewer's reaches this one, not even that it exists.
      // So is a reviewer working an open session that holds this output, whatever the setting.
      const others = readSettings(reader).blindReviewers || inOpenSessionOf(reader, 'review', input.generationId, input.reviewerId)
        ? []
        : otherReviewersOf(reader, input.generationId, input.reviewerId).map((o) => ({
            reviewerId: o.reviewerId,
            reviewerName: o.reviewerName,
            review: o.row ? assembleReview(reader, o.row) : null,
            corrections: o.corrections,
          }));
      return {
        ...base,
        review: row ? assembleReview(reader, row) : null,
        corrections: listCorrections(reader, input.generationId, input.reviewerId),
        others,
      };
    },

    // ── Labels ───────────────────────────────────────────────────────────────────────────────
    'review.save': (input) => {
      const review = inTransaction(() => {
        const now = Date.now();
        const row = ensureReview(input.generationId, input.reviewerId, now);
        const stored = ratingsOf(writer, row.id);
        // The whole rubric in one read (active criteria first, in rubric order; then retired ones).
        const rubric = listCriteria(writer, true);
        const byId = new Map(rubric.map((c) => [c.id, c]));
        const given = new Map<number, number>();
        for (const [key, value] of Object.entries(input.ratings)) {
          const criterion = byId.get(Number(key));
          if (!criterion) throw new AppError('invalid_input', `No rubric criterion ${key}.`);
          if (criterion.retiredAt !== null && stored.get(criterion.id) !== value) {
            throw new AppError('conflict', `${quoted(criterion)} was retired from the rubric; its old ratings stay, but it takes no new ones.`);
          }
          const { min, max } = scaleRange(criterion.scale);
          if (value < min || value > max) throw new AppError('invalid_input', `${quoted(criterion)} takes ${min}–${max} (${criterion.scale}), not ${value}.`);
          given.set(criterion.id, value);
        }
        // The ratings given are the label's ratings on the active rubric; a retired criterion's old rating stays.
        for (const criterion of rubric) {
          if (criterion.retiredAt !== null) continue;
          const value = given.get(criterion.id);
          if (value === undefined) {
            if (stored.has(criterion.id)) deleteRating(writer, row.id, criterion.id);
          } else if (stored.get(criterion.id) !== value) setRating(writer, row.id, criterion.id, value);
        }
        const updated = updateReview(
          writer,
          row.id,
          {
            // Saving without submitting reopens a submitted label: its submitted revision stays in history.
            status: input.submit ? 'submitted' : 'draft',
            verdict: input.verdict,
            comment: input.comment,
            guidelineVersion: currentGuidelineVersion(writer),
            addTimeSpentMs: input.addTimeSpentMs,
            submit: input.submit,
          },
          now,
        );
        const saved = assembleReview(writer, updated);
        if (input.submit) appendHistory(writer, saved.id, saved.revision, saved, now);
        return saved;
      });
      events.emit('onDidChangeReview', { generationId: review.generationId, reviewerId: review.reviewerId });
      return review;
    },
    'review.delete': (input) => {
      const row = inTransaction(() => {
        const live = liveReviewRow(writer, input.generationId, input.reviewerId);
        if (live) softDeleteReview(writer, live.id, Date.now());
        return live;
      });
      if (row) changed(row);
      return { deleted: row !== null };
    },
    'review.restore': (input) => {
      const review = inTransaction(() => {
        const live = liveReviewRow(writer, input.generationId, input.reviewerId);
        const deleted = lastDeletedReviewRow(writer, input.generationId, input.reviewerId);
        if (live) {
          if (deleted) throw new AppError('conflict', 'This output has a newer label; delete it first to bring back the earlier one.');
          return reviewOf(live.id);
        }
        if (!deleted) throw new AppError('not_found', 'There is no deleted label to restore on this output.');
        undeleteReview(writer, deleted.id);
        return reviewOf(deleted.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },

    'review.addTag': (input) => {
      const review = inTransaction(() => {
        const now = Date.now();
        const row = ensureReview(input.generationId, input.reviewerId, now);
        const c = mustTaggableClass(input.classId);
        let quote: string | null = null;
        if (input.span) {
          const output = generationOutput(writer, input.generationId)!.output;
          const length = codePointLength(output);
          if (input.span.end > length) {
            throw new AppError('invalid_input', `The span ends at ${input.span.end}, past the end of the output (${length} code points).`);
          }
          quote = sliceCodePoints(output, input.span.start, input.span.end);
        }
        insertTag(writer, { reviewId: row.id, classId: c.id, span: input.span, quote, note: input.note, madeIn: input.madeIn }, now);
        touch(row, now);
        return reviewOf(row.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },
    'review.removeTag': (input) => {
      const review = inTransaction(() => {
        const tag = tagRow(writer, input.id);
        if (!tag) throw new AppError('not_found', `No tag ${input.id}.`);
        const row = liveParent(tag.review_id, 'tag', input.reviewerId);
        const now = Date.now();
        if (tag.deleted_at === null) {
          setTagDeleted(writer, tag.id, now);
          touch(row, now);
        }
        return reviewOf(row.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },
    'review.restoreTag': (input) => {
      const review = inTransaction(() => {
        const tag = tagRow(writer, input.id);
        if (!tag) throw new AppError('not_found', `No tag ${input.id}.`);
        const row = liveParent(tag.review_id, 'tag', input.reviewerId);
        if (tag.deleted_at !== null) {
          // An undo: the tag comes back with its class even if that class was retired since.
          setTagDeleted(writer, tag.id, null);
          touch(row, Date.now());
        }
        return reviewOf(row.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },

    'review.saveStep': (input) => {
      const { step, row } = inTransaction(() => {
        const now = Date.now();
        const row = ensureReview(input.generationId, input.reviewerId, now);
        checkStepTag(row.id, input.tagId);
        let id: number;
        if (input.stepId === undefined) {
          id = insertStep(writer, row.id, liveStepIds(writer, row.id).length, input.body, input.tagId, now);
        } else {
          const existing = mustStep(input.stepId);
          if (existing.review_id !== row.id) throw new AppError('invalid_input', `Step ${input.stepId} belongs to another label.`);
          if (existing.deleted_at !== null) throw new AppError('conflict', `Step ${input.stepId} was deleted; restore it to edit it.`);
          updateStep(writer, existing.id, input.body, input.tagId, now);
          id = existing.id;
        }
        touch(row, now);
        return { step: stepOf(writer, id)!, row };
      });
      changed(row);
      return step;
    },
    'review.deleteStep': (input) => {
      const review = inTransaction(() => {
        const step = mustStep(input.id);
        const row = liveParent(step.review_id, 'step', input.reviewerId);
        if (step.deleted_at === null) {
          const now = Date.now();
          // The deleted row keeps its position, so restoring puts it back where it was.
          setStepDeleted(writer, step.id, now);
          liveStepIds(writer, row.id).forEach((id, position) => setStepPosition(writer, id, position));
          touch(row, now);
        }
        return reviewOf(row.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },
    'review.restoreStep': (input) => {
      const review = inTransaction(() => {
        const step = mustStep(input.id);
        const row = liveParent(step.review_id, 'step', input.reviewerId);
        if (step.deleted_at !== null) {
          setStepDeleted(writer, step.id, null);
          placeStep(row.id, step.id, step.position);
          touch(row, Date.now());
        }
        return reviewOf(row.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },
    'review.moveStep': (input) => {
      const review = inTransaction(() => {
        const step = mustStep(input.id);
        const row = liveParent(step.review_id, 'step', input.reviewerId);
        if (step.deleted_at !== null) throw new AppError('conflict', `Step ${input.id} was deleted; restore it to move it.`);
        placeStep(row.id, step.id, input.position);
        touch(row, Date.now());
        return reviewOf(row.id);
      });
      changed({ generation_id: review.generationId, reviewer_id: review.reviewerId });
      return review;
    },

    // ── Corrections ──────────────────────────────────────────────────────────────────────────
    'corrections.save': (input) => {
      const { correction, created } = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        mustGeneration(writer, input.generationId);
        // The reviewer's own correction: another reviewer's is never the version this one builds on.
        const latest = latestCorrection(writer, input.generationId, input.reviewerId);
        // Saving the text already in force (an autosave with no edit) adds no version.
        if (latest && latest.text === input.text) return { correction: latest, created: false };
        return { correction: insertCorrection(writer, input.generationId, input.reviewerId, input.text, Date.now()), created: true };
      });
      if (created) changed({ generation_id: input.generationId, reviewer_id: input.reviewerId });
      return correction;
    },
    'corrections.history': (input) => {
      mustReviewer(reader, input.reviewerId);
      mustGeneration(reader, input.generationId);
      return listCorrections(reader, input.generationId, input.reviewerId);
    },
  };
}
