import type { Sampling } from '../../../contract';

export const DEFAULT_SAMPLING: Sampling = {
  temperature: 0.8,
  topP: 0.95,
  topK: 40,
  minP: 0.05,
  repeatPenalty: 1.1,
  maxTokens: 256,
  stop: [],
  seed: null,
};

const NUMBER_FIELDS: { key: keyof Sampling; label: string; step: number; min: number; max: number; hint: string }[] = [
  { key: 'temperature', label: 'Temperature', step: 0.05, min: 0, max: 5, hint: '0 = greedy' },
  { key: 'topP', label: 'Top p', step: 0.01, min: 0, max: 1, hint: 'nucleus' },
  { key: 'topK', label: 'Top k', step: 1, min: 0, max: 1000, hint: '0 = off' },
  { key: 'minP', label: 'Min p', step: 0.01, min: 0, max: 1, hint: '' },
  { key: 'repeatPenalty', label: 'Repeat penalty', step: 0.05, min: 0.5, max: 3, hint: '1 = off' },
  { key: 'maxTokens', label: 'Max tokens', step: 1, min: 1, max: 32768, hint: '' },
];

/** Every sampling parameter, shown and editable; what is set here is stored with each output. */
export function SamplingFields({ value, onChange }: { value: Sampling; onChange: (next: Sampling) => void }) {
  return (
    <fieldset className="sampling">
      <legend>Sampling</legend>
      <div className="sampling-grid">
        {NUMBER_FIELDS.map((f) => (
          <label key={f.key} title={f.hint}>
            {f.label}
            <input
              type="number"
              step={f.step}
              min={f.min}
              max={f.max}
              value={value[f.key] as number}
              onChange={(e) => onChange({ ...value, [f.key]: e.target.value === '' ? 0 : Number(e.target.value) })}
            />
          </label>
        ))}
        <label title="Empty: a new seed each run (the one used is recorded)">
          Seed
          <input
            type="number"
            min={0}
            placeholder="random"
            value={value.seed ?? ''}
            onChange={(e) => onChange({ ...value, seed: e.target.value === '' ? null : Math.max(0, Math.floor(Number(e.target.value))) })}
          />
        </label>
        <label className="wide" title="One per line; generation stops before any of them">
          Stop sequences
          <textarea
            rows={2}
            value={value.stop.join('\n')}
            onChange={(e) => onChange({ ...value, stop: e.target.value.split('\n').filter((s) => s.length > 0) })}
          />
        </label>
      </div>
    </fieldset>
  );
}
