import { useState } from 'react';
import type { ModelConfig, Sampling } from '../../../../contract';
import { DEFAULT_SAMPLING } from '../../components/SamplingFields';

/** The sampling a model starts at: its stored defaults (settings.sampling) over Assay's. */
export function modelSampling(model: ModelConfig | undefined): Sampling {
  return { ...DEFAULT_SAMPLING, ...(model?.settings.sampling ?? {}) };
}

const same = (a: Sampling, b: Sampling) => JSON.stringify(a) === JSON.stringify(b);

/** "temperature 0.2 · max tokens 64": the knobs a model's defaults set, for cards and notes. */
export function describeSamplingDefaults(model: ModelConfig): string | null {
  const s = model.settings.sampling;
  if (!s) return null;
  const names: Record<string, string> = { temperature: 'temperature', topP: 'top p', topK: 'top k', minP: 'min p', repeatPenalty: 'repeat penalty', maxTokens: 'max tokens' };
  const parts = Object.entries(s)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${names[k] ?? k} ${String(v)}`);
  return parts.length > 0 ? parts.join(' · ') : null;
}

/**
 * Sampling for Playground and Batch. Until the user edits a field, it follows the chosen models'
 * defaults (the first chosen model's are shown); once edited, the edit is used for every model.
 */
export function useModelSampling(chosen: ModelConfig[]) {
  const [edited, setEdited] = useState<Sampling | null>(null);
  const shown = edited ?? modelSampling(chosen[0]);
  const differ = edited === null && chosen.some((m) => !same(modelSampling(m), shown));
  return {
    sampling: shown,
    setSampling: (next: Sampling) => setEdited(next),
    edited: edited !== null,
    differ,
    reset: () => setEdited(null),
    /** What a generation on this model uses. */
    samplingFor: (model: ModelConfig | undefined) => edited ?? modelSampling(model),
  };
}

/** Says where the sampling comes from, and offers to go back to the models' defaults. perModel: a batch makes one job per model. */
export function SamplingSource({ chosen, state, perModel }: { chosen: ModelConfig[]; state: ReturnType<typeof useModelSampling>; perModel: boolean }) {
  // Models with no defaults of their own start at Assay's: nothing to say.
  const withDefaults = chosen.filter((m) => describeSamplingDefaults(m) !== null);
  if (withDefaults.length === 0) return null;
  if (state.edited) {
    return (
      <p className="muted" aria-label="Sampling source">
        Your sampling, for every chosen model.{' '}
        <button type="button" className="link" onClick={state.reset}>
          Use the models' defaults
        </button>
      </p>
    );
  }
  return (
    <p className="muted" aria-label="Sampling source">
      {state.differ
        ? `Each model uses its own defaults (${chosen.map((m) => `${m.name}: ${describeSamplingDefaults(m) ?? "Assay's"}`).join('; ')})${perModel ? ': one job per model' : ''}; editing a field sets it for all.`
        : `The defaults of ${chosen[0]!.name}: ${describeSamplingDefaults(chosen[0]!)}.`}
    </p>
  );
}
