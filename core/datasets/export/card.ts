import type { Leaderboard } from '../../../contract/comparisons';
import type { ExportCounts, ExportOptions, ExportStyleChoice } from '../../../contract/datasets';
import { positionBias, type Coincidences } from '../../stats';
import type { LabelQuality } from './quality';
import { isPreference, styleOf, type ColumnSpec } from './rows';

/**
 * The dataset card: README.md with Hugging Face YAML front matter (license, task_categories, tags,
 * size_categories, configs with data_files per split, dataset_info.features so every split loads
 * with the same types) and a body with counts, policies, filters, reviewers, guideline versions
 * and label-quality figures. Nothing in it depends on the time or the machine: the same export
 * gives the same card.
 */

export interface CardInput {
  /** The options as written: `style` is the one used (chosen from the data when none was given). */
  options: ExportOptions;
  /** Which style and why (null for formats with one shape). */
  style?: ExportStyleChoice | null;
  counts: ExportCounts;
  columns: readonly ColumnSpec[];
  files: { split: 'train' | 'test'; path: string }[];
  schemaVersion: number;
  reviewers: Map<string, number>;
  guidelineVersions: Map<number | null, number>;
  quality: LabelQuality;
  /** Names for the ids in the filters. */
  filterNames: { reviewers: string[]; models: string[] };
  /**
   * The comparisons leaderboard of the workspace (core/comparisons/leaderboard.ts), when it was
   * computed: a string says why not.
   */
  leaderboard?: Leaderboard | string;
}

const FORMAT_TITLES: Record<ExportOptions['format'], string> = {
  trl: 'TRL preference pairs',
  openrlhf: 'OpenRLHF preference pairs',
  openai: 'OpenAI / Together preference fine-tuning data',
  hh: 'Anthropic HH-RLHF style transcripts',
  kto: 'KTO unpaired preference examples',
  sft: 'SFT prompt-completion examples from corrections',
  'sft-messages': 'SFT conversations from corrections',
  'sft-cot': 'Chain-of-thought SFT examples: think-aloud steps, then the corrected answer',
  'sft-cot-messages': 'Chain-of-thought SFT conversations: think-aloud steps as the reply\'s reasoning, then the corrected answer',
  failures: 'Failure classes of reviewed outputs',
  full: 'Full Assay workspace export',
  'model-card': 'Model card',
};

/** A YAML scalar: always a double-quoted JSON string (valid YAML), so no value can break the header. */
const y = (s: string) => JSON.stringify(s);

/** Markdown table cell text: no pipes or line breaks, HTML-looking characters escaped. */
export function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function sizeCategory(n: number): string {
  if (n < 1_000) return 'n<1K';
  if (n < 10_000) return '1K<n<10K';
  if (n < 100_000) return '10K<n<100K';
  if (n < 1_000_000) return '100K<n<1M';
  if (n < 10_000_000) return '1M<n<10M';
  if (n < 100_000_000) return '10M<n<100M';
  return '100M<n<1B';
}

function taskCategories(format: ExportOptions['format']): string[] {
  if (format === 'failures') return ['text-classification', 'token-classification'];
  return ['text-generation'];
}

function tags(format: ExportOptions['format']): string[] {
  const t = ['assay', 'human-feedback'];
  if (isPreference(format)) t.push('preference', 'rlhf', 'dpo', 'reward-modeling');
  if (format === 'kto') t.push('kto', 'unpaired-preference');
  if (format === 'sft' || format === 'sft-messages') t.push('sft', 'corrections');
  if (format === 'sft-cot' || format === 'sft-cot-messages') t.push('sft', 'corrections', 'chain-of-thought', 'reasoning');
  if (format === 'failures') t.push('failure-analysis', 'span-annotation');
  return t;
}

/** dataset_info.features lines for one column (Hugging Face `datasets` Features in YAML). */
function featureYaml(c: ColumnSpec): string[] {
  const str = (name: string, indent: string) => [`${indent}- name: ${name}`, `${indent}  dtype: string`];
  const messages = (indent: string) => [...str('role', indent), ...str('content', indent)];
  switch (c.type) {
    case 'string':
      return str(c.name, '  ');
    case 'int':
      return [`  - name: ${c.name}`, '    dtype: int64'];
    case 'double':
      return [`  - name: ${c.name}`, '    dtype: float64'];
    case 'bool':
      return [`  - name: ${c.name}`, '    dtype: bool'];
    case 'messages':
      return [`  - name: ${c.name}`, '    list:', ...messages('    ')];
    case 'reasoning-messages':
      return [`  - name: ${c.name}`, '    list:', ...str('role', '    '), ...str('thinking', '    '), ...str('content', '    ')];
    case 'openai-input':
      return [`  - name: ${c.name}`, '    struct:', '    - name: messages', '      list:', ...messages('      ')];
    case 'strings':
      return [`  - name: ${c.name}`, '    sequence: string'];
    case 'spans':
      return [
        `  - name: ${c.name}`,
        '    list:',
        ...str('class', '    '),
        '    - name: start',
        '      dtype: int32',
        '    - name: end',
        '      dtype: int32',
        ...str('quote', '    '),
        ...str('note', '    '),
      ];
    case 'steps':
      return [`  - name: ${c.name}`, '    list:', ...str('body', '    '), ...str('class', '    ')];
  }
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));
const date = (ms: number) => new Date(ms).toISOString();

function agreementLine(label: string, a: Coincidences): string | null {
  if (a.items === 0) return null;
  return `- ${label}: ${a.items} items labeled by two or more reviewers; all agreed on ${pct(a.unanimousShare())}; Krippendorff's α (nominal) ${num(a.alpha().value)}.`;
}

/** Which labels made the rows (`labels`), and what each rule kept and dropped. */
function labelRuleLines(o: ExportOptions, counts: ExportCounts): string[] {
  if (o.format === 'full') return [];
  const c = counts.labels;
  if (o.labels === 'all' || !c) {
    return ['- Labels: every reviewer\'s own row (`labels: all`): reviewers who agree give several rows, reviewers who disagree give opposite rows.'];
  }
  if (o.labels === 'adjudicated') {
    return [
      '- Labels: adjudicated (`labels: adjudicated`): one row source per item. The adjudicator\'s final label where one exists; else the reviewers\' label when they all agree (the Adjudication queue\'s rules); else the item is left out.',
      `- Items: ${c.items}; adjudicated ${c.adjudicated}, reviewers agreed ${c.agreed}; labelled by one reviewer only (kept, unchecked) ${c.single}; left out because reviewers disagree and nothing was adjudicated: ${c.dropped}.`,
    ];
  }
  return [
    '- Labels: majority (`labels: majority`): one row source per item, the label more than half of its reviewers gave (ties and splits without a strict majority are left out).',
    `- Items: ${c.items}; by strict majority ${c.majority}; labelled by one reviewer only (kept, unchecked) ${c.single}; left out without a strict majority: ${c.dropped}.`,
  ];
}

function policyLines(o: ExportOptions, choice: ExportStyleChoice | null | undefined): string[] {
  const lines: string[] = [];
  const style = styleOf(o);
  if (choice?.auto) lines.push(`- Style: ${choice.reason}`);
  else if (o.format !== 'openai' && o.format !== 'hh' && o.format !== 'sft-messages' && o.format !== 'sft-cot-messages') {
    lines.push(
      style === 'conversational'
        ? '- Style: conversational (prompts and completions are lists of `{role, content}` messages).'
        : '- Style: standard (strings). Prompts that are conversations of more than one user turn have no faithful plain-text form and are left out (counted under skipped).',
    );
  }
  if (o.format === 'trl' || o.format === 'openrlhf') {
    lines.push(o.implicitPrompt ? '- Implicit prompt: `chosen` and `rejected` start with the prompt.' : '- Explicit prompt: `prompt` is shared; `chosen` and `rejected` hold only the replies.');
    if (o.margin) lines.push('- `margin` from the graded strength: slightly 1, clearly 2, much 3; 0 when no strength was given (rankings, corrections).');
  }
  if (isPreference(o.format)) {
    lines.push(
      '- Pairwise A/B labels give one pair each (the stored shown order undoes the side randomization).',
      '- N-way rankings of K outputs expand to K(K−1)/2 pairs; with provenance, each carries `ranking_id`.',
      '- A review correction gives a (correction ≻ original output) pair.',
      '- Ties are not pairs.',
      o.bothBad === 'correction'
        ? '- "Both bad" is not a pair unless a correction was written; then the correction ≻ each of the two outputs.'
        : '- "Both bad" labels are left out, corrections included.',
    );
  }
  if (o.format === 'kto') {
    lines.push(
      `- Sources: ${o.ktoSources.join(', ')}.`,
      `- Review verdicts: good → true, bad → false, acceptable → ${o.acceptable === 'skip' ? 'left out' : o.acceptable === 'desirable' ? 'true' : 'false'}.`,
      '- Comparisons: the chosen output → true, the other → false; in a ranking the best group → true, the worst → false, the middle left out.',
      `- Ties: ${o.ties === 'drop' ? 'left out' : 'both outputs → true'}. Both bad: ${o.bothBad === 'drop' ? 'left out' : 'both outputs → false, a correction → true'}.`,
      '- Corrections (the latest version per output) → true.',
    );
  }
  if (o.format === 'sft' || o.format === 'sft-messages') {
    lines.push('- One example per corrected output (its latest correction) and per "both bad" comparison label with a correction.');
  }
  if (o.format === 'sft-cot' || o.format === 'sft-cot-messages') {
    lines.push(
      '- One example per corrected output (its latest correction) whose author wrote think-aloud steps in their submitted review of it: the steps, in order, are the reasoning, the correction is the answer. Other corrections are left out (counted under skipped).',
      o.format === 'sft-cot'
        ? '- `completion`: `<think>\\n` + the steps, one a line + `\\n</think>\\n\\n` + the answer (the think-tag convention of DeepSeek-R1 / Qwen3 templates and TRL\'s `think_format_reward`).'
        : '- `messages`: the prompt\'s turns, then `{"role": "assistant", "thinking": steps one a line, "content": the answer}` (TRL\'s dataset formats guide; a chat template that reads `reasoning_content` needs the key renamed).',
    );
  }
  if (o.format === 'failures') {
    lines.push(
      '- One row per submitted review. `classes`: failure classes tagged (merged classes count as the class that absorbed them).',
      '- `spans[].start` / `end`: offsets in Unicode code points into `output` (Python `str` indexing); null for a tag on the whole output. `quote` is the spanned text.',
      '- `steps`: the reviewer\'s think-aloud steps in order, with the class of the tag each explains. `correction`: the latest correction of the output.',
    );
  }
  if (o.split) {
    lines.push(
      `- Split: a prompt goes to test when sha256(seed ${o.split.seed}, normalized prompt) falls below ${o.split.testFraction}. Normalized: NFKC, lower case, whitespace collapsed; so one prompt never appears in both splits.`,
    );
  }
  return lines;
}

function filterLines(o: ExportOptions, names: CardInput['filterNames']): string[] {
  const f = o.filters;
  const lines: string[] = [];
  if (names.reviewers.length > 0) lines.push(`- Reviewers: ${names.reviewers.map((n) => `\`${cell(n)}\``).join(', ')}`);
  if (f.since !== null) lines.push(`- Labeled from ${date(f.since)}`);
  if (f.until !== null) lines.push(`- Labeled before ${date(f.until)}`);
  if (f.tags.length > 0) lines.push(`- Prompt tags (any of): ${f.tags.map((t) => `\`${cell(t)}\``).join(', ')}`);
  if (names.models.length > 0) lines.push(`- Models: ${names.models.map((n) => `\`${cell(n)}\``).join(', ')}`);
  if (f.guidelineMin !== null || f.guidelineMax !== null) lines.push(`- Guideline versions ${f.guidelineMin ?? 0} to ${f.guidelineMax ?? 'latest'}`);
  if (f.minAgreement > 0) lines.push(`- Minimum agreement ${f.minAgreement}`);
  if (f.minLabels > 1) lines.push(`- Minimum labels per item ${f.minLabels}`);
  return lines.length > 0 ? lines : ['- None: every live label of every live prompt.'];
}

export function buildCard(c: CardInput): string {
  const o = c.options;
  const total = c.counts.train + c.counts.test;
  const front = [
    '---',
    `license: ${y(o.license ?? 'other')}`,
    'task_categories:',
    ...taskCategories(o.format).map((t) => `- ${t}`),
    'tags:',
    ...tags(o.format).map((t) => `- ${t}`),
    'size_categories:',
    `- ${sizeCategory(total)}`,
    'configs:',
    '- config_name: default',
    '  data_files:',
    ...c.files.flatMap((f) => [`  - split: ${f.split}`, `    path: ${y(f.path)}`]),
    'dataset_info:',
    '  features:',
    ...c.columns.flatMap(featureYaml),
    '---',
  ];

  const body: string[] = [
    '',
    `# ${FORMAT_TITLES[o.format]}`,
    '',
    `Exported by Assay from a workspace (schema v${c.schemaVersion}) as ${o.fileType === 'parquet' ? 'Parquet' : 'JSONL'}. Rows are in a stable order; the same workspace and options give byte-identical files.`,
    '',
    '## Counts',
    '',
    '| split | rows |',
    '| --- | ---: |',
    ...c.files.map((f) => `| ${f.split} | ${f.split === 'train' ? c.counts.train : c.counts.test} |`),
    '',
  ];
  const skipped = Object.entries(c.counts.skipped).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (skipped.length > 0) {
    body.push('Left out:', '', '| reason | count |', '| --- | ---: |', ...skipped.map(([r, n]) => `| ${cell(r)} | ${n} |`), '');
  }
  body.push('## How rows were made', '', ...labelRuleLines(o, c.counts), ...policyLines(o, c.style), '', '## Filters', '', ...filterLines(o, c.filterNames), '');
  body.push('## Columns', '', ...c.columns.map((col) => `- \`${col.name}\` (${col.type}${col.nullable ? ', may be null' : ''})`), '');
  if (o.provenance) {
    body.push(
      'Provenance columns: `assay_id` (the label in the workspace), `reviewer`, `guideline_version`, `model_a` (the model that wrote the chosen or only text; null when a person wrote it), `model_b` (the model of the rejected text, or of the output a correction replaces), `created_at` (when the label was made, UTC).',
      '',
    );
  }

  body.push('## Reviewers', '');
  const reviewers = [...c.reviewers.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  body.push(...(reviewers.length > 0 ? ['| reviewer | rows |', '| --- | ---: |', ...reviewers.map(([n, k]) => `| ${cell(n)} | ${k} |`)] : ['None.']), '');

  body.push('## Guideline versions', '');
  const versions = [...c.guidelineVersions.entries()].sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1));
  body.push(
    ...(versions.length > 0
      ? ['| version | rows |', '| --- | ---: |', ...versions.map(([v, k]) => `| ${v === null ? 'unknown' : v === 0 ? '0 (before guidelines)' : v} | ${k} |`)]
      : ['None.']),
    '',
  );

  body.push('## Label quality', '');
  const q = c.quality;
  const lines = [
    agreementLine('Pairwise choices (A / B / tie / both bad)', q.pairChoices),
    agreementLine('Pairs within N-way rankings (first / second / tie)', q.rankPairs),
    agreementLine('Review verdicts (good / acceptable / bad)', q.verdicts),
  ].filter((l): l is string => l !== null);
  if (q.decided > 0) {
    const bias = positionBias(q.leftWins, q.decided - q.leftWins);
    lines.push(
      `- Position bias: the left output (A) was chosen in ${pct(bias.leftWinRate)} of ${q.decided} decided pairwise labels whose sides a person saw (95% CI ${pct(bias.low)}–${pct(bias.high)}; 50% is no bias).`,
    );
  }
  body.push(...(lines.length > 0 ? lines : ['No items were labeled by more than one reviewer, and no pairwise labels chose a side.']), '');
  body.push('Figures are over the labels that pass the filters above.', '');

  if (c.leaderboard !== undefined) {
    body.push('## Comparisons leaderboard', '');
    if (typeof c.leaderboard === 'string') {
      body.push(c.leaderboard, '');
    } else if (c.leaderboard.models.length === 0) {
      body.push('No comparisons between different models.', '');
    } else {
      const lb = c.leaderboard;
      body.push(
        `Bradley–Terry ratings over ${lb.comparisons} comparisons of the workspace (as in the Leaderboard view${c.filterNames.reviewers.length === 1 ? `, reviewer ${cell(c.filterNames.reviewers[0]!)}` : ''}${o.filters.tags.length === 1 ? `, tag ${cell(o.filters.tags[0]!)}` : ''}; ties count half, "both bad" is left out).`,
        '',
        '| model | rating | comparisons |',
        '| --- | ---: | ---: |',
        ...lb.models.map((m) => `| ${cell(m.name)} | ${Math.round(m.rating)} | ${m.comparisons} |`),
        '',
        ...lb.agreement.map((a) => `- Agreement: ${a.value === null ? '—' : a.value.toFixed(3)} (${cell(a.method)}; ${a.items} items).`),
        '',
      );
    }
  }
  return [...front, ...body].join('\n');
}
