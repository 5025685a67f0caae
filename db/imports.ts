import type { ChatMessage } from '../contract/prompts';
import type { GenerationInput } from '../contract/runner';
import type { ReadableDB, WritableDB } from './handles';

/**
 * Writes of dataset imports (db/migrations/0007-imports.ts): imported models and reviewers,
 * imported generations with their provenance rows, and the provenance of imported labels.
 * Statements are prepared once per import: an HH-RLHF file is 160k records.
 */

export interface ImportedGenerationRow {
  promptSeq: number;
  modelId: number;
  modelName: string;
  /** The format, kept as the generation's runner_version ("hh-rlhf", "arena", …). */
  format: string;
  input: GenerationInput;
  renderedPrompt: string;
  output: string;
  madeAt: number;
}

export interface ImportProvenance {
  importId: number;
  line: number;
  externalId: string | null;
  meta: Record<string, unknown> | null;
}

export function datasetImportWriter(db: WritableDB) {
  const insertImport = db.prepare('INSERT INTO imports (file, format, created_at) VALUES (?, ?, ?)');
  const finishImport = db.prepare('UPDATE imports SET report = ? WHERE id = ?');
  const findModel = db.prepare("SELECT id FROM models WHERE kind = 'import' AND name = ?").pluck();
  const insertModel = db.prepare("INSERT INTO models (name, kind, settings, created_at) VALUES (?, 'import', '{}', ?)");
  const findReviewer = db.prepare('SELECT id FROM reviewers WHERE name = ? COLLATE NOCASE').pluck();
  const insertReviewer = db.prepare("INSERT INTO reviewers (name, role, created_at) VALUES (?, 'nlp', ?)");
  const findPrompt = db.prepare('SELECT seq, prompt, messages FROM prompts WHERE id = ?');
  const findGeneration = db
    .prepare("SELECT id FROM generations WHERE prompt_seq = ? AND model_id = ? AND source = 'import' AND output = ? ORDER BY id LIMIT 1")
    .pluck();
  const insertGeneration = db.prepare(
    `INSERT INTO generations (prompt_seq, model_id, template_id, template_version, mode, input, rendered_prompt, output,
       finish_reason, error, runner_kind, runner_version, model_sha256, model_path, endpoint_url, model_name, sampling, seed,
       prompt_tokens, completion_tokens, ttft_ms, tokens_per_s, started_at, finished_at, job_id, sample_index, source, created_at)
     VALUES (@promptSeq, @modelId, NULL, NULL, @mode, @input, @renderedPrompt, @output,
       'stop', NULL, 'import', @format, NULL, NULL, NULL, @modelName, '{}', NULL,
       NULL, NULL, NULL, NULL, @madeAt, @madeAt, NULL, 0, 'import', @now)`,
  );
  const insertGenerationImport = db.prepare(
    'INSERT INTO generation_imports (generation_id, import_id, line, external_id, meta) VALUES (?, ?, ?, ?, ?)',
  );
  const findTask = db.prepare('SELECT id FROM comparison_tasks WHERE kind = ? AND set_key = ?').pluck();
  const taskOrder = db.prepare('SELECT generation_id FROM comparison_task_outputs WHERE task_id = ? ORDER BY position').pluck();
  const upsertLabelImport = db.prepare(
    `INSERT INTO comparison_label_imports (label_id, import_id, line, external_id, meta) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (label_id) DO UPDATE SET import_id = excluded.import_id, line = excluded.line,
       external_id = excluded.external_id, meta = excluded.meta`,
  );
  const json = (meta: Record<string, unknown> | null) => (meta === null ? null : JSON.stringify(meta));

  return {
    /** Starts the record of an import; its id goes on every provenance row. */
    startImport(file: string, format: string, now: number): number {
      return Number(insertImport.run(file, format, now).lastInsertRowid);
    },
    finishImport(id: number, report: unknown): void {
      finishImport.run(JSON.stringify(report), id);
    },
    /** The imported model of this name, made if missing. */
    importedModel(name: string, now: number): { id: number; created: boolean } {
      const id = findModel.get(name) as number | undefined;
      if (id !== undefined) return { id, created: false };
      return { id: Number(insertModel.run(name, now).lastInsertRowid), created: true };
    },
    /** The reviewer of this name (any case), made if missing. */
    reviewer(name: string, now: number): { id: number; created: boolean } {
      const id = findReviewer.get(name) as number | undefined;
      if (id !== undefined) return { id, created: false };
      return { id: Number(insertReviewer.run(name, now).lastInsertRowid), created: true };
    },
    prompt(id: string): { seq: number; prompt: string | null; messages: ChatMessage[] | null } | null {
      const row = findPrompt.get(id) as { seq: number; prompt: string | null; messages: string | null } | undefined;
      if (!row) return null;
      return { seq: row.seq, prompt: row.prompt, messages: row.messages === null ? null : (JSON.parse(row.messages) as ChatMessage[]) };
    },
    /** An imported generation of this prompt and model with exactly this text, if there is one. */
    findGeneration(promptSeq: number, modelId: number, output: string): number | null {
      return (findGeneration.get(promptSeq, modelId, output) as number | undefined) ?? null;
    },
    insertGeneration(g: ImportedGenerationRow, provenance: ImportProvenance, now: number): number {
      const id = Number(
        insertGeneration.run({
          promptSeq: g.promptSeq,
          modelId: g.modelId,
          mode: g.input.mode,
          input: JSON.stringify(g.input),
          renderedPrompt: g.renderedPrompt,
          output: g.output,
          format: g.format,
          modelName: g.modelName,
          madeAt: g.madeAt,
          now,
        }).lastInsertRowid,
      );
      insertGenerationImport.run(id, provenance.importId, provenance.line, provenance.externalId, json(provenance.meta));
      return id;
    },
    /** The task of this kind over exactly these generations, and its shown order. */
    findTask(kind: 'pair' | 'rank', setKey: string): { id: number; order: number[] } | null {
      const id = findTask.get(kind, setKey) as number | undefined;
      if (id === undefined) return null;
      return { id, order: taskOrder.all(id) as number[] };
    },
    recordLabel(labelId: number, provenance: ImportProvenance): void {
      upsertLabelImport.run(labelId, provenance.importId, provenance.line, provenance.externalId, json(provenance.meta));
    },
  };
}

/** Where an imported generation came from. */
export function generationImport(db: ReadableDB, generationId: number): (Omit<ImportProvenance, 'meta'> & { file: string; format: string; meta: unknown }) | null {
  const row = db
    .prepare(
      `SELECT gi.import_id, gi.line, gi.external_id, gi.meta, i.file, i.format
       FROM generation_imports gi JOIN imports i ON i.id = gi.import_id WHERE gi.generation_id = ?`,
    )
    .get(generationId) as { import_id: number; line: number; external_id: string | null; meta: string | null; file: string; format: string } | undefined;
  if (!row) return null;
  return {
    importId: row.import_id,
    line: row.line,
    externalId: row.external_id,
    meta: row.meta === null ? null : (JSON.parse(row.meta) as unknown),
    file: row.file,
    format: row.format,
  };
}
