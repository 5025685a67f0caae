import type { PackMergeReport } from '../../contract/packs';
import { labelsForStats } from '../../db/comparisons';
import type { ReadableDB } from '../../db/handles';
import { PACK_BLOCK } from '../../db/packs';
import { liveItemsForQuality, reviewLabelsForQuality, type QualityRatingRow, type QualityReviewRow, type QualityTagRow } from '../../db/quality';
import { agreementOver, buildQualityReport, type AgreementInputs } from '../quality/report';

type Agreement = PackMergeReport['agreement'];
type Row = readonly unknown[];

/**
 * Agreement at merge without reading back what the merge wrote: the merge hands every label row it
 * writes to `MergedLabels` (as written: ids moved into the pack's block, classes mapped, losers
 * soft-deleted) and says which live labels it superseded; `agreementAtMerge` then reads only the
 * workspace's other labels on the touched items (ids outside this merge's blocks) and which of
 * those items are on live prompts, and computes the Quality report's agreement table over both, in
 * the order the report reads them (by id). The result is the report's over the touched items:
 * under ASSAY_TEST every merge checks that, and test/packs-merge-parts.test.ts does too. When a row
 * was not written as given (INSERT OR IGNORE left it out), the labels held are not the table's,
 * and the report reads everything back instead.
 */
export class MergedLabels {
  readonly reviews: { reviewId: number; generationId: number; reviewerId: number; verdict: QualityReviewRow['verdict']; submitted: boolean }[] = [];
  readonly ratings: QualityRatingRow[] = [];
  readonly tags: QualityTagRow[] = [];
  readonly labels: { id: number; taskId: number; reviewerId: number; choice: AgreementInputs['labels'][number]['choice'] }[] = [];
  readonly ranks = new Map<number, number[]>();
  readonly superseded = { review: new Set<number>(), compare: new Set<number>() };
  /** `id >> 24` of the packs merged in this call. */
  readonly blocks: number[] = [];
  /** False once a row was not written as held (the report then reads the tables). */
  exact = true;

  /** A function that holds one row of `table` (columns `cols`, as written), or null for tables agreement does not read. */
  holder(table: string, cols: readonly string[]): ((row: Row) => void) | null {
    const at = (name: string) => {
      const i = cols.indexOf(name);
      if (i < 0) throw new Error(`${table} has no column ${name}`);
      return i;
    };
    switch (table) {
      case 'reviews': {
        const [id, gen, reviewer, status, verdict, deleted] = ['id', 'generation_id', 'reviewer_id', 'status', 'verdict', 'deleted_at'].map(at) as number[];
        return (row) => {
          if (row[deleted!] !== null) return;
          this.reviews.push({
            reviewId: row[id!] as number,
            generationId: row[gen!] as number,
            reviewerId: row[reviewer!] as number,
            verdict: row[verdict!] as QualityReviewRow['verdict'],
            submitted: row[status!] === 'submitted',
          });
        };
      }
      case 'review_ratings': {
        const [review, criterion, value] = ['review_id', 'criterion_id', 'value'].map(at) as number[];
        return (row) => void this.ratings.push({ reviewId: row[review!] as number, criterionId: row[criterion!] as number, value: row[value!] as number });
      }
      case 'failure_tags': {
        const [id, review, cls, start, end, deleted] = ['id', 'review_id', 'class_id', 'span_start', 'span_end', 'deleted_at'].map(at) as number[];
        return (row) => {
          if (row[deleted!] !== null) return;
          this.tags.push({
            tagId: row[id!] as number,
            reviewId: row[review!] as number,
            classId: row[cls!] as number,
            spanStart: row[start!] as number | null,
            spanEnd: row[end!] as number | null,
          });
        };
      }
      case 'comparison_labels': {
        const [id, task, reviewer, choice, deleted] = ['id', 'task_id', 'reviewer_id', 'choice', 'deleted_at'].map(at) as number[];
        return (row) => {
          if (row[deleted!] !== null) return;
          this.labels.push({ id: row[id!] as number, taskId: row[task!] as number, reviewerId: row[reviewer!] as number, choice: row[choice!] as AgreementInputs['labels'][number]['choice'] });
        };
      }
      case 'comparison_ranks': {
        const [label, position, group] = ['label_id', 'position', 'rank_group'].map(at) as number[];
        return (row) => {
          let list = this.ranks.get(row[label!] as number);
          if (!list) this.ranks.set(row[label!] as number, (list = []));
          list[row[position!] as number] = row[group!] as number;
        };
      }
      default:
        return null;
    }
  }

  blockOf(base: number): void {
    this.blocks.push(Math.floor(base / PACK_BLOCK));
  }
}

const byId = <T>(key: (x: T) => number) => (a: T, b: T) => key(a) - key(b);

/** The agreement table over the touched items (see MergedLabels). */
export function agreementAtMerge(db: ReadableDB, generationIds: number[], taskIds: number[], held: MergedLabels): Agreement {
  if (generationIds.length + taskIds.length === 0) return [];
  const scope = { generationIds, taskIds };
  if (!held.exact) return buildQualityReport(db, scope, { agreementOnly: true }).agreement;
  const inputs = inputsOf(db, generationIds, taskIds, held);
  const agreement = agreementOver(db, scope, inputs);
  if (process.env.ASSAY_TEST === '1') {
    const read = buildQualityReport(db, scope, { agreementOnly: true }).agreement;
    if (JSON.stringify(read) !== JSON.stringify(agreement)) {
      throw new Error(`agreement at merge differs from the quality report over the same items:\n${JSON.stringify(agreement)}\n${JSON.stringify(read)}`);
    }
  }
  return agreement;
}

function inputsOf(db: ReadableDB, generationIds: number[], taskIds: number[], held: MergedLabels): AgreementInputs {
  // The workspace's other labels on these items, read as the report reads them.
  const other = reviewLabelsForQuality(db, { generationIds, exceptIdBlocks: held.blocks });
  const { labels: otherLabels } = labelsForStats(db, { taskIds, exceptIdBlocks: held.blocks }, { outputs: false });
  // The held labels under the report's rules: live (not superseded since), submitted, on a live prompt.
  const { generations: liveGenerations, tasks: liveTasks } = liveItemsForQuality(db, generationIds, taskIds);
  const reviews: QualityReviewRow[] = other.reviews.slice();
  const inScope = new Set<number>();
  for (const r of held.reviews) {
    if (!r.submitted || held.superseded.review.has(r.reviewId) || !liveGenerations.has(r.generationId)) continue;
    inScope.add(r.reviewId);
    reviews.push({ reviewId: r.reviewId, generationId: r.generationId, reviewerId: r.reviewerId, verdict: r.verdict });
  }
  const ratings = other.ratings.concat(held.ratings.filter((x) => inScope.has(x.reviewId)));
  const tags = other.tags.concat(held.tags.filter((t) => inScope.has(t.reviewId)));
  const labels: AgreementInputs['labels'] = otherLabels.slice();
  for (const l of held.labels) {
    const kind = liveTasks.get(l.taskId);
    if (kind === undefined || held.superseded.compare.has(l.id)) continue;
    labels.push({ id: l.id, taskId: l.taskId, kind, reviewerId: l.reviewerId, choice: l.choice, ranks: kind === 'rank' ? (held.ranks.get(l.id) ?? null) : null });
  }
  reviews.sort(byId((r) => r.reviewId));
  ratings.sort((a, b) => a.reviewId - b.reviewId || a.criterionId - b.criterionId);
  tags.sort(byId((t) => t.tagId));
  labels.sort(byId((l) => l.id));
  return { reviews, ratings, tags, labels };
}
