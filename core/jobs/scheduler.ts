import type { ParsedInput } from '../../contract';
import { AppError } from '../../contract/result';
import type { Job, JobSpec } from '../../contract/runner';
import { getPrompt, promptSeqsForIds, promptSeqsMatching } from '../../db/prompts';
import {
  cancelPendingItems,
  claimNextItem,
  failItem,
  finishItem,
  getJobRow,
  getModelRow,
  getTemplate,
  insertGeneration,
  insertJob,
  insertJobItems,
  jobCounts,
  jobHasWorkLeft,
  listJobItems,
  listJobRows,
  modelsWithPendingWork,
  recentItemDurations,
  requeueInterrupted,
  requeueItem,
  retryFailedItems,
  setJobStatus,
  type ClaimedItem,
  type JobRow,
} from '../../db/runner';
import type { EventBus } from '../events';
import type { RunnerPool } from '../runner/pool';
import { toNewGeneration } from '../runner/records';
import { parseSettings } from '../runner/service';
import { renderTemplate } from '../runner/templates';
import type { Workspace } from '../workspace/workspace';

const JOB_EVENT_INTERVAL_MS = 250;

type TemplateArm = JobSpec['template'];

/** A job's template arms: its `templates` list, or the one `template` (null: none) as a single arm. */
export function jobArms(spec: JobSpec): TemplateArm[] {
  return spec.templates ?? [spec.template];
}

/**
 * The batch queue. Items live in SQLite, so a job survives closing the app or a crash: on start,
 * items that were running go back to pending and the queue carries on. Each model runs as many
 * items at once as its concurrency setting allows. An item's generation and its 'done' mark are
 * one transaction: an item is never done without its output, nor generated twice.
 */
export class JobScheduler {
  private readonly loops = new Map<number, number>();
  private readonly inFlight = new Map<number, { jobId: number; abort: AbortController }>();
  private readonly lastEvent = new Map<number, number>();
  private readonly pendingEvent = new Map<number, ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(
    private readonly workspace: Workspace,
    private readonly pool: RunnerPool,
    private readonly events: EventBus,
  ) {}

  /** Picks up where the last run stopped. */
  start(): void {
    const requeued = requeueInterrupted(this.workspace.writer);
    if (requeued > 0) console.error(`[jobs] ${requeued} interrupted item(s) back in the queue`);
    this.kick();
  }

  /** Starts a worker loop for every model that has pending work, up to its concurrency. */
  kick(): void {
    if (this.stopped) return;
    for (const modelId of modelsWithPendingWork(this.workspace.reader)) {
      const row = getModelRow(this.workspace.reader, modelId);
      if (!row) continue;
      const want = parseSettings(row).concurrency;
      for (let n = this.loops.get(modelId) ?? 0; n < want; n++) {
        this.loops.set(modelId, (this.loops.get(modelId) ?? 0) + 1);
        void this.loop(modelId);
      }
    }
  }

  private async loop(modelId: number): Promise<void> {
    const { writer, writeGate } = this.workspace;
    try {
      while (!this.stopped) {
        // Every write here waits (without blocking the event loop) while an import holds the lock.
        await writeGate.whenFree();
        if (this.stopped) return;
        const item = claimNextItem(writer, modelId, Date.now());
        if (!item) return;
        this.emitJob(item.job_id);
        await this.runItem(item);
        if (this.stopped) return;
        this.emitJob(item.job_id);
        await writeGate.whenFree();
        this.finishJobIfComplete(item.job_id);
      }
    } finally {
      // Count the loop out in the same turn it finds the queue empty. Decrementing later (in a
      // .finally() on the returned promise) left a window of one microtask in which a job created
      // for this model saw the loop still counted, started none, and stayed pending for good.
      this.loops.set(modelId, (this.loops.get(modelId) ?? 1) - 1);
    }
  }

  private async runItem(item: ClaimedItem): Promise<void> {
    const { reader, writer, writeGate } = this.workspace;
    const abort = new AbortController();
    this.inFlight.set(item.id, { jobId: item.job_id, abort });
    try {
      const job = getJobRow(reader, item.job_id)!;
      const spec = JSON.parse(job.spec) as JobSpec;
      const model = getModelRow(reader, item.model_id);
      const prompt = reader.prepare('SELECT id FROM prompts WHERE seq = ?').pluck().get(item.prompt_seq) as string | undefined;
      const content = prompt === undefined ? null : getPrompt(reader, prompt);
      if (!model || !content) throw new Error(!model ? 'the model was removed' : 'the prompt was deleted');
      const arm = jobArms(spec)[item.arm];
      if (arm === undefined) throw new Error(`the job has no template arm ${item.arm}`);
      const template = arm ? getTemplate(reader, arm.templateId, arm.version) : null;
      if (arm && !template) throw new Error('the template version is gone');
      const input = renderTemplate(template, content, spec.mode);
      const runner = await this.pool.get(model);
      const sampling = { ...spec.sampling };
      const result = await this.pool.withSlot(model.id, parseSettings(model).concurrency, () => runner.generate({ input, sampling, signal: abort.signal }));
      await writeGate.whenFree();
      // Stopping (the app quits): leave the item 'running'; the next start puts it back in the queue.
      if (this.stopped) return;
      if (result.finishReason === 'cancelled') {
        // Paused or cancelled mid-generation: nothing is stored. A pause puts the item back; Cancel
        // already marked it cancelled, which requeueItem (running items only) leaves alone. Not
        // decided by the job's status now: a Resume right after the Pause would leave it 'running'
        // for good, and the job never done.
        requeueItem(writer, item.id);
        return;
      }
      if (result.finishReason === 'error') throw new Error(result.error ?? 'the runner reported an error');
      writer.transaction(() => {
        const now = Date.now();
        const generationId = insertGeneration(
          writer,
          toNewGeneration(
            {
              promptSeq: item.prompt_seq,
              // The version rendered above: an edit while this ran made a new version, not this text.
              promptVersion: content.version,
              modelId: model.id,
              templateId: template?.id ?? null,
              templateVersion: template?.version ?? null,
              mode: spec.mode,
              input,
              sampling,
              identity: runner.describe(),
              jobId: item.job_id,
              sampleIndex: item.sample_index,
              source: 'batch',
            },
            result,
          ),
          now,
        );
        finishItem(writer, item.id, generationId, now);
      })();
    } catch (error) {
      await writeGate.whenFree();
      // An abort by Cancel is not a failure: the item stays cancelled (a pause puts it back).
      if (this.stopped) return;
      if (abort.signal.aborted) {
        requeueItem(writer, item.id);
        return;
      }
      failItem(writer, item.id, (error as Error).message, Date.now());
    } finally {
      this.inFlight.delete(item.id);
    }
  }

  private finishJobIfComplete(jobId: number): void {
    // Asked after every item: one index seek, not a count of the job's items (a sweep has thousands).
    const job = getJobRow(this.workspace.reader, jobId);
    if (job?.status === 'running' && !jobHasWorkLeft(this.workspace.reader, jobId)) {
      setJobStatus(this.workspace.writer, jobId, 'done', Date.now());
      this.emitJob(jobId, true);
    }
  }

  toJob(row: JobRow): Job {
    const counts = jobCounts(this.workspace.reader, row.id);
    const durations = recentItemDurations(this.workspace.reader, row.id);
    const remaining = counts.pending + counts.running;
    let etaSeconds: number | null = null;
    if (row.status === 'running' && durations.length >= 2 && remaining > 0) {
      const spec = JSON.parse(row.spec) as JobSpec;
      const parallel = spec.modelIds.reduce((sum, id) => {
        const model = getModelRow(this.workspace.reader, id);
        return sum + (model ? parseSettings(model).concurrency : 1);
      }, 0);
      const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
      etaSeconds = Math.round((mean * remaining) / Math.max(1, parallel));
    }
    return { id: row.id, name: row.name, status: row.status, spec: JSON.parse(row.spec) as JobSpec, counts, etaSeconds, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  /** Job progress to the UI, at most every 250 ms per job (the last change always goes out). */
  private emitJob(jobId: number, now = false): void {
    const send = () => {
      this.pendingEvent.delete(jobId);
      this.lastEvent.set(jobId, Date.now());
      const row = getJobRow(this.workspace.reader, jobId);
      if (row) this.events.emit('onDidChangeJob', this.toJob(row));
    };
    const wait = JOB_EVENT_INTERVAL_MS - (Date.now() - (this.lastEvent.get(jobId) ?? 0));
    if (now || wait <= 0) {
      clearTimeout(this.pendingEvent.get(jobId));
      send();
    } else if (!this.pendingEvent.has(jobId)) {
      this.pendingEvent.set(jobId, setTimeout(send, wait));
    }
  }

  private mustJob(id: number): JobRow {
    const row = getJobRow(this.workspace.reader, id);
    if (!row) throw new AppError('not_found', `No job ${id}.`);
    return row;
  }

  private abortJob(jobId: number): void {
    for (const flight of this.inFlight.values()) if (flight.jobId === jobId) flight.abort.abort();
  }

  create(input: ParsedInput<'jobs.create'>): Job {
    const jobId = this.insert(input);
    this.kick();
    return this.toJob(this.mustJob(jobId));
  }

  /**
   * Checks the spec and writes the job with its items in one transaction (a savepoint inside the
   * caller's, as sweeps.create makes its shot templates in the same one); returns its id. Nothing
   * runs until `kick()` after the commit.
   */
  insert(input: ParsedInput<'jobs.create'>): number {
    const { reader, writer } = this.workspace;
    const { spec } = input;
    for (const id of spec.modelIds) {
      const model = getModelRow(reader, id);
      if (!model) throw new AppError('not_found', `No model with id ${id}.`);
      if (model.kind === 'import') throw new AppError('invalid_input', `${model.name} came with an imported dataset and cannot generate.`);
    }
    if (spec.templates && spec.template) throw new AppError('invalid_input', 'spec.template and spec.templates were both given; put the one template in spec.templates.');
    // Pin every template version now, so editing a template later does not change a running job.
    const pinnedArms = jobArms(spec).map((arm, i) => {
      if (!arm) return null;
      const found = getTemplate(writer, arm.templateId, arm.version);
      const field = spec.templates ? `spec.templates[${i}]` : 'spec.template';
      if (!found) throw new AppError('not_found', `${field}: no template ${arm.templateId}${arm.version === undefined ? '' : ` at version ${arm.version}`}.`);
      return { templateId: found.id, version: found.version };
    });
    return writer.transaction(() => {
      let seqs: number[];
      if ('ids' in spec.prompts) {
        const found = promptSeqsForIds(writer, spec.prompts.ids);
        if (found.missing.length) throw new AppError('not_found', `No prompt with id ${found.missing.slice(0, 5).join(', ')}${found.missing.length > 5 ? ` and ${found.missing.length - 5} more` : ''}.`);
        seqs = found.seqs;
      } else {
        seqs = promptSeqsMatching(writer, spec.prompts);
      }
      if (seqs.length === 0) throw new AppError('invalid_input', 'No prompts match this selection; change the filter or import prompts first.');
      const pinned: JobSpec = spec.templates ? { ...spec, templates: pinnedArms } : { ...spec, template: pinnedArms[0]! };
      const id = insertJob(writer, input.name, pinned, Date.now());
      insertJobItems(writer, id, seqs, spec.modelIds, spec.samplesPerPrompt, pinnedArms.length);
      return id;
    })();
  }

  list(): Job[] {
    return listJobRows(this.workspace.reader).map((row) => this.toJob(row));
  }

  get(id: number): Job {
    return this.toJob(this.mustJob(id));
  }

  items(input: ParsedInput<'jobs.items'>) {
    this.mustJob(input.id);
    return listJobItems(this.workspace.reader, input.id, input.status, input.offset, input.limit);
  }

  pause(id: number): Job {
    const row = this.mustJob(id);
    if (row.status === 'running') {
      setJobStatus(this.workspace.writer, id, 'paused', Date.now());
      this.abortJob(id);
    }
    this.emitJob(id, true);
    return this.get(id);
  }

  /**
   * Pause is the one stop that can be undone. A cancelled job is over: its done items keep their
   * generations, the rest stay cancelled (not made, not to be made), so Resume refuses it rather
   * than quietly turning "cancelled" back into "running".
   */
  resume(id: number): Job {
    const row = this.mustJob(id);
    if (row.status === 'cancelled') throw new AppError('conflict', `${row.name} was cancelled, and a cancelled job does not resume. Start a new job for the prompts it did not reach.`);
    if (row.status === 'paused') setJobStatus(this.workspace.writer, id, 'running', Date.now());
    this.kick();
    this.finishJobIfComplete(id);
    this.emitJob(id, true);
    return this.get(id);
  }

  cancel(id: number): Job {
    const row = this.mustJob(id);
    if (row.status === 'running' || row.status === 'paused') {
      this.workspace.writer.transaction(() => {
        setJobStatus(this.workspace.writer, id, 'cancelled', Date.now());
        cancelPendingItems(this.workspace.writer, id);
      })();
      this.abortJob(id);
    }
    this.emitJob(id, true);
    return this.get(id);
  }

  retryFailed(id: number): Job {
    const row = this.mustJob(id);
    // Retrying would set the job running again, and then 'done' over items that were cancelled.
    if (row.status === 'cancelled') throw new AppError('conflict', `${row.name} was cancelled; its failed items are not retried. Start a new job for them.`);
    this.workspace.writer.transaction(() => {
      if (retryFailedItems(this.workspace.writer, id) > 0) setJobStatus(this.workspace.writer, id, 'running', Date.now());
    })();
    this.kick();
    this.emitJob(id, true);
    return this.get(id);
  }

  /** Stops taking new items and aborts the ones running; they go back to pending on the next start. */
  stop(): void {
    this.stopped = true;
    for (const flight of this.inFlight.values()) flight.abort.abort();
    for (const timer of this.pendingEvent.values()) clearTimeout(timer);
  }
}
