import type {
  Demonstration,
  Generation,
  GenerationInput,
  JobItem,
  JobSpec,
  ModelSettings,
  Sampling,
  Template,
  TemplateBody,
} from '../contract/runner';
import type { ReadableDB, WritableDB } from './handles';

// ── Models ───────────────────────────────────────────────────────────────────────────────────

export interface ModelRow {
  id: number;
  name: string;
  /** import: a model known only by name, whose outputs came in a dataset file (it cannot generate). */
  kind: 'llama' | 'openai' | 'import';
  model_path: string | null;
  base_url: string | null;
  remote_model: string | null;
  api_key_env: string | null;
  api_key_encrypted: Buffer | null;
  settings: string;
  created_at: number;
}

/** The models that can generate (imported models, known only by name, are left out). */
export function listModelRows(db: ReadableDB): RunnableModelRow[] {
  return db.prepare("SELECT * FROM models WHERE retired_at IS NULL AND kind <> 'import' ORDER BY id").all() as RunnableModelRow[];
}

export type RunnableModelRow = ModelRow & { kind: 'llama' | 'openai' };

export function getModelRow(db: ReadableDB, id: number): ModelRow | null {
  return (db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined) ?? null;
}

export function insertModel(
  db: WritableDB,
  m: Omit<ModelRow, 'id' | 'created_at' | 'settings'> & { settings: ModelSettings },
  now: number,
): number {
  const result = db
    .prepare(
      `INSERT INTO models (name, kind, model_path, base_url, remote_model, api_key_env, api_key_encrypted, settings, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(m.name, m.kind, m.model_path, m.base_url, m.remote_model, m.api_key_env, m.api_key_encrypted, JSON.stringify(m.settings), now);
  return Number(result.lastInsertRowid);
}

export function updateModel(db: WritableDB, id: number, name: string, settings: ModelSettings): boolean {
  return db.prepare("UPDATE models SET name = ?, settings = ? WHERE id = ? AND retired_at IS NULL AND kind <> 'import'").run(name, JSON.stringify(settings), id).changes > 0;
}

/** Models are retired, never deleted: generations keep pointing at them. */
export function retireModel(db: WritableDB, id: number, now: number): boolean {
  return db.prepare('UPDATE models SET retired_at = ? WHERE id = ? AND retired_at IS NULL').run(now, id).changes > 0;
}

export function cachedFileHash(db: ReadableDB, path: string, size: number, mtimeMs: number): string | null {
  const row = db.prepare('SELECT sha256 FROM model_file_hashes WHERE path = ? AND size = ? AND mtime_ms = ?').get(path, size, Math.floor(mtimeMs)) as
    | { sha256: string }
    | undefined;
  return row?.sha256 ?? null;
}

export function storeFileHash(db: WritableDB, path: string, size: number, mtimeMs: number, sha256: string): void {
  db.prepare('INSERT OR REPLACE INTO model_file_hashes (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)').run(path, size, Math.floor(mtimeMs), sha256);
}

// ── Templates ────────────────────────────────────────────────────────────────────────────────

interface TemplateRow {
  id: number;
  name: string;
  version: number;
  latest_version: number;
  instruction: string;
  demonstrations: string;
  input_label: string;
  output_label: string;
  created_at: number;
}

function toTemplate(r: TemplateRow): Template {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    latestVersion: r.latest_version,
    instruction: r.instruction,
    demonstrations: JSON.parse(r.demonstrations) as Demonstration[],
    inputLabel: r.input_label,
    outputLabel: r.output_label,
    createdAt: r.created_at,
  };
}

const TEMPLATE_SELECT = `
  SELECT t.id, t.name, v.version, v.instruction, v.demonstrations, v.input_label, v.output_label, v.created_at,
         (SELECT max(version) FROM template_versions WHERE template_id = t.id) AS latest_version
  FROM templates t JOIN template_versions v ON v.template_id = t.id`;

export function listTemplates(db: ReadableDB): Template[] {
  return (db.prepare(`${TEMPLATE_SELECT} WHERE t.retired_at IS NULL AND v.version = (SELECT max(version) FROM template_versions WHERE template_id = t.id) ORDER BY t.name`).all() as TemplateRow[]).map(toTemplate);
}

/** A template at one version (the latest when `version` is undefined). */
export function getTemplate(db: ReadableDB, id: number, version?: number): Template | null {
  const row = (
    version === undefined
      ? db.prepare(`${TEMPLATE_SELECT} WHERE t.id = ? ORDER BY v.version DESC LIMIT 1`).get(id)
      : db.prepare(`${TEMPLATE_SELECT} WHERE t.id = ? AND v.version = ?`).get(id, version)
  ) as TemplateRow | undefined;
  return row ? toTemplate(row) : null;
}

export function findTemplateByName(db: ReadableDB, name: string): number | null {
  return (db.prepare('SELECT id FROM templates WHERE name = ?').get(name) as { id: number } | undefined)?.id ?? null;
}

export function insertTemplate(db: WritableDB, name: string, now: number): number {
  return Number(db.prepare('INSERT INTO templates (name, created_at) VALUES (?, ?)').run(name, now).lastInsertRowid);
}

export function renameTemplate(db: WritableDB, id: number, name: string): void {
  db.prepare('UPDATE templates SET name = ? WHERE id = ?').run(name, id);
}

/** Appends a version; returns its number. Old versions are never changed: generations point at them. */
export function insertTemplateVersion(db: WritableDB, templateId: number, body: TemplateBody, now: number): number {
  const { next } = db.prepare('SELECT coalesce(max(version), 0) + 1 AS next FROM template_versions WHERE template_id = ?').get(templateId) as { next: number };
  db.prepare(
    `INSERT INTO template_versions (template_id, version, instruction, demonstrations, input_label, output_label, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(templateId, next, body.instruction, JSON.stringify(body.demonstrations), body.inputLabel, body.outputLabel, now);
  return next;
}

// ── Generations ──────────────────────────────────────────────────────────────────────────────

/** promptVersion null or left out: the prompt's current version (the workspace's trigger fills it in). */
export type NewGeneration = Omit<Generation, 'id' | 'promptId' | 'promptVersion' | 'createdAt'> & { promptSeq: number; promptVersion?: number | null };

interface GenerationRow {
  id: number;
  prompt_id: string;
  prompt_version: number;
  model_id: number;
  template_id: number | null;
  template_version: number | null;
  mode: 'chat' | 'raw';
  input: string;
  rendered_prompt: string;
  output: string;
  finish_reason: Generation['finishReason'];
  error: string | null;
  runner_kind: Generation['runnerKind'];
  runner_version: string;
  model_sha256: string | null;
  model_path: string | null;
  endpoint_url: string | null;
  model_name: string;
  sampling: string;
  seed: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  ttft_ms: number | null;
  tokens_per_s: number | null;
  started_at: number;
  finished_at: number;
  job_id: number | null;
  sample_index: number;
  source: Generation['source'];
  created_at: number;
}

function toGeneration(r: GenerationRow): Generation {
  return {
    id: r.id,
    promptId: r.prompt_id,
    promptVersion: r.prompt_version,
    modelId: r.model_id,
    templateId: r.template_id,
    templateVersion: r.template_version,
    mode: r.mode,
    input: JSON.parse(r.input) as GenerationInput,
    renderedPrompt: r.rendered_prompt,
    output: r.output,
    finishReason: r.finish_reason,
    error: r.error,
    runnerKind: r.runner_kind,
    runnerVersion: r.runner_version,
    modelSha256: r.model_sha256,
    modelPath: r.model_path,
    endpointUrl: r.endpoint_url,
    modelName: r.model_name,
    sampling: JSON.parse(r.sampling) as Sampling,
    seed: r.seed,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    ttftMs: r.ttft_ms,
    tokensPerSecond: r.tokens_per_s,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    jobId: r.job_id,
    sampleIndex: r.sample_index,
    source: r.source,
    createdAt: r.created_at,
  };
}

export function insertGeneration(db: WritableDB, g: NewGeneration, now: number): number {
  // Without a version the column is left out: the workspace's trigger gives the prompt's current one.
  const versioned = g.promptVersion !== undefined && g.promptVersion !== null;
  const result = db
    .prepare(
      `INSERT INTO generations (prompt_seq, ${versioned ? 'prompt_version, ' : ''}model_id, template_id, template_version, mode, input, rendered_prompt, output,
         finish_reason, error, runner_kind, runner_version, model_sha256, model_path, endpoint_url, model_name, sampling, seed,
         prompt_tokens, completion_tokens, ttft_ms, tokens_per_s, started_at, finished_at, job_id, sample_index, source, created_at)
       VALUES (@promptSeq, ${versioned ? '@promptVersion, ' : ''}@modelId, @templateId, @templateVersion, @mode, @input, @renderedPrompt, @output,
         @finishReason, @error, @runnerKind, @runnerVersion, @modelSha256, @modelPath, @endpointUrl, @modelName, @sampling, @seed,
         @promptTokens, @completionTokens, @ttftMs, @tokensPerSecond, @startedAt, @finishedAt, @jobId, @sampleIndex, @source, @now)`,
    )
    .run({ ...g, input: JSON.stringify(g.input), sampling: JSON.stringify(g.sampling), now });
  return Number(result.lastInsertRowid);
}

const GENERATION_SELECT = 'SELECT g.*, p.id AS prompt_id FROM generations g JOIN prompts p ON p.seq = g.prompt_seq';

export function getGeneration(db: ReadableDB, id: number): Generation | null {
  const row = db.prepare(`${GENERATION_SELECT} WHERE g.id = ?`).get(id) as GenerationRow | undefined;
  return row ? toGeneration(row) : null;
}

export interface GenerationFilter {
  promptId?: string;
  modelId?: number;
  jobId?: number;
  offset: number;
  limit: number;
}

export function listGenerations(db: ReadableDB, f: GenerationFilter): { total: number; items: Generation[] } {
  const conditions: Array<[string, unknown]> = [];
  if (f.promptId !== undefined) conditions.push(['p.id = ?', f.promptId]);
  if (f.modelId !== undefined) conditions.push(['g.model_id = ?', f.modelId]);
  if (f.jobId !== undefined) conditions.push(['g.job_id = ?', f.jobId]);
  const sql = ['1', ...conditions.map(([clause]) => clause)].join(' AND ');
  const params = conditions.map(([, value]) => value);
  const { total } = db.prepare(`SELECT count(*) AS total FROM generations g JOIN prompts p ON p.seq = g.prompt_seq WHERE ${sql}`).get(...params) as { total: number };
  const rows = db.prepare(`${GENERATION_SELECT} WHERE ${sql} ORDER BY g.id DESC LIMIT ? OFFSET ?`).all(...params, f.limit, f.offset) as GenerationRow[];
  return { total, items: rows.map(toGeneration) };
}

export function promptSeqOf(db: ReadableDB, promptId: string): number | null {
  return (db.prepare('SELECT seq FROM prompts WHERE id = ? AND deleted_at IS NULL').get(promptId) as { seq: number } | undefined)?.seq ?? null;
}

// ── Jobs ─────────────────────────────────────────────────────────────────────────────────────

export interface JobRow {
  id: number;
  name: string;
  status: 'running' | 'paused' | 'cancelled' | 'done';
  spec: string;
  created_at: number;
  updated_at: number;
}

export function insertJob(db: WritableDB, name: string, spec: JobSpec, now: number): number {
  return Number(db.prepare("INSERT INTO jobs (name, status, spec, created_at, updated_at) VALUES (?, 'running', ?, ?, ?)").run(name, JSON.stringify(spec), now, now).lastInsertRowid);
}

/** Adds prompts × models × arms (templates) × samples as pending items, in the order they will run. */
export function insertJobItems(db: WritableDB, jobId: number, promptSeqs: number[], modelIds: number[], samples: number, arms = 1): number {
  const insert = db.prepare("INSERT INTO job_items (job_id, prompt_seq, model_id, arm, sample_index, status) VALUES (?, ?, ?, ?, ?, 'pending')");
  let n = 0;
  for (const seq of promptSeqs) {
    for (const modelId of modelIds) {
      for (let arm = 0; arm < arms; arm++) {
        for (let sample = 0; sample < samples; sample++) {
          insert.run(jobId, seq, modelId, arm, sample);
          n++;
        }
      }
    }
  }
  return n;
}

export function getJobRow(db: ReadableDB, id: number): JobRow | null {
  return (db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined) ?? null;
}

export function listJobRows(db: ReadableDB): JobRow[] {
  return db.prepare('SELECT * FROM jobs ORDER BY id DESC').all() as JobRow[];
}

export function setJobStatus(db: WritableDB, id: number, status: JobRow['status'], now: number): void {
  db.prepare('UPDATE jobs SET status = ?, updated_at = ? WHERE id = ?').run(status, now, id);
}

export function jobCounts(db: ReadableDB, jobId: number) {
  const rows = db.prepare('SELECT status, count(*) AS n FROM job_items WHERE job_id = ? GROUP BY status').all(jobId) as { status: string; n: number }[];
  const counts = { total: 0, pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  for (const r of rows) {
    counts[r.status as keyof typeof counts] = r.n;
    counts.total += r.n;
  }
  return counts;
}

/** Whether any item of the job is still pending or running. */
export function jobHasWorkLeft(db: ReadableDB, jobId: number): boolean {
  return db.prepare("SELECT 1 FROM job_items WHERE job_id = ? AND status IN ('pending', 'running') LIMIT 1").get(jobId) !== undefined;
}

/** Seconds per finished item over the last few, for the ETA. */
export function recentItemDurations(db: ReadableDB, jobId: number, limit = 20): number[] {
  return (
    db
      .prepare("SELECT finished_at - started_at AS ms FROM job_items WHERE job_id = ? AND status = 'done' ORDER BY finished_at DESC LIMIT ?")
      .all(jobId, limit) as { ms: number }[]
  ).map((r) => r.ms / 1000);
}

export interface ClaimedItem {
  id: number;
  job_id: number;
  prompt_seq: number;
  model_id: number;
  arm: number;
  sample_index: number;
}

/** Marks the next pending item of a running job on this model as running, and returns it. */
export function claimNextItem(db: WritableDB, modelId: number, now: number): ClaimedItem | null {
  return (
    (db
      .prepare(
        `UPDATE job_items SET status = 'running', attempts = attempts + 1, started_at = ?
         WHERE id = (SELECT i.id FROM job_items i JOIN jobs j ON j.id = i.job_id
                     WHERE i.model_id = ? AND i.status = 'pending' AND j.status = 'running' ORDER BY i.job_id, i.id LIMIT 1)
         RETURNING id, job_id, prompt_seq, model_id, arm, sample_index`,
      )
      .get(now, modelId) as ClaimedItem | undefined) ?? null
  );
}

export function finishItem(db: WritableDB, itemId: number, generationId: number, now: number): void {
  db.prepare("UPDATE job_items SET status = 'done', generation_id = ?, error = NULL, finished_at = ? WHERE id = ?").run(generationId, now, itemId);
}

export function failItem(db: WritableDB, itemId: number, error: string, now: number): void {
  db.prepare("UPDATE job_items SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run(error, now, itemId);
}

/** Puts an item back in the queue (a cancel mid-generation, a pause). */
export function requeueItem(db: WritableDB, itemId: number): void {
  db.prepare("UPDATE job_items SET status = 'pending', started_at = NULL WHERE id = ? AND status = 'running'").run(itemId);
}

/**
 * After a crash or a quit, items left 'running' never finished: no generation was committed for
 * them (it is written in the same transaction as 'done'), so they go back to pending.
 */
export function requeueInterrupted(db: WritableDB): number {
  return db.prepare("UPDATE job_items SET status = 'pending', started_at = NULL WHERE status = 'running'").run().changes;
}

export function retryFailedItems(db: WritableDB, jobId: number): number {
  return db.prepare("UPDATE job_items SET status = 'pending', error = NULL WHERE job_id = ? AND status = 'failed'").run(jobId).changes;
}

export function cancelPendingItems(db: WritableDB, jobId: number): number {
  return db.prepare("UPDATE job_items SET status = 'cancelled' WHERE job_id = ? AND status IN ('pending', 'running')").run(jobId).changes;
}

export function uncancelItems(db: WritableDB, jobId: number): number {
  return db.prepare("UPDATE job_items SET status = 'pending' WHERE job_id = ? AND status = 'cancelled'").run(jobId).changes;
}

export function modelsWithPendingWork(db: ReadableDB): number[] {
  return (
    db
      .prepare("SELECT DISTINCT i.model_id FROM job_items i JOIN jobs j ON j.id = i.job_id WHERE i.status = 'pending' AND j.status = 'running'")
      .all() as { model_id: number }[]
  ).map((r) => r.model_id);
}

export function listJobItems(db: ReadableDB, jobId: number, status: JobItem['status'] | undefined, offset: number, limit: number): { total: number; items: JobItem[] } {
  const filter = status ? 'AND i.status = ?' : '';
  const params: unknown[] = status ? [jobId, status] : [jobId];
  const { total } = db.prepare(`SELECT count(*) AS total FROM job_items i WHERE i.job_id = ? ${filter}`).get(...params) as { total: number };
  const rows = db
    .prepare(
      `SELECT i.id, p.id AS promptId, i.model_id AS modelId, i.arm, i.sample_index AS sampleIndex, i.status, i.attempts, i.error, i.generation_id AS generationId
       FROM job_items i JOIN prompts p ON p.seq = i.prompt_seq WHERE i.job_id = ? ${filter} ORDER BY i.id LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as JobItem[];
  return { total, items: rows };
}
