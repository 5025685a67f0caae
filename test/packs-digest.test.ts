import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../core/workspace/workspace';
import type { ReadableDB } from '../db/handles';
import { SHIPPED_TABLES, shippedDigests } from '../db/packs';
import { cleanupAll, tempDir } from './helpers';

afterAll(cleanupAll);

/**
 * The digest as packs exported before the merge got faster computed it (window + group_concat in
 * SQL, 2,000 rows per group): the faster reading must give the same bytes, or a pack exported by
 * the earlier build would be refused as edited.
 */
function referenceDigests(db: ReadableDB, limits: { maxClassId: number; reviewerId: number }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of SHIPPED_TABLES) {
    const where = t.name === 'failure_classes' ? `WHERE id <= ${limits.maxClassId}` : t.name === 'reviewers' ? `WHERE id = ${limits.reviewerId}` : '';
    const hash = createHash('sha256');
    const info = db.prepare('SELECT name, type FROM pragma_table_info(?)').all(t.name) as { name: string; type: string }[];
    const cols = info.map((c) => (c.type.toUpperCase() === 'BLOB' ? `CASE typeof("${c.name}") WHEN 'blob' THEN 'x' || hex("${c.name}") ELSE "${c.name}" END` : `"${c.name}"`)).join(', ');
    const groups = db
      .prepare(
        `SELECT group_concat(j, char(10) ORDER BY rn) || char(10) FROM (SELECT json_array(${cols}) AS j, row_number() OVER (ORDER BY ${t.order}) AS rn FROM ${t.name} ${where})
         GROUP BY (rn - 1) / 2000 ORDER BY min(rn)`,
      )
      .pluck();
    for (const text of groups.iterate() as IterableIterator<string>) hash.update(text);
    out[t.name] = hash.digest('hex');
  }
  return out;
}

describe('shipped-row digests', () => {
  it('are the same bytes as the SQL group_concat formula, across pages, composite keys, blobs, negative ids and class limits', () => {
    const ws = openWorkspace(path.join(tempDir('assay-digest-'), 'w.assay'));
    try {
      const w = ws.writer;
      const now = Date.UTC(2024, 0, 1);
      w.transaction(() => {
        for (let r = 0; r < 3; r++) w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES (?, 'sme', ?)").run(`R ${r} “ü”`, now);
        w.prepare("INSERT INTO models (name, kind, base_url, remote_model, api_key_encrypted, created_at) VALUES ('m', 'openai', 'http://x', 'm', x'00ff10', ?)").run(now);
        w.prepare("INSERT INTO models (id, name, kind, base_url, remote_model, created_at) VALUES (-5, 'neg', 'openai', 'http://x', 'n', ?)").run(now);
        const gen = w.prepare(
          `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
           VALUES (?, 1, 'raw', '{"mode":"raw","text":"p"}', 'p', ?, 'stop', 'openai', 't', 'm', '{}', ?, ?, 'batch', ?)`,
        );
        // More than two pages (2,000 rows) of prompts and generations, ids with gaps.
        for (let p = 0; p < 2100; p++) {
          const seq = Number(w.prepare('INSERT INTO prompts (seq, id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(1 + p * 3, `p${p}`, `Prompt ${p}\n"quoted" \\ é 😀`, now, now).lastInsertRowid);
          const a = Number(gen.run(seq, `out ${p}`, now, now, now).lastInsertRowid);
          const b = Number(gen.run(seq, `other ${p}`, now, now, now).lastInsertRowid);
          if (p % 2 === 0) {
            const t = Number(w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'pair', 'all-pairs', 0, ?, ?)").run(seq, `${a},${b}`, now).lastInsertRowid);
            w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 1, ?), (?, 0, ?)').run(t, b, t, a);
          }
          // New text: prompt_versions rows (composite key).
          if (p % 7 === 0) w.prepare('UPDATE prompts SET prompt = ? WHERE seq = ?').run(`Prompt ${p}, edited`, seq);
        }
        const s = Number(
          w.prepare("INSERT INTO review_sessions (name, kind, filter, overlap, seed, created_by, created_at) VALUES ('s', 'both', '{}', 2, 1, 1, ?)").run(now).lastInsertRowid,
        );
        for (let i = 5; i > 0; i--) w.prepare("INSERT INTO review_session_items (session_id, kind, item_id) VALUES (?, 'review', ?), (?, 'compare', ?)").run(s, i, s, i);
        w.prepare('INSERT INTO review_session_reviewers (session_id, reviewer_id, added_at) VALUES (?, 2, ?), (?, 1, ?)').run(s, now, s, now);
        w.prepare("INSERT INTO failure_classes (name, created_at) VALUES ('later', ?)").run(now);
      })();
      const counts = Object.fromEntries(SHIPPED_TABLES.map((t) => [t.name, w.prepare(`SELECT count(*) FROM ${t.name}`).pluck().get() as number]));
      expect(counts.generations).toBeGreaterThan(4000);
      expect(counts.prompt_versions).toBeGreaterThan(0);
      expect(counts.review_session_items).toBe(10);
      const maxClass = w.prepare('SELECT max(id) FROM failure_classes').pluck().get() as number;
      for (const limits of [
        { maxClassId: maxClass, reviewerId: 2 },
        { maxClassId: maxClass - 1, reviewerId: 1 },
      ]) {
        expect(shippedDigests(w, limits)).toEqual(referenceDigests(w, limits));
      }
    } finally {
      ws.close();
    }
  });
});
