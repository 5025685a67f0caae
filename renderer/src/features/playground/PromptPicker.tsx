import { useEffect, useState } from 'react';
import type { PromptRef, PromptSummary } from '../../../../contract';
import { call } from '../../api';

/** Pick a stored prompt (searched as you type) or type one. */
export function PromptPicker({ value, onChange }: { value: PromptRef | null; onChange: (ref: PromptRef | null) => void }) {
  const [source, setSource] = useState<'stored' | 'typed'>(value && 'text' in value ? 'typed' : 'stored');
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<PromptSummary[]>([]);
  const [text, setText] = useState(value && 'text' in value ? value.text : '');

  useEffect(() => {
    if (source !== 'stored') return;
    const timer = setTimeout(() => call('prompts.list', { query, limit: 30 }).then((r) => setResults(r.items), () => setResults([])), 120);
    return () => clearTimeout(timer);
  }, [query, source]);

  const selectedId = value && 'promptId' in value ? value.promptId : null;
  return (
    <fieldset className="prompt-picker">
      <legend>Prompt</legend>
      <div className="segmented" role="radiogroup" aria-label="Prompt source">
        <label>
          <input type="radio" checked={source === 'stored'} onChange={() => (setSource('stored'), onChange(null))} /> From the workspace
        </label>
        <label>
          <input type="radio" checked={source === 'typed'} onChange={() => (setSource('typed'), onChange(text ? { text } : null))} /> Type one
        </label>
      </div>
      {source === 'typed' ? (
        <textarea
          aria-label="Playground prompt"
          rows={5}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            onChange(e.target.value.trim() ? { text: e.target.value } : null);
          }}
          placeholder="Ask the model something…"
        />
      ) : (
        <>
          <input type="search" aria-label="Find a prompt" placeholder="Search prompts" value={query} onChange={(e) => setQuery(e.target.value)} />
          <div className="pick-list" role="listbox" aria-label="Prompts to pick">
            {results.length === 0 && <p className="muted">No prompts{query ? ' match' : ' yet: import some on the Prompts tab, or type one'}.</p>}
            {results.map((p) => (
              <div key={p.id} role="option" aria-selected={p.id === selectedId} className={`pick${p.id === selectedId ? ' selected' : ''}`} title={`${p.id}: ${p.preview}`} onClick={() => onChange({ promptId: p.id })}>
                <span className="mono muted">{p.id}</span> {p.preview}
              </div>
            ))}
          </div>
        </>
      )}
    </fieldset>
  );
}
