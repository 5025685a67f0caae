/**
 * Dataset exports: every format against a small workspace whose rows are written out by hand
 * below (test/support/export-fixture.ts says what was labeled), Parquet read back by DuckDB,
 * grouped splits, determinism, the full export's byte-identical round trip, cancel, and the CLI.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportOptions, type ExportOptionsInput, type ExportPreview, type ExportReport } from '../contract/datasets';
import { runExport } from '../core/datasets/export/run';
import { openWorkspace } from '../core/workspace/workspace';
import { openReader, type ReadableDB } from '../db/handles';
import { cleanupAll, closeEngine, newEngine, runCli, tempDir, type TestEngine } from './helpers';
import { writeBulkLabels } from './support/bulk-labels';
import { at, buildExportFixture, type ExportFixture } from './support/export-fixture';

afterAll(cleanupAll);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let t: TestEngine;
let fx: ExportFixture;
let db: ReadableDB;

beforeAll(async () => {
  t = newEngine('exports');
  fx = await buildExportFixture(t.engine, t.workspace);
  db = openReader(t.file);
});
afterAll(() => db?.close());

let n = 0;
/** Runs an export in-process (the worker's own function) into a fresh folder; returns the folder and report. */
function exportTo(options: ExportOptionsInput, from: ReadableDB = db): { dir: string; report: ExportReport } {
  const dir = path.join(t.dir, `out-${++n}`);
  const report = runExport(from, { mode: 'write', exportId: `t${n}`, options: ExportOptions.parse(options), outDir: dir }) as ExportReport;
  return { dir, report };
}

function lines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  expect(text.endsWith('\n') || text === '').toBe(true);
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

function trainLines(options: ExportOptionsInput): string[] {
  return lines(path.join(exportTo(options).dir, 'train.jsonl'));
}

async function duckRows(file: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    // DuckDB's JSON form writes BIGINT as a string; the JSONL has numbers.
    return reader.getRowObjectsJson().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'guideline_version' && typeof v === 'string' ? Number(v) : v])),
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('preference exports (hand-checked rows)', () => {
  it('TRL, standard, explicit prompt, margin from the strength', () => {
    expect(trainLines({ format: 'trl', style: 'standard' })).toEqual([
      // t1: A = " 5", B = " 4" (shown order stored); alice B clearly, bob B much.
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":2}',
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":3}',
      // t2: alice A slightly, bob B clearly (they disagree: both rows are kept).
      '{"prompt":"Name a color.","chosen":"Blue.","rejected":"Purple.","margin":1}',
      '{"prompt":"Name a color.","chosen":"Purple.","rejected":"Blue.","margin":2}',
      // t3 (a system prompt) has no plain-text form; t4 is a tie: no rows.
      // t5: both bad with a correction: the correction wins over each output.
      '{"prompt":"Both bad","chosen":"good answer","rejected":"bad1","margin":0}',
      '{"prompt":"Both bad","chosen":"good answer","rejected":"bad2","margin":0}',
      // t6 alice [[B], [A, C]]: B ≻ A, B ≻ C (A = C is a tie, no row).
      '{"prompt":"Rank these.","chosen":"B","rejected":"A","margin":0}',
      '{"prompt":"Rank these.","chosen":"B","rejected":"C","margin":0}',
      // t6 bob [[C], [A], [B]]: the K(K−1)/2 = 3 pairs in shown-position order.
      '{"prompt":"Rank these.","chosen":"A","rejected":"B","margin":0}',
      '{"prompt":"Rank these.","chosen":"C","rejected":"A","margin":0}',
      '{"prompt":"Rank these.","chosen":"C","rejected":"B","margin":0}',
      // Review corrections: g2 corrected to " 4" (≻ " 5"); g3's latest correction equals its output: no pair.
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":0}',
    ]);
  });

  it('counts what it left out, with reasons and example ids (label, prompt)', () => {
    const { report } = exportTo({ format: 'trl', style: 'standard' });
    expect(report.counts).toEqual({
      train: 12,
      test: 0,
      skipped: {
        'a multi-turn or system prompt in standard style (use the conversational style)': 1,
        'tie (not a pair)': 1,
        'tie inside a ranking (not a pair)': 1,
        'correction identical to the output': 1,
      },
      examples: {
        'a multi-turn or system prompt in standard style (use the conversational style)': ['prompt p3'],
        'tie (not a pair)': ['cmp-6 (prompt p5)'],
        'tie inside a ranking (not a pair)': ['rank-8 (prompt p4)'],
        'correction identical to the output': [expect.stringMatching(/^fix-\d+ \(prompt p2\)$/)],
      },
    });
    expect(report.style).toEqual({
      style: 'standard',
      auto: false,
      reason: 'Standard (strings), as asked: 1 row with a prompt of several turns or a system message was left out (the conversational style keeps them).',
      leftOut: 1,
    });
  });

  it('TRL, implicit prompt, no margin', () => {
    expect(trainLines({ format: 'trl', style: 'standard', implicitPrompt: true, margin: false }).slice(0, 3)).toEqual([
      '{"chosen":"What is 2+2? 4","rejected":"What is 2+2? 5"}',
      '{"chosen":"What is 2+2? 4","rejected":"What is 2+2? 5"}',
      '{"chosen":"Name a color.Blue.","rejected":"Name a color.Purple."}',
    ]);
  });

  it('TRL, conversational: message lists, the system prompt kept', () => {
    const rows = trainLines({ format: 'trl', style: 'conversational' });
    expect(rows).toHaveLength(13);
    expect(rows.slice(0, 5)).toEqual([
      '{"prompt":[{"role":"user","content":"What is 2+2?"}],"chosen":[{"role":"assistant","content":" 4"}],"rejected":[{"role":"assistant","content":" 5"}],"margin":2}',
      '{"prompt":[{"role":"user","content":"What is 2+2?"}],"chosen":[{"role":"assistant","content":" 4"}],"rejected":[{"role":"assistant","content":" 5"}],"margin":3}',
      '{"prompt":[{"role":"user","content":"Name a color."}],"chosen":[{"role":"assistant","content":"Blue."}],"rejected":[{"role":"assistant","content":"Purple."}],"margin":1}',
      '{"prompt":[{"role":"user","content":"Name a color."}],"chosen":[{"role":"assistant","content":"Purple."}],"rejected":[{"role":"assistant","content":"Blue."}],"margin":2}',
      '{"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi."}],"chosen":[{"role":"assistant","content":"Hi!"}],"rejected":[{"role":"assistant","content":"Hello there, friend."}],"margin":0}',
    ]);
    expect(trainLines({ format: 'trl', style: 'conversational', implicitPrompt: true })[4]).toBe(
      '{"chosen":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi."},{"role":"assistant","content":"Hi!"}],"rejected":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi."},{"role":"assistant","content":"Hello there, friend."}],"margin":0}',
    );
  });

  it('OpenRLHF: prompt/chosen/rejected/margin, conversational by default (for --apply_chat_template)', () => {
    const rows = trainLines({ format: 'openrlhf' });
    expect(rows[0]).toBe(
      '{"prompt":[{"role":"user","content":"What is 2+2?"}],"chosen":[{"role":"assistant","content":" 4"}],"rejected":[{"role":"assistant","content":" 5"}],"margin":2}',
    );
    expect(rows).toEqual(trainLines({ format: 'trl', style: 'conversational' }));
    expect(trainLines({ format: 'openrlhf', style: 'standard' })[0]).toBe('{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":2}');
  });

  it('OpenAI / Together preference JSONL', () => {
    const rows = trainLines({ format: 'openai' });
    expect(rows).toHaveLength(13);
    expect(rows).toEqual([
      '{"input":{"messages":[{"role":"user","content":"What is 2+2?"}]},"preferred_output":[{"role":"assistant","content":" 4"}],"non_preferred_output":[{"role":"assistant","content":" 5"}]}',
      '{"input":{"messages":[{"role":"user","content":"What is 2+2?"}]},"preferred_output":[{"role":"assistant","content":" 4"}],"non_preferred_output":[{"role":"assistant","content":" 5"}]}',
      '{"input":{"messages":[{"role":"user","content":"Name a color."}]},"preferred_output":[{"role":"assistant","content":"Blue."}],"non_preferred_output":[{"role":"assistant","content":"Purple."}]}',
      '{"input":{"messages":[{"role":"user","content":"Name a color."}]},"preferred_output":[{"role":"assistant","content":"Purple."}],"non_preferred_output":[{"role":"assistant","content":"Blue."}]}',
      '{"input":{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi."}]},"preferred_output":[{"role":"assistant","content":"Hi!"}],"non_preferred_output":[{"role":"assistant","content":"Hello there, friend."}]}',
      '{"input":{"messages":[{"role":"user","content":"Both bad"}]},"preferred_output":[{"role":"assistant","content":"good answer"}],"non_preferred_output":[{"role":"assistant","content":"bad1"}]}',
      '{"input":{"messages":[{"role":"user","content":"Both bad"}]},"preferred_output":[{"role":"assistant","content":"good answer"}],"non_preferred_output":[{"role":"assistant","content":"bad2"}]}',
      '{"input":{"messages":[{"role":"user","content":"Rank these."}]},"preferred_output":[{"role":"assistant","content":"B"}],"non_preferred_output":[{"role":"assistant","content":"A"}]}',
      '{"input":{"messages":[{"role":"user","content":"Rank these."}]},"preferred_output":[{"role":"assistant","content":"B"}],"non_preferred_output":[{"role":"assistant","content":"C"}]}',
      '{"input":{"messages":[{"role":"user","content":"Rank these."}]},"preferred_output":[{"role":"assistant","content":"A"}],"non_preferred_output":[{"role":"assistant","content":"B"}]}',
      '{"input":{"messages":[{"role":"user","content":"Rank these."}]},"preferred_output":[{"role":"assistant","content":"C"}],"non_preferred_output":[{"role":"assistant","content":"A"}]}',
      '{"input":{"messages":[{"role":"user","content":"Rank these."}]},"preferred_output":[{"role":"assistant","content":"C"}],"non_preferred_output":[{"role":"assistant","content":"B"}]}',
      '{"input":{"messages":[{"role":"user","content":"What is 2+2?"}]},"preferred_output":[{"role":"assistant","content":" 4"}],"non_preferred_output":[{"role":"assistant","content":" 5"}]}',
    ]);
  });

  it('Anthropic HH transcripts (a system message goes before the first Human turn)', () => {
    const rows = trainLines({ format: 'hh' });
    expect(rows).toHaveLength(13);
    expect(rows.slice(0, 7)).toEqual([
      '{"chosen":"\\n\\nHuman: What is 2+2?\\n\\nAssistant:  4","rejected":"\\n\\nHuman: What is 2+2?\\n\\nAssistant:  5"}',
      '{"chosen":"\\n\\nHuman: What is 2+2?\\n\\nAssistant:  4","rejected":"\\n\\nHuman: What is 2+2?\\n\\nAssistant:  5"}',
      '{"chosen":"\\n\\nHuman: Name a color.\\n\\nAssistant: Blue.","rejected":"\\n\\nHuman: Name a color.\\n\\nAssistant: Purple."}',
      '{"chosen":"\\n\\nHuman: Name a color.\\n\\nAssistant: Purple.","rejected":"\\n\\nHuman: Name a color.\\n\\nAssistant: Blue."}',
      '{"chosen":"Be brief.\\n\\nHuman: Say hi.\\n\\nAssistant: Hi!","rejected":"Be brief.\\n\\nHuman: Say hi.\\n\\nAssistant: Hello there, friend."}',
      '{"chosen":"\\n\\nHuman: Both bad\\n\\nAssistant: good answer","rejected":"\\n\\nHuman: Both bad\\n\\nAssistant: bad1"}',
      '{"chosen":"\\n\\nHuman: Both bad\\n\\nAssistant: good answer","rejected":"\\n\\nHuman: Both bad\\n\\nAssistant: bad2"}',
    ]);
  });

  it('provenance columns: assay_id, reviewer, guideline_version, model_a (chosen), model_b (rejected), created_at, ranking_id', () => {
    const rows = trainLines({ format: 'trl', style: 'standard', provenance: true });
    expect(rows[0]).toBe(
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":2,"assay_id":"cmp-1","reviewer":"alice","guideline_version":1,"model_a":"m-small","model_b":"m-large","created_at":"2024-01-01T00:01:00.000Z","ranking_id":null}',
    );
    expect(rows[4]).toBe(
      '{"prompt":"Both bad","chosen":"good answer","rejected":"bad1","margin":0,"assay_id":"cmp-7-fix-g12","reviewer":"alice","guideline_version":1,"model_a":null,"model_b":"m-small","created_at":"2024-01-01T00:07:00.000Z","ranking_id":null}',
    );
    expect(rows[6]).toBe(
      `{"prompt":"Rank these.","chosen":"B","rejected":"A","margin":0,"assay_id":"rank-8-g${fx.gens.g8}-g${fx.gens.g7}","reviewer":"alice","guideline_version":1,"model_a":"m-large","model_b":"m-small","created_at":"2024-01-01T00:08:00.000Z","ranking_id":"rank-8"}`,
    );
    expect(rows[11]).toBe(
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":0,"assay_id":"fix-1","reviewer":"alice","guideline_version":1,"model_a":null,"model_b":"m-large","created_at":"2024-01-01T03:21:00.000Z","ranking_id":null}',
    );
    // Off by default: trainer files stay clean.
    expect(trainLines({ format: 'trl', style: 'standard' })[0]).not.toContain('assay_id');
  });

  it('both-bad policy drop: no correction pairs from comparisons', () => {
    const { report, dir } = exportTo({ format: 'trl', style: 'standard', bothBad: 'drop' });
    expect(report.counts.train).toBe(10);
    expect(report.counts.skipped['both bad (dropped by policy)']).toBe(1);
    expect(lines(path.join(dir, 'train.jsonl')).some((l) => l.includes('good answer'))).toBe(false);
  });
});

describe('interoperability', () => {
  it('an HH-RLHF file imported (core/datasets/imports) and exported as hh gives the same lines back', async () => {
    const e = newEngine('hh-round-trip');
    const source = [
      '{"chosen":"\\n\\nHuman: What is 2+2?\\n\\nAssistant: 4","rejected":"\\n\\nHuman: What is 2+2?\\n\\nAssistant: 5"}',
      '{"chosen":"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Bye\\n\\nAssistant: Goodbye.","rejected":"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Bye\\n\\nAssistant: Go away."}',
    ];
    const file = path.join(e.dir, 'hh.jsonl');
    fs.writeFileSync(file, source.join('\n') + '\n');
    const imported = await e.engine.call('datasets.import', { importId: 'hh', source: { kind: 'path', path: file }, format: 'hh-rlhf' });
    expect(imported.ok).toBe(true);
    const out = path.join(e.dir, 'out');
    const exported = await e.engine.call('datasets.export', { exportId: 'hh', options: { format: 'hh' }, outDir: out });
    expect(exported.ok).toBe(true);
    expect(lines(path.join(out, 'train.jsonl'))).toEqual(source);
    // And as TRL conversational: the shared turns are the prompt, the last replies chosen / rejected.
    const trl = await e.engine.call('datasets.export', { exportId: 'hh2', options: { format: 'trl', style: 'conversational' }, outDir: path.join(e.dir, 'trl') });
    expect(trl.ok).toBe(true);
    expect(lines(path.join(e.dir, 'trl', 'train.jsonl'))[1]).toBe(
      '{"prompt":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"Bye"}],"chosen":[{"role":"assistant","content":"Goodbye."}],"rejected":[{"role":"assistant","content":"Go away."}],"margin":0}',
    );
    // The left/right order of an HH-RLHF import is Assay's, not a person's: no position-bias figure.
    expect(fs.readFileSync(path.join(e.dir, 'trl', 'README.md'), 'utf8')).not.toContain('Position bias');
    await closeEngine(e.engine);
  });
});

describe('unpaired and supervised exports (hand-checked rows)', () => {
  it('KTO from verdicts, comparisons and corrections', () => {
    expect(trainLines({ format: 'kto', style: 'standard' })).toEqual([
      // Reviews: g1 good; g2 bad (alice), bad (bob); g4 acceptable is skipped by default.
      '{"prompt":"What is 2+2?","completion":" 4","label":true}',
      '{"prompt":"What is 2+2?","completion":" 5","label":false}',
      '{"prompt":"What is 2+2?","completion":" 5","label":false}',
      // Comparisons: winner true, loser false (t1 twice, t2 twice).
      '{"prompt":"What is 2+2?","completion":" 4","label":true}',
      '{"prompt":"What is 2+2?","completion":" 5","label":false}',
      '{"prompt":"What is 2+2?","completion":" 4","label":true}',
      '{"prompt":"What is 2+2?","completion":" 5","label":false}',
      '{"prompt":"Name a color.","completion":"Blue.","label":true}',
      '{"prompt":"Name a color.","completion":"Purple.","label":false}',
      '{"prompt":"Name a color.","completion":"Purple.","label":true}',
      '{"prompt":"Name a color.","completion":"Blue.","label":false}',
      // t5 both bad: both outputs undesirable, the correction desirable.
      '{"prompt":"Both bad","completion":"bad1","label":false}',
      '{"prompt":"Both bad","completion":"bad2","label":false}',
      '{"prompt":"Both bad","completion":"good answer","label":true}',
      // t6 alice [[B], [A, C]]: best true, worst false; bob [[C], [A], [B]]: A (middle) left out.
      '{"prompt":"Rank these.","completion":"A","label":false}',
      '{"prompt":"Rank these.","completion":"B","label":true}',
      '{"prompt":"Rank these.","completion":"C","label":false}',
      '{"prompt":"Rank these.","completion":"B","label":false}',
      '{"prompt":"Rank these.","completion":"C","label":true}',
      // Corrections are desirable.
      '{"prompt":"What is 2+2?","completion":" 4","label":true}',
      '{"prompt":"Name a color.","completion":"Blue.","label":true}',
    ]);
  });

  it('KTO policies: ties desirable, acceptable desirable, one source', () => {
    expect(trainLines({ format: 'kto', style: 'standard', ktoSources: ['reviews'], acceptable: 'desirable' })).toEqual([
      '{"prompt":"What is 2+2?","completion":" 4","label":true}',
      '{"prompt":"What is 2+2?","completion":" 5","label":false}',
      '{"prompt":"What is 2+2?","completion":" 5","label":false}',
      '{"prompt":"Name a color.","completion":"Purple.","label":true}',
    ]);
    const ties = trainLines({ format: 'kto', style: 'standard', ktoSources: ['comparisons'], ties: 'desirable' });
    expect(ties).toContain('{"prompt":"Tie prompt","completion":"x","label":true}');
    expect(ties).toContain('{"prompt":"Tie prompt","completion":"y","label":true}');
  });

  it('SFT from corrections: prompt-completion, conversational, and messages', () => {
    expect(trainLines({ format: 'sft' })).toEqual([
      '{"prompt":"Both bad","completion":"good answer"}',
      '{"prompt":"What is 2+2?","completion":" 4"}',
      '{"prompt":"Name a color.","completion":"Blue."}',
    ]);
    expect(trainLines({ format: 'sft', style: 'conversational' })[1]).toBe(
      '{"prompt":[{"role":"user","content":"What is 2+2?"}],"completion":[{"role":"assistant","content":" 4"}]}',
    );
    expect(trainLines({ format: 'sft-messages' })).toEqual([
      '{"messages":[{"role":"user","content":"Both bad"},{"role":"assistant","content":"good answer"}]}',
      '{"messages":[{"role":"user","content":"What is 2+2?"},{"role":"assistant","content":" 4"}]}',
      '{"messages":[{"role":"user","content":"Name a color."},{"role":"assistant","content":"Blue."}]}',
    ]);
  });

  it('failure classes: classes, code-point spans with quotes, think-aloud steps, corrections', () => {
    expect(trainLines({ format: 'failures', provenance: true })).toEqual([
      '{"prompt":"What is 2+2?","output":" 4","verdict":"good","classes":[],"spans":[],"steps":[],"correction":null,"comment":"","assay_id":"rev-1","reviewer":"alice","guideline_version":1,"model_a":"m-small","model_b":null,"created_at":"2024-01-01T01:41:00.000Z"}',
      '{"prompt":"What is 2+2?","output":" 5","verdict":"bad","classes":["Arithmetic with integers and spelled-out numbers"],"spans":[{"class":"Arithmetic with integers and spelled-out numbers","start":1,"end":2,"quote":"5","note":"off by one"}],"steps":[{"body":"Adds 2 and 2, gets 5.","class":"Arithmetic with integers and spelled-out numbers"},{"body":"Should be 4.","class":null}],"correction":" 4","comment":"wrong sum","assay_id":"rev-2","reviewer":"alice","guideline_version":1,"model_a":"m-large","model_b":null,"created_at":"2024-01-01T01:42:00.000Z"}',
      '{"prompt":"What is 2+2?","output":" 5","verdict":"bad","classes":[],"spans":[],"steps":[],"correction":" 4","comment":"","assay_id":"rev-3","reviewer":"bob","guideline_version":1,"model_a":"m-large","model_b":null,"created_at":"2024-01-01T01:43:00.000Z"}',
      '{"prompt":"Name a color.","output":"Purple.","verdict":"acceptable","classes":[],"spans":[],"steps":[],"correction":null,"comment":"","assay_id":"rev-4","reviewer":"bob","guideline_version":1,"model_a":"m-large","model_b":null,"created_at":"2024-01-01T01:44:00.000Z"}',
    ]);
  });
});

describe('filters', () => {
  const count = (filters: ExportOptionsInput['filters'], format: ExportOptionsInput['format'] = 'trl') => exportTo({ format, style: 'standard', filters }).report.counts.train;

  it('reviewer, date range, tag, model, guideline version', () => {
    expect(count({ reviewerIds: [fx.reviewers.bob] })).toBe(5); // t1, t2, t6 ×3; g3's correction equals its output
    expect(count({ since: at(2), until: at(4) })).toBe(2); // labels 2 and 3
    expect(count({ tags: ['math'] })).toBe(3);
    expect(count({ tags: ['math', 'rank'] })).toBe(8);
    // Only small vs large: the ranking pairs with m-third and nothing else drop out.
    expect(count({ modelIds: [fx.models.small, fx.models.large] })).toBe(9);
    expect(count({ guidelineMin: 2 })).toBe(0);
    expect(count({ guidelineMin: 1, guidelineMax: 1 })).toBe(12);
  });

  it('minimum agreement and minimum labels', () => {
    // t1: both prefer " 4" (1.0); t2: split (0.5 each); t6: alice and bob agree on no pair.
    const { dir, report } = exportTo({ format: 'trl', style: 'standard', filters: { minAgreement: 0.75 } });
    expect(lines(path.join(dir, 'train.jsonl'))).toEqual([
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":2}',
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":3}',
      '{"prompt":"Both bad","chosen":"good answer","rejected":"bad1","margin":0}',
      '{"prompt":"Both bad","chosen":"good answer","rejected":"bad2","margin":0}',
      '{"prompt":"What is 2+2?","chosen":" 4","rejected":" 5","margin":0}',
    ]);
    expect(report.counts.skipped['agreement below the minimum']).toBe(7);
    // At least two reviewers on the item: t1, t2 and t6 only; corrections count as one label.
    expect(count({ minLabels: 2 })).toBe(9);
  });
});

describe('Parquet, read back by DuckDB', () => {
  for (const options of [
    { format: 'trl' },
    { format: 'trl', style: 'conversational', provenance: true },
    { format: 'openai' },
    { format: 'kto', style: 'conversational' },
    { format: 'failures', provenance: true },
  ] as ExportOptionsInput[]) {
    it(`${options.format}${options.style ? ` ${options.style}` : ''}: the same rows as the JSONL`, async () => {
      const jsonl = lines(path.join(exportTo(options).dir, 'train.jsonl')).map((l) => JSON.parse(l) as unknown);
      const { dir, report } = exportTo({ ...options, fileType: 'parquet' });
      const file = path.join(dir, 'train.parquet');
      expect(report.files[0]).toMatchObject({ path: file, rows: jsonl.length });
      expect(fs.readFileSync(file).subarray(0, 4).toString()).toBe('PAR1');
      expect(await duckRows(file)).toEqual(jsonl);
    });
  }

  it('the schema has real types: strings, doubles, lists of {role, content}', async () => {
    const { dir } = exportTo({ format: 'trl', style: 'conversational', fileType: 'parquet' });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path.join(dir, 'train.parquet')}')`);
    const types = Object.fromEntries(reader.getRowObjectsJson().map((r) => [r.column_name, r.column_type]));
    connection.closeSync();
    instance.closeSync();
    expect(types).toEqual({
      prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      chosen: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      rejected: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      margin: 'DOUBLE',
    });
  });
});

describe('grouped train/test split', () => {
  let big: TestEngine;
  let bigDb: ReadableDB;
  const normalize = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();

  beforeAll(() => {
    big = newEngine('split');
    // 200 distinct questions, each written three ways (as is, shouted with extra spaces, full-width),
    // each written form its own prompt with two generations and a labeled pair.
    const w = big.workspace.writer;
    const now = Date.UTC(2024, 0, 1);
    w.transaction(() => {
      w.prepare("INSERT INTO reviewers (name, role, created_at) VALUES ('r', 'sme', ?)").run(now);
      w.prepare("INSERT INTO models (name, kind, base_url, remote_model, created_at) VALUES ('m', 'openai', 'http://x', 'm', ?)").run(now);
      const fullWidth = (s: string) => s.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
      for (let q = 0; q < 200; q++) {
        const base = `Question number ${q} about rivers`;
        for (const [v, textForm] of [base, `  ${base.toUpperCase().replace(/ /g, '   ')} `, fullWidth(base)].entries()) {
          const seq = Number(w.prepare('INSERT INTO prompts (id, prompt, created_at, updated_at) VALUES (?, ?, ?, ?)').run(`q${q}-${v}`, textForm, now, now).lastInsertRowid);
          const gen = (out: string) =>
            Number(
              w
                .prepare(
                  `INSERT INTO generations (prompt_seq, model_id, mode, input, rendered_prompt, output, finish_reason, runner_kind, runner_version, model_name, sampling, started_at, finished_at, source, created_at)
                   VALUES (?, 1, 'raw', '{"mode":"raw","text":"p"}', 'p', ?, 'stop', 'openai', 't', 'm', '{}', ?, ?, 'batch', ?)`,
                )
                .run(seq, out, now, now, now).lastInsertRowid,
            );
          const a = gen(`yes ${q}.${v}`);
          const b = gen(`no ${q}.${v}`);
          const task = Number(w.prepare("INSERT INTO comparison_tasks (prompt_seq, kind, design, seed, set_key, created_at) VALUES (?, 'pair', 'all-pairs', 0, ?, ?)").run(seq, `${a},${b}`, now).lastInsertRowid);
          w.prepare('INSERT INTO comparison_task_outputs (task_id, position, generation_id) VALUES (?, 0, ?), (?, 1, ?)').run(task, a, task, b);
          w.prepare("INSERT INTO comparison_labels (task_id, reviewer_id, choice, created_at, updated_at) VALUES (?, 1, 'A', ?, ?)").run(task, now, now);
        }
      }
    })();
    bigDb = openReader(big.file);
  });
  afterAll(() => bigDb?.close());

  for (const seed of [0, 7, 12345]) {
    it(`seed ${seed}: no normalized prompt on both sides; about the asked share of prompts in test`, () => {
      const dir = path.join(big.dir, `split-${seed}`);
      const report = runExport(bigDb, { mode: 'write', exportId: 's', options: ExportOptions.parse({ format: 'trl', split: { testFraction: 0.3, seed } }), outDir: dir }) as ExportReport;
      const side = (split: string) => new Set(lines(path.join(dir, `${split}.jsonl`)).map((l) => normalize((JSON.parse(l) as { prompt: string }).prompt)));
      const train = side('train');
      const test = side('test');
      expect([...train].filter((p) => test.has(p))).toEqual([]);
      expect(train.size + test.size).toBe(200);
      expect(test.size / 200).toBeGreaterThan(0.18);
      expect(test.size / 200).toBeLessThan(0.42);
      expect(report.counts.train + report.counts.test).toBe(600);
      expect(report.counts.test % 3).toBe(0);
    });
  }

  it('another seed gives another split', () => {
    const test = (seed: number) => {
      const p = runExport(bigDb, { mode: 'preview', exportId: 'p', options: ExportOptions.parse({ format: 'trl', split: { testFraction: 0.3, seed } }), limit: 0 }) as ExportPreview;
      return p.counts.test;
    };
    const counts = new Set([test(1), test(2), test(3), test(4)]);
    expect(counts.size).toBeGreaterThan(1);
  });
});

describe('determinism and the dataset card', () => {
  const files = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));

  it('the same workspace and options give byte-identical files (JSONL, Parquet, card)', () => {
    for (const options of [
      { format: 'trl', split: { testFraction: 0.5, seed: 3 }, provenance: true },
      { format: 'failures', fileType: 'parquet', provenance: true },
      { format: 'kto', fileType: 'parquet', style: 'conversational', split: { testFraction: 0.4 } },
    ] as ExportOptionsInput[]) {
      const a = files(exportTo(options).dir);
      const b = files(exportTo(options).dir);
      expect(Object.keys(a).length).toBeGreaterThanOrEqual(2);
      expect(a).toEqual(b);
    }
  });

  it('a workspace built again the same way exports the same bytes', async () => {
    const other = newEngine('exports-again');
    await buildExportFixture(other.engine, other.workspace);
    const otherDb = openReader(other.file);
    try {
      const options: ExportOptionsInput = { format: 'trl', provenance: true, split: { testFraction: 0.5 } };
      expect(files(exportTo(options, otherDb).dir)).toEqual(files(exportTo(options).dir));
    } finally {
      otherDb.close();
      await closeEngine(other.engine);
    }
  });

  it('README.md: Hugging Face front matter (license, task_categories, configs per split, size_categories) and the figures', () => {
    const { dir } = exportTo({ format: 'trl', split: { testFraction: 0.5 }, license: 'cc-by-4.0', filters: { reviewerIds: [fx.reviewers.alice] } });
    const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const front = card.slice(4, card.indexOf('\n---\n', 4));
    expect(card.startsWith('---\n')).toBe(true);
    expect(front).toContain('license: "cc-by-4.0"');
    expect(front).toContain('task_categories:\n- text-generation');
    expect(front).toContain('size_categories:\n- n<1K');
    expect(front).toContain('configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: "train.jsonl"\n  - split: test\n    path: "test.jsonl"');
    expect(front).toContain('  - name: margin\n    dtype: float64');
    expect(card).toContain('| alice |');
    expect(card).not.toContain('| bob |');
    expect(card).toContain('- Reviewers: `alice`');
    expect(card).toContain('## Guideline versions');
    expect(card).toContain('Position bias');
    expect(card).toContain('## Comparisons leaderboard');
    expect(card).toMatch(/\| m-small \| \d+ \| \d+ \|/);
    expect(card).not.toMatch(/20\d\d-\d\d-\d\dT(?!00:00:00)/); // no export time
  });

  it('the preview shows the first rows and the counts per split, and writes nothing', () => {
    const preview = runExport(db, { mode: 'preview', exportId: 'p', options: ExportOptions.parse({ format: 'trl', split: { testFraction: 0.5 } }), limit: 2 }) as ExportPreview;
    const { report, dir } = exportTo({ format: 'trl', split: { testFraction: 0.5 } });
    expect(preview.counts).toEqual(report.counts);
    expect(preview.columns).toEqual(['prompt', 'chosen', 'rejected', 'margin']);
    expect(preview.rows.train).toEqual(lines(path.join(dir, 'train.jsonl')).slice(0, 2).map((l) => JSON.parse(l)));
    expect(preview.rows.test.length).toBeLessThanOrEqual(2);
  });
});

describe('full export', () => {
  it('full export → import into a new workspace → full export is byte-identical', async () => {
    const first = path.join(t.dir, 'full-1');
    const exported = await t.engine.call('datasets.export', { exportId: 'full1', options: { format: 'full' }, outDir: first });
    expect(exported.ok).toBe(true);

    const target = newEngine('full-target');
    const imported = await target.engine.call('datasets.importFull', { importId: 'imp1', source: { kind: 'path', path: path.join(first, 'assay-full.jsonl') } });
    if (!imported.ok) throw new Error(imported.error.message);
    expect(imported.value.rows).toBeGreaterThan(50);
    expect(imported.value.tables.find((x) => x.table === 'comparison_labels')?.rows).toBe(9);

    const second = path.join(target.dir, 'full-2');
    const again = await target.engine.call('datasets.export', { exportId: 'full2', options: { format: 'full' }, outDir: second });
    expect(again.ok).toBe(true);
    expect(fs.readFileSync(path.join(second, 'assay-full.jsonl')).equals(fs.readFileSync(path.join(first, 'assay-full.jsonl')))).toBe(true);
    expect(fs.readFileSync(path.join(second, 'README.md')).equals(fs.readFileSync(path.join(first, 'README.md')))).toBe(true);

    // The imported workspace is a working one: its trainer exports match too, search works.
    const targetDb = openReader(target.file);
    try {
      expect(files(exportTo({ format: 'failures', provenance: true }, targetDb).dir)).toEqual(files(exportTo({ format: 'failures', provenance: true }).dir));
    } finally {
      targetDb.close();
    }
    const found = await target.engine.call('prompts.list', { query: 'color' });
    expect(found.ok && found.value.items.map((p) => p.id)).toEqual(['p2']);

    // A second import into the now non-empty workspace is refused, and changes nothing.
    const refused = await target.engine.call('datasets.importFull', { importId: 'imp2', source: { kind: 'path', path: path.join(first, 'assay-full.jsonl') } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('conflict');
    await closeEngine(target.engine);
  });

  function files(dir: string) {
    return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
  }

  it('a damaged full export names the line and imports nothing', async () => {
    const dir = path.join(t.dir, 'full-damaged');
    runExport(db, { mode: 'write', exportId: 'fd', options: ExportOptions.parse({ format: 'full' }), outDir: dir });
    const all = lines(path.join(dir, 'assay-full.jsonl'));
    const cases: [string, string[], RegExp][] = [
      ['cut.jsonl', all.slice(0, all.length - 5), /cut short/],
      ['wrongtype.jsonl', all.map((l, i) => (i === 20 ? l.replace(/^(\{"t":"[a-z_]+","r":\[)[^,\]]+/, '$1"x"') : l)), /line 21: column /],
      ['garbage.jsonl', [...all.slice(0, 30), '{"t":"prompts"', ...all.slice(30)], /line 31: invalid JSON/],
      ['notours.jsonl', ['{"hello":1}'], /not an Assay full export/],
    ];
    for (const [name, content, message] of cases) {
      const target = newEngine('full-bad');
      const file = path.join(target.dir, name);
      fs.writeFileSync(file, content.join('\n') + '\n');
      const result = await target.engine.call('datasets.importFull', { importId: 'bad', source: { kind: 'path', path: file } });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(message);
      const stats = await target.engine.call('datasets.stats', {});
      expect(stats.ok && stats.value.prompts + stats.value.generations + stats.value.reviewers.length).toBe(0);
      await closeEngine(target.engine);
    }
  });
});

describe('cancel', () => {
  it('a cancelled export leaves no file (and an older file of the same name untouched)', async () => {
    const e = newEngine('cancel');
    writeBulkLabels(e.workspace, { pairs: 30_000, seed: 3 });
    const out = path.join(e.dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'train.jsonl'), 'older export\n');
    let asked = false;
    const phases: string[] = [];
    const off = e.engine.events.on('onDidExportProgress', (p) => {
      phases.push(p.phase);
      if (!asked && p.exportId === 'c1') {
        asked = true;
        void e.engine.call('datasets.cancelExport', { exportId: 'c1' });
      }
    });
    const result = await e.engine.call('datasets.export', { exportId: 'c1', options: { format: 'trl', fileType: 'parquet' }, outDir: out });
    off();
    expect(asked).toBe(true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('cancelled');
    expect(fs.readdirSync(out)).toEqual(['train.jsonl']);
    expect(fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8')).toBe('older export\n');

    // Not cancelled, the same export completes: 30k rows, progress reported on the way.
    const done = await e.engine.call('datasets.export', { exportId: 'c2', options: { format: 'trl' }, outDir: out });
    expect(done.ok && done.value.counts.train).toBe(30_000);
    expect(fs.readdirSync(out).sort()).toEqual(['README.md', 'train.jsonl']);
    expect(phases).toContain('counting');
    await closeEngine(e.engine);
  });
});

describe('assay export / assay stats', () => {
  const cli = runCli;

  it('exit 0 with the files written and no progress line when piped; 2 for wrong usage; 1 for a missing workspace', async () => {
    const out = path.join(t.dir, 'cli-out');
    const ok = await cli('export', '--workspace', t.file, '--format', 'trl', '--out', out, '--reviewer', 'alice', '--test-fraction', '0.5', '--seed', '1');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/trl: train \d+, test \d+, left out \d+ in \d+ ms/);
    expect(fs.readdirSync(out).sort()).toEqual(['README.md', 'test.jsonl', 'train.jsonl']);
    const rows = [...lines(path.join(out, 'train.jsonl')), ...lines(path.join(out, 'test.jsonl'))];
    expect(rows.length).toBe(exportTo({ format: 'trl', filters: { reviewerIds: [fx.reviewers.alice] } }).report.counts.train);

    const usage = await cli('export', '--workspace', t.file, '--format', 'dpo');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--format must be one of trl, openrlhf/);
    expect((await cli('export', '--format', 'trl')).code).toBe(2);
    expect((await cli('export', '--workspace', t.file, '--format', 'trl', '--min-agreement', '2')).code).toBe(2);
    expect((await cli('export', '--workspace', t.file, '--format', 'trl', '--bogus')).code).toBe(2);

    const missing = await cli('export', '--workspace', path.join(t.dir, 'nope.assay'), '--format', 'trl');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No workspace at/);
    expect(fs.existsSync(path.join(t.dir, 'nope.assay'))).toBe(false);
    expect((await cli('export', '--workspace', t.file, '--format', 'trl', '--reviewer', 'carol')).code).toBe(1);
  });

  it.runIf(fs.existsSync('/usr/bin/script'))('a progress line on a terminal', async () => {
    const out = path.join(t.dir, 'cli-tty');
    const command = [process.execPath, '--import', 'tsx', 'cli/main.ts', 'export', '--workspace', t.file, '--format', 'kto', '--style', 'standard', '--out', out].map((a) => `'${a}'`).join(' ');
    const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      // script(1) runs the command on a pseudo-terminal, as a person at a terminal would.
      const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/\r\[export\] 100% 21 rows/);
  });

  it('stats --json, preview, --help', async () => {
    const stats = await cli('stats', '--workspace', t.file, '--json');
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout) as { prompts: number; preferencePairs: number; comparisons: { choices: Record<string, number> } };
    expect(s.prompts).toBe(6);
    expect(s.comparisons.choices).toEqual({ A: 2, B: 3, tie: 1, both_bad: 1 });
    // 5 A/B + 5 ranking pairs + 2 corrected both-bad + 1 review correction.
    expect(s.preferencePairs).toBe(13);

    const preview = await cli('export', '--workspace', t.file, '--format', 'sft', '--preview', '--json');
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout)).toMatchObject({ counts: { train: 3, test: 0 }, columns: ['prompt', 'completion'] });

    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const word of ['assay export', 'assay stats', '--test-fraction', '--provenance', '--parquet', 'assay-full', 'Exit codes']) expect(help.stdout).toContain(word);
  });

  it('import --format assay-full loads a full export into a new workspace file', async () => {
    const dir = path.join(t.dir, 'cli-full');
    runExport(db, { mode: 'write', exportId: 'cf', options: ExportOptions.parse({ format: 'full' }), outDir: dir });
    const target = path.join(tempDir('assay-cli-full-'), 'copy.assay');
    const run = await cli('import', path.join(dir, 'assay-full.jsonl'), '--workspace', target, '--format', 'assay-full');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ws = openWorkspace(target, { create: false });
    try {
      const again = path.join(path.dirname(target), 'again');
      runExport(ws.reader, { mode: 'write', exportId: 'cf2', options: ExportOptions.parse({ format: 'full' }), outDir: again });
      expect(fs.readFileSync(path.join(again, 'assay-full.jsonl')).equals(fs.readFileSync(path.join(dir, 'assay-full.jsonl')))).toBe(true);
    } finally {
      ws.close();
    }
  });
});
