import type { ChatMessage } from '../../../contract';
import { Markdown } from './Markdown';

/**
 * A prompt as the review view shows it: the text an output was made from as safe markdown, or its
 * chat messages one under another with their role (Review's prompt card and Adjudication share it).
 */
export function PromptText({ prompt }: { prompt: { text: string } | { messages: ChatMessage[] } }) {
  if ('text' in prompt) return <Markdown source={prompt.text} className="prompt-md" />;
  return (
    <>
      {prompt.messages.map((m, i) => (
        <div key={i} className={`message message-${m.role}`}>
          <div className="message-role">{m.role}</div>
          <Markdown source={m.content} className="prompt-md" />
        </div>
      ))}
    </>
  );
}
