/**
 * A workspace with many pairwise comparison labels, written with plain inserts in one transaction
 * (the export tests' cancel case and bench:export): `pairs` tasks over prompts with three
 * generations each (all three pairs of a prompt are tasks), one A/B label with a strength per task.
 * Deterministic: the same `pairs` and seed give the same workspace content.
 */
import { createRng } from '../../core/stats/random';
import type { Workspace } from '../../core/workspace/workspace';

const WORDS = (
  'the a model answer question explain why how what reward dataset label prompt output compare better worse ' +
  'helpful honest harmless token sample river mountain ocean forest café naïve 東京 données emoji 🙂 42 3.14 ' +
  'function variable compiler database index query transaction commit rollback stream buffer "quoted" back\\slash'
).split(' ');

function text(rand: () => number, min: number, max: number): string {
  const target = min + Math.floor(rand() * (max - min));
  let s = '';
  while (s.length < target) s += (s ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s;
}

export interface BulkOptions {
  pairs: number;
  seed?: number;
  /** Characters of each output (default 200–600). */
  outputChars?: [number, number];
}

export function writeBulkLabels(ws: Workspace, o: BulkOptions): { prompts: number; tasks: number } {
  const generator = createRng(o.seed ?? 1);
  const rand = () => generator.next();
  const db = ws.writer;
  const now = Date.UTC(2024, 0, 1);
  const [outMin, outMax] = o.outputChars ?? [200, 600];
  const prompts = Math.ceil(o.pairs / 3);
  let tasks = 0;
  db.transaction(() => {
    const reviewer = Number(db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('bulk', 'sme', ?)").run(now).lastInsertRowid);
    const models = [1, 2, 3].map((i) =>
      Number(
        db
          .prepare("INSERT INTO models (name, kind, base_url, remote_model, settings, created_at) VALUES (?, 'openai', 'http://127.0.0.1:9/v1', ?, '{}', ?)")
          .run(`bulk-${i}`, `bulk-${i}`, now).lastInsertRowid,
      ),
    );
    const prompt = db.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)');
    const gen = db.prepare(
      `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version,
         model_name, sampling, seed, started_at, finished_at, source, created_at)
       VALUES (?, ?, 'raw', '{"mode":"raw","text":"p"}', 'p', ?, 'stop', 'openai', 'bulk', ?, '{}', 1, ?, ?, 'batch', ?)`,
    );
    const task = db.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'pair', 'all-pairs', 0, ?, ?)");
    const out = db.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, ?, ?)');
    const label = db.prepare(
      `INSERT INTO comparison_labels (task_id, reviewer_id, choice, strength, time_spent_ms, guideline_version, revision, created_at, updated_at)
       VALUES (?, ?, ?, ?, 1000, 0, 1, ?, ?)`,
    );
    const strengths = [null, 'slightly', 'clearly', 'much'];
    for (let p = 0; p < prompts && tasks < o.pairs; p++) {
      const seq = Number(prompt.run(`bulk-${p}`, `${p} ${text(rand, 100, 300)}`, now, now).lastInsertRowid);
      const gens = models.map((m) => Number(gen.run(seq, m, text(rand, outMin, outMax), `bulk-${m}`, now, now, now).lastInsertRowid));
      for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
        if (tasks >= o.pairs) break;
        const [a, b] = rand() < 0.5 ? [gens[i]!, gens[j]!] : [gens[j]!, gens[i]!];
        const t = Number(task.run(seq, `${Math.min(a, b)},${Math.max(a, b)}`, now).lastInsertRowid);
        out.run(t, 0, a);
        out.run(t, 1, b);
        label.run(t, reviewer, rand() < 0.5 ? 'A' : 'B', strengths[Math.floor(rand() * 4)], now + tasks, now + tasks);
        tasks++;
      }
    }
  })();
  return { prompts, tasks };
}
