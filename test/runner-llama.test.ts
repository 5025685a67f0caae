// The llama runner through the real llama.cpp runtime (node-llama-cpp on a worker thread), on the
// tiny test model written into a temp dir.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../contract/result';
import { Sampling, type GenerationInput } from '../contract/runner';
import { writeTestModel } from '../core/runner/gguf/test-model';
import { gguf, writeGguf } from '../core/runner/gguf/writer';
import { createLlamaRunner, crashWorkerForTest, defaultLlamaThreads, fileSha256, memorySha256Cache, type LlamaRunner } from '../core/runner/llama';
import { chatFormatOfFile, GENERIC_CHAT_FORMAT_NAME, OWN_TEMPLATE_NAME, readChatTemplateSync } from '../core/runner/llama/chat-format';
import { sampleModelPath } from '../core/runner/sample-model';
import type { GenerateRequest, GenerateResult } from '../core/runner/types';

const raw: GenerationInput = { mode: 'raw', text: 'Once upon a time' };
const chat: GenerationInput = {
  mode: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Tell me about the river.' },
  ],
};
const sampling = (overrides: Partial<Sampling> = {}): Sampling => Sampling.parse({ maxTokens: 24, seed: 42, ...overrides });

let dir: string;
let modelPath: string;
let modelSha256: string | undefined;
let runner: LlamaRunner;
const others: LlamaRunner[] = [];
let second: LlamaRunner | null = null;

/** A second runner on the same file (loading takes seconds, so tests share it). */
async function secondRunner(): Promise<LlamaRunner> {
  if (!second) {
    second = await createLlamaRunner({ modelPath, threads: 1 });
    others.push(second);
  }
  return second;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-llama-'));
  modelPath = path.join(dir, 'tiny.gguf');
  ({ sha256: modelSha256 } = await writeTestModel(modelPath, { size: 'tiny' }));
  const progress: number[] = [];
  runner = await createLlamaRunner({ modelPath, threads: 1, onLoadProgress: (f) => progress.push(f) });
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.at(-1)).toBe(1);
  expect(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]!))).toBe(true);
});

afterAll(async () => {
  await Promise.all([runner, ...others].map((r) => r?.dispose()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(request: Partial<GenerateRequest> & Pick<GenerateRequest, 'sampling'>, on: LlamaRunner = runner): Promise<GenerateResult & { chunks: string[] }> {
  const chunks: string[] = [];
  const result = await on.generate({ input: raw, ...request, onText: (t) => chunks.push(t) });
  return { ...result, chunks };
}

describe('llama runner', () => {
  it('describes the model: node-llama-cpp version, file sha256, path and general.name', async () => {
    const id = runner.describe();
    const pkg = JSON.parse(fs.readFileSync(path.join('node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string };
    expect(id).toEqual({
      kind: 'llama',
      runnerVersion: pkg.version,
      modelSha256: createHash('sha256').update(fs.readFileSync(modelPath)).digest('hex'),
      modelPath,
      endpointUrl: null,
      modelName: 'tiny test model',
    });
    expect(id.modelSha256).toBe(modelSha256);
    expect(runner.kind).toBe('llama');
    expect(runner.loaded).toMatchObject({ threads: 1, chatWrapper: 'ChatML', contextSize: 2048 });
    // The hash is cached by path, size and mtime.
    expect(memorySha256Cache.entries()).toContainEqual(expect.objectContaining({ path: modelPath, sha256: modelSha256 }));
    expect(await fileSha256(modelPath)).toBe(modelSha256);
  });

  it('streams text and reports tokens, timings and the seed', async () => {
    const r = await run({ sampling: sampling({ maxTokens: 16 }) });
    expect(r.finishReason).toBe('length');
    expect(r.completionTokens).toBe(16);
    expect(r.chunks.join('')).toBe(r.text);
    expect(r.text).toMatch(/^ \S/); // the first chunk keeps its leading space
    expect(r.promptTokens).toBeGreaterThan(1);
    expect(r.ttftMs).toBeGreaterThan(0);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(r.seed).toBe(42);
    expect(r.error).toBeNull();
    expect(r.finishedAt).toBeGreaterThanOrEqual(r.startedAt);
  });

  it('is deterministic for a fixed seed, across runs and across separately created runners', async () => {
    const a = await run({ sampling: sampling({ seed: 7 }) });
    const b = await run({ sampling: sampling({ seed: 7 }) });
    expect(a.text.length).toBeGreaterThan(20);
    expect(b.text).toBe(a.text);
    const c1 = await run({ input: chat, sampling: sampling({ seed: 7 }) });
    const c = await run({ sampling: sampling({ seed: 7 }) }, await secondRunner());
    expect(c.text).toBe(a.text);
    const c2 = await run({ input: chat, sampling: sampling({ seed: 7 }) }, await secondRunner());
    expect(c2.text).toBe(c1.text);
  });

  it('gives different text for different seeds', async () => {
    const texts = new Set<string>();
    for (const seed of [1, 2, 3]) texts.add((await run({ sampling: sampling({ seed }) })).text);
    expect(texts.size).toBe(3);
  });

  it('draws a seed when none is given and reports it, so the output can be regenerated', async () => {
    const a = await run({ sampling: sampling({ seed: null }) });
    expect(Number.isInteger(a.seed)).toBe(true);
    expect(a.seed).toBeGreaterThanOrEqual(0);
    expect(a.seed).toBeLessThan(2 ** 32);
    const again = await run({ sampling: sampling({ seed: a.seed }) });
    expect(again.text).toBe(a.text);
  });

  it('stops at a stop sequence, before it', async () => {
    const full = await run({ sampling: sampling({ seed: 11, maxTokens: 40 }) });
    const words = full.text.split(' ').filter((w) => /^[a-z]{3,}$/.test(w));
    // A word from the middle of the unconstrained output (its first occurrence).
    const stop = ` ${words[Math.floor(words.length / 2)]}`;
    const at = full.text.indexOf(stop);
    expect(at).toBeGreaterThan(0);
    const stopped = await run({ sampling: sampling({ seed: 11, maxTokens: 40, stop: ['NEVER-APPEARS', stop] }) });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(full.text.slice(0, at));
    expect(stopped.text).not.toContain(stop);
    expect(stopped.chunks.join('')).toBe(stopped.text);
    expect(stopped.completionTokens).toBeLessThan(40);
  });

  it('ends with length at maxTokens, with completionTokens == maxTokens', async () => {
    for (const maxTokens of [1, 5]) {
      const r = await run({ sampling: sampling({ maxTokens }) });
      expect(r.finishReason).toBe('length');
      expect(r.completionTokens).toBe(maxTokens);
    }
  });

  it('honours every sampling knob (greedy decoding is seed-independent; the knobs change the text)', async () => {
    const greedy1 = await run({ sampling: sampling({ temperature: 0, seed: 1 }) });
    const greedy2 = await run({ sampling: sampling({ temperature: 0, seed: 2 }) });
    expect(greedy2.text).toBe(greedy1.text);
    const base = (await run({ sampling: sampling({ seed: 5, maxTokens: 40 }) })).text;
    const variants = [{ topK: 1 }, { topP: 0.05 }, { minP: 0.5 }, { repeatPenalty: 2 }, { temperature: 3, topK: 0, topP: 1, minP: 0 }];
    for (const v of variants) {
      const r = await run({ sampling: sampling({ seed: 5, maxTokens: 40, ...v }) });
      expect(r.text, JSON.stringify(v)).not.toBe(base);
    }
  });

  it('cancels mid-stream: cancelled, quickly, with the text so far', async () => {
    const abort = new AbortController();
    const chunks: string[] = [];
    let abortedAt = 0;
    const result = await runner.generate({
      input: raw,
      sampling: sampling({ seed: 3, maxTokens: 1500 }),
      signal: abort.signal,
      onText: (t) => {
        chunks.push(t);
        if (chunks.length === 3) {
          abortedAt = performance.now();
          abort.abort();
        }
      },
    });
    const latency = performance.now() - abortedAt;
    expect(result.finishReason).toBe('cancelled');
    expect(latency).toBeLessThan(500);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    // The tiny model makes ~1000 tokens/s, so a busy machine may add a few hundred before the abort
    // lands; without the cancel it would run to 1500.
    expect(chunks.length).toBeLessThan(1000);
    expect(result.text.startsWith(chunks.slice(0, 3).join(''))).toBe(true);
    expect(result.completionTokens).toBeLessThan(1000);
    // An already aborted signal does not start anything.
    const before = await runner.generate({ input: raw, sampling: sampling(), signal: AbortSignal.abort() });
    expect(before.finishReason).toBe('cancelled');
    expect(before.text).toBe('');
    // The runner is still fine afterwards.
    expect((await run({ sampling: sampling({ maxTokens: 3 }) })).finishReason).toBe('length');
  });

  it('renders chat with the ChatML template from the GGUF; raw text goes in as is', async () => {
    const c = await run({ input: chat, sampling: sampling({ maxTokens: 4 }) });
    expect(c.renderedPrompt).toBe('<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nTell me about the river.<|im_end|>\n<|im_start|>assistant\n');
    const r = await run({ input: raw, sampling: sampling({ maxTokens: 4 }) });
    expect(r.renderedPrompt).toBe('<s>Once upon a time');
    expect(r.renderedPrompt).not.toContain('<|im_start|>');
    // preview shows the same text and token count without generating.
    expect(await runner.preview!(chat)).toEqual({ text: c.renderedPrompt, tokens: c.promptTokens });
    expect(await runner.preview!(raw)).toEqual({ text: r.renderedPrompt, tokens: r.promptTokens });
    // A conversation ending with the assistant is continued, not closed.
    const prefill = await runner.preview!({ mode: 'chat', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Well' }] });
    expect(prefill.text).toBe('<s><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nWell');
  });

  it('runs requests that arrive together one after another, with the same results', async () => {
    const [a, b] = await Promise.all([run({ sampling: sampling({ seed: 21 }) }), run({ sampling: sampling({ seed: 22 }) })]);
    expect((await run({ sampling: sampling({ seed: 21 }) })).text).toBe(a.text);
    expect((await run({ sampling: sampling({ seed: 22 }) })).text).toBe(b.text);
  });

  it('stops generating when the onText consumer throws, and reports it', async () => {
    const r = await runner.generate({
      input: raw,
      sampling: sampling({ maxTokens: 1500 }),
      onText: () => {
        throw new Error('socket closed');
      },
    });
    expect(r.finishReason).toBe('error');
    expect(r.error).toMatch(/consumer failed: socket closed/);
    expect(r.completionTokens).toBeLessThan(200);
  });

  it('refuses a prompt longer than the context with a clear error', async () => {
    const long: GenerationInput = { mode: 'raw', text: 'the house by the river '.repeat(600) };
    await expect(runner.generate({ input: long, sampling: sampling() })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/context holds 2048/) });
  });

  it('defaults threads from the core count', () => {
    expect(defaultLlamaThreads(2, 2)).toBe(1);
    expect(defaultLlamaThreads(1, 1)).toBe(1);
    expect(defaultLlamaThreads(8, 4)).toBe(4);
    expect(defaultLlamaThreads(8, 8)).toBe(7);
  });
});

// The chat-mode rule: a GGUF's own template when it has one, else the declared generic format (never
// node-llama-cpp's silent guess, which for the llama-architecture stories260K is Llama 2's [INST] format).
describe('chat format of a GGUF without a chat template (the shipped stories260K)', () => {
  let sample: LlamaRunner;
  beforeAll(async () => {
    sample = await createLlamaRunner({ modelPath: sampleModelPath(), threads: 1 });
    others.push(sample);
  });

  it('reads the template from the header: none in stories260K, ChatML in the tiny test model', () => {
    expect(readChatTemplateSync(sampleModelPath())).toBeNull();
    expect(readChatTemplateSync(modelPath)).toContain('<|im_start|>');
    expect(chatFormatOfFile(sampleModelPath(), 'stories')).toEqual({
      hasTemplate: false,
      name: GENERIC_CHAT_FORMAT_NAME,
      defaultMode: 'raw',
      note: expect.stringMatching(/^stories has no chat template, so raw completion is its default\. In chat mode .*generic format \(### Human \/ ### Assistant\), not in another model family's template/),
    });
    expect(chatFormatOfFile(modelPath, 'tiny')).toEqual({ hasTemplate: true, name: OWN_TEMPLATE_NAME, defaultMode: 'chat', note: null });
    expect(chatFormatOfFile(path.join(dir, 'missing.gguf'), 'missing')).toBeNull();
    // A file that is not GGUF: nothing is claimed about it.
    fs.writeFileSync(path.join(dir, 'not.gguf'), 'hello');
    expect(() => readChatTemplateSync(path.join(dir, 'not.gguf'))).toThrow();
    expect(chatFormatOfFile(path.join(dir, 'not.gguf'), 'not')).toBeNull();
  });

  it("chat mode uses the generic ### Human / ### Assistant format, not Llama 2's; raw text goes in as is", async () => {
    expect(sample.loaded.chatWrapper).toBe('General');
    const c = await run({ input: chat, sampling: sampling({ maxTokens: 8 }) }, sample);
    expect(c.renderedPrompt).toBe('<s>Be brief.\n\n### Human\nTell me about the river.\n\n### Assistant\n');
    expect(c.renderedPrompt).not.toMatch(/\[INST\]|<<SYS>>|<\|im_start\|>/);
    expect(c.finishReason).not.toBe('error');
    expect(await sample.preview!(chat)).toEqual({ text: c.renderedPrompt, tokens: c.promptTokens });
    const r = await run({ input: raw, sampling: sampling({ maxTokens: 16 }) }, sample);
    expect(r.renderedPrompt).toBe('<s>Once upon a time');
    // A real trained model: English words follow.
    expect(r.text).toMatch(/\b(the|was|a|and|there)\b/i);
  });
});

describe('llama runner errors', () => {
  const expectInvalid = async (promise: Promise<unknown>, message: RegExp) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_input');
    expect((error as AppError).message).toMatch(message);
  };

  it('refuses a missing file, a folder, a file that is not GGUF and a truncated GGUF', async () => {
    await expectInvalid(createLlamaRunner({ modelPath: path.join(dir, 'missing.gguf') }), /No model file at .*missing\.gguf.*pick a \.gguf file/i);
    await expectInvalid(createLlamaRunner({ modelPath: dir }), /is a folder/);
    const text = path.join(dir, 'notes.gguf');
    fs.writeFileSync(text, 'these are not the weights you are looking for\n'.repeat(10));
    await expectInvalid(createLlamaRunner({ modelPath: text }), /is not a GGUF model file.*Pick a \.gguf file/);
    const empty = path.join(dir, 'empty.gguf');
    fs.writeFileSync(empty, '');
    await expectInvalid(createLlamaRunner({ modelPath: empty }), /is not a GGUF model file/);
    const bytes = fs.readFileSync(modelPath);
    const cut = path.join(dir, 'cut.gguf');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectInvalid(createLlamaRunner({ modelPath: cut }), /is incomplete.*download the file again/i);
    fs.writeFileSync(cut, bytes.subarray(0, 300));
    await expectInvalid(createLlamaRunner({ modelPath: cut }), /is incomplete/);
  });

  it('reports a GGUF llama.cpp cannot load, from the worker, and the process carries on', async () => {
    const file = path.join(dir, 'unknown-arch.gguf');
    await writeGguf(file, {
      metadata: [
        ['general.architecture', gguf.str('no-such-architecture')],
        ['general.name', gguf.str('odd model')],
      ],
      tensors: [{ name: 'x', shape: [8], type: 'F32', data: () => new Float32Array(8) }],
    });
    await expectInvalid(createLlamaRunner({ modelPath: file }), /llama\.cpp could not load .*architecture.*'no-such-architecture'/);
  });

  it('survives its worker failing mid-generation: the request ends with an error, later ones fail clearly', async () => {
    const doomed = await createLlamaRunner({ modelPath, threads: 1 });
    others.push(doomed);
    const chunks: string[] = [];
    const pending = doomed.generate({
      input: raw,
      sampling: sampling({ maxTokens: 1500 }),
      onText: (t) => {
        chunks.push(t);
        if (chunks.length === 2) crashWorkerForTest(doomed);
      },
    });
    const outcome = await pending.then(
      (result) => ({ result, error: null }),
      (error: unknown) => ({ result: null, error: error as AppError }),
    );
    if (outcome.result) {
      expect(outcome.result.finishReason).toBe('error');
      expect(outcome.result.error).toMatch(/stopped unexpectedly/);
      expect(outcome.result.text.length).toBeGreaterThan(0);
      expect(outcome.result.renderedPrompt).toBe('<s>Once upon a time');
    } else {
      expect(outcome.error).toBeInstanceOf(AppError);
      expect(outcome.error!.message).toMatch(/stopped unexpectedly/);
    }
    await expect(doomed.generate({ input: raw, sampling: sampling() })).rejects.toThrow(/stopped unexpectedly.*Load the model again/);
    await doomed.dispose();
    // This process (and the other runners in it) carry on.
    expect((await run({ sampling: sampling({ maxTokens: 3 }) })).finishReason).toBe('length');
  });

  it('cancels what runs when disposed, then refuses new work', async () => {
    const short = await secondRunner();
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const pending = short.generate({ input: raw, sampling: sampling({ maxTokens: 1500 }), onText: () => started() });
    await streaming;
    await short.dispose();
    const result = await pending;
    expect(result.finishReason).toBe('cancelled');
    expect(result.text.length).toBeGreaterThan(0);
    await expect(short.generate({ input: raw, sampling: sampling() })).rejects.toThrow(/disposed/);
  });
});
