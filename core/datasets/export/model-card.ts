import fs from 'node:fs';
import path from 'node:path';
import type { ExportPreview, ExportReport } from '../../../contract/datasets';
import type { ReadableDB } from '../../../db/handles';
import { ensureFolder } from '../../files';
import { gatherModelCard } from '../../model-card/data';
import { renderModelCard } from '../../model-card/render';
import { cancelledError, inReadTransaction, tempName, type ExportHooks, type ExportRequest } from './common';

/**
 * `format: model-card`: no rows, one README.md (core/model-card/), read in one snapshot and written
 * under a temporary name, renamed when complete. The preview carries the card itself.
 */
export function runModelCardExport(db: ReadableDB, req: ExportRequest, hooks: ExportHooks): ExportReport | ExportPreview {
  const started = performance.now();
  hooks.progress({ phase: 'counting', done: 0, total: 1, rows: 0, bytes: 0 });
  const card = inReadTransaction(db, () => renderModelCard(gatherModelCard(db, { ...req.options.modelCard, license: req.options.license })));
  if (hooks.cancelled()) throw cancelledError();
  const counts = { train: 0, test: 0, skipped: {}, examples: {} };
  const bytes = Buffer.byteLength(card);
  if (req.mode === 'preview') {
    hooks.progress({ phase: 'done', done: 1, total: 1, rows: 0, bytes });
    return { counts, style: null, rows: { train: [], test: [] }, columns: [], card };
  }
  ensureFolder(req.outDir);
  const tmp = tempName(req.outDir, 'README.md', req.exportId);
  try {
    fs.writeFileSync(tmp, card);
    if (hooks.cancelled()) throw cancelledError();
    fs.renameSync(tmp, path.join(req.outDir, 'README.md'));
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  hooks.progress({ phase: 'done', done: 1, total: 1, rows: 0, bytes });
  return {
    exportId: req.exportId,
    dir: req.outDir,
    files: [{ path: path.join(req.outDir, 'README.md'), split: null, rows: 0, bytes }],
    counts,
    style: null,
    durationMs: Math.round(performance.now() - started),
  };
}
