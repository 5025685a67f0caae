import { useState } from 'react';
import type { ModelConfig } from '../../../../contract';
import { call } from '../../api';
import { Markdown } from '../../components/Markdown';

/**
 * The model card's part of the Export view: which model, its license, intended use and known
 * limitations (empty: what the model's settings hold, else the card says "not stated"), a button
 * that keeps them in the model's settings so `assay export --format model-card` writes the same
 * card, and the preview: the card's YAML front matter as text beside its body rendered.
 */

export interface CardFields {
  modelId: number | null;
  license: string;
  intendedUse: string;
  limitations: string;
}

export const EMPTY_CARD_FIELDS: CardFields = { modelId: null, license: '', intendedUse: '', limitations: '' };

const LICENSE_ID = /^[A-Za-z0-9._+-]+$/;

export function cardLicenseError(license: string): string | null {
  const l = license.trim();
  return l === '' || LICENSE_ID.test(l) ? null : 'A Hugging Face license id: letters, digits and . _ + - only (mit, apache-2.0, cc-by-4.0, other).';
}

export function ModelCardFields({ models, fields, onChange, onModelsChanged }: { models: ModelConfig[]; fields: CardFields; onChange: (f: CardFields) => void; onModelsChanged: () => void }) {
  const [saved, setSaved] = useState<string | null>(null);
  const model = models.find((m) => m.id === fields.modelId) ?? null;
  const own = model?.settings.card ?? {};
  const set = (patch: Partial<CardFields>) => {
    setSaved(null);
    onChange({ ...fields, ...patch });
  };
  const licenseError = cardLicenseError(fields.license);

  const remember = async () => {
    if (!model) return;
    const card = {
      license: fields.license.trim() || own.license,
      intendedUse: fields.intendedUse.trim() || own.intendedUse,
      limitations: fields.limitations.trim() || own.limitations,
    };
    try {
      await call('models.update', { id: model.id, name: model.name, settings: { ...model.settings, card } });
      setSaved(`Saved in ${model.name}'s settings: the CLI's model card says the same.`);
      onModelsChanged();
    } catch (e) {
      setSaved(`Not saved: ${(e as Error).message}`);
    }
  };

  return (
    <fieldset aria-label="Model card">
      <legend>Model card</legend>
      <label>
        Model
        <select aria-label="Card model" value={fields.modelId ?? ''} onChange={(e) => set({ modelId: e.target.value === '' ? null : Number(e.target.value) })}>
          <option value="">The only model with outputs</option>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        License (Hugging Face id)
        <input
          aria-label="Card license"
          value={fields.license}
          onChange={(e) => set({ license: e.target.value })}
          placeholder={own.license ? `the model's: ${own.license}` : 'none stated (e.g. mit, apache-2.0)'}
          aria-invalid={licenseError !== null}
        />
      </label>
      {licenseError && <p className="error small">{licenseError}</p>}
      <label>
        Intended use
        <textarea rows={3} value={fields.intendedUse} onChange={(e) => set({ intendedUse: e.target.value })} placeholder={own.intendedUse ?? 'Not stated: the card says so.'} />
      </label>
      <label>
        Known limitations
        <textarea rows={3} value={fields.limitations} onChange={(e) => set({ limitations: e.target.value })} placeholder={own.limitations ?? 'The card lists what its data shows; add what you know.'} />
      </label>
      <p className="muted small">Assay never guesses a license: without one the card states none. Empty fields take what the model's settings hold.</p>
      {model && (
        <button type="button" className="secondary" onClick={() => void remember()} disabled={licenseError !== null}>
          Keep these in the model's settings
        </button>
      )}
      {saved && (
        <p className="muted small" role="status">
          {saved}
        </p>
      )}
    </fieldset>
  );
}

/** The card as it will be written: front matter as text, the body rendered (safe markdown). */
export function ModelCardPreview({ card }: { card: string }) {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(card);
  const front = m ? m[1]! : '';
  const body = m ? card.slice(m[0].length) : card;
  return (
    <div className="model-card-preview">
      <h4>Metadata (YAML front matter)</h4>
      <pre className="export-row" aria-label="Card metadata">
        {front}
      </pre>
      <h4>README.md</h4>
      <div className="model-card-body" aria-label="Model card text">
        <Markdown source={body} />
      </div>
    </div>
  );
}
