/**
 * HH-RLHF pairs that differ before their last "\n\nAssistant:" (a few in a thousand in Anthropic's
 * published splits): TRL's rule, the shared prompt is the longest common prefix cut back to the last
 * "\n\nAssistant:" inside it, each side's reply is the rest (it may span turns). Pairs that cannot be
 * represented are left out, counted and listed with their line; malformed records still fail the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportFailure } from '../contract';
import { splitHhPair } from '../core/datasets/imports/formats';
import { cleanupAll, failure, importId, jsonl, newEngine, runCli, tempDir, type TestEngine, unwrap, writeFile } from './helpers';

afterAll(cleanupAll);

const H = '\n\nHuman: ';
const A = '\n\nAssistant: ';

describe('splitHhPair (TRL extract_dialogue)', () => {
  it('splits at the last "\\n\\nAssistant:" of the common prefix; a reply may span turns', () => {
    // The usual pair: one last reply each.
    expect(splitHhPair(`${H}Hi${A}Hello!`, `${H}Hi${A}Go away.`)).toEqual({ prefix: `${H}Hi`, chosen: 'Hello!', rejected: 'Go away.' });
    // Replies sharing their first words: the prompt is still cut at the turn mark.
    expect(splitHhPair(`${H}2+2?${A}It is 4.`, `${H}2+2?${A}It is 5.`)).toEqual({ prefix: `${H}2+2?`, chosen: 'It is 4.', rejected: 'It is 5.' });
    // Diverging in the second assistant turn while chosen goes on for another exchange.
    const chosen = `${H}Hi${A}Hello!${H}Name a moon.${A}Europa.${H}Another?${A}Io.`;
    const rejected = `${H}Hi${A}Hello!${H}Name a moon.${A}Mars.`;
    expect(splitHhPair(chosen, rejected)).toEqual({ prefix: `${H}Hi${A}Hello!${H}Name a moon.`, chosen: `Europa.${H}Another?${A}Io.`, rejected: 'Mars.' });
    // Diverging in the first assistant turn of a multi-turn transcript: the prompt is the first human turn.
    expect(splitHhPair(`${H}Hi${A}Hello!${H}Bye${A}Bye!`, `${H}Hi${A}Go away.${H}Bye${A}Fine.`)).toEqual({
      prefix: `${H}Hi`,
      chosen: `Hello!${H}Bye${A}Bye!`,
      rejected: `Go away.${H}Bye${A}Fine.`,
    });
    // One side is the other cut short.
    expect(splitHhPair(`${H}Hi${A}Hello!${H}More?${A}Sure.`, `${H}Hi${A}Hello!`)).toEqual({ prefix: `${H}Hi`, chosen: `Hello!${H}More?${A}Sure.`, rejected: 'Hello!' });
  });

  it('leaves out pairs with no shared prompt or identical sides, and refuses a side with no assistant turn', () => {
    expect(splitHhPair(`${H}a${A}x`, `${H}b${A}y`)).toEqual({ skip: expect.stringMatching(/differ before their first/) });
    expect(splitHhPair(`${H}a${A}x`, `${H}a${A}x`)).toEqual({ skip: 'chosen and rejected are identical' });
    // Equal but for the space after the colon: the same reply.
    expect(splitHhPair(`${H}a${A}x`, `${H}a\n\nAssistant:x`)).toEqual({ skip: 'chosen and rejected are identical' });
    expect(() => splitHhPair(`${H}a`, `${H}a${A}x`)).toThrow(/'chosen' has no/);
  });
});

describe('HH-RLHF files with pairs that differ before the last turn', () => {
  let t: TestEngine;
  beforeAll(() => {
    t = newEngine('hhprefix');
  });

  const rows = [
    { chosen: `${H}What is 2+2?${A}4.`, rejected: `${H}What is 2+2?${A}5.` },
    // Line 2: differs in the second assistant turn; chosen continues for another exchange.
    { chosen: `${H}Hi${A}Hello!${H}Name a moon of Jupiter.${A}Europa.${H}And another?${A}Io.`, rejected: `${H}Hi${A}Hello!${H}Name a moon of Jupiter.${A}Mars.` },
    // Line 3: differs in the first human turn: no shared prompt.
    { chosen: `${H}Tell me a joke${A}Why did…`, rejected: `${H}Tell me a story${A}Once…` },
    // Line 4: identical.
    { chosen: `${H}Same?${A}Yes.`, rejected: `${H}Same?${A}Yes.` },
    // Line 5: differs in the first assistant turn of two exchanges.
    { chosen: `${H}Plan a trip${A}Where to?${H}Paris${A}Great choice.`, rejected: `${H}Plan a trip${A}No.${H}Paris${A}Still no.` },
  ];

  it('imports every representable pair with the shared prompt and whole-rest replies, and lists what it left out by line', async () => {
    const file = writeFile(t.dir, 'hh-divergent.jsonl', jsonl(rows));
    const report = unwrap(await t.engine.call('datasets.import', { importId: importId('hh'), source: { kind: 'path', path: file }, format: 'hh-rlhf', model: 'claude-v1' }));
    expect(report).toMatchObject({
      rows: 5,
      imported: 3,
      skipped: { 'chosen and rejected differ before their first "\\n\\nAssistant:" (no shared prompt)': 1, 'chosen and rejected are identical': 1 },
      leftOut: [
        { line: 3, reason: 'chosen and rejected differ before their first "\\n\\nAssistant:" (no shared prompt)' },
        { line: 4, reason: 'chosen and rejected are identical' },
      ],
      created: { prompts: 3, generations: 6, tasks: 3, labels: 3 },
    });

    const db = t.workspace.reader;
    const stored = db
      .prepare(
        `SELECT p.messages AS messages, g.output AS output, g.rendered_prompt AS rendered, gi.line AS line
         FROM generations g JOIN prompts p ON p.seq = g.prompt_seq JOIN generation_imports gi ON gi.generation_id = g.id ORDER BY gi.line, g.id`,
      )
      .all() as { messages: string; output: string; rendered: string; line: number }[];
    const byLine = (line: number) => stored.filter((s) => s.line === line);

    const moon = byLine(2);
    expect(JSON.parse(moon[0]!.messages)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Name a moon of Jupiter.' },
    ]);
    expect(moon.map((s) => s.output)).toEqual([`Europa.${H}And another?${A}Io.`, 'Mars.']);
    expect(moon[0]!.rendered).toBe(`${H}Hi${A}Hello!${H}Name a moon of Jupiter.\n\nAssistant:`);

    const trip = byLine(5);
    expect(JSON.parse(trip[0]!.messages)).toEqual([{ role: 'user', content: 'Plan a trip' }]);
    expect(trip.map((s) => s.output)).toEqual([`Where to?${H}Paris${A}Great choice.`, `No.${H}Paris${A}Still no.`]);

    // The label prefers chosen's whole reply.
    const preferred = db
      .prepare(
        `SELECT g.output FROM comparison_labels l JOIN comparison_task_outputs o ON o.task_id = l.task_id
           AND o.position = CASE l.choice WHEN 'A' THEN 0 ELSE 1 END JOIN generations g ON g.id = o.generation_id ORDER BY l.task_id`,
      )
      .pluck()
      .all();
    expect(preferred).toEqual(['4.', `Europa.${H}And another?${A}Io.`, `Where to?${H}Paris${A}Great choice.`]);
  });

  it('still fails the whole file on a malformed record, naming its line, with nothing imported', async () => {
    const u = newEngine('hhprefix-bad');
    const bad = [...rows.slice(0, 3), { chosen: `${H}x${A}y` }, rows[4]];
    const file = writeFile(u.dir, 'hh-bad.jsonl', jsonl(bad));
    const error = failure(await u.engine.call('datasets.import', { importId: importId('hh'), source: { kind: 'path', path: file }, format: 'hh-rlhf' }), 'import_failed');
    expect((error.details as ImportFailure).line).toBe(4);
    expect(error.message).toMatch(/field 'rejected'/);
    expect(u.workspace.reader.prepare('SELECT count(*) FROM prompts').pluck().get()).toBe(0);
    const badJson = writeFile(u.dir, 'hh-json.jsonl', jsonl(rows.slice(0, 2)) + '{"chosen": "\\n\\nHuman: a\n');
    const second = failure(await u.engine.call('datasets.import', { importId: importId('hh'), source: { kind: 'path', path: badJson }, format: 'hh-rlhf' }), 'import_failed');
    expect((second.details as ImportFailure).line).toBe(3);
    expect(u.workspace.reader.prepare('SELECT count(*) FROM generations').pluck().get()).toBe(0);
  });

  it('assay import prints how many pairs it left out and each one with its line and reason', async () => {
    const dir = tempDir('hh-cli-');
    const file = writeFile(dir, 'pairs.jsonl', jsonl(rows));
    const run = await runCli('import', file, '--workspace', `${dir}/w.assay`, '--model', 'claude-v1');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^pairs\.jsonl \(hh-rlhf\): 5 records, 3 imported, 0 replaced, 0 duplicates skipped; left out 2: /);
    expect(run.stdout).toContain('\nleft out:\n  line 3: chosen and rejected differ before their first "\\n\\nAssistant:" (no shared prompt)\n  line 4: chosen and rejected are identical\n');
  });
});
