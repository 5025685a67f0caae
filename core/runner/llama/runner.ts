/**
 * A Runner on a local GGUF model through llama.cpp (node-llama-cpp), which runs on a worker thread
 * (core/workers/llama-worker.ts): loading and generating never block the calling thread, and a worker
 * that fails ends with an error for its callers while the process carries on.
 *
 * - chat mode renders the messages with the chat template in the GGUF (node-llama-cpp resolves it:
 *   ChatML, a Jinja template, …); a GGUF without one gets the declared generic format, never a
 *   guessed family's (chat-format.ts); raw mode gives the text to the model as is (after the BOS token).
 * - Every request gets a fresh context sequence, so a seed reproduces the same text whatever ran
 *   before; a request without a seed gets one drawn here, and the result reports it.
 * - Cancelling (the request's signal, or dispose()) stops at the next token and resolves with
 *   finishReason 'cancelled' and the text so far.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { AppError } from '../../../contract/result';
import type { GenerationInput } from '../../../contract/runner';
import { startWorker } from '../../workers/entry';
import { GgufFormatError, readGgufInfo, type GgufInfo } from '../gguf/reader';
import type { GenerateRequest, GenerateResult, Runner, RunnerIdentity } from '../types';
import { fileSha256, type Sha256Cache } from './hash';
import type { FromWorker, LlamaWorkerData, LoadedInfo, ToWorker, WorkerResult, WorkerSampling } from './protocol';

export interface LlamaRunnerOptions {
  /** The .gguf file. */
  modelPath: string;
  /** CPU threads for generation. Default: defaultLlamaThreads (one per physical core, leaving one logical core free). */
  threads?: number;
  /** Context window in tokens. Default: the model's training context, at most 4096 (less if memory is short). */
  contextSize?: number;
  /** 0..1 while the model loads; 1 when it is ready. */
  onLoadProgress?: (fraction: number) => void;
  /** Generations that run at once (each gets a context sequence); more wait their turn. Default 1. */
  sequences?: number;
  /** 'auto' lets node-llama-cpp use a GPU (Metal, CUDA, Vulkan) when one is there. Default false: CPU. */
  gpu?: 'auto' | false;
  /** Where file hashes are remembered (default: in memory, for this process). */
  sha256Cache?: Sha256Cache;
  /** llama.cpp's error messages (the runner is silent otherwise). */
  onLog?: (level: string, message: string) => void;
}

export interface LlamaRunner extends Runner {
  readonly kind: 'llama';
  /** What the worker loaded: context size, threads, the chat wrapper it resolved. */
  readonly loaded: LoadedInfo;
}

/** llama.cpp reads this seed as "pick a random one", so it never goes to llama.cpp as is. */
const LLAMA_RANDOM_SEED = 0xffffffff;

const CRASH = Symbol('crash');

let cachedVersion: string | null = null;

/** node-llama-cpp's version (from its package.json), e.g. "3.21.1". */
export function nodeLlamaCppVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  cachedVersion = 'unknown';
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
    for (let i = 0; i < 5; i++) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'node-llama-cpp' && pkg.version) {
          cachedVersion = pkg.version;
          break;
        }
      }
      dir = path.dirname(dir);
    }
  } catch {
    // keep 'unknown'
  }
  return cachedVersion;
}

/**
 * Checks that a path is a whole GGUF file before llama.cpp sees it, and reads its name. Throws an
 * AppError ('invalid_input') that says what is wrong and what to do.
 */
export async function inspectModelFile(modelPath: string): Promise<{ modelPath: string; modelName: string; gguf: GgufInfo }> {
  const absolute = path.resolve(modelPath);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('invalid_input', `No model file at ${absolute}. Check the path, or pick a .gguf file.`);
    if (code === 'EACCES' || code === 'EPERM') throw new AppError('invalid_input', `Cannot read ${absolute}: permission denied. Give Assay read access to the file, or move it somewhere readable.`);
    throw new AppError('invalid_input', `Cannot open ${absolute} (${(error as Error).message}).`);
  }
  if (stat.isDirectory()) throw new AppError('invalid_input', `${absolute} is a folder. Pick the .gguf file inside it.`);
  let gguf: GgufInfo;
  try {
    gguf = await readGgufInfo(absolute);
  } catch (error) {
    if (!(error instanceof GgufFormatError)) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') throw new AppError('invalid_input', `Cannot read ${absolute}: permission denied. Give Assay read access to the file.`);
      throw new AppError('invalid_input', `Cannot read ${absolute} (${(error as Error).message}).`);
    }
    switch (error.problem) {
      case 'not_gguf':
        throw new AppError(
          'invalid_input',
          `${absolute} is not a GGUF model file (${error.message}). Pick a .gguf file; models in other formats (safetensors, .bin) need converting with llama.cpp's convert_hf_to_gguf.py first.`,
        );
      case 'truncated':
        throw new AppError('invalid_input', `${absolute} is incomplete: ${error.message}. The download or copy was probably cut short; download the file again.`);
      case 'unsupported_version':
        throw new AppError('invalid_input', `${absolute} cannot be loaded: ${error.message}. Download a current GGUF of the model.`);
      case 'corrupt':
        throw new AppError('invalid_input', `${absolute} is a damaged GGUF file: ${error.message}. Download the file again.`);
    }
  }
  const name = gguf.metadata.get('general.name');
  const modelName = typeof name === 'string' && name.trim() !== '' ? name.trim() : path.basename(absolute).replace(/\.gguf$/i, '');
  return { modelPath: absolute, modelName, gguf };
}

interface PendingGenerate {
  kind: 'generate';
  resolve: (result: WorkerResult) => void;
  reject: (error: Error) => void;
  onText: (text: string) => void;
  streamed: string;
  renderedPrompt: string;
  promptTokens: number | null;
}

interface PendingPreview {
  kind: 'preview';
  resolve: (value: { text: string; tokens: number }) => void;
  reject: (error: Error) => void;
}

export async function createLlamaRunner(options: LlamaRunnerOptions): Promise<LlamaRunner> {
  const { modelPath, modelName, gguf } = await inspectModelFile(options.modelPath);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new AppError('invalid_input', `Threads must be a whole number of at least 1 (got ${options.threads}).`);
  }
  if (options.contextSize !== undefined && (!Number.isInteger(options.contextSize) || options.contextSize < 16)) {
    throw new AppError('invalid_input', `The context size must be a whole number of tokens (got ${options.contextSize}).`);
  }
  const sequences = Math.max(1, Math.floor(options.sequences ?? 1));
  const hashing = fileSha256(modelPath, options.sha256Cache);
  hashing.catch(() => undefined);

  const architecture = gguf.metadata.get('general.architecture');
  const data: LlamaWorkerData = {
    modelPath,
    architecture: typeof architecture === 'string' ? architecture : null,
    threads: options.threads ?? null,
    contextSize: options.contextSize ?? null,
    sequences,
    gpu: options.gpu ?? false,
  };
  const worker: Worker = startWorker('llama-worker', data);
  const pending = new Map<number, PendingGenerate | PendingPreview>();
  let nextId = 1;
  let ready = false;
  let disposing: Promise<void> | null = null;
  let dead: AppError | null = null;
  let exited = false;
  const exitWaiters: Array<() => void> = [];
  let loadSettled = false;
  let resolveLoad!: (info: LoadedInfo) => void;
  let rejectLoad!: (error: Error) => void;
  const loading = new Promise<LoadedInfo>((resolve, reject) => {
    resolveLoad = resolve;
    rejectLoad = reject;
  });

  // Keep the process alive only while the worker has work (loading or requests in flight).
  const updateRef = () => {
    if (exited) return;
    if (!ready || pending.size > 0 || disposing) worker.ref();
    else worker.unref();
  };
  const send = (message: ToWorker) => {
    if (!exited) worker.postMessage(message);
  };

  /** The worker is gone: fail the load or every request in flight with a message for the user. */
  const workerLost = (reason: string) => {
    if (dead || disposing) return;
    dead = new AppError('internal', `The llama.cpp worker for ${modelName} stopped unexpectedly (${reason}). Load the model again.`);
    if (!loadSettled) {
      loadSettled = true;
      rejectLoad(new AppError('invalid_input', `llama.cpp could not load ${modelPath}: the worker stopped (${reason}).`));
    }
    for (const [id, p] of pending) {
      pending.delete(id);
      if (p.kind === 'generate' && p.streamed !== '') {
        // Text was already shown: keep it, and say what went wrong.
        p.resolve({ text: p.streamed, finishReason: 'error', promptTokens: p.promptTokens, completionTokens: null, tokensPerSecond: null, renderedPrompt: p.renderedPrompt, error: dead.message });
      } else {
        p.reject(dead);
      }
    }
  };

  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'progress':
        quietly(() => options.onLoadProgress?.(message.fraction));
        return;
      case 'ready':
        ready = true;
        loadSettled = true;
        resolveLoad(message.info);
        updateRef();
        return;
      case 'load-failed':
        loadSettled = true;
        rejectLoad(new AppError(message.error.code, message.error.message));
        return;
      case 'log':
        quietly(() => options.onLog?.(message.level, message.message));
        return;
      case 'started': {
        const p = pending.get(message.id);
        if (p?.kind === 'generate') {
          p.renderedPrompt = message.renderedPrompt;
          p.promptTokens = message.promptTokens;
        }
        return;
      }
      case 'text': {
        const p = pending.get(message.id);
        if (p?.kind === 'generate') {
          p.streamed += message.text;
          p.onText(message.text);
        }
        return;
      }
      case 'done': {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (p?.kind === 'generate') p.resolve(message.result);
        updateRef();
        return;
      }
      case 'preview-done': {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (p?.kind === 'preview') p.resolve({ text: message.text, tokens: message.tokens });
        updateRef();
        return;
      }
      case 'failed': {
        const p = pending.get(message.id);
        pending.delete(message.id);
        p?.reject(new AppError(message.error.code, message.error.message, message.error.details));
        updateRef();
        return;
      }
      case 'fatal':
        workerLost(message.message);
        return;
      case 'disposed':
        return;
    }
  });
  worker.on('error', (error) => workerLost(error.message));
  worker.on('exit', (code) => {
    exited = true;
    workerLost(`exit code ${code}`);
    for (const wake of exitWaiters.splice(0)) wake();
  });

  let loaded: LoadedInfo;
  let sha256: string;
  try {
    loaded = await loading;
    sha256 = await hashing;
  } catch (error) {
    disposing = Promise.resolve();
    if (!exited) {
      // The worker frees llama.cpp and ends by itself after a failed load; stop it if it does not.
      const gone = new Promise<void>((resolve) => exitWaiters.push(resolve));
      send({ type: 'dispose' });
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await gone;
      clearTimeout(timer);
    }
    if (error instanceof AppError) throw error;
    throw new AppError('invalid_input', `Could not read ${modelPath} (${(error as Error).message}).`);
  }

  const identity: RunnerIdentity = {
    kind: 'llama',
    runnerVersion: nodeLlamaCppVersion(),
    modelSha256: sha256,
    modelPath,
    endpointUrl: null,
    modelName,
  };

  const usable = () => {
    if (disposing) throw new AppError('internal', `The runner for ${modelName} was disposed.`);
    if (dead) throw dead;
  };

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    usable();
    const startedAt = Date.now();
    const t0 = performance.now();
    const seed = request.sampling.seed ?? randomInt(0, LLAMA_RANDOM_SEED);
    const sampling: WorkerSampling = {
      ...request.sampling,
      stop: [...request.sampling.stop],
      // Deterministic stand-in for the one seed llama.cpp would replace with a random one.
      seed: seed === LLAMA_RANDOM_SEED ? LLAMA_RANDOM_SEED - 1 : seed,
    };
    if (request.signal?.aborted) {
      return { text: '', renderedPrompt: '', finishReason: 'cancelled', promptTokens: null, completionTokens: 0, ttftMs: null, tokensPerSecond: null, seed, startedAt, finishedAt: Date.now(), error: null };
    }
    const id = nextId++;
    let firstTextAt: number | null = null;
    let callbackError: Error | null = null;
    const onAbort = () => send({ type: 'cancel', id });
    const result = await new Promise<WorkerResult>((resolve, reject) => {
      pending.set(id, {
        kind: 'generate',
        resolve,
        reject,
        streamed: '',
        renderedPrompt: '',
        promptTokens: null,
        onText: (text) => {
          firstTextAt ??= performance.now();
          if (callbackError) return;
          try {
            request.onText?.(text);
          } catch (error) {
            // The consumer of the stream failed: stop generating for it, and say so in the result.
            callbackError = error as Error;
            send({ type: 'cancel', id });
          }
        },
      });
      updateRef();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      send({ type: 'generate', id, input: request.input, sampling });
    }).finally(() => request.signal?.removeEventListener('abort', onAbort));
    const failedConsumer = callbackError as Error | null;
    return {
      text: result.text,
      renderedPrompt: result.renderedPrompt,
      finishReason: failedConsumer ? 'error' : result.finishReason,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      ttftMs: firstTextAt !== null ? Math.round((firstTextAt - t0) * 10) / 10 : null,
      tokensPerSecond: result.tokensPerSecond,
      seed,
      startedAt,
      finishedAt: Date.now(),
      error: failedConsumer ? `The text stream's consumer failed: ${failedConsumer.message}` : result.error,
    };
  }

  async function preview(input: GenerationInput): Promise<{ text: string; tokens: number }> {
    usable();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { kind: 'preview', resolve, reject });
      updateRef();
      send({ type: 'preview', id, input });
    });
  }

  function dispose(): Promise<void> {
    if (disposing) return disposing;
    disposing = (async () => {
      updateRef();
      if (exited) return;
      const gone = new Promise<void>((resolve) => exitWaiters.push(resolve));
      // The worker cancels what runs (those requests resolve as cancelled), frees llama.cpp, and exits.
      send({ type: 'dispose' });
      const timer = setTimeout(() => void worker.terminate(), 10_000);
      await gone;
      clearTimeout(timer);
      const error = new AppError('internal', `The runner for ${modelName} was disposed.`);
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(error);
      }
    })();
    return disposing;
  }

  updateRef();
  const runner: LlamaRunner = {
    kind: 'llama',
    loaded,
    describe: () => ({ ...identity }),
    generate,
    preview,
    dispose,
  };
  Object.defineProperty(runner, CRASH, { value: () => send({ type: 'crash' }) });
  return runner;
}

/** Runs a caller's callback; its failure must not become an uncaught exception of this process. */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // progress and log callbacks are informational
  }
}

/** Tests only: makes the worker throw an uncaught exception, as a bug or a native failure would. */
export function crashWorkerForTest(runner: LlamaRunner): void {
  const crash = (runner as unknown as Record<symbol, (() => void) | undefined>)[CRASH];
  if (!crash) throw new Error('not a llama runner');
  crash();
}
