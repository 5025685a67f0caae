import type { MethodName, TeamRole } from '../contract';

/**
 * The least role that may call each method in team mode (`assay serve --team`); the server checks it
 * before dispatch and refuses a lower role with `forbidden_role` (server/authorize.ts). Outside team
 * mode (Electron, plain `assay serve`) the one user may call everything and this table is not read.
 *
 * - sme: review, tag, think-aloud, correct, compare, and read what those need;
 * - engineer: also prompts, models, templates, playground, jobs, taxonomy, rubric, guidelines,
 *   imports and exports (and reads that run a model or write a file: preview, backup, export),
 *   review sessions, quality, adjudication; the Team dialog (invites of SMEs, the audit log);
 * - owner: also reviewer profiles, workspace settings, switching workspace, and inviting or revoking
 *   any role (an engineer invites and revokes SMEs only: server/authorize.ts).
 *
 * A Record over every method name, like METHOD_ACCESS: a new method does not compile until it is
 * classified here. Classify by what the method lets someone change or see, not by who calls it
 * today. A method that acts as a reviewer (input `reviewerId`) is additionally bound to the session's
 * reviewer, whatever its role (server/sessions.ts).
 */
export const METHOD_ROLES: Record<MethodName, TeamRole> = {
  'workspace.info': 'sme',
  'workspace.openDemo': 'owner',
  'workspace.backup': 'engineer',

  'prompts.list': 'sme',
  'prompts.get': 'sme',
  'prompts.versions': 'sme',
  'prompts.tags': 'sme',
  'prompts.create': 'engineer',
  'prompts.update': 'engineer',
  'prompts.delete': 'engineer',
  'prompts.restore': 'engineer',
  'prompts.import': 'engineer',
  'prompts.cancelImport': 'engineer',

  'models.list': 'sme',
  'models.add': 'engineer',
  'models.update': 'engineer',
  'models.retire': 'engineer',
  'models.addTestModel': 'engineer',
  'models.addSampleModel': 'engineer',
  'models.load': 'engineer',
  'models.unload': 'engineer',
  'models.remoteList': 'engineer',
  'templates.list': 'sme',

  'templates.get': 'sme',
  'templates.save': 'engineer',
  'templates.preview': 'engineer',
  'playground.generate': 'engineer',
  'playground.cancel': 'engineer',
  'playground.save': 'engineer',
  'generations.list': 'sme',
  'generations.get': 'sme',
  'generations.regenerate': 'engineer',

  'jobs.create': 'engineer',
  'jobs.list': 'sme',
  'jobs.get': 'sme',
  'jobs.items': 'sme',
  'jobs.pause': 'engineer',
  'jobs.resume': 'engineer',
  'jobs.cancel': 'engineer',
  'jobs.retryFailed': 'engineer',
  'sweeps.create': 'engineer',
  'sweeps.list': 'sme',
  'sweeps.results': 'sme',
  'rates.get': 'sme',
  'rates.sampleSize': 'sme',

  'settings.get': 'sme',
  'settings.update': 'owner',
  'session.signIn': 'sme',
  'session.get': 'sme',
  'reviewers.list': 'sme',
  'reviewers.create': 'owner',
  'team.invite': 'engineer',
  'team.invites': 'engineer',
  'team.revoke': 'engineer',
  'team.audit': 'engineer',

  'rubric.list': 'sme',
  'rubric.save': 'engineer',
  'taxonomy.list': 'sme',
  'taxonomy.create': 'engineer',
  'taxonomy.update': 'engineer',
  'taxonomy.merge': 'engineer',
  'taxonomy.retire': 'engineer',
  'taxonomy.restore': 'engineer',
  'taxonomy.rates': 'sme',
  'guidelines.get': 'sme',
  'guidelines.save': 'engineer',
  'guidelines.history': 'sme',
  'review.queue': 'sme',

  'review.next': 'sme',
  'review.item': 'sme',
  'review.save': 'sme',
  'review.delete': 'sme',
  'review.restore': 'sme',
  'review.addTag': 'sme',
  'review.removeTag': 'sme',
  'review.restoreTag': 'sme',
  'review.saveStep': 'sme',
  'review.deleteStep': 'sme',
  'review.restoreStep': 'sme',
  'review.moveStep': 'sme',
  'corrections.save': 'sme',
  'corrections.history': 'sme',
  'comparisons.createTasks': 'engineer',
  'comparisons.queue': 'sme',

  'comparisons.next': 'sme',
  'comparisons.task': 'sme',
  'comparisons.label': 'sme',
  'comparisons.deleteLabel': 'sme',
  'comparisons.restoreLabel': 'sme',
  'comparisons.leaderboard': 'sme',
  'comparisons.stats': 'sme',
  'datasets.previewExport': 'engineer',
  'datasets.export': 'engineer',

  'datasets.cancelExport': 'engineer',
  'datasets.exportDefaults': 'engineer',
  'datasets.importFull': 'engineer',
  'datasets.stats': 'sme',
  'datasets.import': 'engineer',

  // Review sessions: an engineer makes and runs them (items and progress show gold answers and
  // everyone's accuracy); an SME works the ones they are assigned to. An SME sees only those in
  // sessions.list / sessions.get (server/authorize.ts narrows the answer).
  'sessions.preview': 'engineer',
  'sessions.create': 'engineer',
  'sessions.update': 'engineer',
  'sessions.close': 'engineer',
  'sessions.reopen': 'engineer',
  'sessions.items': 'engineer',
  'sessions.setGold': 'engineer',
  'sessions.progress': 'engineer',
  'sessions.list': 'sme',
  'sessions.get': 'sme',
  'sessions.next': 'sme',
  'sessions.release': 'sme',
  'sessions.skip': 'sme',
  'sessions.saveSwap': 'sme',

  // Agreement and calibration of every reviewer: the engineer's view of the team.
  'quality.report': 'engineer',
  // Adjudication shows every reviewer's label side by side and records the final one: an adjudicator
  // is an engineer or the owner; save acts as the signed-in adjudicator (reviewerId, server/sessions.ts).
  'adjudication.queue': 'engineer',
  'adjudication.item': 'engineer',
  'adjudication.save': 'engineer',
  'adjudication.undo': 'engineer',

  // Offline review packs: an engineer hands out work and merges it back (writes files, every
  // reviewer's labels); what a pack is can be read by anyone who may open it.
  'packs.export': 'engineer',
  'packs.merge': 'engineer',
  'packs.info': 'sme',
};
