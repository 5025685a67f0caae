import { useEffect, useState } from 'react';
import type { ImportProgress } from '../../../contract';
import { onEvent } from '../api';

/**
 * The top bar's word on running imports, from any window or tab. An import holds the workspace's
 * write lock until it commits, and saves made meanwhile wait for it (see core/workspace/write-gate.ts):
 * this says why "Saving…" lasts, and how long it will.
 */
export function ImportStatus() {
  const [imports, setImports] = useState<ReadonlyMap<string, ImportProgress>>(new Map());
  useEffect(
    () =>
      onEvent('onDidImportProgress', (progress) =>
        setImports((current) => {
          const next = new Map(current);
          if (progress.phase === 'done' || progress.phase === 'failed') next.delete(progress.importId);
          else next.set(progress.importId, progress);
          return next;
        }),
      ),
    [],
  );
  const running = [...imports.values()].find((p) => p.phase !== 'waiting');
  if (!running) return null;
  const queued = imports.size - 1;
  const pct = running.totalBytes > 0 ? Math.floor((100 * running.bytesRead) / running.totalBytes) : null;
  return (
    <span className="import-status" role="status" title="Saves made now wait until the import has committed, then land in order.">
      Importing {running.file}
      {running.phase === 'committing' ? ' · committing' : pct !== null ? ` · ${pct}%` : ''}
      {queued > 0 ? ` · ${queued} more queued` : ''} · saves wait
    </span>
  );
}
