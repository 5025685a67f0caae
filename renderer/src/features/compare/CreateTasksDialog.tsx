import { useEffect, useState } from 'react';
import type { ComparisonKind, MethodOutput } from '../../../../contract';
import { call, errorText } from '../../api';
import { useModels } from '../models/useModels';
import { Dialog } from '../../components/Dialog';

type Created = MethodOutput<'comparisons.createTasks'>;

/**
 * Builds comparison tasks from generations that share a prompt: a prompt filter, which models,
 * pairs or N-way sets, all pairs or a balanced sample, and the seed that fixes the sampling and
 * the side order.
 */
export function CreateTasksDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (result: Created) => void }) {
  const { models } = useModels();
  const [tags, setTags] = useState<{ tag: string; count: number }[]>([]);
  const [query, setQuery] = useState('');
  const [chosenTags, setChosenTags] = useState<string[]>([]);
  const [modelIds, setModelIds] = useState<number[] | null>(null);
  const [kind, setKind] = useState<ComparisonKind>('pair');
  const [design, setDesign] = useState<'all-pairs' | 'balanced'>('all-pairs');
  const [acrossModelsOnly, setAcrossModelsOnly] = useState(false);
  const [perPrompt, setPerPrompt] = useState(1);
  const [k, setK] = useState(4);
  const [seed, setSeed] = useState(0);
  const [matching, setMatching] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call('prompts.tags', {}).then(setTags, () => undefined);
  }, []);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call('prompts.list', { query, tags: chosenTags, limit: 1 }).then(
        (r) => live && setMatching(r.total),
        () => live && setMatching(null),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query, chosenTags]);

  const allModels = models ?? [];
  const selected = modelIds ?? allModels.map((m) => m.id);
  const toggleModel = (id: number) => {
    const next = selected.includes(id) ? selected.filter((m) => m !== id) : [...selected, id];
    setModelIds(next.length === allModels.length ? null : next);
  };
  const toggleTag = (tag: string) => setChosenTags((t) => (t.includes(tag) ? t.filter((x) => x !== tag) : [...t, tag]));

  const create = async () => {
    if (modelIds !== null && modelIds.length === 0) {
      setError('Choose at least one model (several samples of one model can be compared too).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await call('comparisons.createTasks', {
        prompts: { query, tags: chosenTags },
        modelIds: modelIds ?? undefined,
        kind,
        design,
        acrossModelsOnly: kind === 'pair' && acrossModelsOnly,
        perPrompt,
        k,
        seed,
      });
      onCreated(result);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Create comparison tasks" onClose={onClose} className="cmp-create">
      <form
        className="cmp-create-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <fieldset>
          <legend>Prompts</legend>
          <label className="cmp-field">
            <span>
              Search <span className="muted">(empty: every prompt)</span>
            </span>
            <input data-autofocus value={query} maxLength={1000} placeholder="Words in the prompt…" onChange={(e) => setQuery(e.target.value)} />
          </label>
          {tags.length > 0 && (
            <div className="cmp-chips" role="group" aria-label="Prompt tags">
              {tags.map((t) => (
                <button
                  type="button"
                  key={t.tag}
                  className={`chip${chosenTags.includes(t.tag) ? ' on' : ''}`}
                  aria-pressed={chosenTags.includes(t.tag)}
                  onClick={() => toggleTag(t.tag)}
                >
                  {t.tag} <span className="muted">{t.count}</span>
                </button>
              ))}
            </div>
          )}
          <p className="muted small" aria-live="polite">
            {matching === null ? '…' : `${matching.toLocaleString()} prompt${matching === 1 ? '' : 's'} match.`} Only prompts with outputs from two or more of the chosen models (or samples) make tasks.
          </p>
        </fieldset>

        <fieldset>
          <legend>Models</legend>
          {models === null ? (
            <p className="muted small">Loading…</p>
          ) : allModels.length === 0 ? (
            <p className="muted small">No models yet: add them on the Models tab and run a batch.</p>
          ) : (
            <div className="cmp-model-checks">
              {allModels.map((m) => (
                <label key={m.id}>
                  <input type="checkbox" checked={selected.includes(m.id)} onChange={() => toggleModel(m.id)} />
                  {m.name}
                </label>
              ))}
            </div>
          )}
        </fieldset>

        <fieldset>
          <legend>Design</legend>
          <div className="segmented" role="radiogroup" aria-label="Task kind">
            <label>
              <input type="radio" name="cmp-kind" checked={kind === 'pair'} onChange={() => setKind('pair')} />
              Pairs (A vs B)
            </label>
            <label>
              <input type="radio" name="cmp-kind" checked={kind === 'rank'} onChange={() => setKind('rank')} />
              N-way ranking
            </label>
          </div>
          <div className="segmented" role="radiogroup" aria-label="Sampling">
            <label>
              <input type="radio" name="cmp-design" checked={design === 'all-pairs'} onChange={() => setDesign('all-pairs')} />
              {kind === 'pair' ? 'All pairs' : 'All outputs'}
            </label>
            <label>
              <input type="radio" name="cmp-design" checked={design === 'balanced'} onChange={() => setDesign('balanced')} />
              Balanced sample
            </label>
          </div>
          {kind === 'pair' && (
            <label className="cmp-check">
              <input type="checkbox" checked={acrossModelsOnly} onChange={(e) => setAcrossModelsOnly(e.target.checked)} />
              Across models only <span className="muted small">(no pair of two samples of one model)</span>
            </label>
          )}
          <p className="muted small">
            {design === 'all-pairs'
              ? kind === 'pair'
                ? acrossModelsOnly
                  ? 'Every pair of outputs of two different models that share a prompt.'
                  : 'Every pair of outputs that share a prompt, two samples of one model included.'
                : `One set of up to ${k} outputs per prompt.`
              : `${perPrompt} task${perPrompt === 1 ? '' : 's'} per prompt, chosen so every pair of models is compared about equally often.`}
          </p>
          <div className="cmp-numbers">
            {kind === 'rank' && (
              <label className="cmp-field">
                Outputs per task (K)
                <input type="number" min={3} max={9} value={k} onChange={(e) => setK(clamp(e.target.valueAsNumber, 3, 9, 4))} />
              </label>
            )}
            {design === 'balanced' && (
              <label className="cmp-field">
                Tasks per prompt
                <input type="number" min={1} max={100} value={perPrompt} onChange={(e) => setPerPrompt(clamp(e.target.valueAsNumber, 1, 100, 1))} />
              </label>
            )}
            <label className="cmp-field">
              Seed
              <span className="cmp-seed">
                <input type="number" min={0} max={2 ** 32 - 1} value={seed} onChange={(e) => setSeed(clamp(e.target.valueAsNumber, 0, 2 ** 32 - 1, 0))} />
                <button type="button" className="secondary" title="A random seed" onClick={() => setSeed(Math.floor(Math.random() * 2 ** 31))}>
                  Random
                </button>
              </span>
            </label>
          </div>
          <p className="muted small">The seed fixes the sample and the shuffled side order; tasks that exist already are not made again.</p>
        </fieldset>

        {error && <p className="error">{error}</p>}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create tasks'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function clamp(value: number, min: number, max: number, fallback: number): number {
  if (!Number.isFinite(value)) return fallback;
  return Math.max(min, Math.min(max, Math.round(value)));
}
