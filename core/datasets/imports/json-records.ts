import { LineError } from '../../prompts/lines';
import { jsonlRows, type LineBatches, type ParsedRow } from '../../prompts/importer';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xfeff;
}

/** The line of a JSON.parse error inside a record that started on `startLine`. */
function errorLine(text: string, startLine: number, error: Error): number {
  const at = /position (\d+)/.exec(error.message);
  if (!at) return startLine;
  const position = Math.min(Number(at[1]), text.length);
  let line = startLine;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * The elements of one top-level JSON array (`[{…}, {…}]`, pretty-printed or not), each parsed on
 * its own and numbered by the line it starts on. Memory holds one element: an element larger than
 * `maxRecordChars` is refused, as an oversized line is.
 */
export async function* jsonArrayRows(batches: LineBatches, maxRecordChars: number): AsyncGenerator<ParsedRow[]> {
  type State = 'before' | 'element-or-end' | 'element' | 'after';
  let state: State = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let partsLength = 0;
  let startLine = 0;
  let afterComma = false;
  let lastLine = 0;

  const finish = (rows: ParsedRow[]) => {
    const text = parts.join('');
    parts = [];
    partsLength = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new LineError(errorLine(text, startLine, error as Error), `invalid JSON in the array element starting on line ${startLine} (${(error as Error).message})`);
    }
    rows.push({ line: startLine, value });
  };

  for await (const lines of batches) {
    const rows: ParsedRow[] = [];
    try {
      for (const { number, text } of lines) {
        lastLine = number;
        let from = 0;
        if (state === 'element') {
          parts.push('\n');
          partsLength++;
        }
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (state === 'element') {
            if (inString) {
              if (escaped) escaped = false;
              else if (c === BACKSLASH) escaped = true;
              else if (c === QUOTE) inString = false;
              continue;
            }
            if (c === QUOTE) inString = true;
            else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
            else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
              if (depth > 0) depth--;
              else if (c === CLOSE_BRACKET) {
                // The array's own closing bracket, right after the last element.
                parts.push(text.slice(from, i));
                finish(rows);
                state = 'after';
              }
              // A stray } stays in the element, and JSON.parse says what is wrong with it.
            } else if (c === COMMA && depth === 0) {
              parts.push(text.slice(from, i));
              finish(rows);
              state = 'element-or-end';
              afterComma = true;
            }
            continue;
          }
          if (isSpace(c)) continue;
          if (state === 'before') {
            if (c !== OPEN_BRACKET) throw new LineError(number, 'expected a JSON array starting with [');
            state = 'element-or-end';
            afterComma = false;
          } else if (state === 'element-or-end') {
            if (c === CLOSE_BRACKET) {
              if (afterComma) throw new LineError(number, 'a value is missing after the last comma of the array');
              state = 'after';
            } else if (c === COMMA) {
              throw new LineError(number, 'a value is missing before a comma of the array');
            } else {
              state = 'element';
              startLine = number;
              from = i;
              depth = 0;
              inString = false;
              escaped = false;
              i--; // look at this character again as part of the element
            }
          } else {
            throw new LineError(number, 'there is more after the closing ] of the array');
          }
        }
        if (state === 'element') {
          const rest = text.slice(from);
          parts.push(rest);
          partsLength += rest.length;
          if (partsLength > maxRecordChars) {
            throw new LineError(startLine, `the array element starting on this line is longer than the ${Math.round(maxRecordChars / 1024)} KiB limit`);
          }
        }
      }
    } catch (error) {
      // Rows read before the problem go first, so a problem in them is reported first.
      if (rows.length > 0) yield rows;
      throw error;
    }
    if (rows.length > 0) yield rows;
  }
  const end = state as State;
  if (end === 'before') return;
  if (end !== 'after') throw new LineError(end === 'element' ? startLine : lastLine, 'the file ends before the array is closed with ]');
}

/**
 * The records of a JSON file, one per line (JSONL) or as one JSON array: a file whose first
 * character that is not white space is `[` is read as an array.
 */
export async function* jsonRecords(batches: LineBatches, maxRecordChars: number): AsyncGenerator<ParsedRow[]> {
  const iterator = batches[Symbol.asyncIterator]();
  const buffered: { number: number; text: string }[][] = [];
  let isArray = false;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    buffered.push(next.value);
    const firstLine = next.value.find((l) => l.text.trim() !== '');
    if (firstLine) {
      isArray = firstLine.text.trimStart().replace(/^\uFEFF/, '').startsWith('[');
      break;
    }
  }
  const replay: LineBatches = {
    async *[Symbol.asyncIterator]() {
      yield* buffered;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
  yield* isArray ? jsonArrayRows(replay, maxRecordChars) : jsonlRows(replay);
}
