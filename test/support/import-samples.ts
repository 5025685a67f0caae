/**
 * One small file's worth of records per dataset import format, as JSONL and as Parquet laid out
 * the way Hugging Face datasets ship them (nested columns as Parquet lists and structs, not JSON
 * strings, where the schema is fixed), and what a workspace holds after importing them.
 */
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { DatasetImportFormat } from '../../contract';
import type { ReadableDB } from '../../db/handles';

const H = '\n\nHuman: ';
const A = '\n\nAssistant: ';

export const SAMPLES: Record<DatasetImportFormat, Record<string, unknown>[]> = {
  'hh-rlhf': [
    { chosen: `${H}What is 2+2?${A}4.`, rejected: `${H}What is 2+2?${A}5.` },
    { chosen: `${H}Hi${A}Hello!${H}Name a moon.${A}Europa.${H}Another?${A}Io.`, rejected: `${H}Hi${A}Hello!${H}Name a moon.${A}Mars.` },
    { chosen: `${H}Same?${A}Yes.`, rejected: `${H}Same?${A}Yes.` },
  ],
  arena: [
    {
      question_id: 'q1',
      model_a: 'gpt-4',
      model_b: 'vicuna-13b',
      winner: 'model_b',
      turn: 1,
      tstamp: 1682351591.5,
      conversation_a: [
        { role: 'user', content: 'Name a prime.' },
        { role: 'assistant', content: '7' },
      ],
      conversation_b: [
        { role: 'user', content: 'Name a prime.' },
        { role: 'assistant', content: '9' },
      ],
    },
    {
      question_id: 'q2',
      model_a: 'claude-v1',
      model_b: 'gpt-4',
      winner: 'tie',
      turn: 1,
      tstamp: 1682351600,
      conversation_a: [
        { role: 'user', content: 'Say hi.' },
        { role: 'assistant', content: 'Hi.' },
      ],
      conversation_b: [
        { role: 'user', content: 'Say hi.' },
        { role: 'assistant', content: 'Hello.' },
      ],
    },
  ],
  oasst: [
    {
      message_tree_id: 'tree-1',
      tree_state: 'ready_for_export',
      prompt: {
        message_id: 'm0',
        role: 'prompter',
        text: 'What is a haiku?',
        lang: 'en',
        replies: [
          { message_id: 'a1', role: 'assistant', text: 'A 5-7-5 poem.', rank: 0, lang: 'en' },
          { message_id: 'a2', role: 'assistant', text: 'A kind of cheese.', rank: 1, lang: 'en' },
        ],
      },
    },
  ],
  completions: [
    { id: 'c1', prompt: 'Say hi', completion: 'hi', model: 'm-small', tags: ['greet'] },
    { id: 'c2', prompt: 'Say bye', completion: 'bye' },
  ],
};

/** What importing SAMPLES[format] reports. */
export const EXPECTED: Record<DatasetImportFormat, { rows: number; imported: number; leftOut: { line: number; reason: string }[]; created: Record<string, number> }> = {
  'hh-rlhf': { rows: 3, imported: 2, leftOut: [{ line: 3, reason: 'chosen and rejected are identical' }], created: { prompts: 2, generations: 4, tasks: 2, labels: 2 } },
  arena: { rows: 2, imported: 2, leftOut: [], created: { prompts: 2, models: 3, generations: 4, tasks: 2, labels: 2 } },
  oasst: { rows: 1, imported: 1, leftOut: [], created: { prompts: 1, generations: 2, tasks: 1, labels: 1 } },
  completions: { rows: 2, imported: 2, leftOut: [], created: { prompts: 2, models: 2, generations: 2, tasks: 0, labels: 0 } },
};

export const str = (name: string, repetition: 'REQUIRED' | 'OPTIONAL' = 'OPTIONAL'): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition });
/** A Parquet LIST of structs with these string fields (what pyarrow writes for a list of dicts). */
export const listOfStructs = (name: string, fields: string[]): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL', num_children: fields.length },
  ...fields.map((f) => str(f)),
];
export const listOfStrings = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  str('element'),
];

/**
 * SAMPLES-shaped records as a Parquet file: strings as UTF8 columns, Arena conversations and
 * completion tags as lists, OASST trees (recursive, no fixed schema) as a JSON column, integers
 * as INT64 (read back as bigint), absent values as nulls. `rowGroupSize` splits them into groups.
 */
export function parquetOf(format: DatasetImportFormat, records: Record<string, unknown>[], rowGroupSize?: number): Buffer {
  const col = (name: string) => records.map((r) => (r[name] === undefined ? null : r[name]));
  let columnData: { name: string; data: unknown[]; type?: 'JSON' | 'INT64' | 'DOUBLE' | 'STRING' }[];
  let schema: SchemaElement[] | undefined;
  if (format === 'hh-rlhf') {
    columnData = [
      { name: 'chosen', data: col('chosen') },
      { name: 'rejected', data: col('rejected') },
    ];
    schema = [{ name: 'root', num_children: 2 }, str('chosen'), str('rejected')];
  } else if (format === 'arena') {
    columnData = ['question_id', 'model_a', 'model_b', 'winner', 'turn', 'tstamp', 'conversation_a', 'conversation_b'].map((name) => ({
      name,
      data: name === 'turn' ? col(name).map((v) => (v === null ? null : BigInt(v as number))) : col(name),
    }));
    schema = [
      { name: 'root', num_children: 8 },
      str('question_id'),
      str('model_a'),
      str('model_b'),
      str('winner'),
      { name: 'turn', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'tstamp', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ...listOfStructs('conversation_a', ['content', 'role']),
      ...listOfStructs('conversation_b', ['content', 'role']),
    ];
  } else if (format === 'oasst') {
    columnData = [
      { name: 'message_tree_id', data: col('message_tree_id'), type: 'STRING' },
      { name: 'tree_state', data: col('tree_state'), type: 'STRING' },
      { name: 'prompt', data: col('prompt'), type: 'JSON' },
    ];
  } else {
    columnData = ['id', 'prompt', 'completion', 'model', 'tags'].map((name) => ({ name, data: col(name) }));
    schema = [{ name: 'root', num_children: 5 }, str('id'), str('prompt'), str('completion'), str('model'), ...listOfStrings('tags')];
  }
  const bytes = parquetWriteBuffer({ columnData: columnData as never, schema, rowGroupSize });
  return Buffer.from(bytes);
}

/** A workspace's imported content, ids left out, so two imports of the same records compare equal. */
export function contentOf(db: ReadableDB): unknown {
  return {
    prompts: db.prepare("SELECT id, prompt, messages, (SELECT group_concat(tag, ',') FROM (SELECT tag FROM prompt_tags t WHERE t.prompt_seq = p.seq ORDER BY tag)) AS tags FROM prompts p ORDER BY id").all(),
    generations: db
      .prepare('SELECT p.id AS prompt, m.name AS model, g.output, g.rendered_prompt AS rendered FROM generations g JOIN prompts p ON p.seq = g.prompt_seq JOIN models m ON m.id = g.model_id ORDER BY p.id, m.name, g.output')
      .all(),
    labels: db
      .prepare(
        `SELECT l.choice, (SELECT group_concat(g.output, ' | ') FROM comparison_task_outputs o JOIN generations g ON g.id = o.generation_id WHERE o.task_id = l.task_id) AS outputs
         FROM comparison_labels l ORDER BY outputs`,
      )
      .all(),
  };
}
