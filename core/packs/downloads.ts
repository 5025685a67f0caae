import fs from 'node:fs';
import path from 'node:path';

/**
 * Packs exported in this process, by pack id, so browser mode can offer the file for download
 * (`GET /packs/<packId>/<file name>`), as finished dataset exports are (`exportedFile`). Only a file
 * `packs.export` wrote is served; the oldest entries are forgotten after a while.
 */
const exported = new Map<string, string>();
const KEPT = 200;

export function rememberPack(packId: string, file: string): void {
  exported.set(packId, file);
  while (exported.size > KEPT) exported.delete(exported.keys().next().value!);
}

/** The path of the pack `packId` if `name` is its base name and it is still there; null otherwise. */
export function exportedPack(packId: string, name: string): string | null {
  const file = exported.get(packId);
  return file && path.basename(file) === name && fs.existsSync(file) ? file : null;
}
