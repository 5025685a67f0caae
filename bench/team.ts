/**
 * Team benchmark: N reviewers saving labels at once against one `assay serve`, over real HTTP.
 *
 *   npm run bench:team                        (node --import tsx bench/team.ts)
 *   BENCH_SECONDS=20 BENCH_REVIEWERS=20,50 BENCH_THINK_MS=0 BENCH_CLIENTS=2 npm run bench:team
 *   BENCH_SERVER_ARGS=--cpu-prof npm run bench:team   (profiles the server: CPU.*.cpuprofile in the workspace folder)
 *
 * 1. Builds one workspace in this process (BENCH_GENERATIONS = 20,000 outputs of 4 models over 5,000
 *    prompts, a 3-criterion rubric, the all-pairs comparison tasks: 30,000) and 50 reviewers.
 * 2. For each N in BENCH_REVIEWERS (20, then 50): a fresh copy of that file, served by the CLI as a
 *    separate process (`cli/main.ts serve` through tsx, or `dist/node/cli.mjs serve` with
 *    BENCH_SERVER=built), as a team would run it (no ASSAY_TEST, so outputs are not re-validated).
 * 3. The server runs in team mode (`assay serve --team`). The owner (this process, with the token)
 *    invites each reviewer as an SME (`team.invite`), and each simulated reviewer signs in as itself
 *    through its own invite link (`/?invite=SECRET`, traded for a session cookie bound to it), then
 *    `session.signIn`; every save after that carries only the cookie, so the role check, the
 *    attribution check and the audit log run on every save. Each has its own keep-alive connection,
 *    as a browser tab does.
 * 4. For BENCH_SECONDS (60), every reviewer alternates `review.save` (submit: three ratings, a verdict,
 *    a comment; what Enter does in Review) and `comparisons.label` (a choice, a strength, a rationale),
 *    cycling over its own 100 outputs and 100 tasks (reviewers overlap, and revisits make new
 *    revisions). Each save's content is unique (a mark in the comment/rationale). Every reviewer also
 *    holds its own GET /events stream open and reads it, as the UI's tab does; in team mode an SME's
 *    stream gets only its own label events, so each save's event goes to one stream, its writer's
 *    (BENCH_EVENTS=0 leaves the streams out).
 * 5. Then the server is killed with SIGKILL and the file is read: every acknowledged save must be in
 *    the history exactly once, at the revision it was acknowledged with, and each reviewer's live
 *    label must be its last acknowledged save. `lost` and `duplicated` count the ones that are not.
 *
 * Pacing: closed loop, as fast as the server answers (one save in flight per reviewer, the next sent
 * when the last is acknowledged), which is what the issue's "today" numbers measured; it is the
 * worst case for the tail, far beyond what people type. BENCH_THINK_MS=T adds a pause of 0.5–1.5 T
 * after each ack (a rough human pace); its numbers are reported beside, not instead of, the closed loop.
 *
 * The load generator runs in BENCH_CLIENTS (2) worker threads, reviewers split between them, so one
 * client event loop handling 50 answers does not add its own queueing to the latencies. On a 2-core
 * machine the clients still share CPUs with the server: the latencies include that, and the server's
 * own CPU time per save is printed too (all its threads, from /proc, so it can be compared between
 * runs on a loaded machine), and how many saves shared a COMMIT (the server's commit groups,
 * core/workspace/commit-group.ts). BENCH_SERVER_ARGS=--cpu-prof writes its CPU profile.
 * Run it alone: `flock /tmp/assay-e2e.lock npm run bench:team`; the load average is printed with each N.
 *
 * Goal: p99 ≤ 25 ms at N = 50 with 0 lost. The last line of output is one JSON object, for scripts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { MethodInput, MethodName, Result } from '../contract';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import type { Ack, ClientResult, ClientReviewer, ClientSetup } from './team-client';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const REVIEWER_COUNTS = (process.env.BENCH_REVIEWERS ?? '20,50').split(',').map(Number);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 0);
const CLIENTS = Math.max(1, Number(process.env.BENCH_CLIENTS ?? 2));
const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 20_000);
const EVENTS = process.env.BENCH_EVENTS !== '0';
const SERVER_ARGS = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
const MODELS = ['llama-3.1-8b-instruct', 'qwen2.5-7b-instruct', 'mistral-7b-v0.3', 'gemma-2-9b-it'];
const PER_REVIEWER = 100;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const round1 = (x: number) => Math.round(x * 10) / 10;

async function call<M extends MethodName>(engine: Engine, method: M, input: MethodInput<M>): Promise<never> {
  const result = (await engine.dispatch(method, input)) as Result<unknown>;
  if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
  return result.value as never;
}

interface Built {
  reviewers: number[];
  generations: number[];
  tasks: number[];
  criteria: number[];
}

/** The workspace every N starts from (copied, so each run starts equal). */
async function buildWorkspace(file: string): Promise<Built> {
  const ws = openWorkspace(file);
  const db = ws.writer;
  const now = Date.now();
  const prompts = Math.ceil(GENERATIONS / MODELS.length);
  db.transaction(() => {
    const insertPrompt = db.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)');
    const insertModel = db.prepare("INSERT INTO models (name, kind, base_url, remote_model, settings, created_at) VALUES (?, 'openai', 'http://127.0.0.1:9/v1', ?, '{}', ?)");
    const modelIds = MODELS.map((name) => Number(insertModel.run(name, name, now).lastInsertRowid));
    const insertGeneration = db.prepare(
      `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version,
         endpoint_url, model_name, sampling, seed, prompt_tokens, completion_tokens, started_at, finished_at, sample_index, source, created_at)
       VALUES (?, ?, 'raw', ?, ?, ?, 'stop', 'openai', 'bench', 'http://127.0.0.1:9/v1', ?, '{}', ?, 24, 48, ?, ?, 0, 'batch', ?)`,
    );
    for (let p = 0; p < prompts; p++) {
      const text = `Question ${p}: what is ${p} plus ${p % 97}, and why?`;
      const seq = Number(insertPrompt.run(`team-${p}`, text, now, now).lastInsertRowid);
      MODELS.forEach((model, m) =>
        insertGeneration.run(seq, modelIds[m], JSON.stringify({ mode: 'raw', text }), text, `It is ${p + (p % 97)} (${model}, #${p}).`, model, p * 4 + m, now, now, now),
      );
    }
  })();
  const engine = new Engine(ws, { shell: 'browser', runJobs: false });
  try {
    const criteria = ((await call(engine, 'rubric.save', {
      criteria: [
        { name: 'Correctness', description: '', scale: 'likert5' },
        { name: 'Helpfulness', description: '', scale: 'likert5' },
        { name: 'Style', description: '', scale: 'likert5' },
      ],
    })) as { id: number }[]).map((c) => c.id);
    const reviewers: number[] = [];
    const most = Math.max(...REVIEWER_COUNTS);
    for (let i = 0; i < most; i++) reviewers.push(((await call(engine, 'reviewers.create', { name: `SME ${i + 1}`, role: 'sme' })) as { id: number }).id);
    await call(engine, 'comparisons.createTasks', { prompts: { query: '', tags: [] }, design: 'all-pairs', seed: 7 });
    const generations = (db.prepare('SELECT id FROM generations ORDER BY id').pluck().all() as number[]);
    const tasks = (db.prepare('SELECT id FROM comparison_tasks ORDER BY id').pluck().all() as number[]);
    return { reviewers, generations, tasks, criteria };
  } finally {
    await engine.close();
  }
}

/** Starts `assay serve` on the file in its own process; resolves with its origin once it listens. */
/** A process's CPU time so far in ms (user + system, all threads), from /proc; null where there is none. */
function processCpuMs(pid: number | undefined): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

interface GroupStats {
  groups: number;
  saves: number;
  largest: number;
  ms: number;
}

async function startServer(file: string, token: string): Promise<{ child: ChildProcess; origin: string; groups: () => GroupStats | null }> {
  // The sources through tsx (what this checkout says), or the build with BENCH_SERVER=built.
  const entry = process.env.BENCH_SERVER === 'built' ? [path.join(root, 'dist', 'node', 'cli.mjs')] : ['--import', 'tsx', path.join(root, 'cli', 'main.ts')];
  const profile = SERVER_ARGS.includes('--cpu-prof') ? [`--cpu-prof-dir=${path.dirname(file)}`] : [];
  const child = spawn(process.execPath, [...SERVER_ARGS, ...profile, ...entry, 'serve', '--team', '--port', '0', '--workspace', file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The server prints its commit groups' figures every second (how many saves shared a COMMIT).
    env: { ...process.env, ASSAY_TOKEN: token, ASSAY_TEST: '', ASSAY_GROUP_STATS_MS: '1000' },
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  // Anything the server says later (an error it logs) is shown, but for its commit groups' figures, kept.
  let groups: GroupStats | null = null;
  child.stdout!.on('data', (c: Buffer) => {
    const rest = c
      .toString()
      .split('\n')
      .filter((line) => {
        const match = /^\[server\] commit groups (\{.*\})$/.exec(line);
        if (match) groups = JSON.parse(match[1]!) as GroupStats;
        return !match && line.length > 0;
      });
    if (rest.length > 0) process.stdout.write(`[server] ${rest.join('\n')}\n`);
  });
  child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[server] ${c}`));
  return { child, origin, groups: () => groups };
}

/** The owner invites each reviewer as an SME (one invite each, as the Team dialog does): the secrets of their links. */
async function inviteAll(origin: string, token: string, reviewers: number[]): Promise<string[]> {
  const secrets: string[] = [];
  for (const reviewerId of reviewers) {
    const response = await fetch(`${origin}/rpc/team.invite`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reviewer: { id: reviewerId }, role: 'sme', expiresInHours: 24 }),
    });
    const result = (await response.json()) as Result<{ secret: string }>;
    if (!result.ok) throw new Error(`team.invite for reviewer ${reviewerId}: ${result.error.message}`);
    secrets.push(result.value.secret);
  }
  return secrets;
}

function startClient(setup: ClientSetup): { worker: Worker; ready: Promise<void>; done: Promise<ClientResult> } {
  const worker = new Worker(new URL('../core/workers/ts-bootstrap.mjs', import.meta.url), {
    workerData: { ...setup, __tsEntry: new URL('./team-client.ts', import.meta.url).href },
  });
  let ready!: () => void;
  let done!: (r: ClientResult) => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const doneP = new Promise<ClientResult>((r) => (done = r));
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  worker.on('message', (m: { type: string; result?: ClientResult }) => (m.type === 'ready' ? ready() : done(m.result!)));
  return { worker, ready: Promise.race([readyP, failed]), done: Promise.race([doneP, failed]) };
}

interface Verdict {
  lost: number;
  duplicated: number;
  notLatest: number;
  examples: string[];
}

/** Reads the killed server's file: each ack in history once at its revision, each live label the last ack. */
function verify(file: string, acks: Ack[]): Verdict {
  const db = new Database(file, { readonly: true });
  try {
    const out: Verdict = { lost: 0, duplicated: 0, notLatest: 0, examples: [] };
    const note = (what: string) => void (out.examples.length < 5 && out.examples.push(what));
    // Every history row by the mark its content carries (a save applied twice would show up twice).
    const byMark = new Map<string, { rowId: number; revision: number }[]>();
    const collect = (sql: string, field: 'comment' | 'rationale') => {
      for (const row of db.prepare(sql).iterate() as Iterable<{ id: number; revision: number; snapshot: string }>) {
        const text = (JSON.parse(row.snapshot) as Record<string, string>)[field] ?? '';
        const mark = text.slice(text.lastIndexOf(' ') + 1);
        const kind = field === 'comment' ? 'review' : 'compare';
        const key = `${kind} ${mark}`;
        const list = byMark.get(key) ?? [];
        list.push({ rowId: row.id, revision: row.revision });
        byMark.set(key, list);
      }
    };
    collect('SELECT review_id AS id, revision, snapshot FROM review_history', 'comment');
    collect('SELECT label_id AS id, revision, snapshot FROM comparison_label_history', 'rationale');
    const latest = new Map<string, Ack>();
    for (const ack of acks) {
      const rows = byMark.get(`${ack.kind} ${ack.mark}`) ?? [];
      const here = rows.filter((r) => r.rowId === ack.rowId && r.revision === ack.revision);
      if (here.length === 0) {
        out.lost++;
        note(`lost: ${ack.kind} ${ack.mark} (row ${ack.rowId} revision ${ack.revision}); found ${JSON.stringify(rows)}`);
      }
      if (rows.length > 1) {
        out.duplicated++;
        note(`duplicated: ${ack.kind} ${ack.mark} ×${rows.length}`);
      }
      latest.set(`${ack.kind} ${ack.reviewerId} ${ack.itemId}`, ack);
    }
    // Two live labels for one item and reviewer would be a duplicate too (the unique index forbids it).
    const liveReview = db.prepare('SELECT id, revision, comment FROM reviews WHERE generation_id = ? AND reviewer_id = ? AND deleted_at IS NULL');
    const liveLabel = db.prepare('SELECT id, revision, rationale AS comment FROM comparison_labels WHERE task_id = ? AND reviewer_id = ? AND deleted_at IS NULL');
    for (const ack of latest.values()) {
      const live = (ack.kind === 'review' ? liveReview : liveLabel).all(ack.itemId, ack.reviewerId) as { id: number; revision: number; comment: string }[];
      if (live.length > 1) out.duplicated++;
      if (live.length !== 1 || live[0]!.revision !== ack.revision || !live[0]!.comment.endsWith(` ${ack.mark}`)) {
        out.notLatest++;
        note(`live ${ack.kind} of reviewer ${ack.reviewerId} on ${ack.itemId} is not its last ack ${ack.mark}: ${JSON.stringify(live)}`);
      }
    }
    return out;
  } finally {
    db.close();
  }
}

interface RunResult {
  reviewers: number;
  saves: number;
  savesPerS: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
  verdict: Verdict;
}

async function run(template: string, dir: string, built: Built, n: number): Promise<RunResult> {
  const file = path.join(dir, `team-${n}.assay`);
  fs.copyFileSync(template, file);
  const token = `bench-${process.pid}-${n}`;
  const loadBefore = load();
  const server = await startServer(file, token);
  const secrets = await inviteAll(server.origin, token, built.reviewers.slice(0, n));
  const clients: ClientReviewer[][] = Array.from({ length: CLIENTS }, () => []);
  built.reviewers.slice(0, n).forEach((reviewerId, i) => {
    // Windows of the item lists, spread so that reviewers overlap on items.
    const window = <T>(list: T[], start: number) => Array.from({ length: PER_REVIEWER }, (_, k) => list[(start + k) % list.length]!);
    clients[i % CLIENTS]!.push({
      reviewerId,
      inviteSecret: secrets[i]!,
      generations: window(built.generations, i * 53),
      tasks: window(built.tasks, i * 71),
      criteria: built.criteria,
    });
  });
  const runTag = `n${n}`;
  const started = clients.filter((c) => c.length > 0).map((reviewers) => startClient({ origin: server.origin, reviewers, durationMs: SECONDS * 1000, thinkMs: THINK_MS, runTag, events: EVENTS }));
  try {
    await Promise.all(started.map((c) => c.ready));
    const cpuBefore = processCpuMs(server.child.pid);
    const clientCpu = process.cpuUsage();
    for (const c of started) c.worker.postMessage('go');
    const results = await Promise.all(started.map((c) => c.done));
    const cpuAfter = processCpuMs(server.child.pid);
    const clientUs = process.cpuUsage(clientCpu);
    // The server's last figures (printed every second): the run but for its last second.
    const groups = server.groups();
    // The acknowledged saves must be in the file even if the server dies right now.
    server.child.kill(SERVER_ARGS.includes('--cpu-prof') ? 'SIGTERM' : 'SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const acks = results.flatMap((r) => r.acks);
    const errors = results.flatMap((r) => r.errors);
    const frames = results.reduce((sum, r) => sum + r.eventFrames, 0);
    const elapsedS = (Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000;
    const verdict = verify(file, acks);
    const r: RunResult = {
      reviewers: n,
      saves: acks.length,
      savesPerS: Math.round(acks.length / elapsedS),
      p50: round1(percentile(latencies, 50)),
      p99: round1(percentile(latencies, 99)),
      p999: round1(percentile(latencies, 99.9)),
      max: round1(latencies[latencies.length - 1] ?? 0),
      errors: errors.length,
      verdict,
    };
    console.log(
      `[bench] ${n} reviewers${THINK_MS ? `, think ${THINK_MS} ms` : ', closed loop'}: ${r.saves} saves in ${elapsedS.toFixed(1)} s = ${r.savesPerS} saves/s; ` +
        `p50 ${r.p50} ms, p99 ${r.p99} ms, p99.9 ${r.p999} ms, slowest ${r.max} ms; errors ${r.errors}; ` +
        `lost ${verdict.lost}, duplicated ${verdict.duplicated}, live label not the last ack ${verdict.notLatest} ` +
        `(load average before ${loadBefore}, after ${load()})`,
    );
    if (cpuBefore !== null && cpuAfter !== null) {
      // CPU time, not wall time: what a save costs the server whatever else the machine is doing.
      console.log(
        `[bench]   server CPU: ${Math.round(((cpuAfter - cpuBefore) * 1000) / Math.max(1, acks.length))} µs a save (all its threads, user + system); ` +
          `the load generator's: ${Math.round((clientUs.user + clientUs.system) / Math.max(1, acks.length))} µs a save`,
      );
    }
    if (groups && groups.groups > 0) {
      console.log(
        `[bench]   commit groups: ${groups.saves} saves in ${groups.groups} transactions (${(groups.saves / groups.groups).toFixed(1)} a COMMIT on average, at most ${groups.largest}); ` +
          `${Math.round((groups.ms * 1000) / groups.saves)} µs a save inside them`,
      );
    }
    if (EVENTS) console.log(`[bench]   event frames read by the ${n} /events streams: ${frames} (${acks.length} expected: each save's event to its writer's stream only)`);
    for (const e of errors.slice(0, 5)) console.log(`[bench]   error: ${e}`);
    for (const e of verdict.examples) console.log(`[bench]   ${e}`);
    return r;
  } finally {
    for (const c of started) void c.worker.terminate();
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-team-'));
  try {
    console.log(`[bench] ${os.cpus().length} cpus, load average ${load()}, node ${process.version}; ${SECONDS} s per N, reviewers ${REVIEWER_COUNTS.join(', ')}, ${CLIENTS} client threads; workspace in ${dir}`);
    const template = path.join(dir, 'template.assay');
    const t0 = performance.now();
    const built = await buildWorkspace(template);
    console.log(`[bench] built ${built.generations.length} generations, ${built.tasks.length} comparison tasks, ${built.reviewers.length} reviewers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const results: RunResult[] = [];
    for (const n of REVIEWER_COUNTS) results.push(await run(template, dir, built, n));
    const last = results[results.length - 1]!;
    console.log(
      JSON.stringify({
        bench: 'team',
        reviewers: last.reviewers,
        saves_per_s: last.savesPerS,
        p50_ms: last.p50,
        p99_ms: last.p99,
        lost: results.reduce((s, r) => s + r.verdict.lost + r.verdict.notLatest, 0),
        duplicated: results.reduce((s, r) => s + r.verdict.duplicated, 0),
      }),
    );
  } finally {
    if (!SERVER_ARGS.includes('--cpu-prof')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
