import path from 'node:path';
import type { z } from 'zod';
import {
  AppError,
  type PackMergeProgress,
  type PackMergeReport,
  isMethodName,
  methodNames,
  type PackInfo,
  methods,
  type MethodInput,
  type MethodName,
  type MethodOutput,
  type ParsedInput,
  type Result,
  type WorkspaceInfo,
} from '../contract';
import { LATEST_SCHEMA_VERSION } from '../db/migrate';
import { comparisonService } from './comparisons/service';
import { buildQualityReport } from './quality/report';
import { adjudicationService } from './adjudication/service';
import { datasetService } from './datasets/export/service';
import { datasetImportService } from './datasets/imports/service';
import { openDemoHandler, type SwitchWorkspace } from './demo/open';
import { EventBus } from './events';
import { JobScheduler } from './jobs/scheduler';
import { METHOD_ACCESS, PACK_WRITES } from './method-access';
import { exportPack, packInfo } from './packs/service';
import { rememberPack } from './packs/downloads';
import { runDatasetWorker } from './datasets/export/runner';
import { promptService, type UploadResolver } from './prompts/service';
import { reviewService } from './review/service';
import { settingsService } from './settings/service';
import { sweepService } from './sweeps/service';
import { rateHandlers } from './rates/service';
import { sessionService } from './sessions/service';
import { teamService, type TeamStore } from './team/service';
import { defaultRunnerFactory, listRemoteModels, writeTinyTestModel } from './runner/factory';
import { RunnerPool, type RunnerFactory } from './runner/pool';
import type { SecretStore } from './runner/secrets';
import { runnerService } from './runner/service';
import { WalCheckpointer, type WalCheckpointOptions } from './workspace/checkpoints';
import { CommitGroup, type CommitGroupStats } from './workspace/commit-group';
import type { Workspace } from './workspace/workspace';

type Issue = z.core.$ZodIssue;

/**
 * The issue to show for a refused input. A union (a prompt is text or messages) reports only
 * "Invalid input" at its own level; the branch that got furthest into the input says which field
 * is wrong (`messages.0.role`), so that one is shown.
 */
function explainIssue(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    let best: Issue | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (first && (!best || first.path.length > best.path.length)) best = first;
    }
    if (best) {
      const inner = explainIssue(best);
      return { path: [...issue.path, ...inner.path], message: inner.message };
    }
  }
  return { path: issue.path, message: issue.message };
}

/** SQLITE_BUSY and its extended codes: another connection kept the write lock past busy_timeout. */
function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * The labelling saves that may share one transaction with the others arriving in the same turn of
 * the event loop (`Engine.dispatchWith`, core/workspace/commit-group.ts): synchronous handlers,
 * each one transaction of its own that becomes a savepoint inside the group's.
 */
export const GROUPED_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['review.save', 'comparisons.label']);

export type Handlers = {
  [M in MethodName]: (input: ParsedInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

export interface EngineOptions {
  shell: WorkspaceInfo['shell'];
  /** Electron's safeStorage; browser mode has none and reads API keys from the environment. */
  secrets?: SecretStore | null;
  /** Tests may pass their own; the default makes llama.cpp and OpenAI-compatible runners. */
  runnerFactory?: RunnerFactory;
  /** Start the batch queue (default true); the CLI's one-shot commands leave it off. */
  runJobs?: boolean;
  /** How the shell replaces this engine with one on another file (`workspace.openDemo`); absent in the CLI. */
  switchWorkspace?: SwitchWorkspace;
  /** The clock review sessions measure reservations by (tests inject one). */
  now?: () => number;
  /** When WAL checkpoints run and the WAL's bound (tests make them small). */
  checkpoints?: WalCheckpointOptions;
}

/**
 * The engine every shell binds to its transport: one handler per contract method, and one
 * `dispatch` that validates input with the contract before any handler sees it.
 */
export class Engine {
  readonly events = new EventBus();
  readonly pool: RunnerPool;
  readonly jobs: JobScheduler;
  /** Team mode's invites and audit log, for the server (the `team.*` methods are handlers too). */
  readonly team: TeamStore;
  private readonly handlers: Handlers;
  private readonly disposeRunnerService: () => void;
  private readonly disposeSweeps: () => void;
  /** WAL checkpoints run on their own thread, not inside a reviewer's save. */
  readonly checkpoints: WalCheckpointer;
  /** The labelling saves of one turn share a transaction (see GROUPED_METHODS). */
  private readonly group: CommitGroup;
  private uploadResolver: UploadResolver = () => {
    throw new AppError('invalid_input', 'Uploads are only accepted in browser mode; pass a file path instead.');
  };
  /** Checking outputs too costs a little; tests and dev builds do it to catch contract drift early. */
  private readonly checkOutputs = process.env.ASSAY_TEST === '1';
  /** Set when the file is an offline review pack: only its reviewer's labelling writes are allowed. */
  private readonly pack: ReturnType<typeof packInfo>;

  constructor(
    readonly workspace: Workspace,
    options: EngineOptions,
  ) {
    this.pack = packInfo(workspace.reader);
    const resolveUpload: UploadResolver = (uploadId) => this.uploadResolver(uploadId);
    const checkpoints = (this.checkpoints = new WalCheckpointer(workspace.writer, workspace.file, options.checkpoints));
    const { count, ...prompts } = promptService(workspace, this.events, resolveUpload);
    const secrets = options.secrets ?? null;
    this.pool = new RunnerPool(options.runnerFactory ?? defaultRunnerFactory(workspace, secrets), this.events);
    const { dispose, ...runner } = runnerService({
      workspace,
      events: this.events,
      pool: this.pool,
      secrets,
      writeTestModel: writeTinyTestModel,
      listRemoteModels,
    });
    this.disposeRunnerService = dispose;
    const jobs = (this.jobs = new JobScheduler(workspace, this.pool, this.events));
    const sweeps = sweepService(workspace, jobs, this.events);
    this.disposeSweeps = sweeps.dispose;
    const { handlers: teamHandlers, ...team } = teamService(workspace, { onCommit: () => checkpoints.committed() });
    this.team = team;
    this.handlers = {
      ...runner,
      'jobs.create': (input) => jobs.create(input),
      'jobs.list': () => jobs.list(),
      'jobs.get': (input) => jobs.get(input.id),
      'jobs.items': (input) => jobs.items(input),
      'jobs.pause': (input) => jobs.pause(input.id),
      'jobs.resume': (input) => jobs.resume(input.id),
      'jobs.cancel': (input) => jobs.cancel(input.id),
      'jobs.retryFailed': (input) => jobs.retryFailed(input.id),
      ...sweeps.handlers,
      ...rateHandlers(workspace.reader),
      'workspace.info': () => ({
        path: workspace.file,
        name: workspace.name,
        schemaVersion: LATEST_SCHEMA_VERSION,
        promptCount: count(),
        shell: options.shell,
        pack: this.packView(),
      }),
      'packs.info': () => this.packView(),
      'packs.export': (input) => {
        const result = exportPack(workspace, {
          reviewerId: input.packReviewerId,
          sessionId: input.sessionId,
          generationIds: input.generationIds,
          taskIds: input.taskIds,
          limit: input.limit,
          holdDays: input.holdDays,
          outFile: input.outFile,
          senderId: input.senderId,
          now: options.now?.(),
        });
        rememberPack(result.packId, result.file);
        if (result.sessionId !== null) this.events.emit('onDidChangeSessions', { sessionId: result.sessionId });
        return result;
      },
      'packs.merge': async (input) => {
        const mergeId = input.mergeId ?? `merge-${Date.now().toString(36)}`;
        const files = input.sources.map((s) =>
          s.kind === 'path' ? { path: path.resolve(path.dirname(workspace.file), s.path), name: path.basename(s.path) } : { path: resolveUpload(s.uploadId), name: s.fileName },
        );
        const progress = (p: unknown) => this.events.emit('onDidMergeProgress', { mergeId, ...(p as Omit<PackMergeProgress, 'mergeId'>) });
        // A long writer like an import: one at a time, and this thread's writes wait for it.
        const report = await workspace.writeGate
          .exclusive(() => runDatasetWorker<PackMergeReport>(mergeId, { kind: 'pack-merge', dbPath: workspace.file, files }, progress))
          .catch((error: unknown) => {
            progress({ phase: 'failed', done: 0, total: files.length, pack: '' });
            throw error;
          });
        this.events.emit('onDidChangeComparisons', { reason: 'label' });
        this.events.emit('onDidChangeTaxonomy', {});
        return report;
      },
      ...openDemoHandler(workspace, this.events, options.switchWorkspace),
      ...prompts,
      ...settingsService(workspace, this.events),
      ...teamHandlers,
      ...reviewService(workspace, this.events, { onCommit: () => checkpoints.committed() }),
      ...comparisonService(workspace, this.events, { onCommit: () => checkpoints.committed() }),
      ...datasetService(workspace, this.events, resolveUpload),
      ...datasetImportService(workspace, this.events, resolveUpload),
      'quality.report': (input) => buildQualityReport(workspace.reader, input),
      ...adjudicationService(workspace, { onCommit: () => checkpoints.committed(), now: options.now }),
      ...sessionService(workspace, this.events, { onCommit: () => checkpoints.committed(), now: options.now }),
    };
    this.group = new CommitGroup(workspace.writer, {
      whenWritable: () => (workspace.writeGate.busy ? workspace.writeGate.whenFree() : null),
      events: this.events,
      committed: () => checkpoints.committed(),
      failure: (error) => this.failure('save', error),
    });
    if (options.runJobs !== false) jobs.start();
  }

  /** What this pack is (its labelled count read now), with the methods it refuses; null when the workspace is no pack. */
  private packView(): PackInfo | null {
    const info = packInfo(this.workspace.reader);
    return info && { ...info, refused: methodNames.filter((m) => METHOD_ACCESS[m] !== 'read' && !PACK_WRITES.has(m)) };
  }

  async dispatch(method: unknown, rawInput: unknown): Promise<Result<unknown>> {
    const parsed = this.parse(method, rawInput);
    if (!parsed.ok) return parsed;
    const name = method as MethodName;
    try {
      const handler = this.handlers[name] as (input: unknown) => unknown;
      const access = METHOD_ACCESS[name];
      this.refuseInPack(name);
      // Only while an import runs does a write wait; otherwise it runs in this turn, no extra await.
      if (access === 'write' && this.workspace.writeGate.busy) await this.workspace.writeGate.whenFree();
      const value = access === 'read' && this.checkOutputs ? await this.readOnly(name, handler, parsed.value) : await handler(parsed.value);
      // Every write reported (the review services also report each commit as it happens).
      if (access === 'write') this.checkpoints.committed();
      if (this.checkOutputs) methods[name].output.parse(value);
      return { ok: true, value };
    } catch (error) {
      return this.failure(name, error);
    }
  }

  /**
   * `dispatch`, and then `within(value)` for a call that succeeded, written with it: the server's
   * team audit row. A save of `GROUPED_METHODS` joins the commit group of this turn (one
   * transaction for every save that arrived in it, core/workspace/commit-group.ts): `within` runs in
   * the save's own savepoint, so the save and its audit row commit together or not at all, and the
   * answer comes after the group's COMMIT. Any other method runs as `dispatch` does, and `within`
   * right after it.
   */
  async dispatchWith(method: unknown, rawInput: unknown, within?: (value: unknown) => void): Promise<Result<unknown>> {
    if (!GROUPED_METHODS.has(method as MethodName)) {
      const result = await this.dispatch(method, rawInput);
      if (result.ok && within) {
        if (this.workspace.writeGate.busy) await this.workspace.writeGate.whenFree();
        within(result.value);
      }
      return result;
    }
    const name = method as MethodName;
    const parsed = this.parse(name, rawInput);
    if (!parsed.ok) return parsed;
    return this.group.submit(() => {
      try {
        this.refuseInPack(name);
        const value = (this.handlers[name] as (input: unknown) => unknown)(parsed.value);
        if (value instanceof Promise) throw new Error(`${name} is in GROUPED_METHODS but its handler is asynchronous`);
        if (this.checkOutputs) methods[name].output.parse(value);
        within?.(value);
        return { ok: true, value };
      } catch (error) {
        return this.failure(name, error);
      }
    });
  }

  /** Saves answered through commit groups so far (tests, bench). */
  groupStats(): CommitGroupStats {
    return this.group.stats();
  }

  /** The input checked against the contract, or the refusal to answer instead. */
  private parse(method: unknown, rawInput: unknown): Result<unknown> {
    if (!isMethodName(method)) {
      return { ok: false, error: { code: 'unknown_method', message: `Unknown method ${String(method)}.` } };
    }
    const parsed = methods[method].input.safeParse(rawInput ?? {});
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    const { path, message } = issue ? explainIssue(issue) : { path: [], message: 'rejected' };
    const where = path.length > 0 ? ` (${path.join('.')})` : '';
    return {
      ok: false,
      error: {
        code: 'invalid_input',
        message: `Invalid input for ${method}${where}: ${message}`,
        details: parsed.error.issues,
      },
    };
  }

  /** An offline review pack takes no write but reviewing. */
  private refuseInPack(method: MethodName): void {
    if (METHOD_ACCESS[method] !== 'read' && this.pack && !PACK_WRITES.has(method)) {
      throw new AppError(
        'conflict',
        `This workspace is a review pack for ${this.pack.reviewerName} from "${this.pack.sourceName}": only reviewing and comparing work here. Make this change in "${this.pack.sourceName}", or return the pack to be merged.`,
      );
    }
  }

  /** A thrown error as the call's answer. */
  private failure(method: string, error: unknown): Result<never> {
    if (error instanceof AppError) return { ok: false, error: error.toShape() };
    if (isSqliteBusy(error)) {
      return {
        ok: false,
        error: {
          code: 'busy',
          message: `The workspace is busy: another program is writing to ${this.workspace.file} (an \`assay import\` in a terminal, or Assay open on it twice). Nothing was saved; try again when it has finished.`,
        },
      };
    }
    console.error(`[engine] ${method} failed:`, error);
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${(error as Error).message}` } };
  }

  /**
   * Runs a method classified `read` and, when it finishes synchronously (nothing else can have
   * written meanwhile), fails if the writer connection changed rows: a write misfiled as a read would
   * block the event loop on SQLite's lock during an import instead of waiting for it.
   */
  private readOnly(method: MethodName, handler: (input: unknown) => unknown, input: unknown): unknown {
    const changes = () => this.workspace.writer.prepare('SELECT total_changes()').pluck().get() as number;
    const before = changes();
    const value = handler(input);
    if (!(value instanceof Promise) && changes() !== before) {
      throw new Error(`${method} is classified 'read' in core/method-access.ts but wrote to the workspace`);
    }
    return value;
  }

  /** The shell that accepts uploads (browser mode's HTTP server) says where their bytes are. */
  setUploadResolver(resolver: UploadResolver): void {
    this.uploadResolver = resolver;
  }

  /** The typed form of `dispatch`, for callers inside the process (CLI, tests). */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
    return this.dispatch(method, input) as Promise<Result<MethodOutput<M>>>;
  }

  /** Stops the queue (running items resume on the next start), unloads models, closes the file. */
  async close(): Promise<void> {
    // Saves queued for this turn's group are written (and answered) before the file closes.
    this.group.flushSync();
    this.jobs.stop();
    this.disposeSweeps();
    this.disposeRunnerService();
    await this.checkpoints.dispose();
    await this.pool.disposeAll();
    this.workspace.close();
  }
}
