/**
 * Export benchmark: Assay's TRL export against a raw better-sqlite3 SELECT + JSON.stringify + write
 * of the same rows, in the same run, on the same workspace.
 *
 *   npm run bench:export            (node --import tsx bench/export.ts)
 *   BENCH_PAIRS=50000 BENCH_REPEAT=3 npm run bench:export
 *
 * 1. Writes (in a child process, so its memory is not counted here) a workspace of 200k pairwise labels (A/B with a strength) over prompts of 100–300
 *    characters and outputs of 200–600 characters (test/support/bulk-labels.ts).
 * 2. Assay: `runExport` — the function the export worker runs — writes TRL JSONL (standard,
 *    explicit prompt, margin) from its own read-only connection: cursors, shown-order resolution,
 *    agreement bookkeeping, label-quality figures, the row builder, the temp file, the rename and
 *    the dataset card.
 * 3. Raw: one SELECT that joins labels, tasks, prompts, both shown outputs and picks chosen/rejected
 *    and the margin in SQL (CROSS JOIN keeps SQLite walking tasks in order: without it, it sorts all
 *    200k rows with their texts, slower and hundreds of MB), JSON.stringify of each row object, written through the same kind of
 *    2 MiB buffer as Assay's sink.
 *    The two files are compared byte for byte: the baseline does exactly the same work's output.
 * 4. Parquet: the same export as Parquet; MB/s is the Parquet file's size over the time taken.
 * Memory: RSS is sampled during an export of the first quarter of the labels (a date filter), the
 * full one and a Parquet one, before any baseline run, so the peak is Assay's; if the export
 * streams, the peaks are about equal. Each measurement runs
 * BENCH_REPEAT times (default 5), alternating Assay and raw, and the fastest counts; the CPU time of
 * each is printed too (on a busy machine wall time is noisy, CPU time less so).
 *
 * The last line of output is one JSON object, for scripts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportOptions } from '../contract/datasets';
import { runExport } from '../core/datasets/export/run';
import { openWorkspace } from '../core/workspace/workspace';
import { openReader } from '../db/handles';
import { writeBulkLabels } from '../test/support/bulk-labels';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 200_000);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 5));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const peakRssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

function assayExport(file: string, outDir: string, options: ExportOptions): { seconds: number; cpu: number; rows: number; bytes: number; maxRss: number } {
  const db = openReader(file);
  let maxRss = process.memoryUsage().rss;
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const report = runExport(
      db,
      { mode: 'write', exportId: 'bench', options, outDir },
      {
        cancelled: () => false,
        progress: () => {
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuUsed = cpuSeconds(cpu);
    if (!('files' in report)) throw new Error('expected a report');
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    const data = report.files.filter((f) => f.split !== null);
    return { seconds, cpu: cpuUsed, rows: report.counts.train + report.counts.test, bytes: data.reduce((n, f) => n + f.bytes, 0), maxRss };
  } finally {
    db.close();
  }
}

/** The baseline: the same rows from one SELECT, stringified and written in 1 MiB chunks. */
function rawExport(file: string, out: string): { seconds: number; cpu: number; rows: number } {
  const db = openReader(file);
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const stmt = db.prepare(
      `SELECT p.prompt AS prompt,
              CASE l.choice WHEN 'A' THEN ga.output ELSE gb.output END AS chosen,
              CASE l.choice WHEN 'A' THEN gb.output ELSE ga.output END AS rejected,
              CASE l.strength WHEN 'slightly' THEN 1 WHEN 'clearly' THEN 2 WHEN 'much' THEN 3 ELSE 0 END AS margin
       FROM comparison_tasks t
       CROSS JOIN comparison_labels l ON l.task_id = t.id AND l.deleted_at IS NULL
       CROSS JOIN prompts p ON p.seq = t.prompt_seq
       JOIN comparison_task_outputs oa ON oa.task_id = t.id AND oa.position = 0
       JOIN comparison_task_outputs ob ON ob.task_id = t.id AND ob.position = 1
       JOIN generations ga ON ga.id = oa.generation_id
       JOIN generations gb ON gb.id = ob.generation_id
       WHERE l.choice IN ('A', 'B')
       ORDER BY t.id, l.id`,
    );
    // Written the way Assay's JSONL sink writes: lines encoded into a 2 MiB buffer, flushed when full.
    const fd = fs.openSync(out, 'w');
    const buffer = Buffer.allocUnsafe(1 << 21);
    let used = 0;
    let rows = 0;
    for (const row of stmt.iterate()) {
      const line = JSON.stringify(row);
      if (used + line.length * 3 + 1 > buffer.length) {
        fs.writeSync(fd, buffer, 0, used);
        used = 0;
      }
      used += buffer.write(line, used);
      buffer[used++] = 0x0a;
      rows++;
    }
    fs.writeSync(fd, buffer, 0, used);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    return { seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(cpu), rows };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-export-'));
  try {
    const file = path.join(dir, 'bench.assay');
    const t0 = performance.now();
    const made = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--make-workspace', file, String(PAIRS)], { encoding: 'utf8' }),
    ) as { prompts: number; tasks: number };
    console.log(`[bench] ${os.cpus().length} cpus, node ${process.version}; best of ${REPEAT} runs each; files in ${dir}`);
    console.log(
      `[bench] workspace: ${made.tasks} pairwise labels over ${made.prompts} prompts, ${mb(fs.statSync(file).size)} MB, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const trl = ExportOptions.parse({ format: 'trl' });
    const parquet = ExportOptions.parse({ format: 'trl', fileType: 'parquet' });
    // Memory first, before the baseline runs, so the peak is Assay's: a quarter of the labels (by
    // date: labels are stamped T0 + their index in ms), then all of them as JSONL and as Parquet.
    const quarter = ExportOptions.parse({ format: 'trl', filters: { until: Date.UTC(2024, 0, 1) + Math.floor(PAIRS / 4) } });
    const baseRss = process.memoryUsage().rss;
    const small = assayExport(file, path.join(dir, 'assay-quarter'), quarter);
    const assayRuns = [assayExport(file, path.join(dir, 'assay'), trl)];
    const parquetRuns = [assayExport(file, path.join(dir, 'parquet'), parquet)];
    const peakRss = peakRssMb();
    console.log(
      `[bench] rss: ${mb(baseRss)} MB before; max ${mb(small.maxRss)} MB during the ${small.rows}-row export, ` +
        `max ${mb(assayRuns[0]!.maxRss)} MB during the ${assayRuns[0]!.rows}-row JSONL export (growth ${mb(assayRuns[0]!.maxRss - small.maxRss)} MB), ` +
        `max ${mb(parquetRuns[0]!.maxRss)} MB during the Parquet export; peak ${peakRss} MB`,
    );

    // Timing: Assay and the baseline alternate, so a busy moment on the machine favours neither.
    const rawRuns = [];
    for (let r = 0; r < REPEAT; r++) {
      rawRuns.push(rawExport(file, path.join(dir, 'raw.jsonl')));
      if (r > 0) assayRuns.push(assayExport(file, path.join(dir, 'assay'), trl));
    }
    const same = fs.readFileSync(path.join(dir, 'assay', 'train.jsonl')).equals(fs.readFileSync(path.join(dir, 'raw.jsonl')));
    if (!same) throw new Error('the Assay export and the raw baseline wrote different bytes');
    const assaySeconds = Math.min(...assayRuns.map((a) => a.seconds));
    const rawSeconds = Math.min(...rawRuns.map((a) => a.seconds));
    const rows = assayRuns[0]!.rows;
    const assayRate = rows / assaySeconds;
    const rawRate = rawRuns[0]!.rows / rawSeconds;
    console.log(`[bench] assay TRL JSONL ${rows} rows (${mb(assayRuns[0]!.bytes)} MB): ${assayRuns.map((a) => a.seconds.toFixed(2)).join(' / ')} s → ${Math.round(assayRate)} rows/s`);
    console.log(`[bench] raw SELECT + JSON.stringify + write: ${rawRuns.map((a) => a.seconds.toFixed(2)).join(' / ')} s → ${Math.round(rawRate)} rows/s (byte-identical file: ${same})`);
    const assayCpu = Math.min(...assayRuns.map((a) => a.cpu));
    const rawCpu = Math.min(...rawRuns.map((a) => a.cpu));
    console.log(`[bench] cpu time: assay ${assayCpu.toFixed(2)} s, raw ${rawCpu.toFixed(2)} s → cpu ratio raw/assay = ${(rawCpu / assayCpu).toFixed(3)}`);

    for (let r = 1; r < REPEAT; r++) parquetRuns.push(assayExport(file, path.join(dir, 'parquet'), parquet));
    const pq = parquetRuns.reduce((best, r) => (r.seconds < best.seconds ? r : best));
    const parquetMbPerS = mb(pq.bytes) / pq.seconds;
    console.log(
      `[bench] assay TRL Parquet ${pq.rows} rows: ${parquetRuns.map((a) => a.seconds.toFixed(2)).join(' / ')} s → ${Math.round(pq.rows / pq.seconds)} rows/s, ` +
        `${mb(pq.bytes)} MB file → ${parquetMbPerS.toFixed(1)} MB/s (${(mb(assayRuns[0]!.bytes) / pq.seconds).toFixed(1)} MB/s of JSONL-equivalent text)`,
    );

    const ratio = Math.round((assayRate / rawRate) * 1000) / 1000;
    console.log(`[bench] ratio assay/raw = ${ratio} (goal ≥ 0.8)`);
    console.log(
      JSON.stringify({
        bench: 'export',
        ratio,
        assay_rows_per_s: Math.round(assayRate),
        raw_rows_per_s: Math.round(rawRate),
        parquet_mb_per_s: Math.round(parquetMbPerS * 10) / 10,
        peak_rss_mb: peakRss,
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function makeWorkspace(file: string, pairs: number): void {
  const ws = openWorkspace(file);
  const made = writeBulkLabels(ws, { pairs, seed: 42 });
  ws.writer.pragma('wal_checkpoint(TRUNCATE)');
  ws.close();
  process.stdout.write(JSON.stringify(made));
}

if (process.argv[2] === '--make-workspace') makeWorkspace(process.argv[3]!, Number(process.argv[4]));
else await main();
