import { z } from 'zod';
import { ChatMessage } from './prompts';

/** Every sampling knob a generation used; shown, editable, and stored with each output. */
export const Sampling = z.object({
  temperature: z.number().min(0).max(5).default(0.8),
  topP: z.number().min(0).max(1).default(0.95),
  topK: z.number().int().min(0).max(1000).default(40),
  minP: z.number().min(0).max(1).default(0.05),
  repeatPenalty: z.number().min(0.5).max(3).default(1.1),
  maxTokens: z.number().int().min(1).max(32768).default(256),
  stop: z.array(z.string().min(1)).max(16).default([]),
  /** Fixed seed for reproducible sampling; null lets the runner pick one (and records it). */
  seed: z.number().int().min(0).max(2 ** 32 - 1).nullable().default(null),
});
export type Sampling = z.infer<typeof Sampling>;

/** chat: the model's chat template wraps the messages; raw: the text goes in as is. */
export const GenerationMode = z.enum(['chat', 'raw']);
export type GenerationMode = z.infer<typeof GenerationMode>;

export const GenerationInput = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('raw'), text: z.string() }),
  z.object({ mode: z.literal('chat'), messages: z.array(ChatMessage).min(1) }),
]);
export type GenerationInput = z.infer<typeof GenerationInput>;

export const FinishReason = z.enum(['stop', 'length', 'cancelled', 'error']);
export type FinishReason = z.infer<typeof FinishReason>;

export const RunnerKind = z.enum(['llama', 'openai']);
export type RunnerKind = z.infer<typeof RunnerKind>;

/** What made a generation: a runner, or a dataset file it was imported from (datasets.import). */
export const GenerationRunnerKind = z.enum(['llama', 'openai', 'import']);
export type GenerationRunnerKind = z.infer<typeof GenerationRunnerKind>;

/** What a generation result carries besides its text; the provenance stored with every output. */
export const GenerationStats = z.object({
  finishReason: FinishReason,
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  /** Milliseconds from the request to the first streamed text. */
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  /** The seed actually used (the requested one, or the one the runner drew). */
  seed: z.number().int().nullable(),
  startedAt: z.number().int(),
  finishedAt: z.number().int(),
  error: z.string().nullable(),
});
export type GenerationStats = z.infer<typeof GenerationStats>;

// ── Models ───────────────────────────────────────────────────────────────────────────────────

/**
 * The sampling a model was registered at: where Playground and Batch start when it is chosen (any knob
 * left out comes from Sampling's defaults). No defaults of its own, so an unset knob stays unset.
 */
export const SamplingDefaults = z.object({
  temperature: z.number().min(0).max(5),
  topP: z.number().min(0).max(1),
  topK: z.number().int().min(0).max(1000),
  minP: z.number().min(0).max(1),
  repeatPenalty: z.number().min(0.5).max(3),
  maxTokens: z.number().int().min(1).max(32768),
}).partial();
export type SamplingDefaults = z.infer<typeof SamplingDefaults>;

export const ModelSettings = z.object({
  /** llama: CPU threads for generation (default: chosen from the core count). */
  threads: z.number().int().min(1).max(256).optional(),
  /** llama: context window in tokens. */
  contextSize: z.number().int().min(128).max(131072).optional(),
  /** How many generations may run on this model at once (batch jobs). */
  concurrency: z.number().int().min(1).max(64).default(1),
  /** openai: per-request timeout in milliseconds (first byte and between chunks). */
  timeoutMs: z.number().int().min(1000).max(600_000).optional(),
  /** openai: also send top_k, min_p and repetition penalty (vLLM, llama.cpp, Ollama accept them; OpenAI's own API refuses them). */
  extendedSampling: z.boolean().optional(),
  /** Default sampling for this model (e.g. the demo's "careful" model at temperature 0.2). */
  sampling: SamplingDefaults.optional(),
  /**
   * What its model card says that no output can tell: the license (a Hugging Face license id, as
   * its owner states it; Assay never guesses one), the intended use and known limitations.
   */
  card: z
    .object({
      license: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._+-]+$/).optional(),
      intendedUse: z.string().trim().max(20_000).optional(),
      limitations: z.string().trim().max(20_000).optional(),
    })
    .strict()
    .optional(),
});
export type ModelSettings = z.infer<typeof ModelSettings>;

export const ModelConfigInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('llama'),
    name: z.string().trim().min(1).max(200),
    modelPath: z.string().min(1),
    settings: ModelSettings.default({ concurrency: 1 }),
  }).strict(),
  z.object({
    kind: z.literal('openai'),
    name: z.string().trim().min(1).max(200),
    baseUrl: z.string().url(),
    remoteModel: z.string().min(1),
    /** Browser mode: the name of an environment variable holding the key; never the key itself. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).nullable().optional(),
    /** Electron only: the key, which main encrypts with safeStorage before it is stored. */
    apiKey: z.string().min(1).optional(),
    settings: ModelSettings.default({ concurrency: 1 }),
  }).strict(),
]);
export type ModelConfigInput = z.infer<typeof ModelConfigInput>;

export const ModelState = z.enum(['idle', 'loading', 'ready', 'failed']);

/**
 * How chat mode formats a conversation for a GGUF model. A GGUF with a chat template
 * (`tokenizer.chat_template`) uses it; one without defaults to raw completion, and chat mode on it
 * uses the generic format named here, never another model family's template.
 */
export const ChatFormat = z.object({
  hasTemplate: z.boolean(),
  /** What chat mode uses: "the model's own chat template", or the generic format's name. */
  name: z.string(),
  /** The mode the UI picks first for this model. */
  defaultMode: GenerationMode,
  /** Shown where chat mode is chosen; null when the model's own template is used. */
  note: z.string().nullable(),
});
export type ChatFormat = z.infer<typeof ChatFormat>;

export const ModelConfig = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: RunnerKind,
  modelPath: z.string().nullable(),
  baseUrl: z.string().nullable(),
  remoteModel: z.string().nullable(),
  apiKeyEnv: z.string().nullable(),
  hasStoredApiKey: z.boolean(),
  settings: ModelSettings,
  /** True for the generated tiny test model: it speaks gibberish by design. */
  isTestModel: z.boolean(),
  /** llama models: their chat template or the generic fallback; null for endpoints (their server applies its own) and unreadable files. */
  chatFormat: ChatFormat.nullable(),
  state: ModelState,
  stateMessage: z.string().nullable(),
  createdAt: z.number().int(),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

export const ModelLoadEvent = z.object({
  modelId: z.number().int(),
  state: ModelState,
  /** 0..1 while loading. */
  progress: z.number().nullable(),
  message: z.string().nullable(),
});

// ── Templates ────────────────────────────────────────────────────────────────────────────────

export const Demonstration = z.object({ input: z.string(), output: z.string() });
export type Demonstration = z.infer<typeof Demonstration>;

export const TemplateBody = z.object({
  instruction: z.string().max(100_000).default(''),
  demonstrations: z.array(Demonstration).max(64).default([]),
  inputLabel: z.string().max(100).default('Input'),
  outputLabel: z.string().max(100).default('Output'),
});
export type TemplateBody = z.infer<typeof TemplateBody>;

export const Template = TemplateBody.extend({
  id: z.number().int(),
  name: z.string(),
  version: z.number().int(),
  latestVersion: z.number().int(),
  createdAt: z.number().int(),
});
export type Template = z.infer<typeof Template>;

/** What a generation is asked about: a stored prompt by id, or text typed in the playground. */
export const PromptRef = z.union([z.object({ promptId: z.string().min(1) }), z.object({ text: z.string().min(1) })]);
export type PromptRef = z.infer<typeof PromptRef>;

export const TemplateRef = z.object({ templateId: z.number().int(), version: z.number().int().optional() });

// ── Generations ──────────────────────────────────────────────────────────────────────────────

export const Generation = GenerationStats.extend({
  id: z.number().int(),
  promptId: z.string(),
  /** The version of the prompt's text this output was made from (`prompts.versions`). */
  promptVersion: z.number().int(),
  modelId: z.number().int(),
  templateId: z.number().int().nullable(),
  templateVersion: z.number().int().nullable(),
  mode: GenerationMode,
  input: GenerationInput,
  renderedPrompt: z.string(),
  output: z.string(),
  /** import: the text came from a dataset file; runnerVersion then names the format (hh-rlhf, arena, …). */
  runnerKind: GenerationRunnerKind,
  runnerVersion: z.string(),
  modelSha256: z.string().nullable(),
  modelPath: z.string().nullable(),
  endpointUrl: z.string().nullable(),
  modelName: z.string(),
  sampling: Sampling,
  jobId: z.number().int().nullable(),
  sampleIndex: z.number().int(),
  source: z.enum(['playground', 'batch', 'regenerate', 'import']),
  createdAt: z.number().int(),
});
export type Generation = z.infer<typeof Generation>;

/** A finished playground run, held by the engine until saved (or replaced by the next run). */
export const StreamResult = GenerationStats.extend({
  streamId: z.string(),
  modelId: z.number().int(),
  text: z.string(),
  renderedPrompt: z.string(),
});
export type StreamResult = z.infer<typeof StreamResult>;

export const TextEvent = z.object({ streamId: z.string(), text: z.string() });

// ── Batch jobs ───────────────────────────────────────────────────────────────────────────────

/** What a sweep job was asked for (contract/sweeps.ts), kept in its spec; `arms[i]` describes `templates[i]`. */
export const SweepRecord = z.object({
  suite: z.string().nullable(),
  tags: z.array(z.string()),
  arms: z.array(z.object({ templateId: z.number().int().nullable(), shots: z.number().int().min(0) })),
});
export type SweepRecord = z.infer<typeof SweepRecord>;

export const JobSpec = z.object({
  prompts: z.union([
    z.object({ ids: z.array(z.string()).min(1).max(1_000_000) }),
    z.object({ query: z.string().default(''), tags: z.array(z.string()).default([]) }),
  ]),
  modelIds: z.array(z.number().int()).min(1).max(32),
  template: TemplateRef.nullable().default(null),
  /**
   * A template dimension (a sweep's arms): every prompt × model runs once per entry, null meaning no
   * template. Given, `template` must be null; each entry's version is pinned when the job is made.
   */
  templates: z.array(TemplateRef.nullable()).min(1).max(64).optional(),
  mode: GenerationMode.default('chat'),
  samplesPerPrompt: z.number().int().min(1).max(100).default(1),
  sampling: Sampling,
  /** Set on a sweep's job (sweeps.create). */
  sweep: SweepRecord.optional(),
});
export type JobSpec = z.infer<typeof JobSpec>;

export const JobStatus = z.enum(['running', 'paused', 'cancelled', 'done']);

export const JobCounts = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});

export const Job = z.object({
  id: z.number().int(),
  name: z.string(),
  status: JobStatus,
  spec: JobSpec,
  counts: JobCounts,
  /** Seconds left at the recent pace, null until it can be estimated. */
  etaSeconds: z.number().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Job = z.infer<typeof Job>;

export const JobItem = z.object({
  id: z.number().int(),
  promptId: z.string(),
  modelId: z.number().int(),
  /** Index into the spec's `templates` (0 for a job with one template or none). */
  arm: z.number().int(),
  sampleIndex: z.number().int(),
  status: z.enum(['pending', 'running', 'done', 'failed', 'cancelled']),
  attempts: z.number().int(),
  error: z.string().nullable(),
  generationId: z.number().int().nullable(),
});
export type JobItem = z.infer<typeof JobItem>;
