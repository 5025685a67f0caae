import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker by name from where this module runs: from the TypeScript sources (tests, tsx) the
 * worker is `<name>.ts` loaded through tsx; from the bundle in dist/ it is `<name>.mjs` beside it.
 */
export function startWorker(name: string, workerData: unknown): Worker {
  const bundled = new URL(`./${name}.mjs`, import.meta.url);
  if (fs.existsSync(fileURLToPath(bundled))) return new Worker(bundled, { workerData });
  const source = new URL(`./${name}.ts`, import.meta.url).href;
  return new Worker(new URL('./ts-bootstrap.mjs', import.meta.url), { workerData: { ...(workerData as object), __tsEntry: source } });
}
