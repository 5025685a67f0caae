/**
 * A real HTTP server that speaks the OpenAI streaming protocol the way vLLM and llama.cpp's
 * llama-server send it, with switchable misbehaviour (error statuses, slow, stalled, dropped and
 * malformed streams, bytes split mid UTF-8 character). Every request is recorded.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface StreamBehaviour {
  type: 'stream';
  /** The text pieces, one chunk each. */
  pieces: string[];
  /** vLLM: role chunk, content chunks, finish chunk, separate usage chunk (choices: []). llama.cpp: usage in the finish chunk. */
  style?: 'vllm' | 'llamacpp';
  /** Default 'stop'; null sends no finish chunk. */
  finishReason?: string | null;
  /** Default { prompt_tokens: 11, completion_tokens: pieces.length }; null sends no usage. */
  usage?: Usage | null;
  /** Send `data: [DONE]` at the end. Default true. */
  done?: boolean;
  /** Delay before each content chunk. */
  delayMs?: number;
  /** Destroy the socket after this many content chunks. */
  dropAfter?: number;
  /** Send nothing more after this many content chunks, keeping the connection open. */
  stallAfter?: number;
  /** After this many content chunks, send a truncated JSON data line. */
  malformedAfter?: number;
  /** After this many content chunks, send `data: {"error": …}` and end. */
  errorAfter?: { pieces: number; error: Record<string, unknown> };
  /** Write every event in pieces cut inside each multi-byte UTF-8 character (with a pause between writes). */
  splitUtf8?: boolean;
  /** Use CRLF line endings. */
  crlf?: boolean;
  /** Send `: ping` comments between events. */
  comments?: boolean;
  /** Spread each event's JSON over several `data:` lines. */
  multiLineData?: boolean;
}

export interface ErrorBehaviour {
  type: 'error';
  status: number;
  /** An object is sent as JSON, a string as text/plain. */
  body: unknown;
  headers?: Record<string, string>;
}

export type Behaviour = StreamBehaviour | ErrorBehaviour;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (or the raw text if it was not JSON; null without a body). */
  body: unknown;
  /** The client went away before the response was finished. */
  clientClosedEarly: boolean;
}

export interface FakeServer {
  /** `http://127.0.0.1:PORT` (no /v1). */
  origin: string;
  requests: RecordedRequest[];
  /** Behaviours for the next requests, in order; once used up, `fallback` answers. */
  enqueue(...behaviours: Behaviour[]): void;
  fallback: Behaviour;
  models: string[];
  /** Resolves when the response to request `index` has finished or its client went away. */
  settled(index: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFakeServer(options: { models?: string[] } = {}): Promise<FakeServer> {
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const settledPromises: Array<Promise<void>> = [];
  let created = 1_700_000_000;

  const state = {
    fallback: { type: 'stream', pieces: ['Hello', ', world', '!'] } as Behaviour,
    models: options.models ?? ['fake-model'],
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, clientClosedEarly: false };
      requests.push(record);
      let settle!: () => void;
      settledPromises.push(new Promise<void>((resolve) => (settle = resolve)));
      res.on('close', () => {
        if (!res.writableFinished) record.clientClosedEarly = true;
        settle();
      });
      res.socket?.setNoDelay(true);
      created += 1;
      void respond(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!, body, res, created).catch(() => res.destroy());
    });
  });

  async function respond(method: string, path: string, body: unknown, res: ServerResponse, createdAt: number): Promise<void> {
    const isChat = path === '/v1/chat/completions';
    const isCompletion = path === '/v1/completions';
    const isModels = method === 'GET' && path === '/v1/models';
    if (!isModels && !(method === 'POST' && (isChat || isCompletion))) {
      sendJson(res, 404, { detail: 'Not Found' });
      return;
    }
    // The model list answers unless an error is queued for it.
    if (isModels && queue[0]?.type !== 'error') {
      sendJson(res, 200, {
        object: 'list',
        data: state.models.map((id) => ({ id, object: 'model', created: createdAt, owned_by: 'vllm', root: id, parent: null, max_model_len: 4096 })),
      });
      return;
    }
    const behaviour = queue.shift() ?? state.fallback;
    if (behaviour.type === 'error') {
      if (typeof behaviour.body === 'string') {
        res.writeHead(behaviour.status, { 'Content-Type': 'text/plain; charset=utf-8', ...behaviour.headers });
        res.end(behaviour.body);
      } else {
        sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
      }
      return;
    }
    const model = typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : 'unknown';
    await stream(behaviour, isChat, model, res, createdAt);
  }

  async function stream(b: StreamBehaviour, isChat: boolean, model: string, res: ServerResponse, createdAt: number): Promise<void> {
    const style = b.style ?? 'vllm';
    const id = `${isChat ? 'chatcmpl' : 'cmpl'}-${createdAt.toString(16)}`;
    const object = isChat ? 'chat.completion.chunk' : 'text_completion';
    const nl = b.crlf ? '\r\n' : '\n';
    const usageValue: Usage | null = b.usage === undefined ? { prompt_tokens: 11, completion_tokens: b.pieces.length } : b.usage;
    const usageJson = usageValue ? { ...usageValue, total_tokens: usageValue.prompt_tokens + usageValue.completion_tokens } : null;
    const finishReason = b.finishReason === undefined ? 'stop' : b.finishReason;

    const envelope = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      style === 'vllm'
        ? { id, object, created: createdAt, model, choices, ...extra }
        : { choices, created: createdAt, id, model, system_fingerprint: 'b5123-6a2bc8bf', object, ...extra };
    const contentChoice = (text: string, finish: string | null) => {
      if (isChat) {
        const delta = finish !== null && style === 'llamacpp' ? {} : { content: text };
        return style === 'vllm' ? { index: 0, delta, logprobs: null, finish_reason: finish, ...(finish ? { stop_reason: null } : {}) } : { finish_reason: finish, index: 0, delta };
      }
      return style === 'vllm'
        ? { index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null }
        : { text, index: 0, logprobs: null, finish_reason: finish };
    };

    const alive = () => !res.destroyed && !res.writableEnded;
    const write = async (text: string) => {
      if (!alive()) return;
      if (b.comments) res.write(`: ping${nl}${nl}`);
      if (!b.splitUtf8) {
        res.write(text);
        return;
      }
      // Cut right after the first byte of every multi-byte character, pausing so each part
      // reaches the client as its own TCP read.
      const bytes = Buffer.from(text, 'utf8');
      let start = 0;
      for (let i = 0; i < bytes.length; i++) {
        const byte = bytes[i]!;
        if (byte >= 0xc0) {
          res.write(bytes.subarray(start, i + 1));
          start = i + 1;
          await sleep(15);
          if (!alive()) return;
        }
      }
      if (start < bytes.length) res.write(bytes.subarray(start));
    };
    const event = async (json: unknown) => {
      let data = JSON.stringify(json);
      if (b.multiLineData) data = data.replace(/,"/g, `,${nl}data: "`);
      await write(`data: ${data}${nl}${nl}`);
    };

    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    if (isChat) {
      await event(envelope([style === 'vllm' ? { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null } : { finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }]));
    }
    for (let i = 0; i <= b.pieces.length; i++) {
      if (b.dropAfter === i) {
        // Let what was written reach the client first, then cut the connection without ending the
        // chunked body: the way a crashed or restarted server looks from the client.
        await new Promise<void>((resolve) => (alive() ? res.write('', () => resolve()) : resolve()));
        await sleep(30);
        res.socket?.destroy();
        return;
      }
      if (b.stallAfter === i) return; // leave the response open; close() ends it
      if (b.malformedAfter === i) {
        await write(`data: {"id":"${id}","object":"${object}","choices":[{"index":0,"text":"oops${nl}${nl}`);
        await write(`data: [DONE]${nl}${nl}`);
        res.end();
        return;
      }
      if (b.errorAfter?.pieces === i) {
        await event({ error: b.errorAfter.error });
        await write(`data: [DONE]${nl}${nl}`);
        res.end();
        return;
      }
      if (i === b.pieces.length) break;
      if (b.delayMs) await sleep(b.delayMs);
      if (!alive()) return;
      await event(envelope([contentChoice(b.pieces[i]!, null)]));
    }
    if (finishReason !== null) {
      if (style === 'llamacpp') {
        await event(envelope([contentChoice('', finishReason)], usageJson ? { usage: usageJson, timings: { prompt_n: usageJson.prompt_tokens, predicted_n: usageJson.completion_tokens, predicted_per_second: 42.5 } } : {}));
      } else {
        await event(envelope([contentChoice('', finishReason)]));
      }
    }
    if (style === 'vllm' && usageJson) await event(envelope([], { usage: usageJson }));
    if (b.done ?? true) await write(`data: [DONE]${nl}${nl}`);
    if (alive()) res.end();
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...behaviours) => queue.push(...behaviours),
    get fallback() {
      return state.fallback;
    },
    set fallback(b: Behaviour) {
      state.fallback = b;
    },
    get models() {
      return state.models;
    },
    set models(m: string[]) {
      state.models = m;
    },
    settled: async (index) => {
      for (let i = 0; i < 200 && settledPromises[index] === undefined; i++) await sleep(10);
      await settledPromises[index];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
