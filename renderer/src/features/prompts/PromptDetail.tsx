import { useState } from 'react';
import type { Prompt, PromptVersion } from '../../../../contract';
import { call } from '../../api';
import { plural } from '../../plural';
import './prompts.css';

function VersionText({ v }: { v: Pick<PromptVersion, 'prompt' | 'messages'> }) {
  return (
    <>
      {v.prompt !== null && <pre className="prompt-text">{v.prompt}</pre>}
      {v.messages?.map((m, i) => (
        <div key={i} className={`message message-${m.role}`}>
          <div className="message-role">{m.role}</div>
          <pre className="prompt-text">{m.content}</pre>
        </div>
      ))}
    </>
  );
}

/** Earlier texts of the prompt, read when opened: outputs made from them are reviewed and exported with them. */
function OlderVersions({ prompt }: { prompt: Prompt }) {
  const [versions, setVersions] = useState<PromptVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <details
      className="prompt-versions"
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open && versions === null) {
          call('prompts.versions', { id: prompt.id }).then(
            (all) => setVersions(all.slice(1)),
            (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
          );
        }
      }}
    >
      <summary>Earlier versions ({prompt.version - 1})</summary>
      {error && <p className="error">{error}</p>}
      {versions === null && !error && <p className="muted">Loading…</p>}
      {versions?.map((v) => (
        <section key={v.version} className="prompt-version" aria-label={`Version ${v.version}`}>
          <h4>
            Version {v.version} · {plural(v.outputs, 'output')} · replaced {v.supersededAt ? new Date(v.supersededAt).toLocaleString() : ''}
          </h4>
          <VersionText v={v} />
          {v.reference && <p className="muted">Reference answer: {v.reference}</p>}
        </section>
      ))}
    </details>
  );
}

/** Read-only view of a prompt; text is rendered as text, never as markup (prompts are untrusted). */
export function PromptDetail({ prompt, canEdit = true, onEdit, onDelete }: { prompt: Prompt; canEdit?: boolean; onEdit: () => void; onDelete: () => void }) {
  return (
    <article className="detail" aria-label={`Prompt ${prompt.id}`}>
      <header className="detail-header">
        <h2 className="mono">{prompt.id}</h2>
        {canEdit && (
          <div className="actions">
            <button className="secondary" onClick={onEdit}>
              Edit <kbd>E</kbd>
            </button>
            <button className="danger" onClick={onDelete}>
              Delete <kbd>Del</kbd>
            </button>
          </div>
        )}
      </header>
      <div className="detail-meta">
        {prompt.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
        <span className="muted" data-testid="prompt-version">
          version {prompt.version} · {plural(prompt.outputs, 'output')} from this text
        </span>
        <span className="muted">updated {new Date(prompt.updatedAt).toLocaleString()}</span>
      </div>
      {prompt.prompt !== null && <pre className="prompt-text" data-testid="prompt-text">{prompt.prompt}</pre>}
      {prompt.messages?.map((m, i) => (
        <div key={i} className={`message message-${m.role}`}>
          <div className="message-role">{m.role}</div>
          <pre className="prompt-text">{m.content}</pre>
        </div>
      ))}
      {prompt.reference && (
        <section>
          <h3>Reference answer</h3>
          <pre className="prompt-text reference">{prompt.reference}</pre>
        </section>
      )}
      {prompt.version > 1 && <OlderVersions key={`${prompt.id}@${prompt.version}`} prompt={prompt} />}
    </article>
  );
}
