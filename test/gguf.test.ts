import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufFormatError, readGgufInfo } from '../core/runner/gguf/reader';
import { writeTestModel } from '../core/runner/gguf/test-model';
import { fromFloat16, gguf, toFloat16, writeGguf } from '../core/runner/gguf/writer';

let dir: string;
let llama: Llama | null = null;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-gguf-'));
});

afterAll(async () => {
  await llama?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('GGUF writer', () => {
  it('writes every metadata type and reads it back, with 32-byte aligned, padded tensor data', async () => {
    const file = path.join(dir, 'types.gguf');
    const result = await writeGguf(file, {
      metadata: [
        ['general.architecture', gguf.str('llama')],
        ['test.u8', { type: 'uint8', value: 200 }],
        ['test.i8', { type: 'int8', value: -5 }],
        ['test.u16', { type: 'uint16', value: 60000 }],
        ['test.i16', { type: 'int16', value: -30000 }],
        ['test.u32', gguf.u32(4_000_000_000)],
        ['test.i32', gguf.i32(-123456)],
        ['test.f32', gguf.f32(0.5)],
        ['test.f64', { type: 'float64', value: Math.PI }],
        ['test.u64', gguf.u64(2n ** 40n)],
        ['test.i64', { type: 'int64', value: -(2n ** 40n) }],
        ['test.bool', gguf.bool(true)],
        ['test.string', gguf.str('héllo ▁ wörld')],
        ['test.strings', gguf.strings(['a', '▁b', '<0x0A>', ''])],
        ['test.f32s', gguf.f32s([0.25, -1.5])],
        ['test.i32s', gguf.i32s([1, -2, 3])],
      ],
      tensors: [
        { name: 'a', shape: [3], type: 'F32', data: () => new Float32Array([1, 2, 3]) },
        { name: 'b', shape: [5, 2], type: 'F16', data: () => new Float32Array([0, 1, -1, 0.5, 2, 3, 4, 5, 6, 65504]) },
        { name: 'c', shape: [1], type: 'F32', data: () => new Float32Array([7]) },
      ],
    });
    expect(result.parameters).toBe(14);
    expect(result.bytes).toBe(fs.statSync(file).size);
    expect(result.sha256).toBe(sha256(file));

    const info = await readGgufInfo(file, { keepArrays: true });
    expect(info.version).toBe(3);
    const m = info.metadata;
    expect(m.get('test.u8')).toBe(200);
    expect(m.get('test.i8')).toBe(-5);
    expect(m.get('test.u16')).toBe(60000);
    expect(m.get('test.i16')).toBe(-30000);
    expect(m.get('test.u32')).toBe(4_000_000_000);
    expect(m.get('test.i32')).toBe(-123456);
    expect(m.get('test.f32')).toBe(0.5);
    expect(m.get('test.f64')).toBe(Math.PI);
    expect(m.get('test.u64')).toBe(2n ** 40n);
    expect(m.get('test.i64')).toBe(-(2n ** 40n));
    expect(m.get('test.bool')).toBe(true);
    expect(m.get('test.string')).toBe('héllo ▁ wörld');
    expect(m.get('test.strings')).toEqual(['a', '▁b', '<0x0A>', '']);
    expect(m.get('test.f32s')).toEqual([0.25, -1.5]);
    expect(m.get('test.i32s')).toEqual([1, -2, 3]);

    expect(info.dataOffset % 32).toBe(0);
    expect(info.tensors.map((t) => [t.name, t.shape, t.type, t.offset])).toEqual([
      ['a', [3], 0, 0],
      ['b', [5, 2], 1, 32],
      ['c', [1], 0, 64],
    ]);
    // Every tensor (the last one too) is padded to the alignment.
    expect(info.fileSize).toBe(info.dataOffset + 96);
    const bytes = fs.readFileSync(file);
    const b = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + info.dataOffset + 32, bytes.byteOffset + info.dataOffset + 52));
    expect([...b].map(fromFloat16)).toEqual([0, 1, -1, 0.5, 2, 3, 4, 5, 6, 65504]);
  });

  it('converts to float16 with rounding, subnormals and overflow', () => {
    const h = toFloat16(new Float32Array([1, -2, 0.1, 65504, 1e6, 1e-8, 6e-5, -0, 1 + 2 ** -11 + 2 ** -20]));
    expect([...h]).toEqual([0x3c00, 0xc000, 0x2e66, 0x7bff, 0x7c00, 0x0000, 0x03ef, 0x8000, 0x3c01]);
    for (const v of [0.333, -7.25, 1234.5, 3e-4]) expect(Math.abs(fromFloat16(toFloat16(new Float32Array([v]))[0]!) - v) / Math.abs(v)).toBeLessThan(1e-3);
  });

  it('refuses duplicate keys and tensors, bad shapes and a wrong number of values, leaving no file behind', async () => {
    const file = path.join(dir, 'bad.gguf');
    await expect(writeGguf(file, { metadata: [['a', gguf.u32(1)], ['a', gguf.u32(2)]], tensors: [] })).rejects.toThrow(/duplicate metadata key a/);
    await expect(writeGguf(file, { metadata: [], tensors: [{ name: 't', shape: [0], type: 'F32', data: () => new Float32Array() }] })).rejects.toThrow(/invalid shape/);
    await expect(writeGguf(file, { metadata: [], tensors: [{ name: 't', shape: [4], type: 'F32', data: () => new Float32Array(3) }] })).rejects.toThrow(/has 3 values/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('bad.gguf'))).toEqual([]);
  });
});

describe('test models', () => {
  it('writes the tiny model fast, deterministically, and llama.cpp accepts it', async () => {
    const a = path.join(dir, 'tiny-a.gguf');
    const b = path.join(dir, 'tiny-b.gguf');
    const c = path.join(dir, 'tiny-c.gguf');
    const started = performance.now();
    const ra = await writeTestModel(a, { size: 'tiny', seed: 7 });
    expect(performance.now() - started).toBeLessThan(1000);
    const rb = await writeTestModel(b, { size: 'tiny', seed: 7 });
    const rc = await writeTestModel(c, { size: 'tiny', seed: 8 });

    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(ra.sha256).toBe(sha256(a));
    expect(rb.sha256).toBe(ra.sha256);
    expect(rc.sha256).not.toBe(ra.sha256);
    expect(ra.file).toBe(a);
    expect(ra.parameters).toBeGreaterThan(100_000);
    expect(ra.parameters).toBeLessThan(1_000_000);

    // Our reader: name, vocabulary and tensors as designed.
    const info = await readGgufInfo(a, { keepArrays: true });
    expect(info.metadata.get('general.name')).toBe('tiny test model');
    expect(info.metadata.get('general.architecture')).toBe('llama');
    expect(info.metadata.get('tokenizer.ggml.add_space_prefix')).toBe(false);
    expect(String(info.metadata.get('tokenizer.chat_template'))).toContain('<|im_start|>');
    const tokens = info.metadata.get('tokenizer.ggml.tokens') as string[];
    const types = info.metadata.get('tokenizer.ggml.token_type') as number[];
    expect(tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(tokens.filter((t, i) => /^<0x[0-9A-F]{2}>$/.test(t) && types[i] === 6)).toHaveLength(256);
    for (const t of ['▁', 'a', '~', '<|im_start|>', '<|im_end|>', '▁the', '▁house', '▁hous', '▁h']) expect(tokens).toContain(t);
    // Every ▁word comes with all its prefixes.
    const vocab = new Set(tokens);
    for (const t of tokens) if (t.startsWith('▁') && t.length > 2) expect(vocab.has(t.slice(0, -1))).toBe(true);
    expect(info.tensors.every((t) => t.offset % 32 === 0)).toBe(true);
    expect(info.dataEnd).toBeLessThanOrEqual(info.fileSize);

    // node-llama-cpp's own parser, then llama.cpp itself.
    const parsed = await readGgufFileInfo(a);
    expect(parsed.version).toBe(3);
    expect(parsed.metadata.general.name).toBe('tiny test model');
    expect(parsed.tensorInfo?.length).toBe(info.tensors.length);
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    const model = await llama.loadModel({ modelPath: a });
    try {
      expect(model.tokens.bos).toBe(1);
      expect(model.tokens.eos).toBe(2);
      // Whole words are single tokens; anything else falls back to characters and bytes, and round-trips.
      expect(model.tokenize(' the house')).toHaveLength(2);
      for (const text of [' the house by the river', 'Zebra ✓ 日本 \n tab\t!']) expect(model.detokenize(model.tokenize(text))).toBe(text);
      expect(model.isEogToken(model.tokenize('<|im_end|>', true)[0]!)).toBe(true);
    } finally {
      await model.dispose();
    }
  });

  it('reads a cut-short or foreign file as such', async () => {
    const whole = path.join(dir, 'tiny-a.gguf');
    const bytes = fs.readFileSync(whole);
    const cut = path.join(dir, 'cut.gguf');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
    await expect(readGgufInfo(cut)).rejects.toMatchObject({ problem: 'truncated' });
    fs.writeFileSync(cut, bytes.subarray(0, 200));
    await expect(readGgufInfo(cut)).rejects.toMatchObject({ problem: 'truncated' });
    const other = path.join(dir, 'other.gguf');
    fs.writeFileSync(other, '{"not": "a model"}');
    await expect(readGgufInfo(other)).rejects.toBeInstanceOf(GgufFormatError);
    await expect(readGgufInfo(other)).rejects.toMatchObject({ problem: 'not_gguf' });
  });
});
