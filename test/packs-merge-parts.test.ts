import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPack, mergePacks } from '../core/packs/service';
import { buildQualityReport } from '../core/quality/report';
import { openWorkspace } from '../core/workspace/workspace';
import { openWriter, type WritableDB } from '../db/handles';
import { INSERT_BATCH, inserter } from '../db/packs';
import { cleanupAll, tempDir } from './helpers';

afterAll(cleanupAll);

describe('the merge row writer', () => {
  it('writes every row in order, many per statement, each ignored on its own when its id is there', () => {
    const ws = openWorkspace(path.join(tempDir('assay-writer-'), 'w.assay'));
    try {
      const w = ws.writer;
      const now = Date.UTC(2024, 0, 1);
      w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('R', 'sme', ?)").run(now);
      const cols = ['id', 'reviewer_id', 'name', 'created_at'];
      // An existing row in the middle of the second batch: only that row is left out.
      const total = INSERT_BATCH * 2 + 5;
      w.exec('CREATE TEMP TABLE probe (id INTEGER PRIMARY KEY, reviewer_id INTEGER, name TEXT, created_at INTEGER)');
      w.prepare("INSERT INTO temp.probe VALUES (1000 + ?, 0, 'there before', 0)").run(INSERT_BATCH + 3);
      const out = inserter(w, 'temp.probe', cols);
      w.transaction(() => {
        for (let i = 0; i < total; i++) out.add([1000 + i, 1, `row ${i}`, now + i]);
        // Before the flush, the last partial batch is held, every full batch written.
        expect(w.prepare('SELECT count(*) FROM temp.probe').pluck().get()).toBe(INSERT_BATCH * 2);
        out.flush();
      })();
      const rows = w.prepare('SELECT id, name FROM temp.probe ORDER BY id').all() as { id: number; name: string }[];
      expect(rows).toHaveLength(total);
      rows.forEach((r, i) => expect(r).toEqual({ id: 1000 + i, name: i === INSERT_BATCH + 3 ? 'there before' : `row ${i}` }));
    } finally {
      ws.close();
    }
  });
});

// ── Agreement at merge (core/packs/merge-agreement.ts) ──────────────────────────────────────

const now = Date.UTC(2024, 0, 1);
const ITEMS = 4;
let dir: string;
let base: string;
const gens: number[] = [];
const tasks: number[] = [];
let rankTask = 0;
let reviewers: number[] = [];
/** Packs exported from `base`: reviewers 0, 1, 2 and reviewer 0 again. */
const packs: string[] = [];

beforeAll(() => {
  dir = tempDir('assay-merge-agreement-');
  base = path.join(dir, 'base.assay');
  const ws = openWorkspace(base);
  const w = ws.writer;
  w.transaction(() => {
    reviewers = [0, 1, 2].map((r) => Number(w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES (?, 'sme', ?)").run(`R${r}`, now).lastInsertRowid));
    w.prepare("INSERT INTO models (name, kind, base_url, remote_model, created_at) VALUES ('m', 'openai', 'http://x', 'm', ?)").run(now);
    const gen = w.prepare(
      `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
       VALUES (?, 1, 'raw', '{"mode":"raw","text":"p"}', 'p', ?, 'stop', 'openai', 't', 'm', '{}', ?, ?, 'batch', ?)`,
    );
    for (let p = 0; p < ITEMS; p++) {
      const seq = Number(w.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)').run(`p${p}`, `Prompt ${p}`, now, now).lastInsertRowid);
      const a = Number(gen.run(seq, `an output of prompt ${p}`, now, now, now).lastInsertRowid);
      const b = Number(gen.run(seq, `another output ${p}`, now, now, now).lastInsertRowid);
      gens.push(a);
      const t = Number(w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'pair', 'all-pairs', 0, ?, ?)").run(seq, `${a},${b}`, now).lastInsertRowid);
      w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?), (?, 1, ?)').run(t, a, t, b);
      tasks.push(t);
      if (p === 0) {
        const c = Number(gen.run(seq, 'a third', now, now, now).lastInsertRowid);
        rankTask = Number(w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'rank', 'all-pairs', 0, ?, ?)").run(seq, `${a},${b},${c}`, now).lastInsertRowid);
        w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?), (?, 1, ?), (?, 2, ?)').run(rankTask, a, rankTask, b, rankTask, c);
      }
    }
  })();
  for (const [i, r] of [0, 1, 2, 0].entries()) {
    packs.push(exportPack(ws, { reviewerId: reviewers[r]!, generationIds: gens, taskIds: [...tasks, rankTask], holdDays: 1, outFile: path.join(dir, `pack-${i}.assay`), now }).file);
  }
  ws.close();
}, 60_000);

/** One reviewer's labels on an item: [verdict (null: none), submitted, rating, span, updated offset, choice, deleted]. */
/** True one time in five. */
const rarely = fc.integer({ min: 0, max: 4 }).map((x) => x === 0);
const review = fc.record({
  verdict: fc.constantFrom('good', 'acceptable', 'bad', null),
  submitted: rarely.map((x) => !x),
  rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  span: fc.option(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 6 })), { nil: null }),
  tagDeleted: rarely,
  at: fc.integer({ min: 0, max: 3 }),
  deleted: rarely,
});
const compare = fc.record({ choice: fc.constantFrom('A', 'B', 'tie', 'both_bad'), at: fc.integer({ min: 0, max: 3 }), deleted: rarely });
const side = fc.record({
  reviews: fc.array(fc.option(review, { nil: null }), { minLength: ITEMS, maxLength: ITEMS }),
  compares: fc.array(fc.option(compare, { nil: null }), { minLength: ITEMS, maxLength: ITEMS }),
  ranking: fc.option(fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }), { nil: null }),
});

/** Writes one reviewer's labels into a pack or the workspace, as the app would leave them. */
type Side = typeof side extends fc.Arbitrary<infer T> ? T : never;

function writeLabels(db: WritableDB, reviewerId: number, s: Side, stamp: number): void {
  db.transaction(() => {
    s.reviews.forEach((r, i) => {
      if (!r) return;
      const at = now + 1000 * r.at + stamp;
      const id = Number(
        db
          .prepare(
            `INSERT INTO reviews (generation_id, reviewer_id, status, verdict, comment, guideline_version, time_spent_ms, revision, created_at, updated_at, submitted_at, deleted_at)
             VALUES (?, ?, ?, ?, '', 0, 5, 1, ?, ?, ?, ?)`,
          )
          .run(gens[i], reviewerId, r.submitted ? 'submitted' : 'draft', r.verdict, at, at, r.submitted ? at : null, r.deleted ? at : null).lastInsertRowid,
      );
      if (r.rating !== null) db.prepare('INSERT INTO review_ratings (review_id, criterion_id, value) VALUES (?, 1, ?)').run(id, r.rating);
      if (r.span) {
        const [a, b] = r.span;
        db.prepare('INSERT INTO failure_tags (review_id, class_id, span_start, span_end, note, created_at, deleted_at) VALUES (?, 1, ?, ?, \'\', ?, ?)').run(id, Math.min(a, b), Math.max(a, b) + 1, at, r.tagDeleted ? at : null);
      }
    });
    s.compares.forEach((c, i) => {
      if (!c) return;
      const at = now + 1000 * c.at + stamp;
      db.prepare(
        `INSERT INTO comparison_labels (task_id, reviewer_id, choice, strength, rationale, time_spent_ms, guideline_version, revision, created_at, updated_at, deleted_at)
         VALUES (?, ?, ?, NULL, '', 5, 0, 1, ?, ?, ?)`,
      ).run(tasks[i], reviewerId, c.choice, at, at, c.deleted ? at : null);
    });
    if (s.ranking) {
      const id = Number(
        db.prepare("INSERT INTO comparison_labels (task_id, reviewer_id, choice, rationale, time_spent_ms, guideline_version, revision, created_at, updated_at) VALUES (?, ?, NULL, '', 5, 0, 1, ?, ?)").run(rankTask, reviewerId, now + stamp, now + stamp).lastInsertRowid,
      );
      s.ranking.forEach((position, group) => db.prepare('INSERT INTO comparison_ranks (label_id, position, rank_group) VALUES (?, ?, ?)').run(id, position, group));
    }
  })();
}

/** The items a merge of `files` touches: those of their live labels. */
function touchedBy(files: string[]): { generationIds: number[]; taskIds: number[] } {
  const g = new Set<number>();
  const t = new Set<number>();
  for (const f of files) {
    const db = openWriter(f);
    for (const id of db.prepare('SELECT generation_id FROM reviews WHERE deleted_at IS NULL').pluck().all() as number[]) g.add(id);
    for (const id of db.prepare('SELECT task_id FROM comparison_labels WHERE deleted_at IS NULL').pluck().all() as number[]) t.add(id);
    db.pragma('journal_mode = DELETE');
    db.close();
  }
  return { generationIds: [...g].sort((a, b) => a - b), taskIds: [...t].sort((a, b) => a - b) };
}

describe('agreement at merge', () => {
  it('property: is the Quality report over the items the merge touched (conflicts, drafts, soft-deleted rows and tags, a deleted prompt, rankings, merged in one call or two)', () => {
    const check = process.env.ASSAY_TEST;
    // Without the merge's own check (ASSAY_TEST), so this compares the two ways itself.
    delete process.env.ASSAY_TEST;
    try {
      fc.assert(
        fc.property(fc.array(side, { minLength: 4, maxLength: 4 }), side, fc.boolean(), fc.boolean(), (packSides, own, deletePrompt, split) => {
          const run = tempDir('assay-merge-agreement-run-');
          const target = path.join(run, 'w.assay');
          fs.copyFileSync(base, target);
          const files = packs.map((f, i) => {
            const to = path.join(run, `pack-${i}.assay`);
            fs.copyFileSync(f, to);
            const db = openWriter(to);
            writeLabels(db, reviewers[[0, 1, 2, 0][i]!]!, packSides[i]!, 7 * i + 1);
            db.pragma('journal_mode = DELETE');
            db.close();
            return to;
          });
          const ws = openWorkspace(target);
          try {
            // The workspace's own labels by reviewer 1 (conflicts with pack 1), and perhaps a prompt deleted since.
            writeLabels(ws.writer, reviewers[1]!, own, 3);
            if (deletePrompt) ws.writer.prepare('UPDATE prompts SET deleted_at = ? WHERE seq = (SELECT prompt_seq FROM generations WHERE id = ?)').run(now, gens[1]);
            for (const group of split ? [[files[3]!, files[1]!], [files[0]!, files[2]!]] : [files]) {
              const touched = touchedBy(group);
              const report = mergePacks(ws.writer, group);
              const expected = touched.generationIds.length + touched.taskIds.length === 0 ? [] : buildQualityReport(ws.writer, touched, { agreementOnly: true }).agreement;
              expect(report.agreement).toEqual(expected);
            }
          } finally {
            ws.close();
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      process.env.ASSAY_TEST = check;
    }
  }, 120_000);
});
