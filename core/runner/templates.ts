import type { ChatMessage } from '../../contract/prompts';
import type { GenerationInput, GenerationMode, TemplateBody } from '../../contract/runner';

/** The part of a prompt a template fills its query slot with. */
export interface PromptContent {
  prompt: string | null;
  messages: ChatMessage[] | null;
}

const ROLE_LABEL: Record<ChatMessage['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool' };

/** A conversation written out as plain text, for raw completion of a chat-shaped prompt. */
function flatten(messages: ChatMessage[]): string {
  return `${messages.map((m) => `${ROLE_LABEL[m.role]}: ${m.content}`).join('\n\n')}\n\nAssistant:`;
}

function queryText(content: PromptContent): string {
  if (content.prompt !== null) return content.prompt;
  const messages = content.messages ?? [];
  return messages.length === 1 ? messages[0]!.content : flatten(messages);
}

/**
 * Fills a template's query slot with a prompt: an instruction, k demonstrations (input → output),
 * then the query — zero-, one- or few-shot. In chat mode the instruction becomes the system message
 * and each demonstration a user/assistant pair; in raw mode it is one text with labelled lines,
 * ending with the output label for the model to continue.
 */
export function renderTemplate(template: TemplateBody | null, content: PromptContent, mode: GenerationMode): GenerationInput {
  if (mode === 'raw') {
    if (!template) return { mode, text: content.prompt ?? flatten(content.messages ?? []) };
    const parts: string[] = [];
    if (template.instruction.trim() !== '') parts.push(template.instruction.trim());
    for (const d of template.demonstrations) parts.push(`${template.inputLabel}: ${d.input}\n${template.outputLabel}: ${d.output}`);
    parts.push(`${template.inputLabel}: ${queryText(content)}\n${template.outputLabel}:`);
    return { mode, text: parts.join('\n\n') };
  }

  const conversation: ChatMessage[] = content.messages ?? [{ role: 'user', content: content.prompt ?? '' }];
  if (!template) return { mode, messages: conversation };
  const ownSystem = conversation.filter((m) => m.role === 'system').map((m) => m.content);
  const system = [template.instruction.trim(), ...ownSystem].filter((s) => s !== '').join('\n\n');
  const messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const d of template.demonstrations) messages.push({ role: 'user', content: d.input }, { role: 'assistant', content: d.output });
  messages.push(...conversation.filter((m) => m.role !== 'system'));
  return { mode, messages };
}
