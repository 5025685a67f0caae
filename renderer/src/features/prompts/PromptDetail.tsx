import type { Prompt } from '../../../../contract';

/** Read-only view of a prompt; text is rendered as text, never as markup (prompts are untrusted). */
export function PromptDetail({ prompt, onEdit, onDelete }: { prompt: Prompt; onEdit: () => void; onDelete: () => void }) {
  return (
    <article className="detail" aria-label={`Prompt ${prompt.id}`}>
      <header className="detail-header">
        <h2 className="mono">{prompt.id}</h2>
        <div className="actions">
          <button className="secondary" onClick={onEdit}>
            Edit <kbd>E</kbd>
          </button>
          <button className="danger" onClick={onDelete}>
            Delete <kbd>Del</kbd>
          </button>
        </div>
      </header>
      <div className="detail-meta">
        {prompt.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
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
    </article>
  );
}
