import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../db/migrate';
import { cleanupAll, jsonl, runCli, tempDir, writeFile } from './helpers';

afterAll(cleanupAll);

const cli = runCli;

function count(workspace: string): number {
  const db = new Database(workspace, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM prompts WHERE deleted_at IS NULL').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('assay CLI', () => {
  const dir = tempDir('assay-cli-');
  const workspace = path.join(dir, 'cli.assay');

  it('imports a file: exit 0, a summary on stdout, rows in the workspace', async () => {
    const file = writeFile(dir, 'good.jsonl', jsonl([
      { id: 'c1', prompt: 'one', tags: ['x'] },
      { id: 'c2', messages: [{ role: 'user', content: 'two' }] },
      { prompt: 'three', extra: 'ignored' },
    ]));
    const run = await cli('import', file, '--workspace', workspace);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/good\.jsonl: 3 rows, 3 imported, 0 replaced, 0 duplicates skipped in \d+ ms \(ignored columns: extra\)/);
    expect(count(workspace)).toBe(3);

    // Again with --on-duplicate replace, and the short -w.
    const again = await cli('import', file, '-w', workspace, '--on-duplicate', 'replace');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/3 rows, 0 imported, 3 replaced, 0 duplicates skipped/);
    expect(count(workspace)).toBe(3);
  });

  it('fails on a bad line: exit 1, the line number on stderr, nothing imported', async () => {
    const before = count(workspace);
    const file = writeFile(dir, 'bad.jsonl', `${JSON.stringify({ id: 'b1', prompt: 'fine' })}\n{"id": "b2", oops}\n`);
    const run = await cli('import', file, '--workspace', workspace);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.jsonl: line 2: invalid JSON/);
    expect(run.stderr).toMatch(/Nothing from this file was imported/);
    expect(run.stdout).toBe('');
    expect(count(workspace)).toBe(before);
  });

  it('fails with exit 1 on a workspace that is not one, and leaves it alone', async () => {
    const notWorkspace = writeFile(dir, 'notes.txt', 'just some notes, not a database at all'.repeat(50));
    const file = writeFile(dir, 'ok.jsonl', jsonl([{ prompt: 'x' }]));
    const run = await cli('import', file, '--workspace', notWorkspace);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot be opened as a workspace/);
    expect(fs.readFileSync(notWorkspace, 'utf8')).toBe('just some notes, not a database at all'.repeat(50));
  });

  it('exits 2 on wrong usage, without creating anything', async () => {
    const file = writeFile(dir, 'usage.jsonl', jsonl([{ prompt: 'x' }]));
    const missingWorkspace = await cli('import', file);
    expect(missingWorkspace.code).toBe(2);
    expect(missingWorkspace.stderr).toMatch(/--workspace/);

    const fresh = path.join(dir, 'never-created.assay');
    const badPolicy = await cli('import', file, '--workspace', fresh, '--on-duplicate', 'merge');
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toMatch(/--on-duplicate must be skip or replace/);
    expect(fs.existsSync(fresh)).toBe(false);

    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command frobnicate/);

    const unknownFlag = await cli('import', file, '--workspace', fresh, '--bogus');
    expect(unknownFlag.code).toBe(2);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it('prints help with --help and exits 0', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage:/);
    expect(run.stdout).toMatch(/assay import FILE --workspace FILE/);
    expect(run.stdout).toMatch(/Exit codes: 0 success, 1 failure, 2 usage error/);
  });

  it('backs up the workspace: exit 0, a checked copy with the same rows; never over an existing file (exit 1); no --workspace exits 2', async () => {
    const out = path.join(dir, 'copies', 'cli-copy.assay');
    const run = await cli('backup', '--workspace', workspace, '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backed up .*cli\.assay to .*cli-copy\.assay \(\d+\.\d MB, checked\) in \d+ ms/);
    expect(count(out)).toBe(count(workspace));

    const before = fs.readFileSync(out);
    const again = await cli('backup', '-w', workspace, '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cli-copy\.assay already exists\. Choose another file name; a backup never overwrites a file/);
    expect(fs.readFileSync(out).equals(before)).toBe(true);

    expect((await cli('backup')).code).toBe(2);
  });

  it('assay demo builds a demo workspace: exit 0, one summary line, 40 prompts and 80 outputs; never over a workspace with anything in it (exit 1); no --workspace exits 2', async () => {
    const demo = path.join(dir, 'demo', 'try.assay');
    fs.mkdirSync(path.dirname(demo));
    const run = await cli('demo', '--workspace', demo);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/try\.assay: demo workspace with 40 prompts, 2 models and 80 outputs, nothing labelled \(\d+\.\d s\)\. Open it with: npm run serve -- --workspace .*try\.assay/);
    // Not a terminal: a line per phase on stderr.
    expect(run.stderr).toMatch(/\[demo\] Adding 40 prompts\n[^]*\[demo\] Generating 80 outputs with llama\.cpp\n[^]*\[demo\] Demo workspace ready/);
    expect(count(demo)).toBe(40);
    const db = new Database(demo, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM generations').pluck().get()).toBe(80);
      expect(db.prepare('SELECT count(*) FROM reviews').pluck().get()).toBe(0);
    } finally {
      db.close();
    }

    const before = fs.readFileSync(demo);
    const again = await cli('demo', '-w', demo);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/try\.assay already exists and is not empty; the demo is never written over a workspace/);
    expect(fs.readFileSync(demo).equals(before)).toBe(true);

    const usage = await cli('demo');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/assay demo needs --workspace FILE/);
  }, 120_000);

  it('creates the workspace at the latest schema', () => {
    const db = new Database(workspace, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });
});
