/** Messages between the llama runner (main thread) and its worker (core/workers/llama-worker.ts). */
import type { AppErrorShape } from '../../../contract/result';
import type { FinishReason, GenerationInput, Sampling } from '../../../contract/runner';

export interface LlamaWorkerData {
  modelPath: string;
  /** The file's `general.architecture`, named in a load failure when llama.cpp's log gives no reason. */
  architecture: string | null;
  /** Generation threads; null picks the default from the core count (see defaultLlamaThreads). */
  threads: number | null;
  contextSize: number | null;
  /** Parallel sequences in the context: generations beyond this many wait their turn. */
  sequences: number;
  gpu: 'auto' | false;
}

/** Sampling with the seed settled (drawn by the runner when the request had none). */
export type WorkerSampling = Omit<Sampling, 'seed'> & { seed: number };

export type ToWorker =
  | { type: 'generate'; id: number; input: GenerationInput; sampling: WorkerSampling }
  | { type: 'preview'; id: number; input: GenerationInput }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' }
  /** Tests only: throw an uncaught exception in the worker, as a bug or a native failure would. */
  | { type: 'crash' };

export interface LoadedInfo {
  contextSize: number;
  threads: number;
  /** The chat wrapper: node-llama-cpp's from the GGUF's template (ChatML, Jinja template, …), or 'General' without one (chat-format.ts). */
  chatWrapper: string;
  trainContextSize: number;
}

export interface WorkerResult {
  text: string;
  finishReason: FinishReason;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Decode speed: tokens after the first, over the time since the first (null under 2 tokens). */
  tokensPerSecond: number | null;
  renderedPrompt: string;
  error: string | null;
}

export type FromWorker =
  | { type: 'progress'; fraction: number }
  | { type: 'ready'; info: LoadedInfo }
  | { type: 'load-failed'; error: AppErrorShape }
  | { type: 'log'; level: string; message: string }
  /** The prompt as rendered and tokenized, before generation starts. */
  | { type: 'started'; id: number; renderedPrompt: string; promptTokens: number }
  | { type: 'text'; id: number; text: string }
  | { type: 'done'; id: number; result: WorkerResult }
  | { type: 'preview-done'; id: number; text: string; tokens: number }
  | { type: 'failed'; id: number; error: AppErrorShape }
  | { type: 'disposed' }
  /** An uncaught exception: the worker stops its generations, frees llama.cpp and ends. */
  | { type: 'fatal'; message: string };
