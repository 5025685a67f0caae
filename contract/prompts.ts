import { z } from 'zod';

export const ChatRole = z.enum(['system', 'user', 'assistant', 'tool']);
export const ChatMessage = z.object({ role: ChatRole, content: z.string() });
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Tag = z
  .string()
  .trim()
  .min(1, 'a tag cannot be empty')
  .max(100, 'a tag is at most 100 characters');

export const PromptId = z
  .string()
  .min(1, 'an id cannot be empty')
  .max(200, 'an id is at most 200 characters');

/**
 * A prompt is either plain text (`prompt`) or a conversation (`messages`), never both:
 * trainers treat the two differently (standard vs conversational datasets).
 */
export const PromptBody = z.union([
  z.object({ prompt: z.string().min(1, 'the prompt is empty'), messages: z.undefined().optional() }),
  z.object({ messages: z.array(ChatMessage).min(1, 'messages is empty'), prompt: z.undefined().optional() }),
]);

export const PromptFields = z.object({
  reference: z.string().nullable().optional(),
  tags: z.array(Tag).max(50).optional(),
});

export const Prompt = z.object({
  id: PromptId,
  prompt: z.string().nullable(),
  messages: z.array(ChatMessage).nullable(),
  reference: z.string().nullable(),
  tags: z.array(z.string()),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /**
   * The number of the current text. Every change of the text (prompt or messages) makes the next
   * version; outputs keep the version they were made from, and exports pair them with that text.
   */
  version: z.number().int().min(1),
  /** Outputs (generations) made from the current version: saving new text leaves them on this one. */
  outputs: z.number().int(),
});
export type Prompt = z.infer<typeof Prompt>;

/** One version of a prompt's text, current or superseded, with the outputs made from it. */
export const PromptVersion = z.object({
  version: z.number().int().min(1),
  prompt: z.string().nullable(),
  messages: z.array(ChatMessage).nullable(),
  reference: z.string().nullable(),
  /** When a newer text replaced it; null for the current version. */
  supersededAt: z.number().int().nullable(),
  outputs: z.number().int(),
});
export type PromptVersion = z.infer<typeof PromptVersion>;

export const PromptSummary = z.object({
  id: z.string(),
  preview: z.string(),
  kind: z.enum(['text', 'messages']),
  tags: z.array(z.string()),
  hasReference: z.boolean(),
  updatedAt: z.number().int(),
});
export type PromptSummary = z.infer<typeof PromptSummary>;

export const DuplicatePolicy = z.enum(['skip', 'replace']);
export type DuplicatePolicy = z.infer<typeof DuplicatePolicy>;

export const ImportFormat = z.enum(['jsonl', 'csv']);
export type ImportFormat = z.infer<typeof ImportFormat>;

export const ImportSource = z.discriminatedUnion('kind', [
  /** A file on the machine that runs the engine (Electron dialog, drag and drop, CLI). */
  z.object({ kind: z.literal('path'), path: z.string().min(1) }),
  /** Bytes the browser uploaded to POST /upload first; `fileName` is what the user picked. */
  z.object({ kind: z.literal('upload'), uploadId: z.string().regex(/^[a-f0-9]{32}$/), fileName: z.string().min(1) }),
]);
export type ImportSource = z.infer<typeof ImportSource>;

export const ImportReport = z.object({
  importId: z.string(),
  file: z.string(),
  format: ImportFormat,
  rows: z.number().int(),
  imported: z.number().int(),
  replaced: z.number().int(),
  skippedDuplicates: z.number().int(),
  ignoredColumns: z.array(z.string()),
  durationMs: z.number(),
});
export type ImportReport = z.infer<typeof ImportReport>;

/** What `import_failed` carries in `details`, so the UI can point at the line. */
export const ImportFailure = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  reason: z.string(),
});
export type ImportFailure = z.infer<typeof ImportFailure>;

export const ImportProgress = z.object({
  importId: z.string(),
  file: z.string(),
  bytesRead: z.number(),
  totalBytes: z.number(),
  rows: z.number().int(),
  /** `waiting`: queued behind another import (one file imports at a time). */
  phase: z.enum(['waiting', 'reading', 'committing', 'done', 'failed']),
});
export type ImportProgress = z.infer<typeof ImportProgress>;
