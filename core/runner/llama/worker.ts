/**
 * The llama.cpp side of the llama runner, run on a worker thread (core/workers/llama-worker.ts):
 * loads the model, creates one context, and answers generate/preview requests. The main thread never
 * loads node-llama-cpp, so a slow load or a long generation never blocks the thread that answers
 * the UI, and an exception here ends this thread only.
 */
import os from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import {
  GeneralChatWrapper,
  getLlama,
  LlamaCompletion,
  LlamaLogLevel,
  resolveChatWrapper,
  SpecialToken,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaText,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { AppError, type AppErrorShape } from '../../../contract/result';
import type { FinishReason, GenerationInput } from '../../../contract/runner';
import { DEFAULT_MAX_CONTEXT, defaultLlamaThreads } from './defaults';
import type { FromWorker, LlamaWorkerData, ToWorker, WorkerResult, WorkerSampling } from './protocol';

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
}

interface Rendered {
  /** Exactly the tokens evaluated, the beginning-of-sequence token included. */
  tokens: Token[];
  /** Whether tokens[0] is the BOS LlamaCompletion prepends by itself (it is left out when passed). */
  completionPrependsBos: boolean;
  text: string;
  stopTriggers: LlamaText[];
}

const RECENT_LOG_LINES = 30;
/** How long a failed load waits for llama.cpp's log to say why (only the failure path waits). */
const LOAD_FAILURE_LOG_WAIT_MS = 500;

export function runLlamaWorker(port: MessagePort, data: LlamaWorkerData): void {
  const post = (message: FromWorker) => port.postMessage(message);
  const recentLogs: string[] = [];
  const running = new Map<number, AbortController>();
  let loaded: Loaded | null = null;
  let llamaForCleanup: Llama | null = null;
  let disposing = false;

  // Generations beyond the context's sequence count wait here.
  let free = data.sequences;
  const waiting: Array<() => void> = [];
  const acquire = async (signal: AbortSignal): Promise<boolean> => {
    while (free === 0) {
      if (signal.aborted) return false;
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    if (signal.aborted) return false;
    free--;
    return true;
  };
  const release = () => {
    free++;
    // Wake everyone: the aborted ones drop out, one of the rest takes the slot.
    for (const wake of waiting.splice(0)) wake();
  };

  async function waitForLogLine(matches: (line: string) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!recentLogs.some(matches) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function load(): Promise<Loaded> {
    const llama = await getLlama({
      gpu: data.gpu,
      // A missing prebuilt binary is an install problem to report, not a reason to compile llama.cpp.
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const line = message.trim();
        if (line === '') return;
        if (recentLogs[recentLogs.length - 1] === `${level}: ${line}`) return;
        recentLogs.push(`${level}: ${line}`);
        if (recentLogs.length > RECENT_LOG_LINES) recentLogs.shift();
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) post({ type: 'log', level, message: line });
      },
    });
    llamaForCleanup = llama;
    const threads = data.threads ?? defaultLlamaThreads(os.availableParallelism(), llama.cpuMathCores);
    const model = await llama.loadModel({
      modelPath: data.modelPath,
      onLoadProgress: (fraction) => post({ type: 'progress', fraction: Math.min(0.95, fraction * 0.95) }),
    });
    try {
      const context = await model.createContext({
        contextSize: data.contextSize ?? { max: Math.min(DEFAULT_MAX_CONTEXT, model.trainContextSize || DEFAULT_MAX_CONTEXT) },
        sequences: data.sequences,
        threads,
      });
      const chatWrapper = chatWrapperFor(model);
      return { llama, model, context, chatWrapper };
    } catch (error) {
      await model.dispose().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The model's own chat template when the GGUF has one; otherwise the declared generic format
   * (core/runner/llama/chat-format.ts), never node-llama-cpp's guess from the file name or BOS token.
   */
  function chatWrapperFor(model: LlamaModel): ChatWrapper {
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    if (typeof template !== 'string' || template.trim() === '') return new GeneralChatWrapper();
    try {
      return resolveChatWrapper(model, { fallbackToOtherWrappersOnJinjaError: false });
    } catch (error) {
      // A template llama.cpp's Jinja engine cannot run: say so, and use the generic format rather than a guess.
      post({ type: 'log', level: 'warn', message: `The chat template of ${data.modelPath} cannot be used (${(error as Error).message}); chat mode uses the generic format.` });
      return new GeneralChatWrapper();
    }
  }

  function beginningToken(model: LlamaModel): Token | null {
    // Mirrors node-llama-cpp's resolveBeginningTokenToPrepend (what LlamaCompletion prepends).
    const type = String(model.vocabularyType);
    if (type === 'rwkv' || type === 'ugm') return null;
    if (type === 'wpm') return model.tokens.bos;
    return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  }

  /** The text of a rendered template: plain text as is, special tokens as the model's token text. */
  function textOf(model: LlamaModel, text: LlamaText): string {
    let out = '';
    for (const value of text.values) {
      if (typeof value === 'string') out += value;
      else if (value instanceof SpecialTokensText) out += value.value;
      else if (value instanceof SpecialToken) out += model.detokenize(value.tokenize(model.tokenizer), true);
    }
    return out;
  }

  function render(input: GenerationInput): Rendered {
    const { model, chatWrapper } = loaded!;
    const bos = beginningToken(model);
    const bosText = bos !== null ? model.detokenize([bos], true) : '';
    if (input.mode === 'raw') {
      // As LlamaCompletion tokenizes a string (a BOS goes in front, so no leading space is added).
      const content = model.tokenize(input.text, false, bos !== null ? 'trimLeadingSpace' : undefined);
      return { tokens: bos !== null ? [bos, ...content] : content, completionPrependsBos: bos !== null, text: bosText + input.text, stopTriggers: [] };
    }
    const history: ChatHistoryItem[] = input.messages.map((m): ChatHistoryItem => {
      if (m.role === 'system') return { type: 'system', text: m.content };
      if (m.role === 'assistant') return { type: 'model', response: [m.content] };
      // The built-in wrappers know system, user and model turns; a tool result goes in as a user turn.
      return { type: 'user', text: m.content };
    });
    // A conversation that ends with the assistant is continued (prefill); otherwise the assistant's turn opens.
    if (history[history.length - 1]!.type !== 'model') history.push({ type: 'model', response: [] });
    const state = chatWrapper.generateContextState({ chatHistory: history });
    let tokens = state.contextText.tokenize(model.tokenizer);
    let text = textOf(model, state.contextText);
    if (bos !== null) {
      if (tokens[0] !== bos) {
        // LlamaCompletion adds a BOS the template did not: show it too.
        tokens = [bos, ...tokens];
        text = bosText + text;
      }
    }
    return { tokens, completionPrependsBos: bos !== null, text, stopTriggers: state.stopGenerationTriggers };
  }

  function checkFits(tokens: number): void {
    const { context } = loaded!;
    // LlamaCompletion keeps 10% of the context free for a context shift and would cut the prompt's start.
    const room = context.contextSize - Math.max(1, Math.floor(context.contextSize / 10));
    if (tokens > room) {
      throw new AppError(
        'invalid_input',
        `The prompt is ${tokens} tokens, but this model's context holds ${context.contextSize} (${room} for the prompt). Shorten the prompt, or raise the context size in the model's settings.`,
      );
    }
    if (tokens === 0) throw new AppError('invalid_input', 'The prompt is empty.');
  }

  async function generate(id: number, input: GenerationInput, sampling: WorkerSampling, signal: AbortSignal): Promise<WorkerResult> {
    const { model, context } = loaded!;
    const rendered = render(input);
    checkFits(rendered.tokens.length);
    const promptTokens = rendered.tokens.length;
    const base = { promptTokens, renderedPrompt: rendered.text };
    post({ type: 'started', id, renderedPrompt: rendered.text, promptTokens });
    if (!(await acquire(signal))) {
      return { ...base, text: '', finishReason: 'cancelled', completionTokens: 0, tokensPerSecond: null, error: null };
    }
    let sequence: LlamaContextSequence | null = null;
    let completion: LlamaCompletion | null = null;
    let generated = 0;
    let lastGenerated: Token | null = null;
    let firstTokenAt: number | null = null;
    let lastTokenAt: number | null = null;
    let streamed = '';
    const stream = new ChunkBatcher((text) => post({ type: 'text', id, text }));
    try {
      // A fresh sequence per request: nothing of an earlier request is reused, so a seed
      // reproduces the same text whatever ran before.
      sequence = context.getSequence();
      countGeneratedTokens(sequence, (token) => {
        generated++;
        lastGenerated = token;
        lastTokenAt = performance.now();
        firstTokenAt ??= lastTokenAt;
      });
      completion = new LlamaCompletion({ contextSequence: sequence });
      const input = rendered.completionPrependsBos ? rendered.tokens.slice(1) : rendered.tokens;
      const triggers: Array<LlamaText | string> = [...rendered.stopTriggers, ...sampling.stop];
      const response = await completion.generateCompletionWithMeta(input, {
        signal,
        stopOnAbortSignal: true,
        maxTokens: sampling.maxTokens,
        temperature: sampling.temperature,
        topK: sampling.topK,
        topP: sampling.topP,
        minP: sampling.minP,
        seed: sampling.seed,
        repeatPenalty: sampling.repeatPenalty === 1 ? false : { penalty: sampling.repeatPenalty, lastTokens: 64 },
        customStopTriggers: triggers.length > 0 ? triggers : undefined,
        onTextChunk: (text) => {
          if (text === '') return;
          streamed += text;
          stream.push(text);
        },
      });
      stream.flush();
      const reason = response.metadata.stopReason;
      let finishReason: FinishReason = reason === 'maxTokens' ? 'length' : reason === 'abort' ? 'cancelled' : 'stop';
      let text = response.response;
      // A stop string must never survive into the text (node-llama-cpp cuts it already).
      for (const stop of sampling.stop) {
        const at = text.indexOf(stop);
        if (at >= 0) {
          text = text.slice(0, at);
          if (finishReason !== 'cancelled') finishReason = 'stop';
        }
      }
      // The end-of-generation token is sampled but is not part of the completion.
      const completionTokens = reason === 'eogToken' && lastGenerated !== null && model.isEogToken(lastGenerated) ? generated - 1 : generated;
      return { ...base, text, finishReason, completionTokens, tokensPerSecond: speed(generated, firstTokenAt, lastTokenAt), error: null };
    } catch (error) {
      if (signal.aborted) {
        return { ...base, text: streamed, finishReason: 'cancelled', completionTokens: generated, tokensPerSecond: speed(generated, firstTokenAt, lastTokenAt), error: null };
      }
      if (generated > 0) {
        // Text was already shown: keep it, and say what went wrong.
        const message = `llama.cpp failed after ${generated} tokens: ${(error as Error).message}`;
        return { ...base, text: streamed, finishReason: 'error', completionTokens: generated, tokensPerSecond: speed(generated, firstTokenAt, lastTokenAt), error: message };
      }
      throw error;
    } finally {
      stream.flush();
      completion?.dispose();
      // Disposing the completion does not free the sequence; without this the context runs out ("No sequences left").
      sequence?.dispose();
      release();
    }
  }

  const fail = (id: number, error: unknown) => post({ type: 'failed', id, error: toShape(error) });

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'generate': {
        if (!loaded || disposing) return fail(message.id, new AppError('internal', 'The model is not loaded.'));
        const abort = new AbortController();
        running.set(message.id, abort);
        generate(message.id, message.input, message.sampling, abort.signal)
          .then((result) => post({ type: 'done', id: message.id, result }))
          .catch((error: unknown) => fail(message.id, error))
          .finally(() => running.delete(message.id));
        return;
      }
      case 'preview': {
        try {
          if (!loaded || disposing) throw new AppError('internal', 'The model is not loaded.');
          const rendered = render(message.input);
          post({ type: 'preview-done', id: message.id, text: rendered.text, tokens: rendered.tokens.length });
        } catch (error) {
          fail(message.id, error);
        }
        return;
      }
      case 'cancel':
        running.get(message.id)?.abort();
        return;
      case 'dispose':
        void dispose();
        return;
      case 'crash':
        setImmediate(() => {
          throw new Error('simulated crash in the llama worker');
        });
        return;
    }
  });

  /** Stops what runs (at the next token), then frees llama.cpp. Native work must not be in flight when the thread ends. */
  async function shutdown(): Promise<void> {
    for (const abort of running.values()) abort.abort();
    const deadline = Date.now() + 10_000;
    while (running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const current = loaded;
    loaded = null;
    if (current) {
      await current.context.dispose().catch(() => undefined);
      await current.model.dispose().catch(() => undefined);
      await current.llama.dispose().catch(() => undefined);
    }
  }

  async function dispose(): Promise<void> {
    if (disposing) return;
    disposing = true;
    await shutdown();
    post({ type: 'disposed' });
    port.close();
  }

  // An exception nobody caught (a bug here or in node-llama-cpp): ending the thread at once while
  // llama.cpp still works for it would abort the whole process (a native callback into a dead
  // thread), so report it, let the running generations stop, free llama.cpp, then end the thread.
  let failing = false;
  const onFatal = (error: unknown) => {
    if (failing) return;
    failing = true;
    disposing = true;
    post({ type: 'fatal', message: (error as Error)?.message ?? String(error) });
    void shutdown().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  load().then(
    (result) => {
      loaded = result;
      if (disposing) {
        // Disposed while loading: free what just loaded; the thread then ends by itself.
        void shutdown();
        return;
      }
      post({ type: 'progress', fraction: 1 });
      post({
        type: 'ready',
        info: {
          contextSize: result.context.contextSize,
          threads: result.context.idealThreads,
          chatWrapper: result.chatWrapper.wrapperName,
          trainContextSize: result.model.trainContextSize,
        },
      });
    },
    async (error: unknown) => {
      // llama.cpp says why in its log ("error loading model: unknown model architecture: 'x'"), but
      // its log lines reach JS through a queued native callback that can arrive after the rejection
      // (wait briefly for them), and the callback is one per process, shared by every worker thread,
      // so the lines may not reach this thread at all: then name the architecture ourselves.
      const isReason = (line: string) => /^(error|fatal): /.test(line) && !/failed to load model$/i.test(line);
      await waitForLogLine(isReason, LOAD_FAILURE_LOG_WAIT_MS);
      await llamaForCleanup?.dispose().catch(() => undefined);
      const message = (error as Error)?.message ?? String(error);
      const reasons = [
        ...new Set(
          recentLogs
            .filter(isReason)
            .map((line) => line.replace(/^(error|fatal): /, '').replace(/^[\w.]+: /, '').replace(/^error loading model: /, '')),
        ),
      ].slice(-3);
      const why =
        reasons.length > 0 ? reasons.join('; ') : data.architecture ? `${message} (the file's architecture is '${data.architecture}')` : message;
      post({
        type: 'load-failed',
        error: {
          code: 'invalid_input',
          message: `llama.cpp could not load ${data.modelPath}: ${why}. Check that the file is a complete GGUF model of an architecture this version of llama.cpp supports, and that there is enough memory for it.`,
        },
      });
      port.close();
    },
  );
}

/**
 * Streams text to the main thread: the first piece at once (time to first token), then at most one
 * message per frame (16 ms), so a fast model does not wake the main thread for every token.
 */
class ChunkBatcher {
  private pending = '';
  private lastSent = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (text: string) => void) {}

  push(text: string): void {
    this.pending += text;
    if (this.timer) return;
    const wait = this.lastSent + CHUNK_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.lastSent = performance.now();
    this.send(text);
  }
}

const CHUNK_INTERVAL_MS = 16;

function speed(tokens: number, first: number | null, last: number | null): number | null {
  if (tokens < 2 || first === null || last === null || last <= first) return null;
  return (tokens - 1) / ((last - first) / 1000);
}

/**
 * Counts every token the sequence samples (LlamaCompletion holds some back while it checks for
 * stop triggers and drops them at maxTokens, so its own output undercounts). Wraps this sequence's
 * evaluate() only; the sequence is used for one request and then disposed.
 */
function countGeneratedTokens(sequence: LlamaContextSequence, onToken: (token: Token) => void): void {
  const evaluate = sequence.evaluate.bind(sequence);
  sequence.evaluate = ((tokens, options) => {
    const inner = evaluate(tokens, options);
    const counted = {
      async next(...args: [] | [void | Token | Token[]]) {
        const step = await inner.next(...args);
        if (!step.done) onToken(step.value);
        return step;
      },
      return: (value: void) => inner.return(value),
      throw: (error: unknown) => inner.throw(error),
      [Symbol.asyncIterator]() {
        return counted;
      },
    };
    return counted as unknown as ReturnType<LlamaContextSequence['evaluate']>;
  }) as LlamaContextSequence['evaluate'];
}

function toShape(error: unknown): AppErrorShape {
  if (error instanceof AppError) return error.toShape();
  return { code: 'internal', message: `llama.cpp: ${(error as Error)?.message ?? String(error)}` };
}
