import { z } from 'zod';
import type { DatasetImportFormat } from '../../../contract/datasets';
import type { PairChoice } from '../../../contract/comparisons';
import { ChatRole, type ChatMessage } from '../../../contract/prompts';
import { describeIssue, toPromptRecord } from '../../prompts/rows';

/**
 * What each dataset format's records mean in Assay's terms, as pure functions: a record becomes
 * units (a prompt, the outputs written for it, and the judgement between them, if any), or is left
 * out with a reason. A record that is not what its format says throws an Error whose message is
 * the reason; the importer adds the file and line.
 */

export interface ImportedPrompt {
  /** A given id (completions rows); otherwise the id comes from the content, so re-imports match. */
  id: string | null;
  prompt: string | null;
  messages: ChatMessage[] | null;
  reference: string | null;
  tags: string[];
}

export interface ImportedOutput {
  model: string;
  text: string;
  /** The exact text the model continued, when the source has it (HH-RLHF transcripts); else ''. */
  renderedPrompt: string;
  externalId: string | null;
  meta: Record<string, unknown> | null;
  /** When the output was made (ms), if the source says. */
  madeAt: number | null;
}

/** Indices are into the unit's outputs. */
export type ImportedJudgement =
  /** choice is from a's side: A means a won. keepOrder: a was shown on the left (Arena), else the side is drawn. */
  | { kind: 'pair'; a: number; b: number; choice: PairChoice; keepOrder: boolean }
  /** Groups of outputs, best first; outputs in one group are tied. */
  | { kind: 'rank'; groups: number[][] };

export interface ImportUnit {
  prompt: ImportedPrompt;
  outputs: ImportedOutput[];
  judgement: ImportedJudgement | null;
  /** Provenance of the label the judgement becomes. */
  labelExternalId: string | null;
  labelMeta: Record<string, unknown> | null;
}

export type ParsedRecord = { units: ImportUnit[] } | { skip: string };

export interface FormatContext {
  /** The model name for outputs whose source does not name one. */
  defaultModel: string;
}

export interface FormatSpec {
  /** The reviewer imported labels are written as; null when the format has no judgements. */
  reviewer: string | null;
  /** Top-level fields the format reads; the others are reported as ignored. */
  knownFields: ReadonlySet<string>;
  /** completions may also be CSV. */
  csv: boolean;
  parse(value: unknown, ctx: FormatContext): ParsedRecord;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, example: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`expected a JSON object like ${example}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(describeIssue(parsed.error));
  return parsed.data;
}

const MAX_MODEL_NAME = 200;
const ModelName = z.string().trim().min(1, 'the model name is empty').max(MAX_MODEL_NAME, `a model name is at most ${MAX_MODEL_NAME} characters`);

// ── HH-RLHF ──────────────────────────────────────────────────────────────────────────────────

const ASSISTANT_MARK = '\n\nAssistant:';
const TURN_MARK = /\n\n(Human|Assistant):/;

/** "\n\nHuman: a\n\nAssistant: b\n\nHuman: c" → user a, assistant b, user c (one space after the colon dropped). */
export function transcriptMessages(prefix: string, side: string): ChatMessage[] {
  const text = prefix.startsWith('Human:') || prefix.startsWith('Assistant:') ? `\n\n${prefix}` : prefix;
  const pieces = text.split(TURN_MARK);
  if (pieces[0]!.trim() !== '') throw new Error(`'${side}' does not start with "\\n\\nHuman:" (an HH-RLHF transcript is "\\n\\nHuman: …\\n\\nAssistant: …")`);
  const messages: ChatMessage[] = [];
  for (let i = 1; i < pieces.length; i += 2) {
    messages.push({ role: pieces[i] === 'Human' ? 'user' : 'assistant', content: stripOneSpace(pieces[i + 1]!) });
  }
  if (messages.length === 0) throw new Error(`'${side}' has no "\\n\\nHuman:" turn before its last "\\n\\nAssistant:"`);
  return messages;
}

function stripOneSpace(text: string): string {
  return text.startsWith(' ') ? text.slice(1) : text;
}

const HhRecord = z.object({ chosen: z.string(), rejected: z.string() });

/** How many leading UTF-16 units two strings share. */
function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never split a surrogate pair: the prompt and the replies stay valid text.
  if (i > 0 && i < n && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) <= 0xdbff) i--;
  return i;
}

/**
 * An HH-RLHF pair as TRL's reference processing reads it (trl examples/datasets/hh-rlhf-helpful-base.py,
 * extract_dialogue): the shared prompt is the longest common prefix of chosen and rejected, cut
 * back to the last "\n\nAssistant:" inside it; each side's reply is the rest, and may span turns
 * (in the published splits a few pairs in a thousand differ before the last "\n\nAssistant:").
 * A pair with no shared "\n\nAssistant:" or with identical sides is left out with its reason;
 * a record that is not a transcript at all fails the file.
 */
export function splitHhPair(chosen: string, rejected: string): { prefix: string; chosen: string; rejected: string } | { skip: string } {
  for (const [side, text] of [['chosen', chosen], ['rejected', rejected]] as const) {
    if (!text.includes(ASSISTANT_MARK)) throw new Error(`'${side}' has no "\\n\\nAssistant:" turn`);
  }
  if (chosen === rejected) return { skip: 'chosen and rejected are identical' };
  const common = chosen.slice(0, commonPrefixLength(chosen, rejected));
  const at = common.lastIndexOf(ASSISTANT_MARK);
  if (at === -1) return { skip: 'chosen and rejected differ before their first "\\n\\nAssistant:" (no shared prompt)' };
  const from = at + ASSISTANT_MARK.length;
  const reply = (text: string) => stripOneSpace(text.slice(from));
  const pair = { prefix: common.slice(0, at), chosen: reply(chosen), rejected: reply(rejected) };
  if (pair.chosen === pair.rejected) return { skip: 'chosen and rejected are identical' };
  return pair;
}

export const hhRlhf: FormatSpec = {
  reviewer: 'hh-rlhf import',
  knownFields: new Set(['chosen', 'rejected']),
  csv: false,
  parse(value, ctx) {
    const row = parseWith(HhRecord, value, '{"chosen": "\\n\\nHuman: …\\n\\nAssistant: …", "rejected": "…"}');
    const pair = splitHhPair(row.chosen, row.rejected);
    if ('skip' in pair) return pair;
    const messages = transcriptMessages(pair.prefix, 'chosen');
    const rendered = pair.prefix + ASSISTANT_MARK;
    const output = (text: string): ImportedOutput => ({ model: ctx.defaultModel, text, renderedPrompt: rendered, externalId: null, meta: null, madeAt: null });
    return {
      units: [
        {
          prompt: { id: null, prompt: null, messages, reference: null, tags: ['hh-rlhf'] },
          outputs: [output(pair.chosen), output(pair.rejected)],
          judgement: { kind: 'pair', a: 0, b: 1, choice: 'A', keepOrder: false },
          labelExternalId: null,
          labelMeta: null,
        },
      ],
    };
  },
};

// ── Chatbot Arena ────────────────────────────────────────────────────────────────────────────

const ArenaTurn = z.object({ role: ChatRole, content: z.string() });
const ArenaBattle = z.object({
  model_a: ModelName,
  model_b: ModelName,
  winner: z.enum(['model_a', 'model_b', 'tie', 'tie (bothbad)']),
  conversation_a: z.array(ArenaTurn).min(1, 'the conversation is empty'),
  conversation_b: z.array(ArenaTurn).min(1, 'the conversation is empty'),
  question_id: z.union([z.string(), z.number()]).nullish(),
  tstamp: z.number().nullish(),
  judge: z.string().nullish(),
  turn: z.number().int().nullish(),
  language: z.string().nullish(),
  anony: z.boolean().nullish(),
});

const WINNER: Record<z.infer<typeof ArenaBattle>['winner'], PairChoice> = {
  model_a: 'A',
  model_b: 'B',
  tie: 'tie',
  'tie (bothbad)': 'both_bad',
};

/** The turns before the first assistant turn, the first assistant reply, and whether more follows. */
function firstExchange(turns: z.infer<typeof ArenaTurn>[], side: string): { prompt: ChatMessage[]; reply: string; more: boolean } {
  const at = turns.findIndex((t) => t.role === 'assistant');
  if (at === -1) throw new Error(`'${side}' has no assistant turn`);
  const prompt = turns.slice(0, at);
  if (!prompt.some((t) => t.role === 'user')) throw new Error(`'${side}' has no user turn before the first assistant turn`);
  return { prompt, reply: turns[at]!.content, more: at < turns.length - 1 };
}

export const arena: FormatSpec = {
  reviewer: 'arena import',
  knownFields: new Set(['model_a', 'model_b', 'winner', 'conversation_a', 'conversation_b', 'question_id', 'tstamp', 'judge', 'turn', 'language', 'anony']),
  csv: false,
  parse(value) {
    const b = parseWith(ArenaBattle, value, '{"model_a": "…", "model_b": "…", "winner": "model_a", "conversation_a": [{"role": "user", "content": "…"}, …], "conversation_b": […]}');
    const a = firstExchange(b.conversation_a, 'conversation_a');
    const other = firstExchange(b.conversation_b, 'conversation_b');
    if (JSON.stringify(a.prompt) !== JSON.stringify(other.prompt)) {
      throw new Error("'conversation_a' and 'conversation_b' start with different user turns; a battle compares two replies to the same prompt");
    }
    // The judge saw the whole conversation; a label on its first reply alone would say what they did not.
    if (a.more || other.more) return { skip: 'multi-turn battle (Assay compares single replies)' };
    if (b.model_a === b.model_b && a.reply === other.reply) return { skip: 'both sides are the same model and text' };
    const questionId = b.question_id === undefined || b.question_id === null ? null : String(b.question_id);
    const madeAt = typeof b.tstamp === 'number' && Number.isFinite(b.tstamp) ? Math.round(b.tstamp * 1000) : null;
    const meta: Record<string, unknown> = {};
    for (const key of ['judge', 'tstamp', 'turn', 'language', 'anony'] as const) if (b[key] !== undefined && b[key] !== null) meta[key] = b[key];
    const output = (model: string, text: string): ImportedOutput => ({ model, text, renderedPrompt: '', externalId: questionId, meta: null, madeAt });
    return {
      units: [
        {
          prompt: { id: null, prompt: null, messages: a.prompt, reference: null, tags: ['arena'] },
          outputs: [output(b.model_a, a.reply), output(b.model_b, other.reply)],
          judgement: { kind: 'pair', a: 0, b: 1, choice: WINNER[b.winner], keepOrder: true },
          labelExternalId: questionId,
          labelMeta: Object.keys(meta).length > 0 ? meta : null,
        },
      ],
    };
  },
};

// ── OpenAssistant message trees ──────────────────────────────────────────────────────────────

interface OasstMessage {
  message_id: string;
  parent_id?: string | null;
  role: 'prompter' | 'assistant';
  text: string;
  rank?: number | null;
  deleted?: boolean | null;
  synthetic?: boolean | null;
  model_name?: string | null;
  lang?: string | null;
  review_count?: number | null;
  labels?: unknown;
  replies?: OasstMessage[] | null;
}

const OasstMessageSchema: z.ZodType<OasstMessage> = z.lazy(() =>
  z.object({
    message_id: z.string().min(1, 'message_id is empty'),
    parent_id: z.string().nullish(),
    role: z.enum(['prompter', 'assistant']),
    text: z.string(),
    rank: z.number().int().min(0).nullish(),
    deleted: z.boolean().nullish(),
    synthetic: z.boolean().nullish(),
    model_name: z.string().nullish(),
    lang: z.string().nullish(),
    review_count: z.number().int().nullish(),
    labels: z.unknown().optional(),
    replies: z.array(OasstMessageSchema).nullish(),
  }),
);

const OasstTree = z.object({
  message_tree_id: z.string().nullish(),
  tree_state: z.string().nullish(),
  prompt: OasstMessageSchema,
});

export const OASST_MODEL = 'OpenAssistant (human-written)';

function oasstModel(m: OasstMessage): string {
  if (m.synthetic && m.model_name && m.model_name.trim() !== '') return m.model_name.trim().slice(0, MAX_MODEL_NAME);
  return OASST_MODEL;
}

function oasstMeta(m: OasstMessage): Record<string, unknown> | null {
  const meta: Record<string, unknown> = {};
  if (m.rank !== undefined && m.rank !== null) meta.rank = m.rank;
  if (m.lang) meta.lang = m.lang;
  if (m.synthetic) meta.synthetic = true;
  if (m.review_count !== undefined && m.review_count !== null) meta.review_count = m.review_count;
  if (m.labels !== undefined && m.labels !== null) meta.labels = m.labels;
  return Object.keys(meta).length > 0 ? meta : null;
}

/** Ranked replies → a judgement: two make a pair (equal ranks a tie), more a ranking with ties. */
function rankJudgement(ranked: { index: number; rank: number }[]): ImportedJudgement | null {
  if (ranked.length < 2) return null;
  const sorted = [...ranked].sort((x, y) => x.rank - y.rank || x.index - y.index);
  if (sorted.length === 2) {
    const [first, second] = sorted as [{ index: number; rank: number }, { index: number; rank: number }];
    return { kind: 'pair', a: first.index, b: second.index, choice: first.rank === second.rank ? 'tie' : 'A', keepOrder: false };
  }
  const groups: number[][] = [];
  let last: number | null = null;
  for (const r of sorted) {
    if (r.rank !== last) groups.push([]);
    groups[groups.length - 1]!.push(r.index);
    last = r.rank;
  }
  return { kind: 'rank', groups };
}

export const oasst: FormatSpec = {
  reviewer: 'oasst import',
  knownFields: new Set(['message_tree_id', 'tree_state', 'prompt', 'origin']),
  csv: false,
  parse(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('expected a JSON object: an OpenAssistant message tree like {"message_tree_id": "…", "prompt": {"message_id": "…", "role": "prompter", "text": "…", "replies": […]}}');
    }
    let root: OasstMessage;
    let treeId: string | null = null;
    if ('prompt' in value) {
      const tree = parseWith(OasstTree, value, '{"message_tree_id": "…", "prompt": {…}}');
      root = tree.prompt;
      treeId = tree.message_tree_id ?? null;
    } else {
      root = parseWith(OasstMessageSchema, value, '{"message_id": "…", "role": "prompter", "text": "…", "replies": […]}');
      if (root.parent_id) {
        throw new Error("this is a message with a parent_id: OpenAssistant's flat message export; import the message-tree export (*.trees.jsonl) instead");
      }
    }
    if (root.role !== 'prompter') throw new Error(`the tree's root message ${root.message_id} is an assistant message; a tree starts with a prompter message`);
    if (root.deleted) return { skip: 'deleted message tree' };

    const units: ImportUnit[] = [];
    const walkPrompter = (p: OasstMessage, context: ChatMessage[]) => {
      const messages: ChatMessage[] = [...context, { role: 'user', content: p.text }];
      const replies = (p.replies ?? []).filter((r) => !r.deleted);
      for (const r of replies) {
        if (r.role !== 'assistant') throw new Error(`message ${r.message_id} replies to the prompter message ${p.message_id} but is not an assistant message`);
      }
      const outputs = replies.map((r): ImportedOutput => ({ model: oasstModel(r), text: r.text, renderedPrompt: '', externalId: r.message_id, meta: oasstMeta(r), madeAt: null }));
      const ranked = replies.flatMap((r, index) => (r.rank === undefined || r.rank === null ? [] : [{ index, rank: r.rank }]));
      units.push({
        prompt: { id: null, prompt: null, messages, reference: null, tags: p.lang ? ['oasst', `lang:${p.lang}`] : ['oasst'] },
        outputs,
        judgement: rankJudgement(ranked),
        labelExternalId: p.message_id,
        labelMeta: treeId ? { message_tree_id: treeId } : null,
      });
      for (const r of replies) {
        const next = [...messages, { role: 'assistant' as const, content: r.text }];
        for (const q of r.replies ?? []) {
          if (q.deleted) continue;
          if (q.role !== 'prompter') throw new Error(`message ${q.message_id} replies to the assistant message ${r.message_id} but is not a prompter message`);
          walkPrompter(q, next);
        }
      }
    };
    walkPrompter(root, []);
    return { units };
  },
};

// ── Prompt/completion rows ───────────────────────────────────────────────────────────────────

const CompletionFields = z.object({ completion: z.string(), model: ModelName.optional() });

export const completions: FormatSpec = {
  reviewer: null,
  knownFields: new Set(['id', 'prompt', 'messages', 'reference', 'tags', 'completion', 'model']),
  csv: true,
  parse(value, ctx) {
    const record = toPromptRecord(value);
    const row = parseWith(CompletionFields, value, '{"prompt": "…", "completion": "…"}');
    return {
      units: [
        {
          prompt: record,
          outputs: [{ model: row.model ?? ctx.defaultModel, text: row.completion, renderedPrompt: '', externalId: null, meta: null, madeAt: null }],
          judgement: null,
          labelExternalId: null,
          labelMeta: null,
        },
      ],
    };
  },
};

export const FORMATS: Record<DatasetImportFormat, FormatSpec> = {
  completions,
  'hh-rlhf': hhRlhf,
  arena,
  oasst,
};
