/**
 * Which chat format a GGUF model gets in chat mode, decided once here for the worker (which renders
 * with it) and the UI (which says so where chat mode is chosen).
 *
 * - A GGUF with a chat template (`tokenizer.chat_template`) uses it: node-llama-cpp runs the Jinja
 *   template, or an equivalent built-in wrapper it has checked against the template.
 * - A GGUF without one defaults to raw completion. Chat mode on it uses one declared generic format,
 *   node-llama-cpp's "General" wrapper (`### Human` / `### Assistant` turns). Left to itself,
 *   node-llama-cpp 3.21.1 would guess from the file name or the BOS token and, for a llama
 *   model like stories260K, silently pick Llama 2's `[INST] <<SYS>>` format: another model family's.
 */
import fs from 'node:fs';
import type { ChatFormat } from '../../../contract/runner';
import { GGUF_MAGIC, GgufValueType } from '../gguf/writer';

export const GENERIC_CHAT_FORMAT_NAME = 'generic format (### Human / ### Assistant)';
export const OWN_TEMPLATE_NAME = "the model's own chat template";

/** The chat format of a model, from its template (null or blank: it has none). */
export function chatFormatFor(modelName: string, template: string | null): ChatFormat {
  if (template !== null && template.trim() !== '') return { hasTemplate: true, name: OWN_TEMPLATE_NAME, defaultMode: 'chat', note: null };
  return {
    hasTemplate: false,
    name: GENERIC_CHAT_FORMAT_NAME,
    defaultMode: 'raw',
    note:
      `${modelName} has no chat template, so raw completion is its default. In chat mode Assay formats the conversation in its ` +
      `${GENERIC_CHAT_FORMAT_NAME}, not in another model family's template; the rendered prompt shows exactly what the model sees.`,
  };
}

const SCALAR_SIZE: Record<number, number> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

/** Sequential synchronous reads with a buffer (the header of a big model is a few MB of vocabulary). */
class SyncReader {
  private buf = Buffer.alloc(1 << 18);
  private start = 0;
  private end = 0;
  private pos = 0;
  constructor(private readonly fd: number) {}

  private ensure(n: number): void {
    if (this.end - this.pos >= n) return;
    const keep = this.end - this.pos;
    if (n > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.start += this.pos;
    this.pos = 0;
    this.end = keep;
    while (this.end < n) {
      const read = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.start + this.end);
      if (read === 0) throw new Error('the GGUF header ends early');
      this.end += read;
    }
  }
  u32(): number {
    this.ensure(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.ensure(8);
    const v = Number(this.buf.readBigUInt64LE(this.pos));
    this.pos += 8;
    return v;
  }
  skip(n: number): void {
    if (n <= this.end - this.pos) {
      this.pos += n;
      return;
    }
    const rest = n - (this.end - this.pos);
    this.start += this.end + rest;
    this.pos = 0;
    this.end = 0;
  }
  str(): string {
    const length = this.u64();
    if (length > 1 << 28) throw new Error('a GGUF string is implausibly long');
    this.ensure(length);
    const v = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return v;
  }
  skipValue(type: number): void {
    if (type === GgufValueType.STRING) {
      this.skip(this.u64());
    } else if (type === GgufValueType.ARRAY) {
      const itemType = this.u32();
      const length = this.u64();
      const size = SCALAR_SIZE[itemType];
      if (size !== undefined) this.skip(size * length);
      else for (let i = 0; i < length; i++) this.skipValue(itemType);
    } else {
      const size = SCALAR_SIZE[type];
      if (size === undefined) throw new Error(`unknown GGUF value type ${type}`);
      this.skip(size);
    }
  }
}

/**
 * `tokenizer.chat_template` of a GGUF file (null when it has none), read synchronously from the
 * header without keeping the vocabulary. Throws when the file is not a readable GGUF.
 */
export function readChatTemplateSync(file: string): string | null {
  const fd = fs.openSync(file, 'r');
  try {
    const r = new SyncReader(fd);
    if (r.u32() !== GGUF_MAGIC) throw new Error('not a GGUF file');
    const version = r.u32();
    if (version < 2 || version > 3) throw new Error(`GGUF version ${version}`);
    r.u64(); // tensors
    const count = r.u64();
    for (let i = 0; i < count; i++) {
      const key = r.str();
      const type = r.u32();
      if (key === 'tokenizer.chat_template' && type === GgufValueType.STRING) return r.str();
      r.skipValue(type);
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

const cache = new Map<string, { size: number; mtimeMs: number; template: string | null }>();

/**
 * The chat format of the GGUF at `file`, cached by path, size and modification time; null when the
 * file cannot be read (nothing is known about it; loading it reports what is wrong).
 */
export function chatFormatOfFile(file: string, modelName: string): ChatFormat | null {
  let template: string | null;
  try {
    const stat = fs.statSync(file);
    const hit = cache.get(file);
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) {
      template = hit.template;
    } else {
      template = readChatTemplateSync(file);
      cache.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, template });
    }
  } catch {
    return null;
  }
  return chatFormatFor(modelName, template);
}
