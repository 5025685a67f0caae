/**
 * Reads the header of a GGUF file (metadata and tensor infos, not tensor data) and checks that the
 * file is long enough for the tensors it declares. Used to refuse a file that is not GGUF or is cut
 * short with a clear message before llama.cpp ever sees it, and to read general.name.
 */
import fs from 'node:fs';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from './writer';

export type GgufFormatProblem = 'not_gguf' | 'unsupported_version' | 'truncated' | 'corrupt';

export class GgufFormatError extends Error {
  constructor(
    readonly problem: GgufFormatProblem,
    message: string,
  ) {
    super(message);
    this.name = 'GgufFormatError';
  }
}

export interface GgufArraySummary {
  type: 'array';
  itemType: number;
  length: number;
}

export type GgufReadValue = number | bigint | boolean | string | unknown[] | GgufArraySummary;

export interface GgufTensorInfo {
  name: string;
  /** ggml order (ne[0] first). */
  shape: number[];
  /** ggml_type id. */
  type: number;
  /** Relative to the start of the data section. */
  offset: number;
  /** Bytes the tensor occupies, or null for a ggml type this reader does not know. */
  bytes: number | null;
}

export interface GgufInfo {
  version: number;
  alignment: number;
  metadata: Map<string, GgufReadValue>;
  tensors: GgufTensorInfo[];
  /** Absolute offset of the tensor data section. */
  dataOffset: number;
  /** Where the last tensor's data ends (absolute), as far as the reader can tell. */
  dataEnd: number;
  fileSize: number;
}

export interface ReadGgufOptions {
  /** Keep array values (else arrays are summarized by item type and length). Default false. */
  keepArrays?: boolean;
}

// [elements per block, bytes per block] by ggml_type id (ggml/src/ggml.c type_traits).
const GGML_TYPE_SIZES: Record<number, readonly [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  16: [256, 66], // IQ2_XXS
  17: [256, 74], // IQ2_XS
  18: [256, 98], // IQ3_XXS
  19: [256, 50], // IQ1_S
  20: [32, 18], // IQ4_NL
  21: [256, 110], // IQ3_S
  22: [256, 82], // IQ2_S
  23: [256, 136], // IQ4_XS
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  29: [256, 56], // IQ1_M
  30: [1, 2], // BF16
  34: [256, 54], // TQ1_0
  35: [256, 66], // TQ2_0
  39: [32, 17], // MXFP4
};

const MAX_STRING = 1 << 28;
const MAX_COUNT = 1 << 28;

/** Scalar sizes by GGUF value type (strings are variable). */
const SCALAR_SIZE: Record<number, number> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

/**
 * Reads forward through a file with a growing buffer. `has(n)` says whether n bytes are buffered;
 * `fill(n)` reads until they are (callers await it only then, so the vocabulary arrays of a real model,
 * hundreds of thousands of values, parse without a promise per value). The `read*` methods assume
 * the bytes are there.
 */
class BufferedFile {
  private buf = Buffer.alloc(1 << 20);
  private start = 0; // file position of buf[0]
  private end = 0; // valid bytes in buf
  private pos = 0; // read position within buf

  constructor(
    private readonly handle: fs.promises.FileHandle,
    readonly size: number,
  ) {}

  get position(): number {
    return this.start + this.pos;
  }

  has(n: number): boolean {
    return this.end - this.pos >= n;
  }

  async fill(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    if (this.position + n > this.size) {
      throw new GgufFormatError('truncated', `the file ends at byte ${this.size} while reading ${what} at byte ${this.position}`);
    }
    const unread = this.end - this.pos;
    if (n > this.buf.length) {
      const next = Buffer.alloc(Math.max(n, this.buf.length * 2));
      this.buf.copy(next, 0, this.pos, this.end);
      this.buf = next;
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.start += this.pos;
    this.pos = 0;
    this.end = unread;
    while (this.end < n) {
      const { bytesRead } = await this.handle.read(this.buf, this.end, this.buf.length - this.end, this.start + this.end);
      if (bytesRead === 0) throw new GgufFormatError('truncated', `the file ends at byte ${this.start + this.end} while reading ${what}`);
      this.end += bytesRead;
    }
  }

  async u32(what: string): Promise<number> {
    if (!this.has(4)) await this.fill(4, what);
    return this.readScalar(GgufValueType.UINT32) as number;
  }

  async count(what: string, max = MAX_COUNT): Promise<number> {
    if (!this.has(8)) await this.fill(8, what);
    const v = this.readScalar(GgufValueType.UINT64) as bigint;
    if (v > BigInt(max)) throw new GgufFormatError('corrupt', `${what} is ${v}, which is not plausible`);
    return Number(v);
  }

  async str(what: string): Promise<string> {
    const len = await this.count(`${what} (length)`, MAX_STRING);
    if (!this.has(len)) await this.fill(len, what);
    return this.readString(len);
  }

  /** A value of a metadata type (not an array). */
  async value(type: number, what: string): Promise<number | bigint | boolean | string> {
    if (type === GgufValueType.STRING) return this.str(what);
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new GgufFormatError('corrupt', `${what} has an unknown value type ${type}`);
    if (!this.has(size)) await this.fill(size, what);
    return this.readScalar(type);
  }

  readString(len: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  readScalar(type: number): number | bigint | boolean {
    const b = this.buf;
    const p = this.pos;
    this.pos += SCALAR_SIZE[type]!;
    switch (type) {
      case GgufValueType.UINT8:
        return b.readUInt8(p);
      case GgufValueType.INT8:
        return b.readInt8(p);
      case GgufValueType.UINT16:
        return b.readUInt16LE(p);
      case GgufValueType.INT16:
        return b.readInt16LE(p);
      case GgufValueType.UINT32:
        return b.readUInt32LE(p);
      case GgufValueType.INT32:
        return b.readInt32LE(p);
      case GgufValueType.FLOAT32:
        return b.readFloatLE(p);
      case GgufValueType.BOOL:
        return b.readUInt8(p) !== 0;
      case GgufValueType.UINT64:
        return b.readBigUInt64LE(p);
      case GgufValueType.INT64:
        return b.readBigInt64LE(p);
      default:
        return b.readDoubleLE(p);
    }
  }
}

/** Reads an array's items (kept, or only walked past). */
async function readArray(r: BufferedFile, itemType: number, length: number, key: string, keep: boolean): Promise<unknown[]> {
  const items: unknown[] = [];
  if (itemType === GgufValueType.STRING) {
    for (let j = 0; j < length; j++) {
      if (!r.has(8)) await r.fill(8, `${key}[${j}]`);
      const len = r.readScalar(GgufValueType.UINT64) as bigint;
      if (len > BigInt(MAX_STRING)) throw new GgufFormatError('corrupt', `${key}[${j}] claims ${len} bytes`);
      const n = Number(len);
      if (!r.has(n)) await r.fill(n, `${key}[${j}]`);
      const s = r.readString(n);
      if (keep) items.push(s);
    }
    return items;
  }
  if (itemType === GgufValueType.ARRAY) {
    for (let j = 0; j < length; j++) {
      const innerType = await r.u32(`the item type of ${key}[${j}]`);
      const innerLength = await r.count(`the length of ${key}[${j}]`);
      const inner = await readArray(r, innerType, innerLength, `${key}[${j}]`, keep);
      if (keep) items.push(inner);
    }
    return items;
  }
  const size = SCALAR_SIZE[itemType];
  if (size === undefined) throw new GgufFormatError('corrupt', `${key} has an unknown item type ${itemType}`);
  // Read in slices so a huge array does not need one huge buffer.
  const perSlice = Math.max(1, Math.floor((1 << 20) / size));
  for (let j = 0; j < length; j += perSlice) {
    const n = Math.min(perSlice, length - j);
    if (!r.has(n * size)) await r.fill(n * size, `${key}[${j}..]`);
    for (let k = 0; k < n; k++) {
      const v = r.readScalar(itemType);
      if (keep) items.push(v);
    }
  }
  return items;
}

const alignUp = (n: number, alignment: number) => Math.ceil(n / alignment) * alignment;

/** Reads a GGUF file's header; throws GgufFormatError for anything that is not a whole GGUF v2/v3 file. */
export async function readGgufInfo(file: string, options: ReadGgufOptions = {}): Promise<GgufInfo> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const r = new BufferedFile(handle, size);
    if (size < 4) throw new GgufFormatError('not_gguf', `the file is ${size} bytes long, too short for a GGUF header`);
    const magic = await r.u32('the magic number');
    if (magic !== GGUF_MAGIC) throw new GgufFormatError('not_gguf', 'the file does not start with the GGUF magic bytes');
    const version = await r.u32('the version');
    if (version < 2 || version > 3) throw new GgufFormatError('unsupported_version', `GGUF version ${version} is not supported (llama.cpp reads versions 2 and 3)`);
    const tensorCount = await r.count('the tensor count', 1 << 20);
    const kvCount = await r.count('the metadata count', 1 << 20);
    const metadata = new Map<string, GgufReadValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await r.str(`metadata key #${i}`);
      const type = await r.u32(`the type of ${key}`);
      if (type === GgufValueType.ARRAY) {
        const itemType = await r.u32(`the item type of ${key}`);
        const length = await r.count(`the length of ${key}`);
        const keep = options.keepArrays === true;
        const items = await readArray(r, itemType, length, key, keep);
        metadata.set(key, keep ? items : { type: 'array', itemType, length });
      } else {
        metadata.set(key, await r.value(type, key));
      }
    }
    const alignmentValue = metadata.get('general.alignment');
    const alignment = typeof alignmentValue === 'number' && alignmentValue > 0 ? alignmentValue : GGUF_DEFAULT_ALIGNMENT;
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.str(`tensor name #${i}`);
      const dims = await r.u32(`the dimensions of ${name}`);
      if (dims < 1 || dims > 4) throw new GgufFormatError('corrupt', `tensor ${name} has ${dims} dimensions`);
      const shape: number[] = [];
      for (let d = 0; d < dims; d++) shape.push(await r.count(`the shape of ${name}`, 2 ** 40));
      const type = await r.u32(`the type of ${name}`);
      const offset = await r.count(`the offset of ${name}`, Number.MAX_SAFE_INTEGER);
      const traits = GGML_TYPE_SIZES[type];
      const elements = shape.reduce((a, b) => a * b, 1);
      const bytes = traits ? Math.ceil(elements / traits[0]) * traits[1] : null;
      tensors.push({ name, shape, type, offset, bytes });
    }
    const dataOffset = alignUp(r.position, alignment);
    let dataEnd = dataOffset;
    for (const t of tensors) dataEnd = Math.max(dataEnd, dataOffset + t.offset + (t.bytes ?? 1));
    if (dataEnd > size) {
      throw new GgufFormatError('truncated', `its tensors need ${dataEnd} bytes but the file has ${size}`);
    }
    return { version, alignment, metadata, tensors, dataOffset, dataEnd, fileSize: size };
  } finally {
    await handle.close();
  }
}
