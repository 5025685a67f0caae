/**
 * A Runner for any OpenAI-compatible server: vLLM, TGI, Ollama, llama.cpp's llama-server,
 * LM Studio (and OpenAI itself with `extendedSampling: false`).
 *
 * Failure policy:
 * - Before the server accepted the request (unreachable host, HTTP error status, no response
 *   within `timeoutMs`), generate() throws an AppError: there is no output to keep. 429, 5xx and
 *   network failures are retried first (exponential backoff with jitter, `Retry-After` honoured).
 * - Once the stream is open, generate() resolves: a dropped connection, an idle stall, a malformed
 *   event or an error event gives finishReason 'error' with the text streamed so far and `error`.
 *   A connection that drops (or a stream that ends) before any text arrived is still retried,
 *   since nothing was shown yet. Timeouts are never retried: the next try would likely wait as long.
 * - Cancelling through the signal (or dispose()) resolves with finishReason 'cancelled' and the
 *   partial text, at any point.
 */
import { AppError } from '../../../contract/result';
import type { GenerationInput, Sampling } from '../../../contract/runner';
import type { GenerateRequest, GenerateResult, Runner, RunnerIdentity } from '../types';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  Watchdog,
  backoffDelay,
  causeCodeOf,
  causeMessageOf,
  cleanApiKey,
  describeNetworkError,
  endpointUrl,
  httpErrorCode,
  httpErrorMessage,
  isRecord,
  isRetryableStatus,
  messageFromJson,
  normalizeBaseUrl,
  parseRetryAfter,
  readErrorBody,
  redact,
  requestHeaders,
  seconds,
  sleep,
  type FetchLike,
} from './client';
import { SseDecoder, type SseEvent } from './sse';

export interface OpenAIRunnerOptions {
  /** `http://host:8000` or `http://host:8000/v1` (with or without a trailing slash). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never logged and redacted from every error message. */
  apiKey?: string;
  /** The server's model id (see listModels). */
  model: string;
  /** Connect + first byte deadline: from sending the request until the first byte of the body (prompt processing included). Default 120 s. */
  timeoutMs?: number;
  /** Longest silence allowed between two chunks once the body started. Default 60 s. */
  idleTimeoutMs?: number;
  /** Extra attempts after a 429, 5xx or network failure before any text streamed. Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry, with jitter. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Cap for one backoff delay. Default 8 s. */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this gives up at once instead of waiting. Default 60 s. */
  maxRetryAfterMs?: number;
  /**
   * Send the non-standard sampling knobs (top_k, min_p, repeat_penalty/repetition_penalty) that
   * vLLM, llama.cpp's server, LM Studio and others accept. OpenAI's own API rejects unknown
   * parameters with HTTP 400 (and Ollama's OpenAI endpoint ignores them): turn this off there.
   * Default true.
   */
  extendedSampling?: boolean;
  /** Told about each retry (for logs and counters); never given the API key. */
  onRetry?: (info: RetryInfo) => void;
  /** For tests or proxies; defaults to the global fetch. */
  fetch?: FetchLike;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  reason: string;
}

/** A failure worth another attempt; carries the error to throw when the attempts run out. */
class RetryableFailure extends Error {
  constructor(
    readonly error: AppError,
    readonly retryAfterMs: number | null,
  ) {
    super(error.message);
  }
}

interface StreamState {
  text: string;
  chunks: number;
  firstTextAt: number | null;
  finish: 'stop' | 'length' | null;
  usage: { promptTokens: number | null; completionTokens: number | null } | null;
  sawDone: boolean;
  error: string | null;
}

type ChatBodyMessage = { role: string; content: string };

export function createOpenAIRunner(options: OpenAIRunnerOptions): Runner {
  const base = normalizeBaseUrl(options.baseUrl);
  const model = options.model.trim();
  if (model === '') throw new AppError('invalid_input', 'Choose a model for the endpoint (see its /v1/models list).');
  const apiKey = cleanApiKey(options.apiKey);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxRetries = Math.max(0, options.maxRetries ?? 3);
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const extendedSampling = options.extendedSampling ?? true;
  const fetchImpl: FetchLike = options.fetch ?? fetch;
  const disposed = new AbortController();

  const identity: RunnerIdentity = {
    kind: 'openai',
    runnerVersion: 'openai-compatible',
    modelSha256: null,
    modelPath: null,
    endpointUrl: base,
    modelName: model,
  };

  function buildBody(input: GenerationInput, sampling: Sampling): { body: Record<string, unknown>; renderedPrompt: string; url: string } {
    const body: Record<string, unknown> = { model };
    let renderedPrompt: string;
    let url: string;
    if (input.mode === 'raw') {
      url = endpointUrl(base, '/completions');
      body.prompt = input.text;
      renderedPrompt = input.text;
    } else {
      url = endpointUrl(base, '/chat/completions');
      const messages: ChatBodyMessage[] = input.messages.map((m) => ({ role: m.role, content: m.content }));
      body.messages = messages;
      renderedPrompt = JSON.stringify(messages);
    }
    body.stream = true;
    // Ask for a final chunk with token counts (OpenAI, vLLM, llama.cpp, Ollama, LM Studio honour it).
    body.stream_options = { include_usage: true };
    body.temperature = sampling.temperature;
    body.top_p = sampling.topP;
    body.max_tokens = sampling.maxTokens;
    if (sampling.stop.length > 0) body.stop = sampling.stop;
    if (sampling.seed !== null) body.seed = sampling.seed;
    if (extendedSampling) {
      // Not in OpenAI's API (it answers 400 "Unrecognized request argument"), but vLLM and
      // llama.cpp's server read top_k and min_p. The repetition penalty goes by two names:
      // llama.cpp/LM Studio read `repeat_penalty`, vLLM reads `repetition_penalty`; both are the
      // multiplicative CTRL penalty (llama.cpp applies it over the last 64 tokens, vLLM over all).
      // Servers ignore the name they do not know (vLLM logs a warning).
      body.top_k = sampling.topK;
      body.min_p = sampling.minP;
      body.repeat_penalty = sampling.repeatPenalty;
      body.repetition_penalty = sampling.repeatPenalty;
    }
    return { body, renderedPrompt, url };
  }

  /** One HTTP request. Resolves with the stream's outcome; throws AppError or RetryableFailure. */
  async function attempt(
    url: string,
    body: string,
    request: GenerateRequest,
  ): Promise<{ state: StreamState; startedAt: number; cancelled: boolean }> {
    const watchdog = new Watchdog([request.signal, disposed.signal]);
    const cancelled = () => request.signal?.aborted === true || disposed.signal.aborted;
    const state: StreamState = { text: '', chunks: 0, firstTextAt: null, finish: null, usage: null, sawDone: false, error: null };
    const startedAt = performance.now();
    watchdog.arm(timeoutMs, `No response from ${url} within ${seconds(timeoutMs)}. Check that the server is running and not overloaded, or raise the timeout.`);
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    let consumed = false;
    try {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: requestHeaders(apiKey, 'text/event-stream', true),
          body,
          signal: watchdog.signal,
        });
      } catch (err) {
        if (cancelled()) return { state, startedAt, cancelled: true };
        // A deadline is not retried: the next attempt would most likely wait as long again.
        if (watchdog.timedOut) throw new AppError('internal', watchdog.timedOut, { url });
        const failure = describeNetworkError(err, url, apiKey);
        const error = new AppError(failure.code, failure.message, { url, cause: failure.causeCode });
        if (failure.retryable) throw new RetryableFailure(error, null);
        throw error;
      }

      if (!response.ok) {
        const text = await readErrorBody(response);
        if (cancelled()) return { state, startedAt, cancelled: true };
        if (watchdog.timedOut) throw new AppError('internal', watchdog.timedOut, { url });
        const error = new AppError(httpErrorCode(response.status), httpErrorMessage(response.status, response.statusText, url, text, apiKey), {
          url,
          status: response.status,
        });
        if (isRetryableStatus(response.status)) throw new RetryableFailure(error, parseRetryAfter(response.headers.get('retry-after')));
        throw error;
      }
      if (!response.body) throw new AppError('internal', `The response from ${url} has no body.`, { url });

      if (/application\/json/i.test(response.headers.get('content-type') ?? '')) {
        // A few proxies and servers ignore `stream: true` and answer with one JSON completion.
        let whole: string;
        try {
          whole = await response.text();
        } catch (err) {
          if (cancelled()) return { state, startedAt, cancelled: true };
          if (watchdog.timedOut) throw new AppError('internal', watchdog.timedOut, { url });
          throw new RetryableFailure(new AppError('internal', `The connection to ${url} broke while reading the response (${streamBreakReason(err)}).`, { url }), null);
        }
        if (cancelled()) return { state, startedAt, cancelled: true };
        handleEvents([{ event: 'message', data: whole }], state, request, url);
        if (state.error === null) state.finish ??= 'stop';
        return { state, startedAt, cancelled: false };
      }

      reader = response.body.getReader();
      const decoder = new SseDecoder();
      let readFailure: unknown = null;
      let stop = false;
      while (!stop) {
        let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          readFailure = err;
          break;
        }
        if (chunk.done) {
          consumed = true;
          handleEvents(decoder.end(), state, request, url);
          break;
        }
        stop = handleEvents(decoder.feed(chunk.value), state, request, url) || cancelled();
        // Bytes arrived (keep-alive comments count): the idle deadline starts over.
        if (!stop) watchdog.arm(idleTimeoutMs, `No data from ${url} for ${seconds(idleTimeoutMs)} (idle timeout) after ${state.text.length} characters.`);
      }

      if (cancelled()) return { state, startedAt, cancelled: true };
      if (state.error !== null || state.sawDone || state.finish !== null) return { state, startedAt, cancelled: false };
      if (readFailure !== null && watchdog.timedOut) {
        state.error = watchdog.timedOut;
        return { state, startedAt, cancelled: false };
      }
      const what = readFailure !== null ? `The connection to ${url} broke mid-stream (${streamBreakReason(readFailure)})` : `The stream from ${url} ended before the response was finished`;
      if (state.text === '') {
        // Nothing was shown yet, so another attempt loses nothing.
        throw new RetryableFailure(new AppError('internal', `${what} (before any text arrived).`, { url }), null);
      }
      state.error = redact(`${what} after ${state.text.length} characters; the text so far is kept.`, apiKey);
      return { state, startedAt, cancelled: false };
    } finally {
      watchdog.disarm();
      if (reader) {
        // Stopped early (cancel, error, [DONE] before EOF): close the connection so the server stops
        // generating (vLLM and llama.cpp abort a request whose client went away).
        if (!consumed) watchdog.controller.abort();
        reader.cancel().catch(() => undefined);
      }
      watchdog.dispose();
    }
  }

  /** Apply parsed events; returns true when the stream is over (done, error). */
  function handleEvents(events: SseEvent[], state: StreamState, request: GenerateRequest, url: string): boolean {
    for (const event of events) {
      if (request.signal?.aborted || disposed.signal.aborted) return true;
      const data = event.data.trim();
      if (data === '[DONE]') {
        state.sawDone = true;
        return true;
      }
      if (data === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        state.error = redact(`Malformed event in the stream from ${url} (not JSON): ${preview(data)}`, apiKey);
        return true;
      }
      if (!isRecord(json)) {
        state.error = redact(`Malformed event in the stream from ${url} (not a JSON object): ${preview(data)}`, apiKey);
        return true;
      }
      if (json.error !== undefined && json.error !== null) {
        state.error = redact(`The server reported an error mid-stream from ${url}: ${messageFromJson(json) ?? preview(data)}`, apiKey);
        return true;
      }
      if (json.object === 'error') {
        state.error = redact(`The server reported an error mid-stream from ${url}: ${messageFromJson(json) ?? preview(data)}`, apiKey);
        return true;
      }
      if (isRecord(json.usage)) {
        const prompt = json.usage.prompt_tokens;
        const completion = json.usage.completion_tokens;
        state.usage = {
          promptTokens: Number.isInteger(prompt) ? (prompt as number) : null,
          completionTokens: Number.isInteger(completion) ? (completion as number) : null,
        };
      }
      if (!Array.isArray(json.choices) || json.choices.length === 0) continue;
      const choice = json.choices.find((c: unknown) => isRecord(c) && (c.index ?? 0) === 0) ?? json.choices[0];
      if (!isRecord(choice)) continue;
      const piece = textOf(choice);
      if (piece !== '') {
        state.text += piece;
        state.chunks += 1;
        state.firstTextAt ??= performance.now();
        request.onText?.(piece);
      }
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
        // 'length' is the only reason that means "cut short"; 'stop', 'eos', 'tool_calls',
        // 'content_filter' and server-specific reasons all mean the model ended the text.
        state.finish = choice.finish_reason === 'length' ? 'length' : 'stop';
      }
    }
    return false;
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    if (disposed.signal.aborted) throw new AppError('internal', 'This endpoint runner was disposed.');
    const { body, renderedPrompt, url } = buildBody(request.input, request.sampling);
    const json = JSON.stringify(body);
    const startedAt = Date.now();
    const seed = request.sampling.seed;
    const base = { renderedPrompt, seed, startedAt };

    const cancelledResult = (text: string, chunks: number, ttftMs: number | null): GenerateResult => ({
      ...base,
      text,
      finishReason: 'cancelled',
      promptTokens: null,
      completionTokens: chunks,
      ttftMs,
      tokensPerSecond: null,
      finishedAt: Date.now(),
      error: null,
    });

    for (let retry = 0; ; retry++) {
      let outcome: Awaited<ReturnType<typeof attempt>>;
      try {
        outcome = await attempt(url, json, request);
      } catch (err) {
        if (!(err instanceof RetryableFailure)) throw err;
        if (retry >= maxRetries) throw giveUp(err.error, retry);
        if (err.retryAfterMs !== null && err.retryAfterMs > maxRetryAfterMs) {
          throw giveUp(err.error, retry, ` The server asked to retry after ${seconds(err.retryAfterMs)}; not waiting that long.`);
        }
        // Honour Retry-After (plus up to 10% jitter so parallel requests spread out); else back off.
        const delayMs =
          err.retryAfterMs !== null
            ? Math.round(err.retryAfterMs * (1 + Math.random() * 0.1))
            : backoffDelay(retry, retryBaseDelayMs, retryMaxDelayMs);
        options.onRetry?.({ retry: retry + 1, delayMs, reason: err.error.message });
        const waited = await sleep(delayMs, anySignal(request.signal, disposed.signal));
        if (!waited) return cancelledResult('', 0, null);
        continue;
      }

      const { state } = outcome;
      const finishedAt = Date.now();
      const now = performance.now();
      const ttftMs = state.firstTextAt !== null ? Math.round(state.firstTextAt - outcome.startedAt) : null;
      if (outcome.cancelled) return cancelledResult(state.text, state.chunks, ttftMs);
      // Token counts come from the final usage chunk (stream_options.include_usage). A server that
      // sends none gets an estimate: one streamed chunk ≈ one token (true for llama.cpp and vLLM
      // without speculative decoding), and the prompt's count stays unknown.
      const completionTokens = state.usage?.completionTokens ?? state.chunks;
      const promptTokens = state.usage?.promptTokens ?? null;
      const genSeconds = state.firstTextAt !== null ? (now - state.firstTextAt) / 1000 : 0;
      const tokensPerSecond = genSeconds > 0 && completionTokens > 0 ? completionTokens / genSeconds : null;
      return {
        ...base,
        text: state.text,
        finishReason: state.error !== null ? 'error' : (state.finish ?? 'stop'),
        promptTokens,
        completionTokens,
        ttftMs,
        tokensPerSecond,
        finishedAt,
        error: state.error,
      };
    }
  }

  function giveUp(error: AppError, retries: number, extra = ''): AppError {
    const suffix = retries > 0 ? ` (gave up after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
    return new AppError(error.code, `${error.message}${suffix}${extra}`, error.details);
  }

  return {
    kind: 'openai',
    describe: () => ({ ...identity }),
    generate,
    async dispose() {
      disposed.abort();
    },
  };
}

function textOf(choice: Record<string, unknown>): string {
  // Completions stream `choices[0].text`; chat streams `choices[0].delta.content` (null on the
  // role-only first chunk). A few servers send a whole `message` instead of a delta.
  if (typeof choice.text === 'string') return choice.text;
  if (isRecord(choice.delta) && typeof choice.delta.content === 'string') return choice.delta.content;
  if (isRecord(choice.message) && typeof choice.message.content === 'string') return choice.message.content;
  return '';
}

function streamBreakReason(err: unknown): string {
  const code = causeCodeOf(err);
  const message = causeMessageOf(err);
  return code && !message.includes(code) ? `${message}, ${code}` : message;
}

function preview(data: string): string {
  return data.length > 200 ? `${data.slice(0, 200)}…` : data;
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? present[0]! : AbortSignal.any(present);
}
