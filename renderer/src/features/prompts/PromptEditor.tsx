import { useEffect, useRef, useState } from 'react';
import type { ChatMessage, MethodInput, Prompt } from '../../../../contract';
import { plural } from '../../plural';
import './prompts.css';

type Draft = MethodInput<'prompts.create'>;

const ROLES: ChatMessage['role'][] = ['system', 'user', 'assistant', 'tool'];

interface Props {
  initial: Prompt | null;
  saving: boolean;
  error: string | null;
  onSave: (draft: Draft) => void;
  onCancel: () => void;
}

function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t.length > 0))];
}

/** Add or edit one prompt: plain text or a conversation, an optional reference answer and tags. */
export function PromptEditor({ initial, saving, error, onSave, onCancel }: Props) {
  const [kind, setKind] = useState<'text' | 'messages'>(initial?.messages ? 'messages' : 'text');
  const [text, setText] = useState(initial?.prompt ?? '');
  const [messages, setMessages] = useState<ChatMessage[]>(initial?.messages ?? [{ role: 'user', content: '' }]);
  const [reference, setReference] = useState(initial?.reference ?? '');
  const [tags, setTags] = useState((initial?.tags ?? []).join(', '));
  const [id, setId] = useState('');
  const firstField = useRef<HTMLTextAreaElement>(null);

  useEffect(() => firstField.current?.focus(), []);

  // Every change of the text makes the next version (the engine's rule); outputs keep theirs.
  const textChanged =
    initial !== null &&
    (kind === 'text' ? initial.prompt !== text : JSON.stringify(initial.messages) !== JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content }))));
  const nextVersion = initial ? initial.version + 1 : 1;

  const submit = () => {
    const common = { reference: reference.trim() === '' ? null : reference, tags: parseTags(tags) };
    const body = kind === 'text' ? { prompt: text } : { messages };
    onSave({ ...body, ...common, ...(initial ? { id: initial.id } : id.trim() ? { id: id.trim() } : {}) } as Draft);
  };

  return (
    <form
      className="editor"
      aria-label={initial ? 'Edit prompt' : 'New prompt'}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'Enter')) {
          e.preventDefault();
          submit();
        } else if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <h2>{initial ? `Edit ${initial.id}` : 'New prompt'}</h2>
      {!initial && (
        <label>
          Id <span className="muted">(optional; derived from the text when empty)</span>
          <input value={id} onChange={(e) => setId(e.target.value)} placeholder="e.g. arith-017" />
        </label>
      )}
      <div className="segmented" role="radiogroup" aria-label="Prompt kind">
        <label>
          <input type="radio" checked={kind === 'text'} onChange={() => setKind('text')} /> Text
        </label>
        <label>
          <input type="radio" checked={kind === 'messages'} onChange={() => setKind('messages')} /> Conversation
        </label>
      </div>
      {kind === 'text' ? (
        <label>
          Prompt
          <textarea ref={firstField} aria-label="Prompt text" rows={8} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
      ) : (
        <div className="messages-editor">
          {messages.map((m, i) => (
            <div className="message-edit" key={i}>
              <select
                aria-label={`Role of message ${i + 1}`}
                value={m.role}
                onChange={(e) => setMessages(messages.map((x, j) => (j === i ? { ...x, role: e.target.value as ChatMessage['role'] } : x)))}
              >
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
              <textarea
                ref={i === 0 ? firstField : undefined}
                aria-label={`Content of message ${i + 1}`}
                rows={3}
                value={m.content}
                onChange={(e) => setMessages(messages.map((x, j) => (j === i ? { ...x, content: e.target.value } : x)))}
              />
              <button type="button" className="icon" aria-label={`Remove message ${i + 1}`} disabled={messages.length === 1} onClick={() => setMessages(messages.filter((_, j) => j !== i))}>
                ×
              </button>
            </div>
          ))}
          <button type="button" className="secondary" onClick={() => setMessages([...messages, { role: messages.at(-1)?.role === 'user' ? 'assistant' : 'user', content: '' }])}>
            Add message
          </button>
        </div>
      )}
      <label>
        Reference answer <span className="muted">(optional)</span>
        <textarea aria-label="Reference answer" rows={3} value={reference} onChange={(e) => setReference(e.target.value)} />
      </label>
      <label>
        Tags <span className="muted">(comma-separated)</span>
        <input aria-label="Tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="arithmetic, hard" />
      </label>
      {initial && textChanged && initial.outputs > 0 && (
        <p className="version-warning" role="status" data-testid="version-warning">
          <strong>{plural(initial.outputs, 'output was', 'outputs were')} made from this text.</strong> Saving makes version {nextVersion}; those outputs keep
          version {initial.version}, and their labels and exports stay with the text they saw. New outputs use version {nextVersion}.
        </p>
      )}
      {initial && textChanged && initial.outputs === 0 && (
        <p className="muted" data-testid="version-note">
          No outputs were made from this text yet. Saving makes version {nextVersion}.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : textChanged ? `Save as version ${nextVersion}` : 'Save'} <kbd>Ctrl S</kbd>
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </form>
  );
}
