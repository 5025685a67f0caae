import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../contract/result';

/**
 * `mkdir -p` for folders a person typed (export folders, backup files, workspace paths) that fails
 * instead of hanging: Node 20's `fs.mkdirSync(dir, { recursive: true })` loops forever when mkdir
 * answers ENOENT for a folder whose parent exists (anything under /proc, for one), which would
 * freeze the thread answering the UI. This walks up to the nearest folder that exists and creates
 * each missing level once; a level that cannot be made is an `invalid_input` naming it.
 */
export function ensureFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(level).isDirectory()) continue;
      throw new AppError('invalid_input', `Cannot create the folder ${level} (${code ?? (error as Error).message}). Choose a folder you can write to.`);
    }
  }
  if (!fs.statSync(path.resolve(dir)).isDirectory()) throw new AppError('invalid_input', `${path.resolve(dir)} is a file, not a folder.`);
}
