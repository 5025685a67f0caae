// The runner service driven the way every shell drives it: through Engine.dispatch (the contract
// methods), on real SQLite files, the real llama.cpp runtime (node-llama-cpp on the tiny GGUF test
// model) and the fake OpenAI-compatible server over real HTTP.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sampling, type Generation, type MethodInput, type MethodName, type MethodOutput } from '../contract';
import { Engine, type EngineOptions } from '../core/engine';
import { writeTestModel } from '../core/runner/gguf/test-model';
import type { SecretStore } from '../core/runner/secrets';
import { openWorkspace } from '../core/workspace/workspace';
import { cleanupAll, collectEvents, failure, tempDir, unwrap, waitForJob } from './helpers';
import { closedPort, startFakeServer, type FakeServer } from './support/openai-fake-server';

let dir: string;
let modelPath: string;
/** sha256 of the model file's bytes, computed here (not by the code under test). */
let modelSha: string;
let server: FakeServer;
const engines: Engine[] = [];
const relays: net.Server[] = [];
const sockets = new Set<net.Socket>();

const nodeLlamaCppVersion = (JSON.parse(fs.readFileSync(path.join('node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string }).version;

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** An engine on `file` (created when missing), closed in afterAll unless the test closes it. */
function openEngine(file: string, options: Partial<EngineOptions> = {}): Engine {
  const engine = new Engine(openWorkspace(file), { shell: 'browser', ...options });
  engines.push(engine);
  return engine;
}

async function closeEngine(engine: Engine): Promise<void> {
  const at = engines.indexOf(engine);
  if (at < 0) return;
  engines.splice(at, 1);
  await engine.close();
}

/** `engine.call` with the result unwrapped (fails the test on an error). */
async function ok<M extends MethodName>(engine: Engine, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  return unwrap(await engine.call(method, input));
}

async function addTiny(engine: Engine, file = modelPath, name = 'tiny') {
  return ok(engine, 'models.add', { kind: 'llama', name, modelPath: file, settings: { concurrency: 1, threads: 1 } });
}

/** The bytes of the workspace file and its WAL (when there is one) as one buffer. */
function workspaceBytes(file: string): Buffer {
  const parts = [fs.readFileSync(file)];
  if (fs.existsSync(`${file}-wal`)) parts.push(fs.readFileSync(`${file}-wal`));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  dir = tempDir('assay-runner-service-');
  modelPath = path.join(dir, 'tiny.gguf');
  await writeTestModel(modelPath, { size: 'tiny' });
  modelSha = sha256(modelPath);
  server = await startFakeServer({ models: ['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b'] });
});

afterAll(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  for (const socket of sockets) socket.destroy();
  for (const relay of relays.splice(0)) await new Promise((resolve) => relay.close(resolve));
  await server?.close();
  await cleanupAll();
});

describe('runner service on one workspace', () => {
  // Session 1 makes outputs and closes; session 2 reopens the file (nothing held in memory, the
  // model loaded afresh) and serves every later test. Loading llama.cpp costs seconds, so the
  // suite loads the model three times in all.
  let file: string;
  let engine: Engine;
  let tiny: MethodOutput<'models.add'>;
  let story: MethodOutput<'templates.save'>;
  let requested: MethodInput<'playground.generate'>['sampling'];
  let run: MethodOutput<'playground.generate'>;
  let streamedText: string;
  let chat: Generation;
  let typed: Generation;
  let batch: Generation[];
  let batchJobId: number;
  let sessionStart: number;

  beforeAll(async () => {
    file = path.join(dir, 'main.assay');
    sessionStart = Date.now();
    const a = openEngine(file);
    tiny = await addTiny(a);
    await ok(a, 'prompts.create', { id: 'river', prompt: 'Tell me about the river.' });
    await ok(a, 'prompts.create', { id: 'review-1', prompt: 'Not bad at all.' });
    await ok(a, 'prompts.create', { id: 'review-2', prompt: 'Dreadful service, cold food.' });
    story = await ok(a, 'templates.save', { name: 'story', instruction: 'Continue the story.', demonstrations: [{ input: 'A cat', output: 'sat on the warm mat' }] });

    // 1. Playground, chat mode through a template, no seed: the runner draws one. The tiny model
    // may draw its end token first (rarely); a run without text has no time to first token, so
    // generate again until there is text, as a user would (each run replaces the held one).
    requested = { temperature: 0.9, topK: 50, topP: 0.9, minP: 0.02, repeatPenalty: 1.2, maxTokens: 20, stop: ['NEVER-SEEN'], seed: null };
    for (let attempt = 0; attempt < 5 && !run?.text; attempt++) {
      const streamed = collectEvents(a, 'onDidGenerateText');
      run = await ok(a, 'playground.generate', { streamId: 'pg-chat', modelId: tiny.id, prompt: { promptId: 'river' }, template: { templateId: story.id }, mode: 'chat', sampling: requested });
      streamed.stop();
      streamedText = streamed.events.filter((e) => e.streamId === 'pg-chat').map((e) => e.text).join('');
    }
    chat = await ok(a, 'playground.save', { streamId: 'pg-chat' });
    failure(await a.call('playground.save', { streamId: 'pg-chat' }), 'not_found'); // saved once, then no longer held

    // 2. Playground, raw typed text with a fixed seed: the text becomes a prompt of its own.
    await ok(a, 'playground.generate', { streamId: 'pg-raw', modelId: tiny.id, prompt: { text: 'Once upon a time' }, mode: 'raw', sampling: { maxTokens: 16, seed: 1234 } });
    typed = await ok(a, 'playground.save', { streamId: 'pg-raw' });

    // 3. A batch job, four samples without a seed: each item draws its own.
    const job = await ok(a, 'jobs.create', { name: 'regen', spec: { prompts: { ids: ['river'] }, modelIds: [tiny.id], mode: 'raw', samplesPerPrompt: 4, sampling: { maxTokens: 16, seed: null } } });
    batchJobId = job.id;
    expect((await waitForJob(a, job.id, (j) => j.status === 'done')).counts).toMatchObject({ total: 4, done: 4, failed: 0 });
    batch = (await ok(a, 'generations.list', { jobId: job.id })).items;
    await closeEngine(a);

    engine = openEngine(file);
  });

  it('stores every provenance field with a playground output', async () => {
    expect(run.text.length).toBeGreaterThan(0);
    expect(streamedText).toBe(run.text);
    expect(chat).toMatchObject({
      promptId: 'river',
      modelId: tiny.id,
      templateId: story.id,
      templateVersion: 1,
      mode: 'chat',
      output: run.text,
      renderedPrompt: run.renderedPrompt,
      runnerKind: 'llama',
      runnerVersion: nodeLlamaCppVersion,
      modelSha256: modelSha,
      modelPath: path.resolve(modelPath),
      endpointUrl: null,
      modelName: 'tiny test model',
      seed: run.seed,
      promptTokens: run.promptTokens,
      completionTokens: run.completionTokens,
      finishReason: run.finishReason,
      error: null,
      jobId: null,
      sampleIndex: 0,
      source: 'playground',
    });
    expect(chat.input).toEqual({
      mode: 'chat',
      messages: [
        { role: 'system', content: 'Continue the story.' },
        { role: 'user', content: 'A cat' },
        { role: 'assistant', content: 'sat on the warm mat' },
        { role: 'user', content: 'Tell me about the river.' },
      ],
    });
    expect(chat.renderedPrompt).toBe(
      '<s><|im_start|>system\nContinue the story.<|im_end|>\n<|im_start|>user\nA cat<|im_end|>\n<|im_start|>assistant\nsat on the warm mat<|im_end|>\n' +
        '<|im_start|>user\nTell me about the river.<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(Number.isInteger(chat.seed)).toBe(true);
    expect(chat.sampling).toEqual({ ...Sampling.parse(requested), seed: chat.seed });
    expect(chat.promptTokens).toBeGreaterThan(10);
    expect(chat.completionTokens).toBeGreaterThan(0);
    expect(chat.completionTokens).toBeLessThanOrEqual(20);
    expect(['length', 'stop']).toContain(chat.finishReason);
    expect(chat.ttftMs).toBeGreaterThan(0);
    expect(chat.tokensPerSecond).toBeGreaterThan(0);
    expect(chat.startedAt).toBeGreaterThanOrEqual(sessionStart);
    expect(chat.finishedAt).toBeGreaterThanOrEqual(chat.startedAt);
    expect(chat.createdAt).toBeGreaterThanOrEqual(chat.finishedAt);
    // What is read back in the next session is what save returned.
    expect(await ok(engine, 'generations.get', { id: chat.id })).toEqual(chat);

    expect(typed).toMatchObject({ seed: 1234, sampling: { seed: 1234, maxTokens: 16 }, templateId: null, templateVersion: null, renderedPrompt: '<s>Once upon a time', mode: 'raw', finishReason: 'length', completionTokens: 16 });
    expect((await ok(engine, 'prompts.get', { id: typed.promptId })).tags).toEqual(['playground']);
  });

  it('stores the same provenance with batch outputs, each sample with its own drawn seed', () => {
    expect(batch).toHaveLength(4);
    for (const g of batch) {
      expect(g).toMatchObject({ source: 'batch', jobId: batchJobId, promptId: 'river', modelSha256: modelSha, runnerKind: 'llama', runnerVersion: nodeLlamaCppVersion, renderedPrompt: '<s>Tell me about the river.', error: null });
      expect(Number.isInteger(g.seed)).toBe(true);
      expect(g.sampling).toEqual(Sampling.parse({ maxTokens: 16, seed: g.seed }));
      expect(g.promptTokens).toBeGreaterThan(1);
      // The tiny model sometimes draws its end token early: then 'stop' with fewer tokens.
      if (g.finishReason === 'length') expect(g.completionTokens).toBe(16);
      else expect(g).toMatchObject({ finishReason: 'stop', completionTokens: expect.toSatisfy((n: number) => n < 16) });
      if (g.output !== '') {
        expect(g.ttftMs).toBeGreaterThan(0);
        expect(g.tokensPerSecond).toBeGreaterThan(0);
      }
      expect(g.finishedAt).toBeGreaterThanOrEqual(g.startedAt);
    }
    expect(batch.map((g) => g.sampleIndex).sort()).toEqual([0, 1, 2, 3]);
    // Different seeds, different text: so the "identical" checks below are not trivially true.
    expect(new Set(batch.map((g) => g.seed)).size).toBe(4);
    expect(new Set(batch.map((g) => g.output).filter((o) => o !== '')).size).toBeGreaterThanOrEqual(2);
  });

  it('regenerates every output exactly from its stored provenance, in a new session', async () => {
    for (const original of [chat, typed, ...batch]) {
      const streamId = `re-${original.id}`;
      const again = await ok(engine, 'generations.regenerate', { id: original.id, streamId });
      expect(again.identical, `generation ${original.id}`).toBe(true);
      expect(again.modelChanged).toBe(false);
      expect(again.result.text).toBe(original.output);
      expect(again.result.renderedPrompt).toBe(original.renderedPrompt);
      expect(again.result.seed).toBe(original.seed);
      expect(again.result.completionTokens).toBe(original.completionTokens);
    }
    // The regenerated output can be kept too, pointing at the same template version.
    const kept = await ok(engine, 'playground.save', { streamId: `re-${chat.id}` });
    expect(kept).toMatchObject({ source: 'regenerate', output: chat.output, promptId: 'river', templateId: story.id, templateVersion: 1, seed: chat.seed, sampling: chat.sampling, modelSha256: modelSha });
    expect(kept.id).not.toBe(chat.id);
    failure(await engine.call('generations.regenerate', { id: 999_999, streamId: 're-missing' }), 'not_found');
  });

  describe('templates', () => {
    it('saves versions, records the one a generation used, keeps old ones readable, and previews', async () => {
      const v1 = await ok(engine, 'templates.save', {
        name: 'sentiment',
        instruction: 'Classify.',
        demonstrations: [{ input: 'I loved it.', output: 'positive' }],
        inputLabel: 'Review',
        outputLabel: 'Sentiment',
      });
      expect(v1).toMatchObject({ name: 'sentiment', version: 1, latestVersion: 1, instruction: 'Classify.' });
      // A second template of the same name is refused (saving a new version needs the id).
      expect(failure(await engine.call('templates.save', { name: 'sentiment', instruction: 'x' }), 'conflict').message).toMatch(/sentiment/);

      const v2 = await ok(engine, 'templates.save', {
        id: v1.id,
        name: 'sentiment',
        instruction: 'Classify the sentiment of the review.',
        demonstrations: [
          { input: 'I loved it.', output: 'positive' },
          { input: 'Dreadful.', output: 'negative' },
        ],
        inputLabel: 'Review',
        outputLabel: 'Sentiment',
      });
      expect(v2).toMatchObject({ id: v1.id, version: 2, latestVersion: 2 });
      expect(await ok(engine, 'templates.get', { templateId: v1.id, version: 1 })).toEqual({ ...v1, latestVersion: 2 });
      expect(await ok(engine, 'templates.get', { templateId: v1.id })).toEqual(v2);
      expect((await ok(engine, 'templates.list', {})).filter((t) => t.id === v1.id)).toEqual([v2]);
      failure(await engine.call('templates.get', { templateId: v1.id, version: 7 }), 'not_found');

      // Preview without a model: the rendered input; with one: the text the model sees and its tokens.
      const expectedText = 'Classify the sentiment of the review.\n\nReview: I loved it.\nSentiment: positive\n\nReview: Dreadful.\nSentiment: negative\n\nReview: Not bad at all.\nSentiment:';
      const plain = await ok(engine, 'templates.preview', { template: { templateId: v1.id }, prompt: { promptId: 'review-1' }, mode: 'raw' });
      expect(plain).toEqual({ input: { mode: 'raw', text: expectedText }, rendered: expectedText, tokens: null });
      const preview = await ok(engine, 'templates.preview', { template: { templateId: v1.id }, prompt: { promptId: 'review-1' }, mode: 'raw', modelId: tiny.id });
      expect(preview.rendered).toBe(`<s>${expectedText}`);
      expect(preview.tokens).toBeGreaterThan(20);
      const chatPreview = await ok(engine, 'templates.preview', { template: { templateId: v1.id, version: 1 }, prompt: { text: 'Meh.' }, mode: 'chat', modelId: tiny.id });
      expect(chatPreview.rendered).toBe(
        '<s><|im_start|>system\nClassify.<|im_end|>\n<|im_start|>user\nI loved it.<|im_end|>\n<|im_start|>assistant\npositive<|im_end|>\n<|im_start|>user\nMeh.<|im_end|>\n<|im_start|>assistant\n',
      );
      expect(chatPreview.tokens).toBeGreaterThan(5);

      // A generation through the latest version sees exactly what the preview showed.
      const run = await ok(engine, 'playground.generate', { streamId: 'tpl-latest', modelId: tiny.id, prompt: { promptId: 'review-1' }, template: { templateId: v1.id }, mode: 'raw', sampling: { maxTokens: 4, seed: 1 } });
      expect(run.renderedPrompt).toBe(preview.rendered);
      expect(run.promptTokens).toBe(preview.tokens);
      const onLatest = await ok(engine, 'playground.save', { streamId: 'tpl-latest' });
      expect(onLatest).toMatchObject({ templateId: v1.id, templateVersion: 2 });
      // A generation pinned to version 1 uses version 1's text.
      await ok(engine, 'playground.generate', { streamId: 'tpl-v1', modelId: tiny.id, prompt: { promptId: 'review-1' }, template: { templateId: v1.id, version: 1 }, mode: 'raw', sampling: { maxTokens: 4, seed: 1 } });
      const onV1 = await ok(engine, 'playground.save', { streamId: 'tpl-v1' });
      expect(onV1.templateVersion).toBe(1);
      expect(onV1.renderedPrompt).toBe('<s>Classify.\n\nReview: I loved it.\nSentiment: positive\n\nReview: Not bad at all.\nSentiment:');

      // A batch job pins the version current when it was created.
      const job = await ok(engine, 'jobs.create', { name: 'tpl', spec: { prompts: { ids: ['review-2'] }, modelIds: [tiny.id], template: { templateId: v1.id }, mode: 'raw', sampling: { maxTokens: 4, seed: 2 } } });
      expect(job.spec.template).toEqual({ templateId: v1.id, version: 2 });
      await waitForJob(engine, job.id, (j) => j.status === 'done');

      // A third version changes nothing already made, and every version stays readable.
      const v3 = await ok(engine, 'templates.save', { id: v1.id, name: 'sentiment v3', instruction: 'Answer positive or negative.', inputLabel: 'Review', outputLabel: 'Sentiment' });
      expect(v3).toMatchObject({ version: 3, latestVersion: 3, name: 'sentiment v3', demonstrations: [] });
      expect((await ok(engine, 'generations.get', { id: onLatest.id })).templateVersion).toBe(2);
      expect((await ok(engine, 'generations.get', { id: onV1.id })).templateVersion).toBe(1);
      const [batchGen] = (await ok(engine, 'generations.list', { jobId: job.id })).items;
      expect(batchGen).toMatchObject({ templateId: v1.id, templateVersion: 2 });
      expect(batchGen!.renderedPrompt).toContain('Review: Dreadful service, cold food.\nSentiment:');
      expect(await ok(engine, 'templates.get', { templateId: v1.id, version: 2 })).toEqual({ ...v2, name: 'sentiment v3', latestVersion: 3 });
      expect((await ok(engine, 'templates.get', { templateId: v1.id, version: 1 })).instruction).toBe('Classify.');
    });
  });

  describe('bad model files', () => {
    it('refuses a missing file, a folder, a file that is not GGUF and a truncated GGUF clearly, losing nothing', async () => {
      // Something saved first, to check it survives.
      await ok(engine, 'playground.generate', { streamId: 'keep', modelId: tiny.id, prompt: { promptId: 'review-2' }, mode: 'raw', sampling: { maxTokens: 6, seed: 5 } });
      const kept = await ok(engine, 'playground.save', { streamId: 'keep' });
      const modelsBefore = await ok(engine, 'models.list', {});
      const generationsBefore = await ok(engine, 'generations.list', { limit: 500 });

      const missing = path.join(dir, 'no-such-model.gguf');
      const e1 = failure(await engine.call('models.add', { kind: 'llama', name: 'missing', modelPath: missing }), 'invalid_input');
      expect(e1.message).toContain(missing);
      expect(e1.message).toMatch(/no (model )?file/i);

      const e2 = failure(await engine.call('models.add', { kind: 'llama', name: 'folder', modelPath: dir }), 'invalid_input');
      expect(e2.message).toContain(dir);
      expect(e2.message).toMatch(/folder/);

      const notes = path.join(dir, 'notes.gguf');
      fs.writeFileSync(notes, 'these are not the weights you are looking for\n'.repeat(20));
      const e3 = failure(await engine.call('models.add', { kind: 'llama', name: 'notes', modelPath: notes }), 'invalid_input');
      expect(e3.message).toContain(notes);
      expect(e3.message).toMatch(/not a GGUF model file/);

      const cut = path.join(dir, 'cut.gguf');
      const bytes = fs.readFileSync(modelPath);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const e4 = failure(await engine.call('models.add', { kind: 'llama', name: 'cut', modelPath: cut }), 'invalid_input');
      expect(e4.message).toContain(cut);
      expect(e4.message).toMatch(/incomplete/);

      // A model whose file went away after it was added fails to load with the file named.
      const gone = path.join(dir, 'gone.gguf');
      fs.copyFileSync(modelPath, gone);
      const goneModel = await addTiny(engine, gone, 'gone');
      fs.rmSync(gone);
      const e5 = failure(await engine.call('models.load', { id: goneModel.id }), 'invalid_input');
      expect(e5.message).toContain(gone);
      expect(e5.message).toMatch(/gone did not load/);
      expect((await ok(engine, 'models.list', {})).find((m) => m.id === goneModel.id)).toMatchObject({ state: 'failed', stateMessage: expect.stringContaining(gone) });
      expect((await ok(engine, 'models.retire', { id: goneModel.id })).retired).toBe(true);

      // Nothing saved was lost, nothing half-added stayed, and the engine keeps answering.
      expect((await ok(engine, 'models.list', {})).map((m) => m.id)).toEqual(modelsBefore.map((m) => m.id));
      expect(await ok(engine, 'generations.list', { limit: 500 })).toEqual(generationsBefore);
      expect(await ok(engine, 'generations.get', { id: kept.id })).toEqual(kept);
      expect((await ok(engine, 'workspace.info', {})).path).toBe(file);
      const again = await ok(engine, 'playground.generate', { streamId: 'keep-2', modelId: tiny.id, prompt: { promptId: 'review-2' }, mode: 'raw', sampling: { maxTokens: 6, seed: 5 } });
      expect(again.text).toBe(kept.output);
    });
  });

  describe('endpoints', () => {
    it('fails only the items of an unreachable endpoint in a batch job, and retryFailed requeues them', async () => {
      const port = await closedPort();
      const down = await ok(engine, 'models.add', { kind: 'openai', name: 'down', baseUrl: `http://127.0.0.1:${port}`, remoteModel: 'fake-model', settings: { concurrency: 2 } });
      const up = await ok(engine, 'models.add', { kind: 'openai', name: 'up', baseUrl: server.origin, remoteModel: 'fake-model', settings: { concurrency: 1 } });
      server.fallback = { type: 'stream', pieces: ['Hello', ', world', '!'] };
      const job = await ok(engine, 'jobs.create', {
        name: 'mixed',
        spec: { prompts: { ids: ['review-1', 'review-2'] }, modelIds: [tiny.id, up.id, down.id], mode: 'chat', sampling: { maxTokens: 8, seed: 3 } },
      });
      expect(job.counts.total).toBe(6);
      // A job whose items have all run (some failed) is done.
      const first = await waitForJob(engine, job.id, (j) => j.status === 'done');
      expect(first.counts).toMatchObject({ total: 6, done: 4, failed: 2 });

      const failed = (await ok(engine, 'jobs.items', { id: job.id, status: 'failed' })).items;
      expect(failed.map((i) => i.modelId)).toEqual([down.id, down.id]);
      for (const item of failed) {
        expect(item.error).toContain(`127.0.0.1:${port}`);
        expect(item.error).toMatch(/connection refused/);
        expect(item.generationId).toBeNull();
        expect(item.attempts).toBe(1);
      }
      const done = (await ok(engine, 'jobs.items', { id: job.id, status: 'done' })).items;
      expect(done.map((i) => i.modelId).sort()).toEqual([tiny.id, tiny.id, up.id, up.id].sort());
      const outputs = (await ok(engine, 'generations.list', { jobId: job.id })).items;
      expect(outputs).toHaveLength(4);
      const fromUp = outputs.filter((g) => g.modelId === up.id);
      expect(fromUp.map((g) => g.output)).toEqual(['Hello, world!', 'Hello, world!']);
      expect(fromUp[0]).toMatchObject({ runnerKind: 'openai', endpointUrl: `${server.origin}/v1`, modelName: 'fake-model', modelSha256: null, seed: 3 });

      // The endpoint comes up (a relay to the fake server on that port); the retry takes the items again.
      const relay = net.createServer((socket) => {
        const upstream = net.connect(Number(new URL(server.origin).port), '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      relays.push(relay);
      await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
      const retried = await ok(engine, 'jobs.retryFailed', { id: job.id });
      expect(retried.status).toBe('running');
      expect(retried.counts.failed).toBe(0);
      expect(retried.counts.pending + retried.counts.running).toBe(2);
      const second = await waitForJob(engine, job.id, (j) => j.status === 'done');
      expect(second.counts).toMatchObject({ total: 6, done: 6, failed: 0 });
      const retriedItems = (await ok(engine, 'jobs.items', { id: job.id })).items.filter((i) => i.modelId === down.id);
      for (const item of retriedItems) expect(item).toMatchObject({ status: 'done', attempts: 2, error: null, generationId: expect.any(Number) });
      const fromDown = (await ok(engine, 'generations.list', { jobId: job.id, modelId: down.id })).items;
      expect(fromDown.map((g) => g.output)).toEqual(['Hello, world!', 'Hello, world!']);
      expect(fromDown[0]!.endpointUrl).toBe(`http://127.0.0.1:${port}/v1`);
      // Items that were done were not run twice.
      expect((await ok(engine, 'generations.list', { jobId: job.id })).total).toBe(6);
    });

    it('lists the models of an endpoint (models.remoteList) and the configured ones (models.list)', async () => {
      const before = server.requests.length;
      expect(await ok(engine, 'models.remoteList', { baseUrl: server.origin })).toEqual({ models: ['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b'] });
      server.models = ['only-one'];
      expect(await ok(engine, 'models.remoteList', { baseUrl: `${server.origin}/v1/` })).toEqual({ models: ['only-one'] });
      const asked = server.requests.slice(before);
      expect(asked.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /v1/models']);
      expect(asked[0]!.headers.authorization).toBeUndefined();
      server.models = ['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b'];

      // An endpoint that refuses, and one where nothing listens, say so.
      server.enqueue({ type: 'error', status: 401, body: { error: { message: 'Invalid API key' } } });
      const refused = failure(await engine.call('models.remoteList', { baseUrl: server.origin }), 'unauthorized');
      expect(refused.message).toMatch(/Invalid API key/);
      const port = await closedPort();
      const nobody = await engine.call('models.remoteList', { baseUrl: `http://127.0.0.1:${port}` });
      expect(nobody.ok).toBe(false);
      expect(!nobody.ok && nobody.error.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused`));

      // Add one of the listed models; models.list shows every live model with its settings and state.
      const picked = await ok(engine, 'models.add', { kind: 'openai', name: 'qwen', baseUrl: server.origin, remoteModel: 'llama-3.2-1b', settings: { concurrency: 3, timeoutMs: 5000 } });
      const list = await ok(engine, 'models.list', {});
      expect(list.find((m) => m.id === picked.id)).toEqual({
        id: picked.id,
        name: 'qwen',
        kind: 'openai',
        modelPath: null,
        baseUrl: server.origin,
        remoteModel: 'llama-3.2-1b',
        apiKeyEnv: null,
        hasStoredApiKey: false,
        settings: { concurrency: 3, timeoutMs: 5000 },
        isTestModel: false,
        chatFormat: null,
        state: 'idle',
        stateMessage: null,
        createdAt: picked.createdAt,
      });
      expect(list.find((m) => m.id === tiny.id)).toMatchObject({ kind: 'llama', modelPath: path.resolve(modelPath), state: 'ready', settings: { concurrency: 1, threads: 1 } });
      await ok(engine, 'models.update', { id: picked.id, name: 'qwen small', settings: { concurrency: 1 } });
      expect((await ok(engine, 'models.list', {})).find((m) => m.id === picked.id)).toMatchObject({ name: 'qwen small', settings: { concurrency: 1 } });

      // A retired model leaves the list; its outputs stay.
      await ok(engine, 'playground.generate', { streamId: 'qwen-1', modelId: picked.id, prompt: { promptId: 'review-1' }, sampling: { maxTokens: 8 } });
      const made = await ok(engine, 'playground.save', { streamId: 'qwen-1' });
      expect(made).toMatchObject({ output: 'Hello, world!', runnerKind: 'openai', runnerVersion: 'openai-compatible', modelName: 'llama-3.2-1b', seed: null });
      expect((await ok(engine, 'models.retire', { id: picked.id })).retired).toBe(true);
      expect((await ok(engine, 'models.list', {})).map((m) => m.id)).not.toContain(picked.id);
      expect(await ok(engine, 'generations.get', { id: made.id })).toEqual(made);
    });
  });

  it('runs a job created the moment the previous job on the same model finishes', async () => {
    const spec = { prompts: { ids: ['review-1'] }, modelIds: [tiny.id], mode: 'raw' as const, sampling: { maxTokens: 2, seed: 1 } };
    const first = await ok(engine, 'jobs.create', { name: 'first', spec });
    await waitForJob(engine, first.id, (j) => j.status === 'done');
    // This runs in the same turn as the queue's worker finding nothing more to do.
    const second = await ok(engine, 'jobs.create', { name: 'second', spec });
    expect((await waitForJob(engine, second.id, (j) => j.status === 'done', 10_000)).counts).toMatchObject({ total: 1, done: 1 });
  });

  it('models.unload frees a loaded model (state idle, an onDidChangeModel says so); its next use loads it again', async () => {
    expect((await ok(engine, 'models.load', { id: tiny.id })).state).toBe('ready');
    const events = collectEvents(engine, 'onDidChangeModel');
    expect((await ok(engine, 'models.unload', { id: tiny.id })).state).toBe('idle');
    events.stop();
    expect(events.events).toEqual([{ modelId: tiny.id, state: 'idle', progress: null, message: null }]);
    expect((await ok(engine, 'models.list', {})).find((m) => m.id === tiny.id)?.state).toBe('idle');
    const run = await ok(engine, 'playground.generate', { streamId: 'after-unload', modelId: tiny.id, prompt: { text: 'Once' }, mode: 'raw', sampling: { maxTokens: 2, seed: 1 } });
    expect(run.finishReason).not.toBe('error');
    expect((await ok(engine, 'models.list', {})).find((m) => m.id === tiny.id)?.state).toBe('ready');
    failure(await engine.call('models.unload', { id: 987654 }), 'not_found');
  });

  // Last: it replaces the model file the other tests use.
  it('says when the model file changed since the output was made', async () => {
    await writeTestModel(modelPath, { size: 'tiny', seed: 2 }); // same path, other weights
    const newSha = sha256(modelPath);
    expect(newSha).not.toBe(modelSha);
    await ok(engine, 'models.update', { id: tiny.id, name: 'tiny', settings: { concurrency: 1, threads: 1 } }); // unloads it
    const again = await ok(engine, 'generations.regenerate', { id: typed.id, streamId: 'after-swap' });
    expect(again.modelChanged).toBe(true);
    expect(again.identical).toBe(false);
    expect(again.result.text).not.toBe(typed.output);
    expect(again.result.renderedPrompt).toBe(typed.renderedPrompt);
    const kept = await ok(engine, 'playground.save', { streamId: 'after-swap' });
    expect(kept).toMatchObject({ modelSha256: newSha, seed: typed.seed, source: 'regenerate' });
    // The original keeps the hash of the file it was made with.
    expect((await ok(engine, 'generations.get', { id: typed.id })).modelSha256).toBe(modelSha);
  });
});

describe('API keys', () => {
  it('browser mode reads the key from the named environment variable and never writes it to the workspace', async () => {
    const key = `sk-assay-${randomBytes(12).toString('hex')}`;
    const env = `ASSAY_TEST_KEY_${randomBytes(4).toString('hex').toUpperCase()}`;
    const file = path.join(dir, 'keys.assay');
    const engine = openEngine(file);
    await ok(engine, 'prompts.create', { id: 'hello', prompt: 'Say hello.' });

    // A key handed to browser mode is refused, and nothing is stored.
    const refused = failure(await engine.call('models.add', { kind: 'openai', name: 'direct', baseUrl: server.origin, remoteModel: 'fake-model', apiKey: key }), 'invalid_input');
    expect(refused.message).toMatch(/environment variable/);
    expect(refused.message).not.toContain(key);
    expect(await ok(engine, 'models.list', {})).toEqual([]);

    const model = await ok(engine, 'models.add', { kind: 'openai', name: 'keyed', baseUrl: server.origin, remoteModel: 'fake-model', apiKeyEnv: env });
    expect(model).toMatchObject({ apiKeyEnv: env, hasStoredApiKey: false });
    try {
      // The variable is not set yet: a clear error naming it.
      delete process.env[env];
      const unset = failure(await engine.call('playground.generate', { streamId: 'k0', modelId: model.id, prompt: { promptId: 'hello' }, sampling: {} }), 'invalid_input');
      expect(unset.message).toContain(`$${env}`);
      expect(unset.message).toMatch(/not set/);
      const unsetList = failure(await engine.call('models.remoteList', { baseUrl: server.origin, apiKeyEnv: env }), 'invalid_input');
      expect(unsetList.message).toContain(`$${env}`);

      process.env[env] = key;
      const before = server.requests.length;
      const run = await ok(engine, 'playground.generate', { streamId: 'k1', modelId: model.id, prompt: { promptId: 'hello' }, sampling: { seed: 4 } });
      expect(run.text).toBe('Hello, world!');
      await ok(engine, 'playground.save', { streamId: 'k1' });
      expect(await ok(engine, 'models.remoteList', { baseUrl: server.origin, apiKeyEnv: env })).toEqual({ models: ['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b'] });
      const job = await ok(engine, 'jobs.create', { name: 'keyed', spec: { prompts: { ids: ['hello'] }, modelIds: [model.id], sampling: { seed: 5 } } });
      expect((await waitForJob(engine, job.id, (j) => j.status === 'done')).counts.done).toBe(1);
      const sent = server.requests.slice(before);
      expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/chat/completions', 'GET /v1/models', 'POST /v1/chat/completions']);
      for (const r of sent) expect(r.headers.authorization).toBe(`Bearer ${key}`);

      // The raw bytes on disk: the variable's name and the outputs are there, the key is not.
      const open = workspaceBytes(file);
      expect(open.includes(env)).toBe(true);
      expect(open.includes('Hello, world!')).toBe(true);
      expect(open.includes(key)).toBe(false);
    } finally {
      delete process.env[env];
    }
    await closeEngine(engine);
    const closed = workspaceBytes(file);
    expect(closed.includes(env)).toBe(true);
    expect(closed.includes(key)).toBe(false);
  });

  it('Electron stores only the SecretStore-encrypted key and sends the decrypted one', async () => {
    const key = `sk-assay-${randomBytes(12).toString('hex')}`;
    const mask = (data: Buffer) => Buffer.from(data.map((b) => b ^ 0xa5));
    const secrets: SecretStore = { encrypt: (plain) => mask(Buffer.from(plain, 'utf8')), decrypt: (data) => mask(data).toString('utf8') };
    const file = path.join(dir, 'electron-keys.assay');
    const engine = openEngine(file, { shell: 'electron', secrets });
    await ok(engine, 'prompts.create', { id: 'hello', prompt: 'Say hello.' });
    const model = await ok(engine, 'models.add', { kind: 'openai', name: 'stored', baseUrl: server.origin, remoteModel: 'fake-model', apiKey: key });
    expect(model).toMatchObject({ apiKeyEnv: null, hasStoredApiKey: true });
    const before = server.requests.length;
    await ok(engine, 'playground.generate', { streamId: 'e1', modelId: model.id, prompt: { promptId: 'hello' }, sampling: { seed: 4 } });
    await ok(engine, 'playground.save', { streamId: 'e1' });
    expect(server.requests[before]!.headers.authorization).toBe(`Bearer ${key}`);
    const bytes = workspaceBytes(file);
    expect(bytes.includes(secrets.encrypt(key))).toBe(true);
    expect(bytes.includes(key)).toBe(false);
    await closeEngine(engine);
  });
});
