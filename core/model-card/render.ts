import type { Proportion } from '../stats';
import { cell } from '../datasets/export/card';
import type { CardClass, CardComparisons, CardGap, CardSuite, ModelCardData } from './data';
import { toYaml, type YamlValue } from './yaml';

/**
 * The model card as README.md: YAML front matter the Hugging Face Hub reads, then the markdown.
 *
 * The front matter follows the Hub's model card metadata spec (huggingface/hub-docs `modelcard.md`,
 * "model-index"; huggingface_hub `repocard_data.py`, `EvalResult` and `model_index_to_eval_results`):
 *     model-index: - name, results: - task {type, name}, dataset {type, name, config?, split?},
 *                                     metrics: - {type, value, name?, verified?}
 * where task.type, dataset.type, dataset.name, metrics[].type and metrics[].value are required.
 * One result per evaluation (the human review, each probe suite, the comparisons), its metrics
 * one per class or figure. dataset.type wants a Hub dataset id; these evaluations live in the
 * workspace, so it is a fixed `assay-…` id naming the kind of evaluation. Every metric is
 * `verified: false` (self-reported; `true` means Hugging Face computed it). `license` is written
 * only when the user or the model's settings state one: a wrong license is worse than none. With
 * no figure at all, `model-index` is left out (an empty `results` is not a result).
 *
 * Deterministic: no clock, no path, no workspace name; every list in a fixed order; numbers through
 * toFixed (a metric value through Number(toFixed(4))), so one workspace gives one card, byte for byte.
 */

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const interval = (p: Proportion) => (p.value === null ? '—' : `${pct(p.low)}–${pct(p.high)}`);
/** "12.5% (95% CI 4.1–30.2%)" or "—" without data. */
const rateText = (p: Proportion) => (p.value === null ? '—' : `${pct(p.value)} (${interval(p)})`);
const metricValue = (v: number) => Number(v.toFixed(4));
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Cut to `max` code points (never inside a surrogate pair), saying so. */
function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max).join('')}… (cut; ${chars.length} characters in all)`;
}

/** Text shown exactly, in a fence longer than any run of backticks inside it. */
function fenced(text: string): string[] {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}text`, ...text.split(/\r\n|\r|\n/), fence];
}

/** A quotation: each line in a blockquote, with markup characters neutralized (it is someone's words, not the card's). */
function quoted(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((line) => `> ${line.replace(/[\\`*_[\]#<>&|~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`))}`);
}

const MODEL_KINDS: Record<ModelCardData['model']['kind'], string> = {
  llama: 'a GGUF file run with llama.cpp (node-llama-cpp) inside Assay',
  openai: 'an OpenAI-compatible endpoint',
  import: 'known only by its imported outputs (Assay did not run it)',
};

function modelIndex(d: ModelCardData): YamlValue | undefined {
  const results: YamlValue[] = [];
  const metrics: YamlValue[] = [];
  for (const c of d.classes) {
    if (c.rate.value === null) continue;
    metrics.push({ type: 'failure_rate', value: metricValue(c.rate.value), name: `Failure rate: ${c.name}`, verified: false });
  }
  if (d.verdicts.bad.value !== null) {
    metrics.push({ type: 'bad_verdict_rate', value: metricValue(d.verdicts.bad.value), name: 'Share of reviews with verdict "bad"', verified: false });
  }
  if (metrics.length > 0) {
    results.push({
      task: { type: 'text-generation', name: 'Human review with failure classes' },
      dataset: { type: 'assay-human-review', name: `Human review of ${d.counts.reviewedOutputs} outputs`, split: 'all' },
      metrics,
    });
  }
  for (const suite of d.suites ?? []) {
    if (suite.rate.value === null) continue;
    const suiteMetrics: YamlValue[] = [{ type: 'failure_rate', value: metricValue(suite.rate.value), name: 'Failure rate (checks, reviewers’ overrules counted)', verified: false }];
    if (suite.byShots.size > 1) {
      for (const [shots, p] of suite.byShots) if (p.value !== null) suiteMetrics.push({ type: 'failure_rate', value: metricValue(p.value), name: `Failure rate, ${shots}-shot`, verified: false });
    }
    for (const g of suite.gaps) {
      if (g.shots !== null || g.gap.value === null) continue;
      suiteMetrics.push({ type: 'minimal_pair_gap', value: metricValue(g.gap.value), name: `Minimal-pair gap ${g.set}: ${g.value} − ${g.reference}`, verified: false });
    }
    results.push({
      task: { type: 'text-generation', name: `Probe suite: ${suite.name}` },
      dataset: { type: 'assay-probe-suite', name: suite.name, config: suite.className ?? undefined, split: 'all' },
      metrics: suiteMetrics,
    });
  }
  const c = d.comparisons;
  if (c.kind === 'ranked') {
    results.push({
      task: { type: 'text-generation', name: 'Pairwise human preference' },
      dataset: { type: 'assay-comparisons', name: `Human comparisons among ${c.models} models`, split: 'all' },
      metrics: [
        { type: 'bradley_terry_rating', value: metricValue(c.rating), name: 'Bradley–Terry rating (Elo scale)', verified: false },
        ...c.opponents
          .filter((o) => o.winRate.value !== null)
          .map((o) => ({ type: 'win_rate', value: metricValue(o.winRate.value!), name: `Win rate against ${o.name}`, verified: false })),
      ],
    });
  }
  return results.length === 0 ? undefined : [{ name: d.model.name, results }];
}

function frontMatter(d: ModelCardData): string {
  return toYaml({
    license: d.license ?? undefined,
    pipeline_tag: 'text-generation',
    tags: ['assay', 'evaluation', 'human-feedback'],
    'model-index': modelIndex(d),
  });
}

function detailsSection(d: ModelCardData): string[] {
  const m = d.model;
  const out = ['## Model details', '', `- Name: ${cell(m.name)}${m.retired ? ' (retired in the workspace)' : ''}`, `- Kind: ${MODEL_KINDS[m.kind]}`];
  if (m.fileName !== null) out.push(`- File: \`${cell(m.fileName)}\``);
  if (m.remoteModel !== null && m.kind === 'openai') out.push(`- Remote model: \`${cell(m.remoteModel)}\``);
  out.push(`- License: ${d.license === null ? 'not stated (give one with `--license`, or in the model’s card settings; Assay never guesses a license)' : `\`${d.license}\``}`);
  out.push('', '### Provenance of the outputs', '');
  if (d.provenance.length === 0) out.push('No outputs.');
  else {
    out.push('| runner | version | model sha256 or endpoint | model name | outputs | failed |', '| --- | --- | --- | --- | ---: | ---: |');
    for (const p of d.provenance) {
      const identity = p.model_sha256 ?? p.endpoint_url ?? '—';
      out.push(`| ${cell(p.runner_kind)} | ${cell(p.runner_version)} | \`${cell(identity)}\` | ${cell(p.model_name)} | ${p.outputs} | ${p.errors} |`);
    }
    out.push('', 'Each output in the workspace records the runner, the model file’s sha256 (or the endpoint), every sampling parameter, the seed and the exact rendered prompt; this table groups them.');
  }
  return [...out, ''];
}

function ownWords(title: string, text: string, missing: string): string[] {
  return [`## ${title}`, '', ...(text ? text.split(/\r\n|\r|\n/) : [missing]), ''];
}

function evaluationDataSection(d: ModelCardData): string[] {
  const c = d.counts;
  const out = ['## Evaluation data', ''];
  out.push(
    `- Outputs of this model: ${c.outputs}, on ${c.prompts} prompts.`,
    `- Human review: ${c.reviews} submitted reviews of ${c.reviewedOutputs} outputs (${c.reviewedPrompts} prompts), by ${c.smes} subject-matter expert${c.smes === 1 ? '' : 's'} and ${c.engineers} NLP engineer${c.engineers === 1 ? '' : 's'}; ${c.multiReviewed} output${c.multiReviewed === 1 ? ' was' : 's were'} reviewed by two or more people.`,
  );
  if (d.shots.length > 0) out.push(`- Reviewed outputs by number of shots (demonstrations in the prompt template): ${d.shots.map((s) => `${s.shots}-shot ${s.reviewed}`).join(', ')}.`);
  const cmp = d.comparisons;
  out.push(cmp.kind === 'ranked' ? `- Comparisons: ${cmp.comparisons} pairwise outcomes of this model against others, of ${cmp.totalComparisons} in the workspace.` : `- Comparisons: ${cmp.reason}`);
  const suites = d.suites ?? [];
  if (suites.length === 0) out.push('- Probe suites: none checked on this model (a probe suite expands a failure class into minimal-pair prompts with automatic checks).');
  else {
    out.push(`- Probe suites (failure classes expanded into minimal-pair prompts, each output scored by an automatic check):`);
    for (const su of suites) {
      out.push(
        `  - ${cell(su.name)}${su.className ? ` (class ${cell(su.className)})` : ''}: ${su.probes} probes; ${su.rate.trials} outputs of this model checked${su.kinds.length > 0 ? ` (${su.kinds.join(', ')})` : ''}; ${su.overruled} verdict${su.overruled === 1 ? '' : 's'} overruled by a reviewer.`,
      );
    }
  }
  return [...out, ''];
}

function verdictLines(d: ModelCardData): string[] {
  const v = d.verdicts;
  const n = v.good.trials;
  if (n === 0) return ['No review has a verdict yet.', ''];
  return [
    `Of ${n} reviews with a verdict:`,
    '',
    '| verdict | reviews | share | 95% CI |',
    '| --- | ---: | ---: | ---: |',
    ...(['good', 'acceptable', 'bad'] as const).map((k) => `| ${k} | ${v[k].successes} | ${pct(v[k].value)} | ${interval(v[k])} |`),
    '',
  ];
}

function classLines(d: ModelCardData): string[] {
  if (d.counts.reviewedOutputs === 0) return ['No output of this model has a submitted review yet, so there are no failure rates.', ''];
  if (d.classes.length === 0) return ['The workspace has no failure classes.', ''];
  return [
    `Share of the ${d.counts.reviewedOutputs} reviewed outputs tagged with each failure class by a reviewer:`,
    '',
    '| failure class | outputs tagged | reviewed | rate | 95% CI |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...d.classes.map((c) => `| ${cell(c.name)}${c.retired ? ' (retired)' : ''} | ${c.rate.successes} | ${c.rate.trials} | ${pct(c.rate.value)} | ${interval(c.rate)} |`),
    '',
  ];
}

function shotsLines(d: ModelCardData): string[] {
  if (d.shots.length === 0) return ['No reviewed outputs, so no n-shot figures.', ''];
  const head = `| failure class | ${d.shots.map((s) => `${s.shots}-shot (n = ${s.reviewed})`).join(' | ')} |`;
  const rows = d.classes.map((c: CardClass) => `| ${cell(c.name)} | ${d.shots.map((s) => rateText(c.byShots.get(s.shots)!)).join(' | ')} |`);
  const out = ['Failure rate per class by the number of demonstrations in the prompt (95% Wilson interval in brackets):', '', head, `| --- |${' ---: |'.repeat(d.shots.length)}`, ...rows, ''];
  if (d.shots.length === 1) out.push(`Every reviewed output is ${d.shots[0]!.shots}-shot, so there is nothing to compare across shots yet.`, '');
  return out;
}

function suiteLines(suites: CardSuite[] | null): string[] {
  if (!suites || suites.length === 0) return ['No probe suite has been checked on this model, so there are no automatic check results.', ''];
  const out = [
    '| suite | failure class | checked | failed | failure rate | 95% CI | overruled |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...suites.map((su) => `| ${cell(su.name)} | ${su.className ? cell(su.className) : '—'} | ${su.rate.trials} | ${su.rate.successes} | ${pct(su.rate.value)} | ${interval(su.rate)} | ${su.overruled} |`),
    '',
  ];
  const shots = [...new Set(suites.flatMap((su) => [...su.byShots.keys()]))].sort((a, b) => a - b);
  if (shots.length > 0) {
    out.push(
      'By number of shots (failure rate, 95% Wilson interval in brackets, n checked):',
      '',
      `| suite | ${shots.map((n) => `${n}-shot`).join(' | ')} |`,
      `| --- |${' ---: |'.repeat(shots.length)}`,
      ...suites.map((su) => `| ${cell(su.name)} | ${shots.map((n) => { const p = su.byShots.get(n); return p ? `${rateText(p)}, n = ${p.trials}` : '—'; }).join(' | ')} |`),
      '',
    );
  }
  return out;
}

const signed = (v: number | null) => (v === null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${(Math.abs(v) * 100).toFixed(1)}`);

function gapLines(suites: CardSuite[] | null): string[] {
  const gaps = (suites ?? []).flatMap((su) => su.gaps.map((g) => ({ suite: su.name, g })));
  if (gaps.length === 0) {
    return ['No minimal-pair probes have been checked on this model (a suite with a variant set of two or more values), so there is no gap to report.', ''];
  }
  const row = ({ suite, g }: { suite: string; g: CardGap }) =>
    `| ${cell(suite)} | ${cell(g.set)} | ${cell(g.value)} vs ${cell(g.reference)} | ${g.shots === null ? 'all' : `${g.shots}-shot`} | ${pct(g.gap.a.value)} (n = ${g.gap.a.trials}) | ${pct(g.gap.b.value)} (n = ${g.gap.b.trials}) | ${signed(g.gap.value)} | ${signed(g.gap.low)} to ${signed(g.gap.high)} |`;
  return [
    'Failure rate of probes with one variant minus the rate with the set’s first variant, the rest of the prompt alike; a 95% interval that excludes 0 means the variant changes how often the model fails. In points:',
    '',
    '| suite | variant set | variants | shots | failure rate | reference rate | gap | 95% CI |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
    ...gaps.map(row),
    '',
  ];
}

function comparisonLines(c: CardComparisons, name: string): string[] {
  if (c.kind === 'none') return [c.reason, ''];
  const out = [
    `Bradley–Terry rating ${Math.round(c.rating)} (95% bootstrap interval ${Math.round(c.low)}–${Math.round(c.high)}, ${c.bootstrap} resamples), rank ${c.rank} of ${c.models} models, over ${c.comparisons} outcomes against other models.`,
    '',
    `| against | outcomes | ${cell(name)} wins (ties half) | 95% CI |`,
    '| --- | ---: | ---: | ---: |',
    ...c.opponents.map((o) => `| ${cell(o.name)} | ${o.comparisons} | ${pct(o.winRate.value)} (${num(o.winRate.successes)}) | ${interval(o.winRate)} |`),
    '',
  ];
  const pb = c.positionBias;
  if (pb.decided > 0) out.push(`Position bias of the reviewers, over every comparison in the workspace: the left output won ${pct(pb.leftWinRate)} of ${pb.decided} decided pairwise labels (95% CI ${pct(pb.low)}–${pct(pb.high)}; 50% is none).`, '');
  for (const a of c.agreement) out.push(a.value === null ? `- Reviewer agreement: not computed. ${cell(a.method)}.` : `- Reviewer agreement: ${a.value.toFixed(3)} (${cell(a.method)}; ${a.items} items).`);
  if (c.agreement.length > 0) out.push('');
  return out;
}

function exampleLines(d: ModelCardData): string[] {
  if (d.examples.length === 0) return ['No failure tags on this model’s outputs yet.', ''];
  const out: string[] = [];
  let last = '';
  for (const e of d.examples) {
    if (e.className !== last) out.push(`### ${cell(e.className)}`, '');
    last = e.className;
    const who = e.reviewerRole === 'sme' ? 'the subject-matter expert' : 'the NLP engineer';
    out.push(`Output ${e.generationId} (prompt \`${cell(e.promptId)}\`)${e.verdict ? `, verdict ${e.verdict}` : ''}:`, '', 'Prompt:', '', ...fenced(cut(e.prompt, 600)), '', 'Output:', '', ...fenced(cut(e.output, 800)), '');
    if (e.quote !== null) out.push('Tagged span:', '', ...fenced(cut(e.quote, 400)), '');
    if (e.note) out.push(`Note on the tag, by ${who}:`, '', ...quoted(cut(e.note, 600)), '');
    if (e.steps.length > 0) {
      out.push(`Think-aloud of ${who}, step by step:`, '');
      e.steps.slice(0, 8).forEach((s, i) => out.push(...quoted(`${i + 1}. ${cut(s, 600)}`), '>'));
      out.pop();
      if (e.steps.length > 8) out.push('', `(${e.steps.length - 8} more steps not quoted.)`);
      out.push('');
    } else {
      out.push(`${who[0]!.toUpperCase()}${who.slice(1)} wrote no think-aloud steps for this output.`, '');
    }
    if (e.comment) out.push('Comment:', '', ...quoted(cut(e.comment, 600)), '');
  }
  return out;
}

function limitationLines(d: ModelCardData): string[] {
  const out = ['## Limitations', ''];
  if (d.limitations) out.push(...d.limitations.split(/\r\n|\r|\n/), '', 'What the evaluation itself cannot show:', '');
  const small = d.classes.filter((c) => c.rate.value !== null && c.rate.high! - c.rate.low! > 0.2).map((c) => c.name);
  const lines: string[] = [];
  if (d.counts.reviewedOutputs === 0) lines.push('No output was reviewed: the card has no human figures.');
  else if (small.length > 0) lines.push(`The 95% intervals of ${small.length === d.classes.length ? 'every class' : small.map((s) => cell(s)).join(', ')} are wider than 20 points: ${d.counts.reviewedOutputs} reviewed outputs are too few to tell such rates apart.`);
  if (d.counts.reviewedOutputs > 0 && d.counts.multiReviewed === 0) lines.push('No output was reviewed by two people, so how far reviewers agree on these failure classes is unknown.');
  lines.push('Failure rates count the failures reviewers tagged; an untagged output is one no reviewer saw that class in, not one proven free of it.');
  lines.push('The prompts are the workspace’s, chosen by its team; rates on other prompts may differ.');
  if (d.comparisons.kind === 'ranked') lines.push('Ratings are relative to the other models in the workspace and mean nothing outside it.');
  const suites = d.suites ?? [];
  if (suites.length === 0) lines.push('No probe suite with automatic checks has run on this model, so there are no minimal-pair (bias and robustness) figures.');
  else {
    lines.push('Probe verdicts are automatic checks against an expected answer; a check can misread an answer. Where a reviewer overruled it, the reviewer’s verdict counts.');
    if (!suites.some((su) => su.gaps.length > 0)) lines.push('No probe suite here varies a variant set, so there are no minimal-pair (bias and robustness) figures.');
    else lines.push('Minimal-pair gaps cover only the variant sets the suites vary; other groups and phrasings are not probed.');
  }
  return [...out, ...lines.map((l) => `- ${l}`), ''];
}

function methodLines(): string[] {
  return [
    '## How each figure was computed',
    '',
    '- Counted: submitted, live reviews; live failure tags on them; a tag of a merged class counts for the class it was merged into; outputs of deleted prompts count nowhere.',
    '- Failure rate of a class: outputs with at least one tag of the class over outputs with a submitted review (an output reviewed twice counts once; a tag by either reviewer counts).',
    '- Number of shots of an output: the demonstrations in the template version it was generated with, 0 without a template.',
    '- Intervals of proportions: Wilson score, 95% (z = 1.95996; Wilson 1927, as recommended by Newcombe 1998), from Assay’s one statistics module (core/stats).',
    '- Verdict shares: over reviews (one per reviewer and output) that have a verdict.',
    '- Comparisons: each pairwise label is an outcome between the two outputs’ models (the stored shown order undoes the side randomization); an N-way ranking gives its pairs; a tie counts half; “both bad” and two outputs of one model are left out.',
    '- Bradley–Terry: maximum likelihood with one virtual tie per model as a prior, shown on an Elo-like scale (1000 + 400·log10 of the strength); the interval is the 2.5th–97.5th percentile of refits on multinomial resamples of the comparisons (seeded, so it is the same every time), as in the Leaderboard view.',
    '- Win rate against a model: its share of the outcomes between the two, ties half, with a Wilson interval over those outcomes.',
    '- Reviewer agreement: Cohen’s κ when exactly two reviewers overlap, Krippendorff’s α (nominal) for more.',
    '- Probe suites: each checked output of this model counts once, failed when its check failed, or when the latest reviewer overruling the check said it failed; rates with Wilson 95% intervals.',
    '- Minimal-pair gap: failure rate among probes with a variant minus the rate among probes with the set’s first variant (every combination of the other sets is expanded for both, so the two groups match), with Newcombe’s hybrid score interval for a difference of independent proportions (Newcombe 1998, method 10), from core/stats.',
    '- The card: written by Assay from the workspace alone; the same workspace gives the same card, byte for byte.',
    '',
  ];
}

export function renderModelCard(d: ModelCardData): string {
  const body = [
    '',
    `# Model card: ${cell(d.model.name)}`,
    '',
    'Written by Assay from the reviews, comparisons and outputs in its workspace. Every figure below says how it was computed (last section).',
    '',
    ...detailsSection(d),
    ...ownWords('Intended use', d.intendedUse, 'Not stated by the model’s owner (give it with `--intended-use`, or in the model’s card settings).'),
    ...evaluationDataSection(d),
    '## Results',
    '',
    '### Verdicts',
    '',
    ...verdictLines(d),
    '### Failure rates per class',
    '',
    ...classLines(d),
    '### By number of shots',
    '',
    ...shotsLines(d),
    '### Probe suites and automatic checks',
    '',
    ...suiteLines(d.suites),
    '### Against the other models',
    '',
    ...comparisonLines(d.comparisons, d.model.name),
    '### Bias probes (minimal-pair gaps)',
    '',
    ...gapLines(d.suites),
    '## Examples of failures',
    '',
    ...exampleLines(d),
    ...limitationLines(d),
    ...methodLines(),
  ];
  return ['---', frontMatter(d), '---', ...body].join('\n');
}
