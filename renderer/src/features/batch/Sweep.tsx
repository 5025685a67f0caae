import { useEffect, useMemo, useState } from 'react';
import { SUITE_TAG_PREFIX, type GenerationMode, type Job, type ModelConfig, type ShotSetting, type SweepResults, type Template } from '../../../../contract';
import { call, CallError, onEvent } from '../../api';
import { SamplingFields } from '../../components/SamplingFields';
import { useToast } from '../../components/Toast';
import { ChatFormatNote, useDefaultMode } from '../models/ChatFormatNote';
import { useModelSampling } from '../models/model-sampling';

const SHOT_CHOICES: { value: ShotSetting; label: string }[] = [
  { value: 0, label: '0-shot' },
  { value: 1, label: '1-shot' },
  { value: 'all', label: 'k-shot (every demonstration)' },
];

const toggle = <T,>(list: T[], value: T, on: boolean) => (on ? [...list, value] : list.filter((v) => v !== value));

/** How many arms a sweep will have: the distinct (template, shots) the server will make. */
function armCount(templates: Template[], chosen: (number | null)[], shots: ShotSetting[]): number {
  const arms = new Set<string>();
  for (const id of chosen) {
    if (id === null) arms.add('none');
    const t = templates.find((x) => x.id === id);
    for (const s of t ? shots : []) arms.add(`${t!.id}/${s === 'all' ? t!.demonstrations.length : s}`);
  }
  return arms.size;
}

/**
 * A sweep: one batch job over a suite's prompts × models × templates × shot settings, one sampling
 * for every model (so the models are compared on the same settings).
 */
export function SweepForm({ models, onStarted }: { models: ModelConfig[]; onStarted: (job: Job) => void }) {
  const toast = useToast();
  const [suites, setSuites] = useState<{ tag: string; count: number }[] | null>(null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [name, setName] = useState('');
  const [suite, setSuite] = useState<string>('');
  const [tags, setTags] = useState('');
  const [modelIds, setModelIds] = useState<number[]>([]);
  const [templateIds, setTemplateIds] = useState<(number | null)[]>([]);
  const [shots, setShots] = useState<ShotSetting[]>([0, 1, 'all']);
  const [mode, setMode] = useState<GenerationMode>('raw');
  const [modeChosen, setModeChosen] = useState(false);
  const chosenModels = useMemo(() => models.filter((m) => modelIds.includes(m.id)), [models, modelIds]);
  useDefaultMode(chosenModels, setMode, modeChosen);
  const samplingState = useModelSampling(chosenModels);
  const [matching, setMatching] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('prompts.tags', {}).then((all) => setSuites(all.filter((t) => t.tag.startsWith(SUITE_TAG_PREFIX))), () => setSuites([]));
    call('templates.list', {}).then((list) => setTemplates(list.filter((t) => !/ · \d+-shot$/.test(t.name))), () => undefined);
  }, []);
  const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
  const filterTags = [...(suite ? [`${SUITE_TAG_PREFIX}${suite}`] : []), ...tagList];
  useEffect(() => {
    if (filterTags.length === 0) return setMatching(null);
    const timer = setTimeout(() => call('prompts.list', { query: '', tags: filterTags, limit: 1 }).then((r) => setMatching(r.total), () => setMatching(null)), 150);
    return () => clearTimeout(timer);
  }, [suite, tags]);

  const arms = armCount(templates, templateIds, shots);
  const total = (matching ?? 0) * modelIds.length * arms;
  const start = async () => {
    setError(null);
    setBusy(true);
    try {
      const job = await call('sweeps.create', {
        name: name.trim() || `Sweep ${suite || tagList.join(', ')} ${new Date().toLocaleString()}`,
        suite: suite || null,
        tags: tagList,
        modelIds,
        templateIds,
        shots,
        mode,
        sampling: samplingState.sampling,
      });
      onStarted(job);
      toast.show(`Started ${job.name}: ${job.counts.total.toLocaleString()} generations.`);
    } catch (e) {
      setError(e instanceof CallError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card batch-form" aria-label="New sweep">
      <h2>New sweep</h2>
      <p className="muted">Runs a suite on every chosen model × template × shot setting as one job, with one sampling for all.</p>
      <label>
        Name
        <input aria-label="Sweep name" value={name} onChange={(e) => setName(e.target.value)} placeholder="arithmetic × two checkpoints" />
      </label>
      <div className="row">
        <label>
          Suite
          <select aria-label="Sweep suite" value={suite} onChange={(e) => setSuite(e.target.value)}>
            <option value="">{suites?.length === 0 ? 'No suites yet: use tags' : 'None: prompts with tags'}</option>
            {suites?.map((s) => {
              const n = s.tag.slice(SUITE_TAG_PREFIX.length);
              return (
                <option key={s.tag} value={n}>
                  {n} ({s.count.toLocaleString()})
                </option>
              );
            })}
          </select>
        </label>
        <label>
          {suite ? 'And tags' : 'Prompts with tags'}
          <input aria-label="Sweep tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder={suite ? 'none' : 'class:arithmetic'} />
        </label>
      </div>
      <p className="muted" aria-label="Sweep prompts">
        {filterTags.length === 0 ? 'Choose a suite or give tags.' : matching === null ? '…' : `${matching.toLocaleString()} prompt(s) match`}
      </p>
      <fieldset>
        <legend>Models</legend>
        {models.length === 0 && <p className="muted">No models yet: add one on the Models tab.</p>}
        {models.map((m) => (
          <label key={m.id} className="check">
            <input type="checkbox" checked={modelIds.includes(m.id)} onChange={(e) => setModelIds(toggle(modelIds, m.id, e.target.checked))} />
            {m.name}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Templates</legend>
        <label className="check">
          <input type="checkbox" checked={templateIds.includes(null)} onChange={(e) => setTemplateIds(toggle(templateIds, null, e.target.checked))} />
          No template <span className="muted">(the prompt as it is, 0 shots)</span>
        </label>
        {templates.length === 0 && <p className="muted">No templates yet: write one with demonstrations in the Playground to sweep shots.</p>}
        {templates.map((t) => (
          <label key={t.id} className="check">
            <input type="checkbox" checked={templateIds.includes(t.id)} onChange={(e) => setTemplateIds(toggle(templateIds, t.id, e.target.checked))} />
            {t.name} <span className="muted">(v{t.version}, {t.demonstrations.length} demonstration{t.demonstrations.length === 1 ? '' : 's'})</span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Shots</legend>
        {SHOT_CHOICES.map((c) => (
          <label key={String(c.value)} className="check">
            <input type="checkbox" aria-label={c.label} checked={shots.includes(c.value)} onChange={(e) => setShots(toggle(shots, c.value, e.target.checked))} />
            {c.label}
          </label>
        ))}
        <p className="muted">Fewer shots than a template has run on "name · n-shot", made from its first n demonstrations.</p>
      </fieldset>
      <label>
        Mode
        <select aria-label="Sweep mode" value={mode} onChange={(e) => {
            setModeChosen(true);
            setMode(e.target.value as GenerationMode);
          }}>
          <option value="raw">Raw completion</option>
          <option value="chat">Chat</option>
        </select>
      </label>
      <ChatFormatNote models={chosenModels} mode={mode} />
      <SamplingFields value={samplingState.sampling} onChange={samplingState.setSampling} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button onClick={() => void start()} disabled={busy || modelIds.length === 0 || templateIds.length === 0 || shots.length === 0 || !matching}>
          Start sweep{total > 0 ? ` of ${total.toLocaleString()} generations (${arms} arm${arms === 1 ? '' : 's'})` : ''}
        </button>
      </div>
    </section>
  );
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);

/** A sweep's progress and failure rate per model × template × shots (checked generations only). */
export function SweepResultsTable({ job }: { job: Job }) {
  const [results, setResults] = useState<SweepResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => call('sweeps.results', { jobId: job.id }).then(setResults, (e: Error) => setError(e.message));
    load();
    return onEvent('onDidChangeJob', (changed) => changed.id === job.id && void load());
  }, [job.id]);
  if (error) return <p className="error">{error}</p>;
  if (!results) return <p className="muted">Loading results…</p>;
  return (
    <div className="table-scroll sweep-results">
      {!results.checksAvailable && <p className="muted">No checks in this workspace yet: failure rates appear once the suite's probes have checks.</p>}
      <table aria-label={`Results of ${job.name}`}>
        <thead>
          <tr>
            <th>Model</th>
            <th>Template</th>
            <th>Shots</th>
            <th>Done</th>
            <th>Checked</th>
            <th>Failure rate (95% CI)</th>
          </tr>
        </thead>
        <tbody>
          {results.rows.map((r) => (
            <tr key={`${r.modelId}/${r.arm}`}>
              <td>{r.modelName}</td>
              <td>{r.templateName ?? 'none'}</td>
              <td>{r.shots}</td>
              <td>
                {r.done.toLocaleString()} / {r.items.toLocaleString()}
                {r.failed > 0 && <span className="error-text"> · {r.failed} failed</span>}
              </td>
              <td>{r.checked.toLocaleString()}</td>
              <td>{r.rate === null ? '—' : `${pct(r.rate)} (${pct(r.low)}–${pct(r.high)}), ${r.failures}/${r.checked}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
