import type { ExportFormat, ExportOptions, PromptStyle } from '../../../contract/datasets';
import type { ChatMessage } from '../../../contract/prompts';
import type { Item, Provenance } from './items';
import { hhTranscript, promptMessages, promptText, type PromptData } from './prompt';

/**
 * Pure row builders: one dataset item → one row object whose keys are in the column order of the
 * format (FORMATS.md), or a string saying why the item has no row in this format. JSON.stringify
 * keeps insertion order, so the same item always gives the same bytes.
 */

/** `reasoning-messages`: messages whose assistant turn may carry `thinking` (the reasoning before `content`). */
export type ColumnType = 'string' | 'int' | 'double' | 'bool' | 'messages' | 'reasoning-messages' | 'openai-input' | 'strings' | 'spans' | 'steps';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export type Row = Record<string, unknown>;

export interface RowBuilder {
  columns: ColumnSpec[];
  /** The row, or why the item has none in this format. */
  build(item: Item): Row | string;
}

export const SKIP_CONVERSATION = 'a multi-turn or system prompt in standard style (use the conversational style)';

/** The style a format uses: openrlhf defaults to conversational (for --apply_chat_template). */
export function styleOf(o: Pick<ExportOptions, 'format' | 'style'>): PromptStyle {
  return o.style ?? (o.format === 'openrlhf' ? 'conversational' : 'standard');
}

const col = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });

const assistant = (content: string): ChatMessage[] => [{ role: 'assistant', content }];

/**
 * Chain-of-thought text for a plain completion: the steps, one a line, inside `<think>…</think>`,
 * then the answer. The tag convention of DeepSeek-R1 and Qwen3 chat templates, which TRL's
 * `think_format_reward` checks for (`<think>\n…\n</think>\n\n` as those templates render it).
 */
export const thinkText = (steps: readonly string[], answer: string): string => `<think>\n${steps.join('\n')}\n</think>\n\n${answer}`;

export function provenanceColumns(format: ExportFormat): ColumnSpec[] {
  const cols = [
    col('assay_id', 'string'),
    col('reviewer', 'string', true),
    col('guideline_version', 'int', true),
    col('model_a', 'string', true),
    col('model_b', 'string', true),
    col('created_at', 'string'),
  ];
  if (isPreference(format)) cols.push(col('ranking_id', 'string', true));
  return cols;
}

export function isPreference(format: ExportFormat): boolean {
  return format === 'trl' || format === 'openrlhf' || format === 'openai' || format === 'hh';
}

function addProvenance(row: Row, p: Provenance, preference: boolean): Row {
  row.assay_id = p.assayId;
  row.reviewer = p.reviewer;
  row.guideline_version = p.guidelineVersion;
  row.model_a = p.modelA;
  row.model_b = p.modelB;
  row.created_at = new Date(p.createdAt).toISOString();
  if (preference) row.ranking_id = p.rankingId;
  return row;
}

/** The columns a format writes with these options, in order. */
export function columnsFor(o: ExportOptions): ColumnSpec[] {
  const conv = styleOf(o) === 'conversational';
  const text = conv ? 'messages' : 'string';
  let cols: ColumnSpec[];
  switch (o.format) {
    case 'trl':
    case 'openrlhf':
      cols = o.implicitPrompt ? [col('chosen', text), col('rejected', text)] : [col('prompt', text), col('chosen', text), col('rejected', text)];
      if (o.margin) cols.push(col('margin', 'double'));
      break;
    case 'openai':
      cols = [col('input', 'openai-input'), col('preferred_output', 'messages'), col('non_preferred_output', 'messages')];
      break;
    case 'hh':
      cols = [col('chosen', 'string'), col('rejected', 'string')];
      break;
    case 'kto':
      cols = [col('prompt', text), col('completion', text), col('label', 'bool')];
      break;
    case 'sft':
      cols = [col('prompt', text), col('completion', text)];
      break;
    case 'sft-messages':
      cols = [col('messages', 'messages')];
      break;
    case 'sft-cot':
      cols = [col('prompt', text), col('completion', text)];
      break;
    case 'sft-cot-messages':
      cols = [col('messages', 'reasoning-messages')];
      break;
    case 'failures':
      cols = [
        col('prompt', text),
        col('output', 'string'),
        col('verdict', 'string', true),
        col('classes', 'strings'),
        col('spans', 'spans'),
        col('steps', 'steps'),
        col('correction', 'string', true),
        col('comment', 'string'),
      ];
      break;
    case 'full':
    case 'model-card':
      throw new Error(`the ${o.format} export has no row builder`);
  }
  return o.provenance ? [...cols, ...provenanceColumns(o.format)] : cols;
}

export function rowBuilder(o: ExportOptions): RowBuilder {
  const columns = columnsFor(o);
  const conv = styleOf(o) === 'conversational';
  const preference = isPreference(o.format);
  const prov = o.provenance;
  /** The prompt in the row's style, or null when the standard style cannot hold it. */
  const promptValue = (p: PromptData): string | ChatMessage[] | null => (conv ? promptMessages(p) : promptText(p));
  const finish = (row: Row, item: Item): Row => (prov ? addProvenance(row, item.prov, preference) : row);

  let build: (item: Item) => Row | string;
  switch (o.format) {
    case 'trl':
    case 'openrlhf':
      build = (item) => {
        if (item.type !== 'pair') return 'not a pair';
        let row: Row;
        if (conv) {
          const messages = promptMessages(item.prompt);
          row = o.implicitPrompt
            ? { chosen: [...messages, ...assistant(item.chosen)], rejected: [...messages, ...assistant(item.rejected)] }
            : { prompt: messages, chosen: assistant(item.chosen), rejected: assistant(item.rejected) };
        } else {
          const text = promptText(item.prompt);
          if (text === null) return SKIP_CONVERSATION;
          row = o.implicitPrompt ? { chosen: text + item.chosen, rejected: text + item.rejected } : { prompt: text, chosen: item.chosen, rejected: item.rejected };
        }
        if (o.margin) row.margin = item.margin;
        return finish(row, item);
      };
      break;
    case 'openai':
      build = (item) => {
        if (item.type !== 'pair') return 'not a pair';
        return finish(
          {
            input: { messages: promptMessages(item.prompt) },
            preferred_output: assistant(item.chosen),
            non_preferred_output: assistant(item.rejected),
          },
          item,
        );
      };
      break;
    case 'hh':
      build = (item) => {
        if (item.type !== 'pair') return 'not a pair';
        return finish({ chosen: hhTranscript(item.prompt, item.chosen), rejected: hhTranscript(item.prompt, item.rejected) }, item);
      };
      break;
    case 'kto':
      build = (item) => {
        if (item.type !== 'unpaired') return 'not an unpaired example';
        const prompt = promptValue(item.prompt);
        if (prompt === null) return SKIP_CONVERSATION;
        return finish({ prompt, completion: conv ? assistant(item.completion) : item.completion, label: item.label }, item);
      };
      break;
    case 'sft':
      build = (item) => {
        if (item.type !== 'sft') return 'not an SFT example';
        const prompt = promptValue(item.prompt);
        if (prompt === null) return SKIP_CONVERSATION;
        return finish({ prompt, completion: conv ? assistant(item.completion) : item.completion }, item);
      };
      break;
    case 'sft-messages':
      build = (item) => {
        if (item.type !== 'sft') return 'not an SFT example';
        return finish({ messages: [...promptMessages(item.prompt), ...assistant(item.completion)] }, item);
      };
      break;
    case 'sft-cot':
      build = (item) => {
        if (item.type !== 'cot') return 'not a chain-of-thought example';
        const prompt = promptValue(item.prompt);
        if (prompt === null) return SKIP_CONVERSATION;
        const completion = thinkText(item.steps, item.completion);
        return finish({ prompt, completion: conv ? assistant(completion) : completion }, item);
      };
      break;
    case 'sft-cot-messages':
      build = (item) => {
        if (item.type !== 'cot') return 'not a chain-of-thought example';
        // TRL's dataset formats guide (the Harmony section): the assistant message's reasoning in
        // `thinking`, its answer in `content`, which chat templates render before the answer.
        const reply = { role: 'assistant', thinking: item.steps.join('\n'), content: item.completion };
        return finish({ messages: [...promptMessages(item.prompt), reply] }, item);
      };
      break;
    case 'failures':
      build = (item) => {
        if (item.type !== 'failure') return 'not a reviewed output';
        const prompt = promptValue(item.prompt);
        if (prompt === null) return SKIP_CONVERSATION;
        return finish(
          {
            prompt,
            output: item.output,
            verdict: item.verdict,
            classes: item.classes,
            spans: item.spans,
            steps: item.steps,
            correction: item.correction,
            comment: item.comment,
          },
          item,
        );
      };
      break;
    case 'full':
    case 'model-card':
      throw new Error(`the ${o.format} export has no row builder`);
  }
  return { columns, build };
}
