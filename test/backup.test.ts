import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { cleanupAll, failure, newEngine, promptCount, unwrap, writeFile } from './helpers';

afterAll(cleanupAll);

/** Opens a backup the way a user would (File › Open) and returns its engine. */
function openCopy(file: string): Engine {
  return new Engine(openWorkspace(file, { create: false }), { shell: 'browser', runJobs: false });
}

describe('workspace backup', () => {
  it('writes a checked copy beside the workspace that opens as a workspace with every label', async () => {
    const { engine, file } = newEngine('backup');
    unwrap(await engine.call('prompts.create', { id: 'p1', prompt: 'What is 17 × 23?' }));
    const reviewer = unwrap(await engine.call('reviewers.create', { name: 'Ada', role: 'sme' }));
    const cls = unwrap(await engine.call('taxonomy.create', { name: 'Arithmetic' }));
    unwrap(await engine.call('guidelines.save', { body: '# Be exact', reviewerId: reviewer.id }));

    const report = unwrap(await engine.call('workspace.backup', {}));
    expect(path.dirname(report.file)).toBe(path.join(path.dirname(file), 'backup-backups'));
    expect(path.basename(report.file)).toMatch(/^backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.assay$/);
    expect(report.bytes).toBe(fs.statSync(report.file).size);
    expect(fs.readdirSync(path.dirname(report.file))).toEqual([path.basename(report.file)]); // no .partial left

    const copy = openCopy(report.file);
    try {
      expect(await promptCount(copy)).toBe(1);
      expect(unwrap(await copy.call('reviewers.list', {})).map((r) => r.name)).toEqual(['Ada']);
      expect(unwrap(await copy.call('taxonomy.list', {})).map((c) => c.id)).toContain(cls.id);
      expect(unwrap(await copy.call('guidelines.get', {}))?.body).toBe('# Be exact');
    } finally {
      await copy.close();
    }
  });

  it('refuses to write over a file, and leaves it as it was', async () => {
    const { engine, dir } = newEngine('backup-exists');
    const target = writeFile(dir, 'taken.assay', 'not yours');
    const error = failure(await engine.call('workspace.backup', { outFile: 'taken.assay' }), 'conflict');
    expect(error.message).toMatch(/taken\.assay already exists/);
    expect(fs.readFileSync(target, 'utf8')).toBe('not yours');
    expect(fs.existsSync(`${target}.partial`)).toBe(false);
  });

  it('runs while another connection is mid-transaction (an import), and copies the last commit only', async () => {
    const { engine, file } = newEngine('backup-busy');
    unwrap(await engine.call('prompts.create', { id: 'before', prompt: 'there before the import' }));
    // An import's open transaction: rows written, not committed.
    const importer = new Database(file);
    importer.exec('BEGIN IMMEDIATE');
    importer.prepare("INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES ('half', 'not committed', 0, 0)").run();
    try {
      const report = unwrap(await engine.call('workspace.backup', { outFile: 'during-import.assay' }));
      const copy = openCopy(report.file);
      try {
        expect(await promptCount(copy)).toBe(1);
        failure(await copy.call('prompts.get', { id: 'half' }), 'not_found');
      } finally {
        await copy.close();
      }
    } finally {
      importer.exec('ROLLBACK');
      importer.close();
    }
  });

  it('refuses a folder that cannot be made, naming it, instead of hanging (Node 20 loops on mkdir -p under /proc)', async () => {
    const { engine, dir } = newEngine('backup-folder');
    const blocker = writeFile(dir, 'not-a-folder', 'a file');
    const underFile = failure(await engine.call('workspace.backup', { outFile: 'not-a-folder/copy.assay' }), 'invalid_input');
    expect(underFile.message).toBe(`${blocker} is a file, not a folder.`);
    expect(fs.readFileSync(blocker, 'utf8')).toBe('a file');
    if (process.platform === 'linux') {
      const proc = failure(await engine.call('workspace.backup', { outFile: '/proc/assay-nope/copy.assay' }), 'invalid_input');
      expect(proc.message).toBe('Cannot create the folder /proc/assay-nope (ENOENT). Choose a folder you can write to.');
    }
    // Nested folders that can be made are made.
    const nested = unwrap(await engine.call('workspace.backup', { outFile: 'a/b/c/copy.assay' }));
    expect(fs.existsSync(nested.file)).toBe(true);
  });
});

