import type { MethodOutput, ParsedInput } from '../../contract';
import type { ComparisonKind, ComparisonLabel, comparisonMethods } from '../../contract/comparisons';
import { AppError } from '../../contract/result';
import type { ReadableDB, WritableDB } from '../../db/handles';
import {
  appendLabelHistory,
  assembleLabel,
  comparableGenerations,
  countLiveLabels,
  countTasks,
  designCounts,
  existingSetKeys,
  guidelineVersionInForce,
  insertLabel,
  insertTask,
  labelRowById,
  lastDeletedLabelRow,
  liveLabelRow,
  nextTask,
  rankingOf,
  reviewerExists,
  softDeleteLabel,
  taskOutputs,
  taskPrompt,
  taskQueueCounts,
  taskQueuePage,
  taskRow,
  taskSize,
  undeleteLabel,
  updateLabel,
  type LabelContent,
  type LabelRow,
  type TaskRow,
} from '../../db/comparisons';
import { promptSeqsMatching } from '../../db/prompts';
import type { EventBus } from '../events';
import type { Workspace } from '../workspace/workspace';
import { allPairs, balancedPairs, emptyCounts, rankSets, rngFor, setKey, shuffled } from './design';
import { buildLeaderboard } from './leaderboard';

type ComparisonMethod = keyof typeof comparisonMethods;

/** One handler per method of contract/comparisons.ts; the compiler checks none is missing. */
export type ComparisonHandlers = { [M in ComparisonMethod]: (input: ParsedInput<M>) => MethodOutput<M> };

export interface ComparisonServiceOptions {
  /** Called after each write transaction commits (the engine schedules WAL checkpoints from it). */
  onCommit?: () => void;
}

/**
 * Checks a label against its task and returns the content to store: a pairwise task takes a
 * choice (strength only for A/B, a correction only with both_bad); an N-way task takes a ranking
 * that puts every shown position in exactly one group. Throws what the reviewer can act on.
 */
export function validateLabel(
  kind: ComparisonKind,
  size: number,
  input: { choice: LabelContent['choice']; strength: LabelContent['strength']; ranking: number[][] | null; rationale: string; correction: string | null },
): LabelContent {
  const correction = input.correction !== null && input.correction.trim() !== '' ? input.correction : null;
  if (kind === 'pair') {
    if (input.ranking !== null) throw new AppError('invalid_input', 'A pairwise task takes a choice (A, B, tie or both_bad), not a ranking.');
    if (input.choice === null) throw new AppError('invalid_input', 'Choose A, B, tie or both_bad for a pairwise task.');
    if (input.strength !== null && input.choice !== 'A' && input.choice !== 'B') {
      throw new AppError('invalid_input', `Strength says how much better the chosen side is; it goes with A or B, not with ${input.choice}.`);
    }
    if (correction !== null && input.choice !== 'both_bad') {
      throw new AppError('invalid_input', `A correction is written only when both outputs are bad (choice both_bad), not with ${input.choice}.`);
    }
    return { choice: input.choice, strength: input.strength, ranking: null, rationale: input.rationale, correction };
  }
  if (input.choice !== null || input.strength !== null) {
    throw new AppError('invalid_input', `An N-way task takes a ranking of its ${size} outputs, not a choice or a strength.`);
  }
  if (correction !== null) throw new AppError('invalid_input', 'A correction goes with both_bad on a pairwise task; an N-way ranking takes none.');
  if (input.ranking === null) {
    throw new AppError('invalid_input', `Rank the ${size} outputs: groups of positions 0–${size - 1}, best first (positions in one group are tied).`);
  }
  const seen = new Set<number>();
  for (const group of input.ranking) {
    for (const position of group) {
      if (position >= size) throw new AppError('invalid_input', `Position ${position} is not shown in this task (positions 0–${size - 1}).`);
      if (seen.has(position)) throw new AppError('invalid_input', `Position ${position} appears twice in the ranking; each output goes in exactly one group.`);
      seen.add(position);
    }
  }
  const missing = Array.from({ length: size }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new AppError('invalid_input', `The ranking leaves out ${missing.length === 1 ? 'position' : 'positions'} ${missing.join(', ')}; every shown output must be ranked.`);
  }
  return { choice: null, strength: null, ranking: input.ranking.map((g) => [...g].sort((a, b) => a - b)), rationale: input.rationale, correction: null };
}

const sameContent = (a: LabelContent, b: LabelContent) =>
  a.choice === b.choice &&
  a.strength === b.strength &&
  a.rationale === b.rationale &&
  a.correction === b.correction &&
  JSON.stringify(a.ranking) === JSON.stringify(b.ranking);

/** How tasks are made for some prompts (`comparisons.createTasks`' fields after the prompt filter). */
export type TaskDesignInput = Pick<ParsedInput<'comparisons.createTasks'>, 'kind' | 'design' | 'acrossModelsOnly' | 'perPrompt' | 'k' | 'seed'> & {
  modelIds?: number[] | undefined;
};

/**
 * Makes the comparison tasks the design asks for on these prompts (a set already made is not made
 * again), inside the caller's transaction. `comparisons.createTasks` and review sessions both use it.
 */
export function makeTasks(writer: WritableDB, seqs: readonly number[], input: TaskDesignInput, now: number): { created: number; prompts: number } {
  const counts = input.design === 'balanced' ? designCounts(writer, input.kind) : emptyCounts();
  let created = 0;
  let prompts = 0;
  for (const seq of seqs) {
    const gens = comparableGenerations(writer, seq, input.modelIds ?? []);
    if (gens.length < 2) continue;
    const existing = existingSetKeys(writer, seq, input.kind);
    const rand = rngFor(input.seed, `prompt:${seq}`);
    let sets: number[][];
    if (input.kind === 'pair') {
      sets =
        input.design === 'all-pairs'
          ? allPairs(gens, existing, input.acrossModelsOnly)
          : balancedPairs(gens, Math.max(0, input.perPrompt - existing.size), existing, counts, rand, input.acrossModelsOnly);
    } else {
      sets =
        input.design === 'all-pairs'
          ? rankSets(gens, input.k, 1, existing, emptyCounts(), rand, false)
          : rankSets(gens, input.k, Math.max(0, input.perPrompt - existing.size), existing, counts, rand, true);
    }
    let made = 0;
    for (const set of sets) {
      // The shown order: its own seeded shuffle per set, stored with the task.
      const shown = shuffled(set, rngFor(input.seed, `order:${setKey(set)}`));
      if (insertTask(writer, { promptSeq: seq, kind: input.kind, design: input.design, seed: input.seed, generationIds: shown }, now) !== null) made++;
    }
    created += made;
    if (made > 0) prompts++;
  }
  return { created, prompts };
}

/**
 * RLHF comparisons. Every write is one transaction on the workspace's writer connection and returns
 * after COMMIT, read back through the same connection so what a call returns is what was committed.
 */
export function comparisonService(workspace: Workspace, events: EventBus, options: ComparisonServiceOptions = {}): ComparisonHandlers {
  const { reader, writer } = workspace;

  const inTransaction = <T>(fn: () => T): T => {
    const value = writer.transaction(fn)();
    options.onCommit?.();
    return value;
  };

  const mustReviewer = (db: ReadableDB, id: number) => {
    if (!reviewerExists(db, id)) throw new AppError('not_found', `No reviewer ${id}; choose a reviewer profile first.`);
  };

  const mustTask = (db: ReadableDB, id: number): TaskRow => {
    const task = taskRow(db, id);
    if (!task) throw new AppError('not_found', `No comparison task ${id}.`);
    return task;
  };

  const labelOf = (row: LabelRow): ComparisonLabel => assembleLabel(writer, row);

  const changed = (reason: 'tasks' | 'label', reviewerId?: number) => events.emit('onDidChangeComparisons', reviewerId === undefined ? { reason } : { reason, reviewerId });

  return {
    'comparisons.createTasks': (input) => {
      if (input.modelIds !== undefined && input.modelIds.length < 1) {
        throw new AppError('invalid_input', 'Pick at least one model, or leave the model filter out to compare all of them.');
      }
      const result = inTransaction(() => {
        const now = Date.now();
        const seqs = promptSeqsMatching(writer, input.prompts);
        if (seqs.length === 0) throw new AppError('not_found', 'No prompts match this filter.');
        return makeTasks(writer, seqs, input, now);
      });
      if (result.created > 0) changed('tasks');
      return result;
    },

    'comparisons.queue': (input) => {
      mustReviewer(reader, input.reviewerId);
      return { ...taskQueueCounts(reader, input), items: taskQueuePage(reader, input, input.offset, input.limit) };
    },
    'comparisons.next': (input) => ({ taskId: nextTask(reader, input, input.afterTaskId ?? 0) }),

    'comparisons.task': (input) => {
      mustReviewer(reader, input.reviewerId);
      const task = mustTask(reader, input.taskId);
      const prompt = taskPrompt(reader, task.prompt_seq, task.id)!;
      const row = liveLabelRow(reader, task.id, input.reviewerId);
      return {
        id: task.id,
        kind: task.kind,
        promptId: prompt.id,
        prompt: prompt.prompt,
        outputs: taskOutputs(reader, task.id).map((o) => ({ position: o.position, generationId: o.generation_id, text: o.output, modelName: o.model_name })),
        label: row ? assembleLabel(reader, row) : null,
      };
    },

    'comparisons.label': (input) => {
      const label = inTransaction(() => {
        mustReviewer(writer, input.reviewerId);
        const task = mustTask(writer, input.taskId);
        const content = validateLabel(task.kind, taskSize(writer, task.id), input);
        const now = Date.now();
        const guidelineVersion = guidelineVersionInForce(writer);
        const live = liveLabelRow(writer, task.id, input.reviewerId);
        let id: number;
        let record: boolean;
        if (live) {
          const stored: LabelContent = {
            choice: live.choice,
            strength: live.strength,
            ranking: rankingOf(writer, live.id),
            rationale: live.rationale,
            correction: live.correction,
          };
          // Saving the same content again (an autosave, or time spent) adds time but no revision.
          record = !sameContent(stored, content);
          updateLabel(writer, live.id, { ...content, addTimeSpentMs: input.addTimeSpentMs, guidelineVersion, bump: record }, now);
          id = live.id;
        } else {
          id = insertLabel(writer, { ...content, taskId: task.id, reviewerId: input.reviewerId, timeSpentMs: input.addTimeSpentMs, guidelineVersion }, now);
          record = true;
        }
        const row = labelRowById(writer, id)!;
        if (record) appendLabelHistory(writer, id, row.revision, { ...content, guidelineVersion, timeSpentMs: row.time_spent_ms }, now);
        return labelOf(row);
      });
      changed('label', label.reviewerId);
      return label;
    },

    'comparisons.deleteLabel': (input) => {
      const deleted = inTransaction(() => {
        const live = liveLabelRow(writer, input.taskId, input.reviewerId);
        if (live) softDeleteLabel(writer, live.id, Date.now());
        return live !== null;
      });
      if (deleted) changed('label', input.reviewerId);
      return { deleted };
    },
    'comparisons.restoreLabel': (input) => {
      const label = inTransaction(() => {
        const live = liveLabelRow(writer, input.taskId, input.reviewerId);
        const deleted = lastDeletedLabelRow(writer, input.taskId, input.reviewerId);
        if (live) {
          if (deleted) throw new AppError('conflict', 'This task has a newer label from you; delete it first to bring back the earlier one.');
          return labelOf(live);
        }
        if (!deleted) throw new AppError('not_found', 'There is no deleted label to restore on this task.');
        undeleteLabel(writer, deleted.id);
        return labelOf(labelRowById(writer, deleted.id)!);
      });
      changed('label', label.reviewerId);
      return label;
    },

    'comparisons.leaderboard': (input) => {
      if (input.reviewerId !== undefined) mustReviewer(reader, input.reviewerId);
      return buildLeaderboard(reader, input);
    },
    'comparisons.stats': () => ({ tasks: countTasks(reader), labels: countLiveLabels(reader) }),
  };
}
