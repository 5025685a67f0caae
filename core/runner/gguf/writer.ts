/**
 * A small GGUF v3 writer (the file format llama.cpp loads; spec: ggml-org/ggml docs/gguf.md).
 *
 * Layout: header (magic, version, tensor count, metadata count), metadata key/values, tensor infos,
 * padding to the alignment, then each tensor's data, each padded to the alignment. Tensor data is
 * produced lazily, one tensor at a time, and written straight to disk, so a file of tens of millions
 * of parameters never sits in memory whole. The file is written beside its destination and renamed
 * into place at the end, so a reader never sees half a file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types (gguf_type). */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufScalarTypeName = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'bool' | 'string' | 'uint64' | 'int64' | 'float64';

const TYPE_ID: Record<GgufScalarTypeName, number> = {
  uint8: GgufValueType.UINT8,
  int8: GgufValueType.INT8,
  uint16: GgufValueType.UINT16,
  int16: GgufValueType.INT16,
  uint32: GgufValueType.UINT32,
  int32: GgufValueType.INT32,
  float32: GgufValueType.FLOAT32,
  bool: GgufValueType.BOOL,
  string: GgufValueType.STRING,
  uint64: GgufValueType.UINT64,
  int64: GgufValueType.INT64,
  float64: GgufValueType.FLOAT64,
};

export type GgufScalar =
  | { type: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64'; value: number }
  | { type: 'uint64' | 'int64'; value: number | bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string };

export type GgufArray =
  | { type: 'array'; itemType: 'string'; value: readonly string[] }
  | { type: 'array'; itemType: 'bool'; value: readonly boolean[] }
  | { type: 'array'; itemType: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64'; value: ArrayLike<number> }
  | { type: 'array'; itemType: 'uint64' | 'int64'; value: ArrayLike<number | bigint> };

export type GgufValue = GgufScalar | GgufArray;

/** Shorthands for metadata values: `gguf.u32(4)`, `gguf.str('llama')`, `gguf.strings([...])`. */
export const gguf = {
  u8: (value: number): GgufValue => ({ type: 'uint8', value }),
  u32: (value: number): GgufValue => ({ type: 'uint32', value }),
  i32: (value: number): GgufValue => ({ type: 'int32', value }),
  u64: (value: number | bigint): GgufValue => ({ type: 'uint64', value }),
  f32: (value: number): GgufValue => ({ type: 'float32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  str: (value: string): GgufValue => ({ type: 'string', value }),
  strings: (value: readonly string[]): GgufValue => ({ type: 'array', itemType: 'string', value }),
  f32s: (value: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'float32', value }),
  i32s: (value: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'int32', value }),
  u32s: (value: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'uint32', value }),
};

/** ggml tensor types this writer produces. */
export const GgmlType = { F32: 0, F16: 1 } as const;
export type GgufTensorType = keyof typeof GgmlType;

export interface GgufTensor {
  name: string;
  /** ggml order: ne[0] (the contiguous dimension) first. A [rows, cols] matrix is `[cols, rows]`. */
  shape: readonly number[];
  type: GgufTensorType;
  /** Produces the values (F16 tensors are converted on write); called once, when the tensor is written. */
  data: () => Float32Array | Promise<Float32Array>;
}

export interface GgufFile {
  /** In order; keys must be unique. */
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
  /** Defaults to 32; written as general.alignment when it differs. */
  alignment?: number;
}

export interface WriteGgufResult {
  file: string;
  bytes: number;
  sha256: string;
  parameters: number;
}

/** Grows as needed; collects the header, metadata and tensor infos (small next to tensor data). */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  u64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(sink: ByteSink, type: GgufScalarTypeName, value: unknown): void {
  switch (type) {
    case 'uint8':
      return sink.u8(value as number);
    case 'int8':
      return sink.i8(value as number);
    case 'uint16':
      return sink.u16(value as number);
    case 'int16':
      return sink.i16(value as number);
    case 'uint32':
      return sink.u32(value as number);
    case 'int32':
      return sink.i32(value as number);
    case 'float32':
      return sink.f32(value as number);
    case 'float64':
      return sink.f64(value as number);
    case 'uint64':
      return sink.u64(value as number | bigint);
    case 'int64':
      return sink.i64(value as number | bigint);
    case 'bool':
      return sink.u8(value ? 1 : 0);
    case 'string':
      return sink.str(value as string);
  }
}

function writeValue(sink: ByteSink, value: GgufValue): void {
  if (value.type === 'array') {
    sink.u32(GgufValueType.ARRAY);
    sink.u32(TYPE_ID[value.itemType]);
    const items = value.value as ArrayLike<unknown>;
    sink.u64(items.length);
    for (let i = 0; i < items.length; i++) writeScalar(sink, value.itemType, items[i]);
    return;
  }
  sink.u32(TYPE_ID[value.type]);
  writeScalar(sink, value.type, value.value);
}

export function tensorElementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensorByteSize(tensor: Pick<GgufTensor, 'shape' | 'type'>): number {
  return tensorElementCount(tensor.shape) * (tensor.type === 'F32' ? 4 : 2);
}

const alignUp = (n: number, alignment: number) => Math.ceil(n / alignment) * alignment;

// float32 → float16 (round to nearest even), through the base/shift tables of
// "Fast Half Float Conversions" (J. van der Zijp): one table lookup per value.
const F16_BASE = new Uint16Array(512);
const F16_SHIFT = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const e = i - 127;
  if (e < -24) {
    F16_BASE[i] = 0x0000;
    F16_BASE[i | 0x100] = 0x8000;
    F16_SHIFT[i] = F16_SHIFT[i | 0x100] = 24;
  } else if (e < -14) {
    F16_BASE[i] = 0x0400 >> (-e - 14);
    F16_BASE[i | 0x100] = (0x0400 >> (-e - 14)) | 0x8000;
    F16_SHIFT[i] = F16_SHIFT[i | 0x100] = -e - 1;
  } else if (e <= 15) {
    F16_BASE[i] = (e + 15) << 10;
    F16_BASE[i | 0x100] = ((e + 15) << 10) | 0x8000;
    F16_SHIFT[i] = F16_SHIFT[i | 0x100] = 13;
  } else if (e < 128) {
    F16_BASE[i] = 0x7c00;
    F16_BASE[i | 0x100] = 0xfc00;
    F16_SHIFT[i] = F16_SHIFT[i | 0x100] = 24;
  } else {
    F16_BASE[i] = 0x7c00;
    F16_BASE[i | 0x100] = 0xfc00;
    F16_SHIFT[i] = F16_SHIFT[i | 0x100] = 13;
  }
}

/**
 * Converts float32 values to IEEE half-precision bits, rounding to nearest (halfway cases away from
 * zero, not to even: close enough for random test weights).
 */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const f = bits[i]!;
    const idx = (f >>> 23) & 0x1ff;
    const shift = F16_SHIFT[idx]!;
    let h = F16_BASE[idx]! + ((f & 0x007fffff) >>> shift);
    // Round: add the first dropped mantissa bit (for normal and subnormal results only).
    if (shift < 24 && (idx & 0xff) !== 0xff && ((f >>> (shift - 1)) & 1) === 1) h += 1;
    out[i] = h;
  }
  return out;
}

/** Reads IEEE half-precision bits back to a number (for tests and the reader). */
export function fromFloat16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Writes a GGUF v3 file. Tensors are written in the order given, each produced by its `data()`
 * callback just before it is written. Returns the file's size and sha256 (hashed as it is written).
 */
export async function writeGguf(file: string, spec: GgufFile): Promise<WriteGgufResult> {
  const alignment = spec.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) throw new Error(`[gguf] alignment must be a positive multiple of 8 (got ${alignment})`);
  const metadata: Array<readonly [string, GgufValue]> = [...spec.metadata];
  const keys = new Set<string>();
  for (const [key] of metadata) {
    if (keys.has(key)) throw new Error(`[gguf] duplicate metadata key ${key}`);
    keys.add(key);
  }
  if (alignment !== GGUF_DEFAULT_ALIGNMENT && !keys.has('general.alignment')) metadata.push(['general.alignment', gguf.u32(alignment)]);
  const names = new Set<string>();
  for (const t of spec.tensors) {
    if (names.has(t.name)) throw new Error(`[gguf] duplicate tensor ${t.name}`);
    names.add(t.name);
    if (t.shape.length < 1 || t.shape.length > 4 || t.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`[gguf] tensor ${t.name} has an invalid shape [${t.shape.join(', ')}]`);
    }
  }

  const head = new ByteSink();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(spec.tensors.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.str(key);
    writeValue(head, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of spec.tensors) {
    head.str(t.name);
    head.u32(t.shape.length);
    for (const d of t.shape) head.u64(d);
    head.u32(GgmlType[t.type]);
    head.u64(offset);
    offsets.push(offset);
    offset = alignUp(offset + tensorByteSize(t), alignment);
  }
  head.zeros(alignUp(head.length, alignment) - head.length);

  const tmp = `${file}.${process.pid}.${Date.now()}.partial`;
  const hash = createHash('sha256');
  const handle = await fs.promises.open(tmp, 'w');
  let bytes = 0;
  let parameters = 0;
  const write = async (buf: Uint8Array) => {
    hash.update(buf);
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await handle.write(buf, done, buf.length - done);
      done += bytesWritten;
    }
    bytes += buf.length;
  };
  try {
    await write(head.bytes());
    const dataStart = bytes;
    for (let i = 0; i < spec.tensors.length; i++) {
      const t = spec.tensors[i]!;
      const values = await t.data();
      const count = tensorElementCount(t.shape);
      if (values.length !== count) throw new Error(`[gguf] tensor ${t.name} has ${values.length} values, its shape [${t.shape.join(', ')}] needs ${count}`);
      if (bytes - dataStart !== offsets[i]) throw new Error(`[gguf] internal: tensor ${t.name} at ${bytes - dataStart}, expected ${offsets[i]}`);
      const raw = t.type === 'F32' ? values : toFloat16(values);
      await write(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
      const pad = alignUp(raw.byteLength, alignment) - raw.byteLength;
      if (pad > 0) await write(new Uint8Array(pad));
      parameters += count;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await fs.promises.rename(tmp, file);
  return { file, bytes, sha256: hash.digest('hex'), parameters };
}
