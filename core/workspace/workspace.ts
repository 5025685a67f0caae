import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../contract/result';
import { openReader, openWriter, type ReadableDB, type WritableDB } from '../../db/handles';
import { assertWorkspaceFile, migrate, type MigrationOutcome } from '../../db/migrate';
import { WriteGate } from './write-gate';
import { ensureFolder } from '../files';

export const WORKSPACE_EXTENSION = '.assay';

/** A workspace is one SQLite file; the engine holds one writer and one reader connection to it. */
export interface Workspace {
  readonly file: string;
  readonly name: string;
  readonly writer: WritableDB;
  readonly reader: ReadableDB;
  /** Imports take SQLite's write lock for minutes; writes on this thread wait here, not in SQLite. */
  readonly writeGate: WriteGate;
  readonly migration: MigrationOutcome;
  close(): void;
}

/**
 * The per-user folder Electron would use as `app.getPath('userData')` for an app named Assay, so
 * browser mode and the desktop app find the same default workspace.
 */
export function userDataDir(): string {
  if (process.env.ASSAY_USER_DATA) return process.env.ASSAY_USER_DATA;
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Assay');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Assay');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Assay');
}

export function defaultWorkspacePath(): string {
  return path.join(userDataDir(), `default${WORKSPACE_EXTENSION}`);
}

export interface OpenWorkspaceOptions {
  /** Create the file when it does not exist (the default); false refuses a missing file. */
  create?: boolean;
  /**
   * How long a write waits for another program's write lock before failing with `busy` (default
   * 10 s). Imports inside this process never make it wait here: see WriteGate.
   */
  busyTimeoutMs?: number;
}

export function openWorkspace(file: string, options: OpenWorkspaceOptions = {}): Workspace {
  const resolved = path.resolve(file);
  const exists = fs.existsSync(resolved);
  if (!exists && options.create === false) {
    throw new AppError('not_found', `No workspace at ${resolved}.`);
  }
  if (!exists) ensureFolder(path.dirname(resolved));
  let writer: WritableDB;
  try {
    // The writer switches the file to WAL, so look at what the file is first: a file we refuse
    // (another program's database) must be left exactly as it was.
    if (exists) {
      const probe = openReader(resolved);
      try {
        assertWorkspaceFile(probe, resolved);
      } finally {
        probe.close();
      }
    }
    writer = openWriter(resolved, { busyTimeoutMs: options.busyTimeoutMs });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('invalid_input', `${resolved} cannot be opened as a workspace: ${(error as Error).message}`);
  }
  try {
    const migration = migrate(writer, resolved);
    const reader = openReader(resolved);
    return {
      file: resolved,
      name: path.basename(resolved, WORKSPACE_EXTENSION),
      writer,
      reader,
      writeGate: new WriteGate(),
      migration,
      close() {
        reader.close();
        writer.close();
      },
    };
  } catch (error) {
    writer.close();
    if (error instanceof AppError) throw error;
    throw new AppError('invalid_input', `${resolved} cannot be opened as a workspace: ${(error as Error).message}`);
  }
}
