import { useCallback, useEffect, useMemo, useState } from 'react';
import type { GenerationMode, Job, JobItem, Template } from '../../../../contract';
import { call, CallError, onEvent } from '../../api';
import { ProgressBar } from '../../components/ProgressBar';
import { SamplingFields } from '../../components/SamplingFields';
import { SamplingSource, useModelSampling } from '../models/model-sampling';
import { useToast } from '../../components/Toast';
import { Dialog } from '../../components/Dialog';
import { plural } from '../../plural';
import { ChatFormatNote, useDefaultMode } from '../models/ChatFormatNote';
import { useModels } from '../models/useModels';
import { goToTab } from '../../navigation';
import { SweepForm, SweepResultsTable } from './Sweep';

function formatEta(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return `about ${seconds} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

function FailedItems({ job }: { job: Job }) {
  const [items, setItems] = useState<JobItem[] | null>(null);
  useEffect(() => {
    call('jobs.items', { id: job.id, status: 'failed', limit: 50 }).then((r) => setItems(r.items), () => setItems([]));
  }, [job.id, job.counts.failed]);
  if (!items?.length) return null;
  return (
    <details className="failed-items">
      <summary>{job.counts.failed} failed item(s)</summary>
      <ul>
        {items.map((i) => (
          <li key={i.id}>
            <span className="mono">{i.promptId}</span> · model {i.modelId} · sample {i.sampleIndex}: <span className="error-text">{i.error}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

const STATUS_TEXT: Record<Job['status'], string> = { running: 'Running', paused: 'Paused', cancelled: 'Cancelled', done: 'Done' };

/** Cancel cannot be undone (Pause can): it says what is done and what will never be made, and asks. */
function CancelJobDialog({ job, onClose }: { job: Job; onClose: () => void }) {
  const toast = useToast();
  const { counts } = job;
  const left = counts.pending + counts.running;
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await call('jobs.cancel', { id: job.id });
      onClose();
    } catch (e) {
      toast.show((e as Error).message, { kind: 'error' });
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Cancel ${job.name}?`} onClose={onClose} className="job-cancel">
      <div>
        <p data-testid="cancel-summary">
          {plural(counts.done, 'generation')} of {counts.total.toLocaleString()} {counts.done === 1 ? 'is' : 'are'} done and {counts.done === 1 ? 'stays' : 'stay'}.{' '}
          {left > 0 ? `The other ${plural(left, 'generation')} will not be made` : 'Nothing is left to make'}
          {counts.running > 0 ? ` (${counts.running.toLocaleString()} running now ${counts.running === 1 ? 'is' : 'are'} stopped)` : ''}.
        </p>
        <p className="muted">A cancelled job cannot be resumed. Pause instead to carry on later.</p>
      </div>
      <div className="actions">
        <button className="danger" onClick={() => void confirm()} disabled={busy}>
          Cancel the job
        </button>
        {/* The focus starts on the choice that loses nothing: Enter keeps the job. */}
        <button className="secondary" data-autofocus onClick={onClose}>
          Keep it
        </button>
      </div>
    </Dialog>
  );
}

function JobCard({ job }: { job: Job }) {
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const [showResults, setShowResults] = useState(false);
  const { sweep } = job.spec;
  const { counts } = job;
  // Progress is the work actually settled: done or failed. Cancelled items were never made, so a
  // cancelled job shows how far it really got, not a full bar.
  const settled = counts.done + counts.failed;
  const act = (method: 'jobs.pause' | 'jobs.resume' | 'jobs.retryFailed') => () =>
    void call(method, { id: job.id }).catch((e: Error) => toast.show(e.message, { kind: 'error' }));
  return (
    <section className="card job" aria-label={`Job ${job.name}`}>
      <header className="job-header">
        <h3>{job.name}</h3>
        <span className={`badge job-${job.status}`} data-testid="job-status">
          {STATUS_TEXT[job.status]}
        </span>
        <div className="actions">
          {job.status === 'running' && (
            <button className="secondary" onClick={act('jobs.pause')}>
              Pause
            </button>
          )}
          {job.status === 'paused' && (
            <button className="secondary" onClick={act('jobs.resume')}>
              Resume
            </button>
          )}
          {(job.status === 'running' || job.status === 'paused') && (
            <button className="danger" onClick={() => setConfirming(true)}>
              Cancel…
            </button>
          )}
          {counts.failed > 0 && job.status !== 'cancelled' && (
            <button className="secondary" onClick={act('jobs.retryFailed')}>
              Retry failed
            </button>
          )}
          {sweep && (
            <button className="secondary" aria-expanded={showResults} onClick={() => setShowResults(!showResults)}>
              {showResults ? 'Hide results' : 'Results'}
            </button>
          )}
        </div>
      </header>
      {sweep && (
        <p className="muted job-counts" aria-label="Sweep settings">
          Sweep of {sweep.suite === null ? `prompts tagged ${sweep.tags.join(', ')}` : `suite ${sweep.suite}`} · {plural(job.spec.modelIds.length, 'model')} ×{' '}
          {plural(sweep.arms.length, 'arm')} (shots {[...new Set(sweep.arms.map((a) => a.shots))].sort((a, b) => a - b).join(', ')})
        </p>
      )}
      {/* Never rounded up to a full bar while something is left unmade. */}
      <ProgressBar fraction={counts.total ? (settled < counts.total ? Math.min(settled / counts.total, 0.99) : 1) : 0} label={`Progress of ${job.name}`} />
      <p className="muted job-counts" aria-label="Job counts">
        {counts.done.toLocaleString()} done of {counts.total.toLocaleString()}
        {counts.running > 0 && ` · ${counts.running} running`}
        {counts.failed > 0 && ` · ${counts.failed} failed`}
        {counts.cancelled > 0 && ` · ${counts.cancelled.toLocaleString()} cancelled (not made)`}
        {job.status === 'running' && job.etaSeconds !== null && ` · ${formatEta(job.etaSeconds)}`}
        {' · '}
        {Math.floor((100 * settled) / Math.max(1, counts.total))}%
      </p>
      <FailedItems job={job} />
      {sweep && showResults && <SweepResultsTable job={job} />}
      {confirming && <CancelJobDialog job={job} onClose={() => setConfirming(false)} />}
    </section>
  );
}

export function BatchView() {
  const toast = useToast();
  const { models } = useModels();
  const [jobs, setJobs] = useState<Job[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [name, setName] = useState('');
  const [query, setQuery] = useState('');
  const [tags, setTags] = useState('');
  const [matching, setMatching] = useState<number | null>(null);
  const [modelIds, setModelIds] = useState<number[]>([]);
  const [templateId, setTemplateId] = useState<number | null>(null);
  const [mode, setMode] = useState<GenerationMode>('chat');
  /** Until the user picks a mode, it follows the chosen models (raw for a GGUF without a chat template). */
  const [modeChosen, setModeChosen] = useState(false);
  const chosenModels = useMemo(() => (models ?? []).filter((m) => modelIds.includes(m.id)), [models, modelIds]);
  useDefaultMode(chosenModels, setMode, modeChosen);
  const [samples, setSamples] = useState(1);
  // Sampling starts from the chosen models' stored defaults until a field is edited.
  const samplingState = useModelSampling(chosenModels);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<'batch' | 'sweep'>('batch');

  const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
  const refresh = useCallback(() => void call('jobs.list', {}).then(setJobs, () => undefined), []);
  useEffect(() => {
    refresh();
    call('templates.list', {}).then(setTemplates, () => undefined);
    return onEvent('onDidChangeJob', (job) => setJobs((list) => (list.some((j) => j.id === job.id) ? list.map((j) => (j.id === job.id ? job : j)) : [job, ...list])));
  }, [refresh]);
  useEffect(() => {
    const timer = setTimeout(() => call('prompts.list', { query, tags: tagList, limit: 1 }).then((r) => setMatching(r.total), () => setMatching(null)), 150);
    return () => clearTimeout(timer);
  }, [query, tags]);

  const start = async () => {
    setError(null);
    const template = templates.find((t) => t.id === templateId);
    const jobName = name.trim() || `Batch ${new Date().toLocaleString()}`;
    // A job has one sampling: models whose own defaults differ (and were not overridden) get a job each.
    const groups = samplingState.differ ? chosenModels.map((m) => ({ ids: [m.id], suffix: ` · ${m.name}`, model: m })) : [{ ids: modelIds, suffix: '', model: chosenModels[0] }];
    try {
      for (const group of groups) {
        const job = await call('jobs.create', {
          name: `${jobName}${group.suffix}`,
          spec: {
            prompts: { query, tags: tagList },
            modelIds: group.ids,
            template: template ? { templateId: template.id, version: template.version } : null,
            mode,
            samplesPerPrompt: samples,
            sampling: samplingState.samplingFor(group.model),
          },
        });
        setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)]);
        toast.show(`Started ${job.name}: ${job.counts.total} generations.`);
      }
    } catch (e) {
      setError(e instanceof CallError ? e.message : String(e));
    }
  };

  const total = (matching ?? 0) * modelIds.length * samples;
  const started = (job: Job) => setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)]);
  return (
    <div className="batch">
      <div>
      <div className="form-switch" role="group" aria-label="What to start">
        <button type="button" aria-pressed={form === 'batch'} className={form === 'batch' ? '' : 'secondary'} onClick={() => setForm('batch')}>
          Batch job
        </button>
        <button type="button" aria-pressed={form === 'sweep'} className={form === 'sweep' ? '' : 'secondary'} onClick={() => setForm('sweep')}>
          Sweep
        </button>
      </div>
      {form === 'sweep' ? <SweepForm models={models ?? []} onStarted={started} /> : (
      <section className="card batch-form" aria-label="New batch job">
        <h2>New batch job</h2>
        <label>
          Name
          <input aria-label="Job name" value={name} onChange={(e) => setName(e.target.value)} placeholder="medicine prompts × two checkpoints" />
        </label>
        <div className="row">
          <label>
            Prompts matching
            <input aria-label="Prompt filter" type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="all prompts" />
          </label>
          <label>
            With tags
            <input aria-label="Prompt tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="any" />
          </label>
        </div>
        <p className="muted">{matching === null ? '…' : `${matching.toLocaleString()} prompt(s) match`}</p>
        <fieldset>
          <legend>Models</legend>
          {models?.length === 0 && <p className="muted">
              No models yet: add one on the{' '}
              <button type="button" className="link" onClick={() => goToTab('Models')}>
                Models tab
              </button>
              .
            </p>}
          {models?.map((m) => (
            <label key={m.id} className="check">
              <input type="checkbox" checked={modelIds.includes(m.id)} onChange={(e) => setModelIds(e.target.checked ? [...modelIds, m.id] : modelIds.filter((id) => id !== m.id))} />
              {m.name} <span className="muted">(concurrency {m.settings.concurrency})</span>
            </label>
          ))}
        </fieldset>
        <div className="row">
          <label>
            Template
            <select aria-label="Batch template" value={templateId ?? ''} onChange={(e) => setTemplateId(e.target.value === '' ? null : Number(e.target.value))}>
              <option value="">None</option>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} · v{t.version}
                </option>
              ))}
            </select>
          </label>
          <label>
            Mode
            <select aria-label="Batch mode" value={mode} onChange={(e) => {
                setModeChosen(true);
                setMode(e.target.value as GenerationMode);
              }}>
              <option value="chat">Chat</option>
              <option value="raw">Raw completion</option>
            </select>
          </label>
          <label>
            Samples per prompt
            <input aria-label="Samples per prompt" type="number" min={1} max={100} value={samples} onChange={(e) => setSamples(Math.max(1, Number(e.target.value)))} />
          </label>
        </div>
        <ChatFormatNote models={chosenModels} mode={mode} />
        <SamplingFields value={samplingState.sampling} onChange={samplingState.setSampling} />
        <SamplingSource chosen={chosenModels} state={samplingState} perModel />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button onClick={() => void start()} disabled={modelIds.length === 0 || !matching}>
            Start {total > 0 ? `${total.toLocaleString()} generations` : ''}
          </button>
        </div>
      </section>
      )}
      </div>
      <section className="jobs" aria-label="Jobs">
        <h2>Jobs</h2>
        {jobs.length === 0 && <p className="muted">No batch jobs yet. Jobs run in the background, survive closing Assay, and resume where they stopped.</p>}
        {jobs.map((job) => (
          <JobCard key={job.id} job={job} />
        ))}
      </section>
    </div>
  );
}
