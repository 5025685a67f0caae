import type { MethodName } from '../contract';

/**
 * What each contract method does to the workspace file. It decides how the engine runs a call while
 * an import holds SQLite's write lock (see core/workspace/write-gate.ts):
 * - `read`: runs at once (WAL readers never wait for the writer);
 * - `write`: first waits for the running import to end, without blocking the event loop;
 * - `import`: a long writer that takes the gate itself, one at a time.
 * A Record over every method name, so a new method does not compile until it is classified. Under
 * ASSAY_TEST=1 the engine checks that a synchronous `read` method changed nothing.
 *
 * Methods that may load a llama.cpp model (load, preview, generate, regenerate) are reads: the only
 * thing they write is the model file's hash cache, which is skipped while an import runs.
 */
export const METHOD_ACCESS: Record<MethodName, 'read' | 'write' | 'import'> = {
  'workspace.info': 'read',
  // Builds into another file, then the shell swaps this engine's workspace: nothing here is written.
  'workspace.openDemo': 'read',
  'workspace.backup': 'read',

  'prompts.list': 'read',
  'prompts.get': 'read',
  'prompts.versions': 'read',
  'prompts.tags': 'read',
  'prompts.create': 'write',
  'prompts.update': 'write',
  'prompts.delete': 'write',
  'prompts.restore': 'write',
  'prompts.import': 'import',
  'prompts.cancelImport': 'read',

  'models.list': 'read',
  'models.add': 'write',
  'models.update': 'write',
  'models.retire': 'write',
  'models.addTestModel': 'write',
  'models.addSampleModel': 'write',
  'models.load': 'read',
  'models.unload': 'read',
  'models.remoteList': 'read',

  'templates.list': 'read',
  'templates.get': 'read',
  'templates.save': 'write',
  'templates.preview': 'read',

  'playground.generate': 'read',
  'playground.cancel': 'read',
  'playground.save': 'write',

  'generations.list': 'read',
  'generations.get': 'read',
  'generations.regenerate': 'read',

  'jobs.create': 'write',
  'jobs.list': 'read',
  'jobs.get': 'read',
  'jobs.items': 'read',
  'jobs.pause': 'write',
  'jobs.resume': 'write',
  'jobs.cancel': 'write',
  'jobs.retryFailed': 'write',
  'sweeps.create': 'write',
  'sweeps.list': 'read',
  'sweeps.results': 'read',
  'rates.get': 'read',
  'rates.sampleSize': 'read',

  'settings.get': 'read',
  // Outside team mode anyone may change it; in team mode only the owner (core/method-roles.ts).
  'settings.update': 'write',

  // Browser mode's server answers these from its sessions (no workspace write); the engine only checks the reviewer.
  'session.signIn': 'read',
  'session.get': 'read',

  'team.invite': 'write',
  'team.invites': 'read',
  'team.revoke': 'write',
  'team.audit': 'read',

  'reviewers.list': 'read',
  'reviewers.create': 'write',
  'rubric.list': 'read',
  'rubric.save': 'write',
  'taxonomy.list': 'read',
  'taxonomy.create': 'write',
  'taxonomy.update': 'write',
  'taxonomy.merge': 'write',
  'taxonomy.retire': 'write',
  'taxonomy.restore': 'write',
  'taxonomy.rates': 'read',
  'guidelines.get': 'read',
  'guidelines.save': 'write',
  'guidelines.history': 'read',

  'review.queue': 'read',
  'review.next': 'read',
  'review.item': 'read',
  'review.save': 'write',
  'review.delete': 'write',
  'review.restore': 'write',
  'review.addTag': 'write',
  'review.removeTag': 'write',
  'review.restoreTag': 'write',
  'review.saveStep': 'write',
  'review.deleteStep': 'write',
  'review.restoreStep': 'write',
  'review.moveStep': 'write',
  'corrections.save': 'write',
  'corrections.history': 'read',

  'comparisons.createTasks': 'write',
  'comparisons.queue': 'read',
  'comparisons.next': 'read',
  'comparisons.task': 'read',
  'comparisons.label': 'write',
  'comparisons.deleteLabel': 'write',
  'comparisons.restoreLabel': 'write',
  'comparisons.leaderboard': 'read',
  'quality.report': 'read',
  'adjudication.queue': 'read',
  'adjudication.item': 'read',
  'adjudication.save': 'write',
  'adjudication.undo': 'write',
  'comparisons.stats': 'read',

  'datasets.previewExport': 'read',
  'datasets.export': 'read',
  'datasets.cancelExport': 'read',
  'datasets.exportDefaults': 'read',
  'datasets.importFull': 'import',
  'datasets.stats': 'read',
  'datasets.import': 'import',

  'sessions.preview': 'read',
  'sessions.create': 'write',
  'sessions.list': 'read',
  'sessions.get': 'read',
  'sessions.update': 'write',
  'sessions.close': 'write',
  'sessions.reopen': 'write',
  'sessions.items': 'read',
  'sessions.setGold': 'write',
  // Reserves the item it hands out.
  'sessions.next': 'write',
  'sessions.release': 'write',
  'sessions.skip': 'write',
  'sessions.saveSwap': 'write',
  'sessions.progress': 'read',

  // Writes another file; the source takes the next pack number and the session's reservations.
  'packs.export': 'write',
  // A long writer on the dataset worker, through the write gate like an import.
  'packs.merge': 'import',
  'packs.info': 'read',
};

/** The writes a review pack allows (its reviewer reviews, compares and may name a new class); every other write is refused there. */
export const PACK_WRITES: ReadonlySet<MethodName> = new Set<MethodName>([
  'review.save', 'review.delete', 'review.restore', 'review.addTag', 'review.removeTag', 'review.restoreTag',
  'review.saveStep', 'review.deleteStep', 'review.restoreStep', 'review.moveStep',
  'comparisons.label', 'comparisons.deleteLabel', 'comparisons.restoreLabel',
  'corrections.save', 'sessions.next', 'sessions.release', 'sessions.skip', 'sessions.saveSwap',
  'taxonomy.create', 'settings.update',
]);
