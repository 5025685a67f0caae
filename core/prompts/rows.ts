import crypto from 'node:crypto';
import { z } from 'zod';
import { ChatMessage, PromptId, Tag } from '../../contract/prompts';
import type { PromptRecord } from '../../db/prompts';

/** One input row, whichever file format it came from, before it becomes a PromptRecord. */
const RowSchema = z.object({
  id: z.union([PromptId, z.number().int().transform(String)]).optional(),
  prompt: z.string().min(1, 'the prompt is empty').optional(),
  messages: z.array(ChatMessage).min(1, 'messages is empty').optional(),
  reference: z.string().nullable().optional(),
  tags: z.array(Tag).max(50).optional(),
});

export const KNOWN_FIELDS: ReadonlySet<string> = new Set(['id', 'prompt', 'messages', 'reference', 'tags']);

/** The first zod issue, written as `field 'messages.0.role': …` for a one-line error. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid row';
  const path = issue.path.join('.');
  return path ? `field '${path}': ${issue.message}` : issue.message;
}

// crypto.hash (Node ≥ 20.12) skips the Hash object: about a third faster per row on an import.
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Ids the user did not give are derived from the content, so importing the same file twice finds the
 * same prompts (and the duplicate policy applies) instead of silently doubling them.
 */
export function contentId(prompt: string | null, messages: z.infer<typeof ChatMessage>[] | null): string {
  const content = prompt !== null ? `p\0${prompt}` : `m\0${JSON.stringify(messages)}`;
  return `p-${sha256Hex(content).slice(0, 20)}`;
}

/** Validates one parsed row; throws a plain Error whose message is the reason, for the caller to locate. */
export function toPromptRecord(value: unknown): PromptRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('expected a JSON object like {"prompt": "..."}');
  }
  const parsed = RowSchema.safeParse(value);
  if (!parsed.success) throw new Error(describeIssue(parsed.error));
  const row = parsed.data;
  if ((row.prompt === undefined) === (row.messages === undefined)) {
    throw new Error("a row needs exactly one of 'prompt' (text) or 'messages' (a list of {role, content})");
  }
  const prompt = row.prompt ?? null;
  const messages = row.messages ?? null;
  return {
    id: row.id ?? contentId(prompt, messages),
    prompt,
    messages,
    reference: row.reference ?? null,
    tags: row.tags ? [...new Set(row.tags)] : [],
  };
}

/** CSV cells are text: `messages` holds JSON, `tags` is a JSON list or `a;b;c`, empty cells are absent. */
export function csvCellsToRow(cells: Record<string, string>, known: ReadonlySet<string> = KNOWN_FIELDS): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(cells)) {
    if (!known.has(key) || raw === '') continue;
    if (key === 'messages') {
      try {
        row.messages = JSON.parse(raw);
      } catch {
        throw new Error("column 'messages' is not valid JSON (expected a list of {role, content})");
      }
    } else if (key === 'tags') {
      if (raw.trimStart().startsWith('[')) {
        try {
          row.tags = JSON.parse(raw);
        } catch {
          throw new Error("column 'tags' starts with '[' but is not a JSON list; write tags as a;b;c or [\"a\",\"b\"]");
        }
      } else {
        row.tags = raw.split(/[;,]/).map((t) => t.trim()).filter((t) => t.length > 0);
      }
    } else {
      row[key] = raw;
    }
  }
  return row;
}
