import fs from 'node:fs';
import { AppError } from '../contract/result';
import type { ReadableDB, WritableDB } from './handles';
import type { Migration } from './migration';
import { migration as m0001 } from './migrations/0001-workspace';
import { migration as m0002 } from './migrations/0002-prompts';
import { migration as m0003 } from './migrations/0003-prompts-search';
import { migration as m0004 } from './migrations/0004-runner';
import { migration as m0005 } from './migrations/0005-review';
import { migration as m0006 } from './migrations/0006-comparisons';
import { migration as m0007 } from './migrations/0007-imports';
import { migration as m0008 } from './migrations/0008-settings';
import { migration as m0009 } from './migrations/0009-prompt-versions';
import { migration as m0010 } from './migrations/0010-tag-origin';
import { migration as m0011 } from './migrations/0011-sessions';
import { migration as m0012 } from './migrations/0012-team';
import { migration as m0013 } from './migrations/0013-adjudication';
import { migration as m0014 } from './migrations/0014-packs';
import { migration as m0015 } from './migrations/0015-session-skips';
import { migration as m0016 } from './migrations/0016-job-arms';
import { migration as m0017 } from './migrations/0017-probes';

/** 'ASSY' — marks the file as an Assay workspace for us and for `file(1)`-style tools. */
export const ASSAY_APPLICATION_ID = 0x41535359;

export const migrations: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014, m0015, m0016, m0017];
export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

export interface MigrationOutcome {
  from: number;
  to: number;
  /** The copy written before upgrading a file that already held data; null for a new file. */
  backupPath: string | null;
}

function backupPathFor(file: string, version: number): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let candidate = `${file}.v${version}-${stamp}.bak`;
  for (let n = 1; fs.existsSync(candidate); n++) candidate = `${file}.v${version}-${stamp}-${n}.bak`;
  return candidate;
}

/**
 * Refuses a file that is not an Assay workspace this build can read, and returns its schema version.
 * Takes any connection (a read-only one too), so a file can be checked before anything writes to it.
 */
export function assertWorkspaceFile(db: ReadableDB, file: string): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  const applicationId = db.pragma('application_id', { simple: true }) as number;

  if (from === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
    if (tables.n > 0) {
      throw new AppError('invalid_input', `${file} is an SQLite file but not an Assay workspace; open or create a .assay file instead.`);
    }
  } else if (applicationId !== ASSAY_APPLICATION_ID) {
    throw new AppError('invalid_input', `${file} is not an Assay workspace (application_id ${applicationId}).`);
  }
  if (from > LATEST_SCHEMA_VERSION) {
    throw new AppError(
      'invalid_input',
      `${file} was written by a newer Assay (schema v${from}; this build reads up to v${LATEST_SCHEMA_VERSION}). Update Assay to open it.`,
    );
  }
  return from;
}

type ForeignKeyViolation = { table: string; rowid: number | null; parent: string; fkid: number };

function foreignKeyViolations(db: WritableDB): Set<string> {
  const rows = db.pragma('foreign_key_check') as ForeignKeyViolation[];
  return new Set(rows.map((r) => `${r.table} row ${r.rowid} → ${r.parent} (#${r.fkid})`));
}

/**
 * Runs one migration in its own transaction together with its user_version. A migration that
 * rebuilds tables runs with foreign keys off (PRAGMA foreign_keys is a no-op inside a transaction,
 * so it is switched around it) and must not leave a reference broken that was not broken before
 * (`PRAGMA foreign_key_check`), or it rolls back.
 */
export function applyMigration(db: WritableDB, m: Migration): void {
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const before = m.rebuildsTables ? foreignKeyViolations(db) : null;
      m.up(db);
      if (before) {
        const broken = [...foreignKeyViolations(db)].filter((v) => !before.has(v));
        if (broken.length > 0) {
          throw new AppError(
            'internal',
            `Migration ${m.version} (${m.name}) would leave ${broken.length} broken reference(s), e.g. ${broken[0]}; the workspace was not changed.`,
          );
        }
      }
      db.pragma(`user_version = ${m.version}`);
    })();
  } finally {
    if (m.rebuildsTables && foreignKeys) db.pragma('foreign_keys = ON');
  }
}

/**
 * Brings the file to `target` (the latest schema by default). Each migration runs in its own
 * transaction together with the user_version bump, so a crash leaves the file at a known version.
 * Before touching a file that already has data, a consistent copy is written next to it.
 */
export function migrate(db: WritableDB, file: string, target = LATEST_SCHEMA_VERSION): MigrationOutcome {
  const from = assertWorkspaceFile(db, file);
  const pending = migrations.filter((m) => m.version > from && m.version <= target);
  if (pending.length === 0) return { from, to: from, backupPath: null };

  let backupPath: string | null = null;
  if (from > 0 && file !== ':memory:') {
    backupPath = backupPathFor(file, from);
    // VACUUM INTO writes a transactionally consistent copy, WAL contents included.
    db.prepare('VACUUM INTO ?').run(backupPath);
  }

  if (from === 0) db.pragma(`application_id = ${ASSAY_APPLICATION_ID}`);
  for (const m of pending) applyMigration(db, m);
  return { from, to: pending[pending.length - 1]!.version, backupPath };
}
