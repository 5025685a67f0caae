import fs from 'node:fs';
import { AppError } from '../contract/result';
import { openReader, type ReadableDB } from './handles';

/**
 * Writes a consistent copy of the workspace to `outFile` with `VACUUM INTO` (one read transaction:
 * the copy is the workspace as of one commit, WAL included, even while labels are being saved), and
 * checks the copy before giving it its name: it goes to `<outFile>.partial`, passes SQLite's
 * quick_check, then is renamed, so a file with the final name is always a whole, readable workspace.
 */
export function backupWorkspace(db: ReadableDB, outFile: string): { bytes: number } {
  if (fs.existsSync(outFile)) throw new AppError('conflict', `${outFile} already exists. Choose another file name; a backup never overwrites a file.`);
  const partial = `${outFile}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(partial);
    // openReader: the same native binding as every other connection (Electron's ABI in the app).
    const copy = openReader(partial);
    try {
      const result = copy.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new AppError('internal', `The backup copy failed SQLite's check (${String(result)}); nothing was kept. Try again.`);
    } finally {
      copy.close();
    }
    fs.renameSync(partial, outFile);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError('invalid_input', `Cannot write the backup to ${outFile} (${code ?? (error as Error).message}). Check that the folder exists and is writable, and that the disk has room.`);
  }
  return { bytes: fs.statSync(outFile).size };
}
