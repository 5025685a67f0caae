import { useState } from 'react';
import type { ComparisonTask } from '../../../../contract';
import { Markdown } from '../../components/Markdown';

/** What was asked: the prompt text or its chat messages, rendered as safe markdown. Folds away. */
export function PromptBlock({ task }: { task: ComparisonTask }) {
  const [open, setOpen] = useState(true);
  const prompt = task.prompt;
  return (
    <section className={`cmp-prompt${open ? '' : ' folded'}`} aria-label="Prompt">
      <header className="cmp-prompt-head">
        <button className="link cmp-fold" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? '▾' : '▸'} Prompt
        </button>
        <span className="mono muted">{task.promptId}</span>
      </header>
      {open && (
        <div className="cmp-prompt-body">
          {'text' in prompt ? (
            <Markdown source={prompt.text} className="cmp-md" />
          ) : (
            prompt.messages.map((m, i) => (
              <div key={i} className="cmp-message">
                <div className="message-role">{m.role}</div>
                <Markdown source={m.content} className="cmp-md" />
              </div>
            ))
          )}
        </div>
      )}
    </section>
  );
}
