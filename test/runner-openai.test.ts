import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../contract/result';
import { Sampling, type GenerationInput } from '../contract/runner';
import { createOpenAIRunner, listModels, type OpenAIRunnerOptions, type RetryInfo } from '../core/runner/openai';
import type { GenerateResult, Runner } from '../core/runner/types';
import { closedPort, startFakeServer, type FakeServer } from './support/openai-fake-server';

const API_KEY = 'sk-test-9f8e7d6c5b4a';
const chat: GenerationInput = {
  mode: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say hello.' },
  ],
};
const raw: GenerationInput = { mode: 'raw', text: 'Once upon a time' };

let server: FakeServer;
let runners: Runner[] = [];

beforeEach(async () => {
  server = await startFakeServer({ models: ['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b'] });
});

afterEach(async () => {
  await Promise.all(runners.map((r) => r.dispose()));
  runners = [];
  await server.close();
});

function runner(options: Partial<OpenAIRunnerOptions> = {}): Runner {
  const r = createOpenAIRunner({
    baseUrl: server.origin,
    apiKey: API_KEY,
    model: 'Qwen/Qwen2.5-0.5B-Instruct',
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    ...options,
  });
  runners.push(r);
  return r;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

const sampling = (overrides: Partial<Sampling> = {}): Sampling => Sampling.parse(overrides);

describe('OpenAI-compatible runner: streaming', () => {
  it('assembles chat text exactly, streams pieces, and reads usage from the final chunk (vLLM style)', async () => {
    const pieces = ['Hel', 'lo', ' there', ',', ' friend', '!\n', '  indented "quotes" \\ and \t tabs'];
    server.enqueue({ type: 'stream', pieces, usage: { prompt_tokens: 23, completion_tokens: 9 } });
    const seen: string[] = [];
    const result = await runner().generate({ input: chat, sampling: sampling({ seed: 42 }), onText: (t) => seen.push(t) });

    expect(result.text).toBe(pieces.join(''));
    expect(seen).toEqual(pieces);
    expect(result.finishReason).toBe('stop');
    expect(result.error).toBeNull();
    expect(result.promptTokens).toBe(23);
    expect(result.completionTokens).toBe(9);
    expect(result.seed).toBe(42);
    expect(result.renderedPrompt).toBe(JSON.stringify(chat.mode === 'chat' ? chat.messages : []));
    expect(result.ttftMs).toBeGreaterThanOrEqual(0);
    expect(result.tokensPerSecond === null || result.tokensPerSecond > 0).toBe(true);
    expect(result.startedAt).toBeLessThanOrEqual(result.finishedAt);
    expect(server.requests[0]!.path).toBe('/v1/chat/completions');
  });

  it('assembles raw completion text (llama.cpp style, usage in the finish chunk) and maps finish_reason length', async () => {
    server.enqueue({ type: 'stream', style: 'llamacpp', pieces: [' there', ' lived', ' a', ' fox'], finishReason: 'length', usage: { prompt_tokens: 5, completion_tokens: 4 } });
    const result = await runner({ baseUrl: `${server.origin}/v1/` }).generate({ input: raw, sampling: sampling({ maxTokens: 4 }) });
    expect(result.text).toBe(' there lived a fox');
    expect(result.finishReason).toBe('length');
    expect(result.promptTokens).toBe(5);
    expect(result.completionTokens).toBe(4);
    expect(result.renderedPrompt).toBe('Once upon a time');
    expect(result.seed).toBeNull();
    expect(server.requests[0]!.path).toBe('/v1/completions');
  });

  it('sends the request body fields and the Authorization header', async () => {
    const r = runner();
    await r.generate({ input: raw, sampling: sampling({ temperature: 0.3, topP: 0.9, topK: 20, minP: 0.1, repeatPenalty: 1.2, maxTokens: 64, stop: ['\n\n', 'END'], seed: 7 }) });
    await r.generate({ input: chat, sampling: sampling() });
    const [first, second] = server.requests;
    expect(first!.method).toBe('POST');
    expect(first!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.headers.accept).toBe('text/event-stream');
    expect(first!.body).toEqual({
      model: 'Qwen/Qwen2.5-0.5B-Instruct',
      prompt: 'Once upon a time',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 64,
      stop: ['\n\n', 'END'],
      seed: 7,
      top_k: 20,
      min_p: 0.1,
      repeat_penalty: 1.2,
      repetition_penalty: 1.2,
    });
    const body = second!.body as Record<string, unknown>;
    expect(body.messages).toEqual(chat.mode === 'chat' ? chat.messages : null);
    expect(body.prompt).toBeUndefined();
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body).not.toHaveProperty('seed'); // seed null → not sent
    expect(body).not.toHaveProperty('stop'); // no stop strings → not sent
  });

  it('trims a pasted API key and refuses one that cannot go in a header, without echoing it', async () => {
    await runner({ apiKey: `  ${API_KEY}\n` }).generate({ input: chat, sampling: sampling() });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    let thrown: unknown;
    try {
      runner({ apiKey: 'sk-abc\ndef-ghijk' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe('invalid_input');
    expect((thrown as AppError).message).not.toContain('ghijk');
  });

  it('leaves out the extended sampling fields and the Authorization header when asked', async () => {
    await runner({ extendedSampling: false, apiKey: undefined }).generate({ input: chat, sampling: sampling() });
    const request = server.requests[0]!;
    expect(request.headers.authorization).toBeUndefined();
    for (const key of ['top_k', 'min_p', 'repeat_penalty', 'repetition_penalty']) expect(request.body).not.toHaveProperty(key);
    expect(request.body).toHaveProperty('top_p', 0.95);
  });

  it('decodes UTF-8 characters split across TCP reads', async () => {
    const pieces = ['héllo ', '世界 ', '🎉🎉', ' ünïcødé ✓'];
    server.enqueue({ type: 'stream', pieces, splitUtf8: true });
    // Watch the raw reads to prove the bytes really arrived cut inside characters.
    let splitReads = 0;
    const spyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = response.body!.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            const last = chunk[chunk.length - 1]!;
            if (last >= 0xc0) splitReads += 1; // ends on a lead byte: the character continues in the next read
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const result = await runner({ fetch: spyFetch }).generate({ input: chat, sampling: sampling() });
    expect(result.error).toBeNull();
    expect(result.text).toBe(pieces.join(''));
    expect(result.text).not.toContain('\uFFFD');
    expect(splitReads).toBeGreaterThan(0);
  });

  it('handles CRLF line endings, keep-alive comments and multi-line data events', async () => {
    server.enqueue({ type: 'stream', pieces: ['a, "b"', ',c'], crlf: true, comments: true, multiLineData: true });
    const result = await runner().generate({ input: raw, sampling: sampling() });
    expect(result).toMatchObject({ text: 'a, "b",c', finishReason: 'stop', error: null, completionTokens: 2 });
  });

  it('estimates completion tokens from the chunk count when the server sends no usage', async () => {
    server.enqueue({ type: 'stream', pieces: ['one', ' two', ' three'], usage: null });
    const result = await runner().generate({ input: chat, sampling: sampling() });
    expect(result.text).toBe('one two three');
    expect(result.promptTokens).toBeNull();
    expect(result.completionTokens).toBe(3);
  });

  it('accepts a stream that ends after finish_reason without [DONE] (older llama.cpp)', async () => {
    server.enqueue({ type: 'stream', style: 'llamacpp', pieces: ['ok'], done: false });
    const result = await runner().generate({ input: chat, sampling: sampling() });
    expect(result).toMatchObject({ text: 'ok', finishReason: 'stop', error: null });
  });

  it('measures time to first token and tokens per second on a slow stream', async () => {
    server.enqueue({ type: 'stream', pieces: ['a', 'b', 'c', 'd'], delayMs: 40, usage: { prompt_tokens: 3, completion_tokens: 4 } });
    const result = await runner().generate({ input: chat, sampling: sampling() });
    expect(result.text).toBe('abcd');
    expect(result.ttftMs!).toBeGreaterThanOrEqual(30);
    // 4 tokens over the ~120 ms after the first one.
    expect(result.tokensPerSecond!).toBeGreaterThan(5);
    expect(result.tokensPerSecond!).toBeLessThan(200);
    expect(result.finishedAt - result.startedAt).toBeGreaterThanOrEqual(150);
  });

  it('describes itself and lists the server models', async () => {
    const r = runner({ baseUrl: `${server.origin}/v1` });
    expect(r.kind).toBe('openai');
    expect(r.describe()).toEqual({
      kind: 'openai',
      runnerVersion: 'openai-compatible',
      modelSha256: null,
      modelPath: null,
      endpointUrl: `${server.origin}/v1`,
      modelName: 'Qwen/Qwen2.5-0.5B-Instruct',
    });
    expect(await listModels({ baseUrl: server.origin, apiKey: API_KEY })).toEqual(['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b']);
    expect(await listModels({ baseUrl: `${server.origin}/v1/` })).toEqual(['Qwen/Qwen2.5-0.5B-Instruct', 'llama-3.2-1b']);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server.requests[1]!.headers.authorization).toBeUndefined();
  });

  it('turns a model listing failure into a clear error', async () => {
    server.enqueue({ type: 'error', status: 401, body: { error: { message: 'invalid api key', type: 'invalid_request_error' } } });
    const error = await rejection(listModels({ baseUrl: server.origin, apiKey: 'sk-wrong-key' }));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain(`HTTP 401 from ${server.origin}/v1/models: invalid api key`);
  });
});

describe('OpenAI-compatible runner: errors and retries', () => {
  it('retries a 429, honouring Retry-After, then succeeds', async () => {
    server.enqueue({ type: 'error', status: 429, body: { error: { message: 'Rate limit reached', type: 'rate_limit_error' } }, headers: { 'Retry-After': '1' } });
    const retries: RetryInfo[] = [];
    const started = Date.now();
    const result = await runner({ onRetry: (info) => retries.push(info) }).generate({ input: chat, sampling: sampling() });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.text).toBe('Hello, world!');
    expect(server.requests).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.retry).toBe(1);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries[0]!.reason).toContain('HTTP 429');
  });

  it('gives up after maxRetries on repeated 500s with a clear error', async () => {
    for (let i = 0; i < 5; i++) server.enqueue({ type: 'error', status: 500, body: { error: { message: 'CUDA out of memory', type: 'InternalServerError', code: 500 } } });
    const retries: RetryInfo[] = [];
    const error = await rejection(runner({ maxRetries: 2, onRetry: (i) => retries.push(i) }).generate({ input: chat, sampling: sampling() }));
    expect(server.requests).toHaveLength(3);
    expect(retries.map((r) => r.retry)).toEqual([1, 2]);
    expect(error.code).toBe('internal');
    expect(error.message).toBe(`HTTP 500 from ${server.origin}/v1/chat/completions: CUDA out of memory (gave up after 2 retries)`);
  });

  it('retries a 503 with Retry-After in seconds and a plain-text 502', async () => {
    server.enqueue(
      { type: 'error', status: 503, body: { object: 'error', message: 'Service is overloaded', type: 'ServiceUnavailableError', code: 503 }, headers: { 'Retry-After': '0' } },
      { type: 'error', status: 502, body: 'Bad Gateway' },
    );
    const retries: RetryInfo[] = [];
    const result = await runner({ onRetry: (i) => retries.push(i) }).generate({ input: raw, sampling: sampling() });
    expect(result.finishReason).toBe('stop');
    expect(server.requests).toHaveLength(3);
    expect(retries.map((r) => r.reason)).toEqual([
      `HTTP 503 from ${server.origin}/v1/completions: Service is overloaded`,
      `HTTP 502 from ${server.origin}/v1/completions: Bad Gateway`,
    ]);
  });

  it('does not retry a 401, and never puts the API key in the message', async () => {
    server.enqueue({ type: 'error', status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error' } } });
    const error = await rejection(runner({ maxRetries: 3 }).generate({ input: chat, sampling: sampling() }));
    expect(server.requests).toHaveLength(1);
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain(`HTTP 401 from ${server.origin}/v1/chat/completions: Incorrect API key provided: ***`);
    expect(error.message).not.toContain(API_KEY);
    expect(JSON.stringify(error.details)).not.toContain(API_KEY);
  });

  it('does not retry 400 or 404 and says what was wrong', async () => {
    server.enqueue(
      { type: 'error', status: 400, body: { object: 'error', message: "This model's maximum context length is 4096 tokens.", type: 'BadRequestError', param: null, code: 400 } },
      { type: 'error', status: 404, body: { error: { message: 'The model `nope` does not exist.', type: 'NotFoundError', code: 404 } } },
    );
    const r = runner();
    const bad = await rejection(r.generate({ input: raw, sampling: sampling() }));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toContain("HTTP 400 from");
    expect(bad.message).toContain('maximum context length is 4096 tokens');
    const missing = await rejection(r.generate({ input: raw, sampling: sampling() }));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('The model `nope` does not exist.');
    expect(server.requests).toHaveLength(2);
  });

  it('reports a clear error for an unreachable endpoint, naming the URL', async () => {
    const port = await closedPort();
    const retries: RetryInfo[] = [];
    const r = runner({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1, onRetry: (i) => retries.push(i) });
    const error = await rejection(r.generate({ input: chat, sampling: sampling() }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(`http://127.0.0.1:${port}/v1/chat/completions`);
    expect(error.message).toMatch(/connection refused/i);
    expect(error.message).toMatch(/server is running/);
    expect(retries).toHaveLength(1);
    const listing = await rejection(listModels({ baseUrl: `http://127.0.0.1:${port}` }));
    expect(listing.message).toContain(`http://127.0.0.1:${port}/v1/models`);
  });

  it('times out when the server sends no response headers', async () => {
    // A socket that accepts the request and never answers.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await rejection(runner({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }).generate({ input: chat, sampling: sampling() }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error.message).toContain(`No response from http://127.0.0.1:${port}/v1/chat/completions within 0.2s`);
    } finally {
      silent.close();
      // close() waits for open sockets; the runner aborted its own.
    }
  });
});

describe('OpenAI-compatible runner: broken streams', () => {
  it('ends a stalled stream with an idle timeout, keeping the partial text', async () => {
    server.enqueue({ type: 'stream', pieces: ['partial ', 'answer', ' never finished'], stallAfter: 2 });
    const started = Date.now();
    const result = await runner({ idleTimeoutMs: 300 }).generate({ input: chat, sampling: sampling() });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.finishReason).toBe('error');
    expect(result.text).toBe('partial answer');
    expect(result.error).toContain('idle timeout');
    expect(result.error).toContain('0.3s');
    expect(result.completionTokens).toBe(2);
    expect(server.requests).toHaveLength(1); // text had streamed: no retry
  });

  it('cancels mid-stream through the AbortSignal, keeping the partial text and closing the connection', async () => {
    server.enqueue({ type: 'stream', pieces: ['one ', 'two ', 'three ', 'four ', 'five '], delayMs: 60 });
    const controller = new AbortController();
    const seen: string[] = [];
    const result = await runner().generate({
      input: raw,
      sampling: sampling(),
      signal: controller.signal,
      onText: (t) => {
        seen.push(t);
        if (seen.length === 2) controller.abort();
      },
    });
    expect(result.finishReason).toBe('cancelled');
    expect(result.text).toBe('one two ');
    expect(result.error).toBeNull();
    await server.settled(0);
    expect(server.requests[0]!.clientClosedEarly).toBe(true);
  });

  it('returns cancelled at once for an already aborted signal and during a retry wait', async () => {
    const r = runner();
    const aborted = await r.generate({ input: chat, sampling: sampling(), signal: AbortSignal.abort() });
    expect(aborted).toMatchObject({ finishReason: 'cancelled', text: '' });

    server.enqueue({ type: 'error', status: 429, body: { error: { message: 'slow down' } }, headers: { 'Retry-After': '30' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const waiting = await r.generate({ input: chat, sampling: sampling(), signal: controller.signal });
    expect(waiting).toMatchObject({ finishReason: 'cancelled', text: '' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps the partial text when the connection drops mid-stream', async () => {
    server.enqueue({ type: 'stream', pieces: ['The answer ', 'is ', 'forty', '-two'], dropAfter: 3 });
    const result = await runner().generate({ input: chat, sampling: sampling() });
    expect(result.finishReason).toBe('error');
    expect(result.text).toBe('The answer is forty');
    expect(result.error).toContain(`${server.origin}/v1/chat/completions`);
    expect(result.error).toMatch(/text so far is kept/);
    expect(result.completionTokens).toBe(3);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a connection dropped before any text arrived', async () => {
    server.enqueue({ type: 'stream', pieces: ['x'], dropAfter: 0 });
    const retries: RetryInfo[] = [];
    const result = await runner({ onRetry: (i) => retries.push(i) }).generate({ input: chat, sampling: sampling() });
    expect(result).toMatchObject({ text: 'Hello, world!', finishReason: 'stop' });
    expect(retries).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('reports a malformed SSE event clearly without crashing', async () => {
    server.enqueue({ type: 'stream', pieces: ['good ', 'bits'], malformedAfter: 2 });
    const result = await runner().generate({ input: raw, sampling: sampling() });
    expect(result.finishReason).toBe('error');
    expect(result.text).toBe('good bits');
    expect(result.error).toMatch(/^Malformed event in the stream from http:\/\/127\.0\.0\.1:\d+\/v1\/completions \(not JSON\): \{"id"/);
    // The runner still works afterwards.
    const next = await runner().generate({ input: raw, sampling: sampling() });
    expect(next.text).toBe('Hello, world!');
  });

  it('turns an error object in the stream into an error result', async () => {
    server.enqueue({ type: 'stream', pieces: ['so far ', 'so good'], errorAfter: { pieces: 2, error: { message: 'CUDA error: an illegal memory access was encountered', type: 'InternalServerError', code: 500 } } });
    const result = await runner().generate({ input: chat, sampling: sampling() });
    expect(result.finishReason).toBe('error');
    expect(result.text).toBe('so far so good');
    expect(result.error).toContain('CUDA error: an illegal memory access was encountered');
  });

  it('reports a stream that ends without finishing as an error with its text', async () => {
    server.enqueue({ type: 'stream', pieces: ['cut'], finishReason: null, usage: null, done: false });
    const result: GenerateResult = await runner().generate({ input: chat, sampling: sampling() });
    expect(result.finishReason).toBe('error');
    expect(result.text).toBe('cut');
    expect(result.error).toContain('ended before the response was finished');
  });

  it('cancels in-flight requests on dispose and refuses new ones', async () => {
    server.enqueue({ type: 'stream', pieces: ['a', 'b', 'c', 'd'], delayMs: 100 });
    const r = runner();
    const pending = r.generate({ input: chat, sampling: sampling(), onText: () => void r.dispose() });
    const result = await pending;
    expect(result).toMatchObject({ finishReason: 'cancelled', text: 'a' });
    const error = await rejection(r.generate({ input: chat, sampling: sampling() }));
    expect(error.message).toContain('disposed');
  });
});

describe('OpenAI-compatible runner: servers that ignore stream: true', () => {
  it('reads a whole JSON completion when the server answers without streaming', async () => {
    const jsonFetch: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Whole answer.' }, finish_reason: 'length' }],
          usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
        }),
        { status: 200, headers: { 'Content-Type': 'application/json' } },
      );
    const seen: string[] = [];
    const result = await runner({ fetch: jsonFetch }).generate({ input: chat, sampling: sampling(), onText: (t) => seen.push(t) });
    expect(result).toMatchObject({ text: 'Whole answer.', finishReason: 'length', promptTokens: 4, completionTokens: 3, error: null });
    expect(seen).toEqual(['Whole answer.']);
  });
});
