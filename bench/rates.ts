/**
 * Rates benchmark: `rates.get` (failure rates per class × model × shots and the minimal-pair gaps)
 * over 1M stored check results, through the engine as the Rates view calls it.
 *
 *   npm run bench:rates      (node --import tsx bench/rates.ts; BENCH_ROUNDS=5 by default)
 *
 * 1. Builds a workspace in one SQL transaction: 5 suites (two written from one class, so the class
 *    pools them; one with no class), each 10,000 draws × a 2-value variant set = 100,000 probes
 *    (one prompt each), run on 5 models (checkpoints) × 2 shot settings (0 and 3): 1,000,000
 *    generations and their check results (about one in four failed), and 1,000 overrules.
 * 2. Times `rates.get` with no filter through `engine.dispatch` (input and output checked by the
 *    contract) BENCH_ROUNDS times, after one warm-up call, and a filtered call (2 models).
 * 3. Baseline in the same run, same connection: `SELECT count(*), sum(passed) FROM
 *    probe_check_results`, the least a rate over every check result can read.
 *
 * Goal: ≤ 1 s. Last line: {"bench":"rates","check_results":N,"seconds":S,"ratio":R}, S the median
 * call, R = baseline seconds / S (1 would be as fast as the bare count).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Rates, Result } from '../contract';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const SUITES = 5;
const DRAWS = 10_000;
const MODELS = 5;
const SHOTS = [0, 3];
const VALUES = ['digits', 'words'];
const OVERRULES = 1_000;

function buildWorkspace(file: string): number {
  const ws = openWorkspace(file);
  try {
    const db = ws.writer;
    const now = Date.now();
    db.transaction(() => {
      const addClass = db.prepare("INSERT INTO failure_classes (name, created_at) VALUES (?, ?)");
      const classes = ['bench arithmetic', 'bench counting', 'bench repetition'].map((name) => Number(addClass.run(name, now).lastInsertRowid));
      // Suites 1 and 2 share a class (pooled into one row); suites 3 and 4 have one each; suite 5 none (its own row).
      const suiteClass = [classes[0], classes[0], classes[1], classes[2], null];
      const sets = JSON.stringify([{ name: 'form', values: VALUES.map((value) => ({ value })) }]);
      const addSuite = db.prepare('INSERT INTO probe_suites (id, name, failure_class_id, definition, variant_sets, seed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 7, ?, ?)');
      for (let s = 1; s <= SUITES; s++) addSuite.run(s, `bench-suite-${s}`, suiteClass[s - 1], '{}', sets, now, now);
      for (let m = 1; m <= MODELS; m++) {
        db.prepare("INSERT INTO models (id, name, kind, base_url, remote_model, settings, created_at) VALUES (?, ?, 'openai', 'http://127.0.0.1:9/v1', ?, '{}', ?)").run(m, `checkpoint-${m}`, `checkpoint-${m}`, now);
      }
      // Probe i (1-based): suite ((i-1) / 20000) + 1, draw ((i-1) % 20000) / 2, value (i-1) % 2.
      const perSuite = DRAWS * VALUES.length;
      const probes = SUITES * perSuite;
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO prompts (seq, id, prompt, created_at, updated_at) SELECT i, 'bench-probe-' || i, 'Q: What is ' || (i % 20) || ' plus ' || (i % 7) || '?' || char(10) || 'A:', ?, ? FROM n`,
      ).run(probes, now, now);
      db.prepare(
        `INSERT INTO probes (id, suite_id, prompt_seq, draw, expected, check_spec)
         SELECT seq, (seq - 1) / ${perSuite} + 1, seq, ((seq - 1) % ${perSuite}) / 2, CAST(seq % 20 + seq % 7 AS TEXT), '{"kind":"numeric","tolerance":0}' FROM prompts`,
      ).run();
      db.prepare("INSERT INTO probe_variants (probe_id, set_name, value) SELECT id, 'form', CASE (id - 1) % 2 WHEN 0 THEN 'digits' ELSE 'words' END FROM probes").run();
      const sampling = JSON.stringify({ temperature: 0, topP: 1, topK: 40, minP: 0, repeatPenalty: 1, maxTokens: 8, stop: [], seed: 7 });
      // Generation id = (probe − 1) × 10 + model/shots arm + 1: ten per probe.
      const arms = MODELS * SHOTS.length;
      db.prepare(
        `WITH RECURSIVE a(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM a WHERE k < ${arms - 1})
         INSERT INTO generations (id, prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version,
                                  endpoint_url, model_name, sampling, seed, started_at, finished_at, source, created_at)
         SELECT (p.seq - 1) * ${arms} + a.k + 1, p.seq, a.k / ${SHOTS.length} + 1, 'raw', json_object('mode', 'raw', 'text', p.prompt), p.prompt, 'It is ' || (p.seq % 23) || '.', 'stop',
                'openai', 'bench', 'http://127.0.0.1:9/v1', 'checkpoint-' || (a.k / ${SHOTS.length} + 1), ?, 7, ?, ?, 'batch', ?
         FROM prompts p, a`,
      ).run(sampling, now, now, now);
      // Fails about one in four, more often in words and on later checkpoints' 0-shot arm, so the gaps are not all 0.
      db.prepare(
        `INSERT INTO probe_check_results (generation_id, probe_id, suite_id, model_id, shots, kind, passed, detail, checked_at)
         SELECT g.id, g.prompt_seq, p.suite_id, g.model_id, CASE (g.id - 1) % ${SHOTS.length} WHEN 0 THEN ${SHOTS[0]} ELSE ${SHOTS[1]} END, 'numeric',
                ((g.id * 2654435761) % 4294967296) / 65536 % 100 >= (20 + 10 * ((p.id - 1) % 2) + 2 * g.model_id), '', ?
         FROM generations g JOIN probes p ON p.id = g.prompt_seq`,
      ).run(now);
      db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('bench SME', 'sme', ?)").run(now);
      db.prepare(
        `INSERT INTO probe_overrules (generation_id, probe_id, reviewer_id, passed, rationale, created_at)
         SELECT generation_id, probe_id, (SELECT id FROM reviewers WHERE name = 'bench SME'), 1 - passed, 'the check misread it', ?
         FROM probe_check_results WHERE generation_id % 997 = 0 LIMIT ?`,
      ).run(now, OVERRULES);
    })();
    return db.prepare('SELECT count(*) FROM probe_check_results').pluck().get() as number;
  } finally {
    ws.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-rates-'));
  const file = path.join(dir, 'rates.assay');
  let engine: Engine | undefined;
  try {
    console.log(`[bench] ${os.cpus().length} cpus, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}; workspace in ${dir}`);
    const started = performance.now();
    const checks = buildWorkspace(file);
    console.log(`[bench] built ${checks} check results in ${((performance.now() - started) / 1000).toFixed(1)} s (${Math.round(fs.statSync(file).size / 1024 / 1024)} MB)`);

    const ws = openWorkspace(file);
    engine = new Engine(ws, { shell: 'browser', runJobs: false });
    const get = async (input: Record<string, unknown>) => {
      const t = performance.now();
      const result = (await engine!.dispatch('rates.get', input)) as Result<Rates>;
      if (!result.ok) throw new Error(`rates.get: ${result.error.message}`);
      return { seconds: (performance.now() - t) / 1000, value: result.value };
    };
    const warm = await get({});
    const pooled = warm.value.rows.reduce((s, r) => s + r.checked, 0);
    if (pooled !== checks) throw new Error(`rates.get counted ${pooled} of ${checks} check results`);
    console.log(`[bench] warm-up ${warm.seconds.toFixed(3)} s: ${warm.value.rows.length} rows, ${warm.value.gaps.length} gaps`);

    const times: number[] = [];
    const baselines: number[] = [];
    const scan = ws.reader.prepare('SELECT count(*), sum(passed) FROM probe_check_results');
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      scan.get();
      baselines.push((performance.now() - t) / 1000);
      times.push((await get({})).seconds);
    }
    const filtered = await get({ modelIds: [1, 2] });
    const seconds = median(times);
    const baseline = median(baselines);
    console.log(`[bench] rates.get, no filter: median ${seconds.toFixed(3)} s of ${ROUNDS} (${times.map((x) => x.toFixed(3)).join(', ')}); 2 models: ${filtered.seconds.toFixed(3)} s`);
    console.log(`[bench] baseline count(*), sum(passed) scan: median ${baseline.toFixed(3)} s; goal ≤ 1 s: ${seconds <= 1 ? 'met' : 'NOT met'}`);
    console.log(JSON.stringify({ bench: 'rates', check_results: checks, seconds: Number(seconds.toFixed(3)), ratio: Number((baseline / seconds).toFixed(3)) }));
  } finally {
    await engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
