import type { ExportFormat, ExportOptions, ExportStyleChoice, PromptStyle } from '../../../contract/datasets';
import { anyConversationPrompt } from '../../../db/exports';
import type { ReadableDB } from '../../../db/handles';
import { cancelledError } from './common';
import { itemsFor, newLabelCounts, type SourceContext } from './items';
import { promptText } from './prompt';
import { LabelQuality } from './quality';

/**
 * The prompt style of an export, chosen from the data when none is given.
 *
 * Standard rows hold the prompt as one string, which a conversation of several turns (or with a
 * system message) cannot be without a chat template: such rows are left out. An HH-RLHF import is
 * mostly multi-turn, so a standard TRL export of it dropped 71% of the pairs. With `style: null`,
 * trl / kto / sft / failures are therefore conversational as soon as one selected prompt needs it,
 * and standard (what TRL's docs show first, and what a plain-prompt workspace gives) otherwise.
 * An explicit style always wins; openrlhf stays conversational (for --apply_chat_template).
 */

const STYLED: readonly ExportFormat[] = ['trl', 'openrlhf', 'kto', 'sft', 'sft-cot', 'failures'];

/** Whether a format's rows come in a standard and a conversational shape. */
export function hasStyle(format: ExportFormat): boolean {
  return STYLED.includes(format);
}

export interface StyleDecision {
  style: PromptStyle;
  auto: boolean;
}

const FOUND = Symbol('found a conversation');

/**
 * The style to write with. When the workspace holds no conversation prompt at all (one query), it
 * is standard at once. Otherwise the selected items are walked once (the export's own sources and
 * filters) up to the first prompt plain text cannot hold: a full read only when the filters leave
 * out every such prompt.
 */
export function decideStyle(db: ReadableDB, o: ExportOptions, cancelled: () => boolean): StyleDecision | null {
  if (!hasStyle(o.format)) return null;
  if (o.style !== null) return { style: o.style, auto: false };
  if (o.format === 'openrlhf') return { style: 'conversational', auto: false };
  if (!anyConversationPrompt(db)) return { style: 'standard', auto: true };
  let read = 0;
  const ctx: SourceContext = {
    db,
    options: o,
    quality: new LabelQuality(),
    labelCounts: newLabelCounts(o.labels),
    skip() {},
    tick() {
      if ((++read & 1023) === 0 && cancelled()) throw cancelledError();
    },
    emit(item) {
      if (promptText(item.prompt) === null) throw FOUND;
    },
  };
  try {
    itemsFor(ctx);
  } catch (error) {
    if (error === FOUND) return { style: 'conversational', auto: true };
    throw error;
  }
  return { style: 'standard', auto: true };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const rowsWord = (n: number) => `${fmt(n)} ${n === 1 ? 'row' : 'rows'}`;

export interface StyleFacts {
  /** Rows written whose prompt has several turns or a system message. */
  conversationRows: number;
  rows: number;
  /** The first such prompt's id, for the sentence. */
  firstPrompt: string | null;
  /** Rows left out because standard strings cannot hold their prompt. */
  leftOutForStyle: number;
}

/** The sentence that says which style was used and why. */
export function styleChoice(d: StyleDecision, o: ExportOptions, f: StyleFacts): ExportStyleChoice {
  let reason: string;
  if (d.style === 'conversational') {
    const c = f.conversationRows;
    const which =
      c === f.rows ? (c === 1 ? 'the one row has' : `all ${fmt(c)} rows have`)
      : `${fmt(c)} of ${rowsWord(f.rows)} ${c === 1 ? 'has' : 'have'}`;
    const held =
      c > 0
        ? `${which} a prompt with several turns or a system message${f.firstPrompt ? ` (first: prompt ${f.firstPrompt})` : ''}, which plain strings cannot hold`
        : 'no written row has a prompt of several turns';
    reason =
      d.auto ? `Conversational (message lists), chosen from the data: ${held}; --style standard would leave those rows out.`
      : o.style === null ? `Conversational (message lists), OpenRLHF's default for --apply_chat_template: ${held}.`
      : `Conversational (message lists), as asked: ${held}.`;
  } else {
    reason = d.auto
      ? 'Standard (strings), chosen from the data: every selected prompt is a single user turn.'
      : f.leftOutForStyle > 0
        ? `Standard (strings), as asked: ${rowsWord(f.leftOutForStyle)} with a prompt of several turns or a system message ${f.leftOutForStyle === 1 ? 'was' : 'were'} left out (the conversational style keeps them).`
        : 'Standard (strings), as asked.';
  }
  return { style: d.style, auto: d.auto, reason, leftOut: d.style === 'standard' ? f.leftOutForStyle : 0 };
}
