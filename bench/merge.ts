/**
 * Merge benchmark: merging offline review packs against importing the same labels raw, in the
 * same run, into copies of the same workspace.
 *
 *   npm run bench:merge            (node --import tsx bench/merge.ts; run under flock /tmp/assay-e2e.lock)
 *   BENCH_PACKS=20 BENCH_LABELS=5000 npm run bench:merge
 *
 * 1. A source workspace: BENCH_LABELS/2 prompts, each with two outputs and one pair task, and
 *    BENCH_PACKS reviewers. One pack per reviewer is exported with `exportPack` (every output and
 *    task), and BENCH_LABELS labels are written into each pack in SQL as the pack's Review and
 *    Compare would leave them: half review labels (submitted, verdict, one rating, a history
 *    revision), half pairwise labels (choice, strength, a history revision). Every reviewer labels
 *    every item, so agreement at merge has BENCH_PACKS reviewers on each item.
 * 2. Merge: `mergePacks` — what the merge worker runs — of all packs into a copy of the source, in
 *    one call: every check (header, integrity_check, schema, workspace, checksum over the shipped
 *    rows, reviewers, classes), the label rows into each pack's id block, the live/superseded
 *    resolution, corrections, the record of each merge, and agreement at merge (the Quality report
 *    over the touched items).
 * 3. Baseline: into another copy, the same label rows read from the same pack files and inserted
 *    with prepared statements in one transaction (ids offset per pack, nothing checked, nothing
 *    resolved, no agreement).
 * Both end with the same label rows; the bench checks the counts. Each runs BENCH_REPEAT times
 * (default 3, alternating, on fresh copies) and the fastest counts.
 * ratio = baseline_seconds / merge_seconds (goal ≥ 0.5). The last line is one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportPack, mergePacks } from '../core/packs/service';
import { openWorkspace } from '../core/workspace/workspace';
import { openReader, openWriter } from '../db/handles';
import { LABEL_TABLES, columnsOf, packIdBase } from '../db/packs';

const PACKS = Number(process.env.BENCH_PACKS ?? 20);
const LABELS = Number(process.env.BENCH_LABELS ?? 5000);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const PROFILE = process.argv.includes('--profile-merge');

const now = Date.UTC(2024, 0, 1);

function buildSource(file: string): { gens: number[]; tasks: number[]; reviewers: number[] } {
  const ws = openWorkspace(file);
  const w = ws.writer;
  const gens: number[] = [];
  const tasks: number[] = [];
  const reviewers: number[] = [];
  w.transaction(() => {
    for (let r = 0; r < PACKS; r++) reviewers.push(Number(w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES (?, 'sme', ?)").run(`Reviewer ${r + 1}`, now).lastInsertRowid));
    w.prepare("INSERT INTO models (name, kind, base_url, remote_model, created_at) VALUES ('m1', 'openai', 'http://x', 'm1', ?)").run(now);
    w.prepare("INSERT INTO models (name, kind, base_url, remote_model, created_at) VALUES ('m2', 'openai', 'http://x', 'm2', ?)").run(now);
    const prompt = w.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)');
    const gen = w.prepare(
      `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
       VALUES (?, ?, 'raw', '{"mode":"raw","text":"p"}', 'p', ?, 'stop', 'openai', 't', ?, '{}', ?, ?, 'batch', ?)`,
    );
    const task = w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'pair', 'all-pairs', 0, ?, ?)");
    const out = w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?), (?, 1, ?)');
    for (let p = 0; p < LABELS / 2; p++) {
      const seq = Number(prompt.run(`p${p}`, `Prompt number ${p}: explain why the sky is blue in ${p % 7} words.`, now, now).lastInsertRowid);
      const a = Number(gen.run(seq, 1, `Answer ${p} from the first model, with some words to make it a little longer.`, 'm1', now, now, now).lastInsertRowid);
      const b = Number(gen.run(seq, 2, `Answer ${p} from the second model, also of a plausible length for an output.`, 'm2', now, now, now).lastInsertRowid);
      gens.push(a);
      const t = Number(task.run(seq, `${a},${b}`, now).lastInsertRowid);
      out.run(t, a, t, b);
      tasks.push(t);
    }
  })();
  ws.close();
  return { gens, tasks, reviewers };
}

/** Writes LABELS labels into a pack the way its Review and Compare would. */
function labelPack(file: string, reviewerId: number, r: number, gens: number[], tasks: number[]): void {
  const db = openWriter(file);
  const verdicts = ['good', 'acceptable', 'bad'] as const;
  const choices = ['A', 'B', 'tie'] as const;
  db.transaction(() => {
    const review = db.prepare(
      `INSERT INTO reviews (generation_id, reviewer_id, status, verdict, comment, guideline_version, time_spent_ms, revision, created_at, updated_at, submitted_at)
       VALUES (?, ?, 'submitted', ?, '', 0, 5000, 1, ?, ?, ?)`,
    );
    const rating = db.prepare('INSERT INTO review_ratings (review_id, criterion_id, value) VALUES (?, 1, ?)');
    const history = db.prepare('INSERT INTO review_history (review_id, revision, snapshot, created_at) VALUES (?, 1, ?, ?)');
    const label = db.prepare(
      `INSERT INTO comparison_labels (task_id, reviewer_id, choice, strength, rationale, time_spent_ms, guideline_version, revision, created_at, updated_at)
       VALUES (?, ?, ?, ?, '', 4000, 0, 1, ?, ?)`,
    );
    const labelHistory = db.prepare('INSERT INTO comparison_label_history (label_id, revision, snapshot, created_at) VALUES (?, 1, ?, ?)');
    gens.forEach((g, i) => {
      const at = now + 1000 + i * 10 + r;
      // Reviewers mostly agree: the item decides, a few reviewers differ.
      const verdict = verdicts[(i + (r % 5 === 0 ? 1 : 0)) % 3]!;
      const id = Number(review.run(g, reviewerId, verdict, at, at, at).lastInsertRowid);
      rating.run(id, 1 + ((i + r) % 5));
      history.run(id, JSON.stringify({ verdict, ratings: { 1: 1 + ((i + r) % 5) }, comment: '', tags: [], steps: [] }), at);
    });
    tasks.forEach((t, i) => {
      const at = now + 1000 + i * 10 + r;
      const choice = choices[(i + (r % 4 === 0 ? 1 : 0)) % 3]!;
      const strength = choice === 'tie' ? null : 'clearly';
      const id = Number(label.run(t, reviewerId, choice, strength, at, at).lastInsertRowid);
      labelHistory.run(id, JSON.stringify({ choice, strength, ranking: null, rationale: '', correction: null }), at);
    });
  })();
  db.pragma('journal_mode = DELETE');
  db.close();
}

/** The baseline: the same label rows, read from the packs, inserted raw in one transaction. */
function rawImport(target: string, packs: string[]): number {
  const db = openWriter(target);
  try {
    let labels = 0;
    db.transaction(() => {
      packs.forEach((file, i) => {
        const pack = openReader(file);
        try {
          const base = packIdBase(1000 + i);
          for (const t of LABEL_TABLES) {
            const cols = columnsOf(db, t.name);
            const idx = t.ids.map((c) => cols.indexOf(c));
            const ins = db.prepare(`INSERT INTO ${t.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
            const deleted = cols.indexOf('deleted_at');
            const isLabel = t.name === 'reviews' || t.name === 'comparison_labels';
            for (const row of pack.prepare(`SELECT ${cols.join(', ')} FROM ${t.name}`).raw(true).iterate() as IterableIterator<unknown[]>) {
              for (const k of idx) if (row[k] !== null) row[k] = base + (row[k] as number);
              // One live label per item and reviewer: the packs' reviewers differ, so all stay live.
              if (isLabel) {
                labels++;
                row[deleted] = null;
              }
              ins.run(row);
            }
          }
        } finally {
          pack.close();
        }
      });
    })();
    return labels;
  } finally {
    db.close();
  }
}

function copy(file: string, to: string): string {
  fs.rmSync(to, { force: true });
  fs.copyFileSync(file, to);
  return to;
}

function countLabels(file: string): number {
  const db = openReader(file);
  try {
    return db.prepare('SELECT (SELECT count(*) FROM reviews) + (SELECT count(*) FROM comparison_labels)').pluck().get() as number;
  } finally {
    db.close();
  }
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-merge-'));
  try {
    console.log(`[bench] ${os.cpus().length} cpus, node ${process.version}; ${PACKS} packs × ${LABELS} labels; best of ${REPEAT}; files in ${dir}`);
    const source = path.join(dir, 'source.assay');
    const built = performance.now();
    const { gens, tasks, reviewers } = buildSource(source);
    const packs: string[] = [];
    const ws = openWorkspace(source);
    try {
      reviewers.forEach((reviewerId, r) => {
        const file = exportPack(ws, { reviewerId, generationIds: gens, taskIds: tasks, holdDays: 14, outFile: path.join(dir, `pack-${r + 1}.assay`), now }).file;
        packs.push(file);
      });
    } finally {
      ws.close();
    }
    reviewers.forEach((reviewerId, r) => labelPack(packs[r]!, reviewerId, r, gens, tasks));
    const packBytes = packs.reduce((n, f) => n + fs.statSync(f).size, 0);
    console.log(`[bench] built the source and ${PACKS} packs (${(packBytes / 1024 / 1024).toFixed(1)} MB) in ${((performance.now() - built) / 1000).toFixed(1)} s`);

    const total = PACKS * LABELS;
    const merges: number[] = [];
    const raws: number[] = [];
    let conflicts = 0;
    let agreementRows = 0;
    for (let i = 0; i < REPEAT; i++) {
      const m = copy(source, path.join(dir, 'merge.assay'));
      const db = openWriter(m);
      const started = performance.now();
      const cpu = process.cpuUsage();
      const phases = new Map<string, number>();
      const report = mergePacks(db, packs, { onProgress: (p) => { if (!phases.has(p.phase)) phases.set(p.phase, performance.now() - started); } });
      merges.push((performance.now() - started) / 1000);
      const c = process.cpuUsage(cpu);
      console.log(
        `[bench] merge phases (s from start): ${[...phases].map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}, end ${merges.at(-1)!.toFixed(2)}; cpu ${((c.user + c.system) / 1e6).toFixed(2)} s`,
      );
      db.close();
      conflicts = report.conflicts.length;
      agreementRows = report.agreement.length;
      if (report.labels !== total || countLabels(m) !== total) throw new Error(`merge brought ${report.labels} labels, expected ${total}`);
      if (PROFILE) break;

      const r = copy(source, path.join(dir, 'raw.assay'));
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const n = rawImport(r, packs);
      raws.push((performance.now() - t0) / 1000);
      const c0 = process.cpuUsage(cpu0);
      console.log(`[bench] raw cpu ${((c0.user + c0.system) / 1e6).toFixed(2)} s`);
      if (n !== total || countLabels(r) !== total) throw new Error(`raw import wrote ${n} labels, expected ${total}`);
      console.log(`[bench] run ${i + 1}: merge ${merges.at(-1)!.toFixed(2)} s, raw ${raws.at(-1)!.toFixed(2)} s`);
    }
    if (PROFILE) {
      console.log(`[bench] merge ${merges[0]!.toFixed(2)} s (profile run, no baseline)`);
      return;
    }
    const seconds = Math.min(...merges);
    const baseline = Math.min(...raws);
    const ratio = Math.round((baseline / seconds) * 1000) / 1000;
    console.log(`[bench] merge of ${PACKS} packs (${total} labels, ${conflicts} conflicts, ${agreementRows} agreement rows): ${merges.map((s) => s.toFixed(2)).join(' / ')} s → ${Math.round(total / seconds)} labels/s`);
    console.log(`[bench] raw import of the same rows in one transaction: ${raws.map((s) => s.toFixed(2)).join(' / ')} s → ${Math.round(total / baseline)} labels/s`);
    console.log(`[bench] ratio = baseline_seconds / merge_seconds = ${baseline.toFixed(3)} / ${seconds.toFixed(3)} = ${ratio} (goal ≥ 0.5)`);
    console.log(JSON.stringify({ bench: 'merge', ratio, labels: total, seconds: Math.round(seconds * 1000) / 1000 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
