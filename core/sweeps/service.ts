import { AppError } from '../../contract/result';
import type { ParsedInput } from '../../contract';
import type { JobSpec, SweepRecord, Template, TemplateBody } from '../../contract/runner';
import { SUITE_TAG_PREFIX, type SweepResults } from '../../contract/sweeps';
import type { WritableDB } from '../../db/handles';
import { findTemplateByName, getJobRow, getTemplate, insertTemplate, insertTemplateVersion } from '../../db/runner';
import { hasProbeTables } from '../../db/meta';
import { sweepCounts, sweepJobRows } from '../../db/sweeps';
import type { EventBus } from '../events';
import type { JobScheduler } from '../jobs/scheduler';
import { wilsonInterval } from '../stats/proportion';
import type { Workspace } from '../workspace/workspace';

type Arm = { ref: { templateId: number; version: number } | null; record: SweepRecord['arms'][number] };

/** The name of the template holding a template's first n demonstrations. */
export function shotTemplateName(name: string, shots: number): string {
  return `${name} · ${shots}-shot`;
}

function sameBody(a: TemplateBody, b: TemplateBody): boolean {
  return a.instruction === b.instruction && a.inputLabel === b.inputLabel && a.outputLabel === b.outputLabel && JSON.stringify(a.demonstrations) === JSON.stringify(b.demonstrations);
}

/**
 * The version of "<name> · n-shot" holding `template`'s first n demonstrations: its latest version
 * when that is the same body, else a new version (a new template the first time). Generations record
 * that version, so a generation's shots are always its template version's demonstrations.
 */
function shotVersion(db: WritableDB, template: Template, shots: number, now: number): { templateId: number; version: number } {
  const body: TemplateBody = { instruction: template.instruction, demonstrations: template.demonstrations.slice(0, shots), inputLabel: template.inputLabel, outputLabel: template.outputLabel };
  const name = shotTemplateName(template.name, shots);
  const existing = findTemplateByName(db, name);
  const latest = existing === null ? null : getTemplate(db, existing);
  if (latest && sameBody(latest, body)) return { templateId: latest.id, version: latest.version };
  const id = existing ?? insertTemplate(db, name, now);
  return { templateId: id, version: insertTemplateVersion(db, id, body, now) };
}

/** The arms of a sweep: each template at each shot setting (no template: one 0-shot arm), duplicates once. */
function resolveArms(db: WritableDB, input: ParsedInput<'sweeps.create'>, now: number): Arm[] {
  const arms: Arm[] = [];
  const seen = new Set<string>();
  const add = (arm: Arm) => {
    const key = `${arm.record.templateId}/${arm.record.shots}`;
    if (seen.has(key)) return;
    seen.add(key);
    arms.push(arm);
  };
  input.templateIds.forEach((templateId, i) => {
    if (templateId === null) return add({ ref: null, record: { templateId: null, shots: 0 } });
    const template = getTemplate(db, templateId);
    if (!template) throw new AppError('not_found', `templateIds[${i}]: no template ${templateId}.`);
    const k = template.demonstrations.length;
    input.shots.forEach((setting, j) => {
      const shots = setting === 'all' ? k : setting;
      if (shots > k) {
        throw new AppError('invalid_input', `shots[${j}]: "${template.name}" has ${k} demonstration(s), so it cannot run ${shots}-shot. Add demonstrations to it, or choose at most ${k}.`);
      }
      const ref = shots === k ? { templateId: template.id, version: template.version } : shotVersion(db, template, shots, now);
      add({ ref, record: { templateId: template.id, shots } });
    });
  });
  return arms;
}

export interface SweepOptions {
  /**
   * Runs the suite's checks over a finished job's generations (probes11's function); idempotent, as
   * it runs again on start for every finished sweep. Null until probe checks exist in this build.
   */
  runChecks?: ((jobId: number) => void) | null;
}

export function sweepService(workspace: Workspace, jobs: JobScheduler, events: EventBus, options: SweepOptions = {}) {
  const { reader, writer } = workspace;
  const runChecks = options.runChecks ?? null;

  const check = (jobId: number) => {
    if (!runChecks) return;
    void workspace.writeGate.whenFree().then(() => {
      try {
        runChecks(jobId);
      } catch (error) {
        console.error(`[sweeps] checks of job ${jobId} failed:`, error);
      }
    });
  };
  // A sweep's checks run when its job is done; a crash in between is caught up on the next start.
  const dispose = events.on('onDidChangeJob', (job) => {
    if (job.status === 'done' && job.spec.sweep) check(job.id);
  });
  for (const row of sweepJobRows(reader)) if (row.status === 'done') check(row.id);

  return {
    dispose,
    handlers: {
      'sweeps.create': (input: ParsedInput<'sweeps.create'>) => {
        const tags = [...(input.suite === null ? [] : [`${SUITE_TAG_PREFIX}${input.suite}`]), ...input.tags];
        if (tags.length === 0) throw new AppError('invalid_input', 'suite: choose a suite, or give tags that pick the prompts to sweep.');
        // The shot templates and the job in one transaction: a refused job leaves no template behind.
        const jobId = writer.transaction(() => {
          const arms = resolveArms(writer, input, Date.now());
          const spec: JobSpec = {
            prompts: { query: '', tags },
            modelIds: input.modelIds,
            template: null,
            templates: arms.map((a) => a.ref),
            mode: input.mode,
            samplesPerPrompt: input.samplesPerPrompt,
            sampling: input.sampling,
            sweep: { suite: input.suite, tags: input.tags, arms: arms.map((a) => a.record) },
          };
          return jobs.insert({ name: input.name, spec });
        })();
        jobs.kick();
        return jobs.get(jobId);
      },
      'sweeps.list': () => sweepJobRows(reader).map((row) => jobs.toJob(row)),
      'sweeps.results': (input: ParsedInput<'sweeps.results'>): SweepResults => {
        const row = getJobRow(reader, input.jobId);
        const job = row && jobs.toJob(row);
        if (!job?.spec.sweep) throw new AppError('not_found', `No sweep with job id ${input.jobId}.`);
        const { sweep } = job.spec;
        const checksAvailable = hasProbeTables(reader);
        const rows = sweepCounts(reader, job.id, checksAvailable).map((r) => {
          const arm = sweep.arms[r.arm];
          const template = arm?.templateId ? getTemplate(reader, arm.templateId) : null;
          const rate = wilsonInterval(r.failures, r.checked);
          return {
            modelId: r.model_id,
            modelName: r.model_name,
            arm: r.arm,
            templateId: arm?.templateId ?? null,
            templateName: template?.name ?? null,
            shots: arm?.shots ?? 0,
            items: r.items,
            done: r.done,
            failed: r.failed,
            checked: r.checked,
            failures: r.failures,
            rate: rate.value,
            low: rate.low,
            high: rate.high,
          };
        });
        return { job, sweep, checksAvailable, rows };
      },
    },
  };
}
