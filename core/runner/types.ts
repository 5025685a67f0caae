import type { GenerationInput, GenerationStats, RunnerKind, Sampling } from '../../contract/runner';

/**
 * One interface for every way Assay asks a model: llama.cpp on a local GGUF file, or an
 * OpenAI-compatible HTTP endpoint. A runner is created from its settings, generates one request
 * at a time per call (callers add concurrency limits), and is disposed when no longer used.
 */
export interface Runner {
  readonly kind: RunnerKind;
  /** Where the model came from, for provenance (file sha256 and path, or base URL and model name). */
  describe(): RunnerIdentity;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** The exact text the model would see for this input (after its chat template) and its token count, where the runner can tell. */
  preview?(input: GenerationInput): Promise<{ text: string; tokens: number }>;
  dispose(): Promise<void>;
}

export interface RunnerIdentity {
  kind: RunnerKind;
  /** node-llama-cpp's version, or the server's reported version/`openai-compatible`. */
  runnerVersion: string;
  /** The GGUF file's sha256 (llama), null for endpoints. */
  modelSha256: string | null;
  modelPath: string | null;
  endpointUrl: string | null;
  /** The model name: the GGUF's general.name or file name, or the endpoint's model id. */
  modelName: string;
}

export interface GenerateRequest {
  input: GenerationInput;
  sampling: Sampling;
  signal?: AbortSignal;
  /** Called with each piece of text as it streams. */
  onText?: (text: string) => void;
}

export interface GenerateResult extends GenerationStats {
  text: string;
  /** The exact text sent to the model after any chat template (llama), or the request body's prompt/messages rendered as JSON (openai). */
  renderedPrompt: string;
}
