import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../core/workspace/workspace';
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
