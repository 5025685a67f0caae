import { useState } from 'react';
import type { Demonstration, Template } from '../../../../contract';
import { call, CallError } from '../../api';
import { Dialog } from '../../components/Dialog';

/**
 * Edit an n-shot template: an instruction, k demonstrations and the query slot. Saving an existing
 * template makes a new version; outputs keep pointing at the version they were made with.
 */
export function TemplateEditor({ template, onClose, onSaved }: { template: Template | null; onClose: () => void; onSaved: (t: Template) => void }) {
  const [name, setName] = useState(template?.name ?? '');
  const [instruction, setInstruction] = useState(template?.instruction ?? '');
  const [demos, setDemos] = useState<Demonstration[]>(template?.demonstrations ?? []);
  const [inputLabel, setInputLabel] = useState(template?.inputLabel ?? 'Input');
  const [outputLabel, setOutputLabel] = useState(template?.outputLabel ?? 'Output');
  const [error, setError] = useState<string | null>(null);
  const setDemo = (i: number, patch: Partial<Demonstration>) => setDemos(demos.map((d, j) => (j === i ? { ...d, ...patch } : d)));

  const save = async () => {
    try {
      const saved = await call('templates.save', { ...(template ? { id: template.id } : {}), name, instruction, demonstrations: demos, inputLabel, outputLabel });
      onSaved(saved);
    } catch (e) {
      setError(e instanceof CallError ? e.message : String(e));
    }
  };

  return (
    <Dialog title={template ? `Edit template ${template.name} (v${template.latestVersion} → v${template.latestVersion + 1})` : 'New template'} onClose={onClose}>
      <div className="editor">
        <label>
          Name
          <input aria-label="Template name" value={name} onChange={(e) => setName(e.target.value)} placeholder="sentiment, 3-shot" />
        </label>
        <label>
          Instruction
          <textarea aria-label="Instruction" rows={3} value={instruction} onChange={(e) => setInstruction(e.target.value)} placeholder="Classify the sentiment of the review as positive or negative." />
        </label>
        <div className="row">
          <label>
            Input label
            <input value={inputLabel} onChange={(e) => setInputLabel(e.target.value)} />
          </label>
          <label>
            Output label
            <input value={outputLabel} onChange={(e) => setOutputLabel(e.target.value)} />
          </label>
        </div>
        <h4>Demonstrations ({demos.length === 0 ? 'zero-shot' : demos.length === 1 ? 'one-shot' : `${demos.length}-shot`})</h4>
        {demos.map((d, i) => (
          <div key={i} className="demo">
            <textarea aria-label={`Demonstration ${i + 1} input`} rows={2} value={d.input} onChange={(e) => setDemo(i, { input: e.target.value })} placeholder={inputLabel} />
            <textarea aria-label={`Demonstration ${i + 1} output`} rows={2} value={d.output} onChange={(e) => setDemo(i, { output: e.target.value })} placeholder={outputLabel} />
            <button type="button" className="icon" aria-label={`Remove demonstration ${i + 1}`} onClick={() => setDemos(demos.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setDemos([...demos, { input: '', output: '' }])}>
          Add demonstration
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button onClick={() => void save()} disabled={!name.trim()}>
            {template ? 'Save as new version' : 'Create template'}
          </button>
          <button className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </Dialog>
  );
}
