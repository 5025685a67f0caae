import { createHash } from 'node:crypto';
import type { ChatMessage } from '../../../contract/prompts';
import type { PromptColumns } from '../../../db/exports';

/** A workspace prompt: plain text, or a conversation (the turns before the compared reply). */
export type PromptData = { text: string; messages?: undefined } | { text?: undefined; messages: ChatMessage[] };

export function promptOf(row: PromptColumns): PromptData {
  return row.prompt !== null ? { text: row.prompt } : { messages: JSON.parse(row.messages ?? '[]') as ChatMessage[] };
}

/**
 * The prompt as one string for a standard (non-conversational) row: the text, or the content of a
 * conversation that is a single user turn. Anything else (a system message, several turns) has no
 * faithful plain-text form without a chat template: null, and the row is skipped with a reason.
 */
export function promptText(p: PromptData): string | null {
  if (p.text !== undefined) return p.text;
  const [only] = p.messages;
  return p.messages.length === 1 && only!.role === 'user' ? only!.content : null;
}

/** The prompt as chat messages: text becomes one user turn. */
export function promptMessages(p: PromptData): ChatMessage[] {
  return p.text !== undefined ? [{ role: 'user', content: p.text }] : p.messages;
}

/**
 * An Anthropic HH-RLHF transcript: a system message first (as Anthropic's legacy prompt format puts
 * it, before the first Human turn), then `\n\nHuman: …` / `\n\nAssistant: …` turns, ending with the
 * compared reply. Tool turns are written as Human turns (HH has no other speaker).
 */
export function hhTranscript(p: PromptData, reply: string): string {
  let s = '';
  for (const m of promptMessages(p)) {
    if (m.role === 'system') s += m.content;
    else if (m.role === 'assistant') s += `\n\nAssistant: ${m.content}`;
    else s += `\n\nHuman: ${m.content}`;
  }
  return `${s}\n\nAssistant: ${reply}`;
}

const normalizeText = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();

/**
 * What the train/test split groups by: the prompt with Unicode compatibility forms folded (NFKC),
 * lower-cased, whitespace runs collapsed and trimmed. A conversation that is one user turn groups
 * with the same text typed as a plain prompt; other conversations key on every turn with its role.
 */
export function normalizedPrompt(p: PromptData): string {
  const text = promptText(p);
  if (text !== null) return normalizeText(text);
  return p.messages!.map((m) => `${m.role}: ${normalizeText(m.content)}`).join('\n');
}

/**
 * The split of a prompt: sha256(seed, normalized prompt) read as a fraction in [0, 1); below
 * `testFraction` is test. Equal normalized prompts always land on the same side, whatever their ids.
 */
export function splitOf(p: PromptData, testFraction: number, seed: number): 'train' | 'test' {
  const digest = createHash('sha256').update(`${seed}\u0000${normalizedPrompt(p)}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000 < testFraction ? 'test' : 'train';
}
