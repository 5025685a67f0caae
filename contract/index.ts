/**
 * The one contract between the UI and the engine. Every call that crosses a process (Electron IPC,
 * HTTP /rpc, the CLI's use of the same services) is named here with a zod schema for its input and
 * output; types are inferred, so this file is both the documentation and the runtime check.
 * This folder imports nothing of ours.
 */
import { z } from 'zod';
import type { Result } from './result';
import {
  DuplicatePolicy,
  ImportFormat,
  ImportProgress,
  ImportReport,
  ImportSource,
  Prompt,
  PromptBody,
  PromptFields,
  PromptId,
  PromptSummary,
  PromptVersion,
  Tag,
} from './prompts';

import {
  Generation,
  GenerationInput,
  GenerationMode,
  Job,
  JobItem,
  JobSpec,
  ModelConfig,
  ModelConfigInput,
  ModelLoadEvent,
  ModelSettings,
  PromptRef,
  Sampling,
  StreamResult,
  Template,
  TemplateBody,
  TemplateRef,
  TextEvent,
} from './runner';
import { reviewEvents, reviewMethods } from './review';
import { comparisonEvents, comparisonMethods } from './comparisons';
import { datasetEvents, datasetImportMethods, datasetMethods } from './datasets';
import { sessionMethods } from './session';
import { qualityMethods } from './quality';
import { adjudicationMethods } from './adjudication';
import { reviewSessionEvents, reviewSessionMethods } from './review-sessions';
import { teamMethods } from './team';
import { PackInfo, packEvents, packMethods } from './packs';
import { sweepMethods } from './sweeps';
import { rateMethods } from './rates';

export * from './prompts';
export * from './runner';
export * from './review';
export * from './comparisons';
export * from './datasets';
export * from './session';
export * from './quality';
export * from './adjudication';
export * from './review-sessions';
export * from './team';
export * from './packs';
export * from './sweeps';
export * from './rates';
export * from './spans';
export * from './result';
export * from './csp';

const NoInput = z.object({}).strict();

export const WorkspaceInfo = z.object({
  path: z.string(),
  name: z.string(),
  schemaVersion: z.number().int(),
  promptCount: z.number().int(),
  /** Which shell serves this engine; the UI hides Electron-only menus in browser mode. */
  shell: z.enum(['electron', 'browser']),
  /** Set when this workspace is an offline review pack: for whom, from which workspace. */
  pack: PackInfo.nullable(),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

/** How far the demo workspace build is (`workspace.openDemo`, `assay demo`). */
export const DemoProgress = z.object({
  phase: z.enum(['prompts', 'models', 'generating', 'done']),
  done: z.number().int(),
  total: z.number().int(),
  message: z.string(),
});
export type DemoProgress = z.infer<typeof DemoProgress>;

/**
 * The workspace's settings, shared by everyone who opens it (`settings.get` / `settings.update`).
 * Blind by default: a reviewer sees only their own labels (`blindReviewers`; off: other reviewers'
 * labels show read-only, with their names), and Compare names no model (`blindComparisons`).
 */
export const WorkspaceSettings = z.object({
  blindReviewers: z.boolean(),
  blindComparisons: z.boolean(),
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;
export const DEFAULT_SETTINGS: WorkspaceSettings = { blindReviewers: true, blindComparisons: true };

/**
 * A prompt as typed: its text or its messages (exactly one), with reference and tags, and no other
 * field. One strict object per body kind (an intersection would let unknown fields through).
 */
function promptInput<const S extends z.ZodRawShape>(extra: S) {
  const [text, messages] = PromptBody.options;
  return z.union([
    text.extend(PromptFields.shape).extend(extra).strict(),
    messages.extend(PromptFields.shape).extend(extra).strict(),
  ]);
}

export const methods = {
  'workspace.info': { input: NoInput, output: WorkspaceInfo },
  /**
   * Switches this engine to the demo workspace (`demo.assay` in the current workspace's folder),
   * building it first when it does not exist (progress as onDidBuildDemo). The UI reloads its state
   * once this resolves. Not offered by the CLI.
   */
  'workspace.openDemo': {
    input: NoInput,
    output: z.object({ path: z.string(), built: z.boolean() }),
  },

  'prompts.list': {
    input: z
      .object({
        query: z.string().max(1000).default(''),
        tags: z.array(Tag).max(20).default([]),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    output: z.object({ total: z.number().int(), items: z.array(PromptSummary) }),
  },
  'prompts.get': { input: z.object({ id: PromptId }).strict(), output: Prompt },
  /** Every version of a prompt's text, newest first, with the outputs made from each (old ones stay readable). */
  'prompts.versions': { input: z.object({ id: PromptId }).strict(), output: z.array(PromptVersion) },
  'prompts.tags': {
    input: NoInput,
    output: z.array(z.object({ tag: z.string(), count: z.number().int() })),
  },
  'prompts.create': {
    input: promptInput({ id: PromptId.optional() }),
    output: Prompt,
  },
  'prompts.update': {
    input: promptInput({ id: PromptId }),
    output: Prompt,
  },
  /** Soft delete: the rows stay on disk until the workspace is compacted, so `prompts.restore` is an exact undo. */
  'prompts.delete': {
    input: z.object({ ids: z.array(PromptId).min(1).max(10_000) }).strict(),
    output: z.object({ deleted: z.array(z.string()) }),
  },
  'prompts.restore': {
    input: z.object({ ids: z.array(PromptId).min(1).max(10_000) }).strict(),
    output: z.object({ restored: z.array(z.string()) }),
  },
  /**
   * Runs off the thread that answers the UI; resolves with the report when the single import
   * transaction has committed. Progress arrives as `onDidImportProgress` events with the same importId.
   */
  'prompts.import': {
    input: z
      .object({
        importId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        source: ImportSource,
        format: ImportFormat.optional(),
        onDuplicate: DuplicatePolicy.default('skip'),
      })
      .strict(),
    output: ImportReport,
  },
  'prompts.cancelImport': {
    input: z.object({ importId: z.string() }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },

  'models.list': { input: NoInput, output: z.array(ModelConfig) },
  'models.add': { input: ModelConfigInput, output: ModelConfig },
  'models.update': {
    input: z.object({ id: z.number().int(), name: z.string().trim().min(1).max(200), settings: ModelSettings }).strict(),
    output: ModelConfig,
  },
  /** Retired models disappear from pickers; their generations keep pointing at them. */
  'models.retire': { input: z.object({ id: z.number().int() }).strict(), output: z.object({ retired: z.boolean() }) },
  /** Writes the deterministic tiny GGUF (it speaks gibberish by design) and adds it as a model. */
  'models.addTestModel': { input: NoInput, output: ModelConfig },
  /**
   * Adds the real trained model shipped with Assay (models/stories260K.gguf, a TinyStories model).
   * When the workspace already has it, returns that one with added = false instead of a duplicate.
   */
  'models.addSampleModel': { input: NoInput, output: z.object({ model: ModelConfig, added: z.boolean() }) },
  /** Loads a model now (otherwise it loads on first use); progress arrives as onDidChangeModel. */
  'models.load': { input: z.object({ id: z.number().int() }).strict(), output: ModelConfig },
  /** Frees a loaded model's memory now; its next use loads it again. */
  'models.unload': { input: z.object({ id: z.number().int() }).strict(), output: ModelConfig },
  /** The model ids an OpenAI-compatible endpoint serves (GET /v1/models). */
  'models.remoteList': {
    input: z.object({ baseUrl: z.string().url(), apiKeyEnv: z.string().nullable().optional(), apiKey: z.string().optional() }).strict(),
    output: z.object({ models: z.array(z.string()) }),
  },

  'templates.list': { input: NoInput, output: z.array(Template) },
  'templates.get': { input: TemplateRef.strict(), output: Template },
  /** Saving an existing template appends a version; generations keep pointing at the one they used. */
  'templates.save': {
    input: TemplateBody.extend({ id: z.number().int().optional(), name: z.string().trim().min(1).max(200) }).strict(),
    output: Template,
  },
  /** The prompt a template gives for a prompt, as the model will see it, and its token count. */
  'templates.preview': {
    input: z
      .object({
        template: TemplateRef.nullable(),
        prompt: PromptRef,
        mode: GenerationMode,
        modelId: z.number().int().optional(),
      })
      .strict(),
    output: z.object({ input: GenerationInput, rendered: z.string(), tokens: z.number().int().nullable() }),
  },

  /** Streams as onDidGenerateText events with the same streamId; resolves when the output is complete. */
  'playground.generate': {
    input: z
      .object({
        streamId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        modelId: z.number().int(),
        prompt: PromptRef,
        template: TemplateRef.nullable().default(null),
        mode: GenerationMode.default('chat'),
        sampling: Sampling,
      })
      .strict(),
    output: StreamResult,
  },
  'playground.cancel': { input: z.object({ streamId: z.string() }).strict(), output: z.object({ cancelled: z.boolean() }) },
  /** Keeps a finished playground output in the workspace for review (typed text becomes a prompt). */
  'playground.save': { input: z.object({ streamId: z.string() }).strict(), output: Generation },

  'generations.list': {
    input: z
      .object({
        promptId: z.string().optional(),
        modelId: z.number().int().optional(),
        jobId: z.number().int().optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    output: z.object({ total: z.number().int(), items: z.array(Generation) }),
  },
  'generations.get': { input: z.object({ id: z.number().int() }).strict(), output: Generation },
  /** Runs a stored generation again from its provenance (same model file, prompt, sampling and seed). */
  'generations.regenerate': {
    input: z.object({ id: z.number().int(), streamId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict(),
    output: z.object({ result: StreamResult, identical: z.boolean(), modelChanged: z.boolean() }),
  },

  'jobs.create': { input: z.object({ name: z.string().trim().min(1).max(200), spec: JobSpec }).strict(), output: Job },
  'jobs.list': { input: NoInput, output: z.array(Job) },
  'jobs.get': { input: z.object({ id: z.number().int() }).strict(), output: Job },
  'jobs.items': {
    input: z
      .object({
        id: z.number().int(),
        status: JobItem.shape.status.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    output: z.object({ total: z.number().int(), items: z.array(JobItem) }),
  },
  'jobs.pause': { input: z.object({ id: z.number().int() }).strict(), output: Job },
  'jobs.resume': { input: z.object({ id: z.number().int() }).strict(), output: Job },
  'jobs.cancel': { input: z.object({ id: z.number().int() }).strict(), output: Job },
  'jobs.retryFailed': { input: z.object({ id: z.number().int() }).strict(), output: Job },

  'settings.get': { input: NoInput, output: WorkspaceSettings },
  /** Changes the settings given (the others stay); returns them all. */
  'settings.update': {
    input: WorkspaceSettings.partial()
      .strict()
      .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one setting' }),
    output: WorkspaceSettings,
  },

  ...sessionMethods,
  ...teamMethods,
  ...reviewMethods,
  ...comparisonMethods,
  ...qualityMethods,
  ...adjudicationMethods,
  ...datasetMethods,
  ...datasetImportMethods,
  ...reviewSessionMethods,
  ...packMethods,
  ...sweepMethods,
  ...rateMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller may send (defaults not yet applied). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives (after parsing: defaults applied). */
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const methodNames = Object.keys(methods) as MethodName[];
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/** Events flow engine → UI only. Names follow `onDidX`; subscribing returns a disposer. */
export const events = {
  onDidImportProgress: ImportProgress,
  onDidChangePrompts: z.object({ reason: z.enum(['import', 'create', 'update', 'delete', 'restore']) }),
  /** A menu item or shortcut of the shell asks the UI to do something (Electron's File › Import…). */
  onDidRequestCommand: z.object({ command: z.enum(['prompts.import', 'prompts.new']) }),
  onDidChangeModel: ModelLoadEvent,
  onDidGenerateText: TextEvent,
  onDidChangeJob: Job,
  onDidBuildDemo: DemoProgress,
  /** The workspace's settings changed (another window, or the CLI). */
  onDidChangeSettings: WorkspaceSettings,
  ...reviewEvents,
  ...comparisonEvents,
  ...datasetEvents,
  ...reviewSessionEvents,
  ...packEvents,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const eventNames = Object.keys(events) as EventName[];
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** How the renderer talks to the engine, whichever shell it runs in. */
export interface AssayTransport {
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>;
  on<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void;
}

/** The HTTP paths of browser mode, shared by server/ and renderer/. */
export const httpPaths = {
  rpc: '/rpc/',
  events: '/events',
  upload: '/upload',
  /** GET /exports/<exportId>/<file name>: a file a finished export wrote (browser mode's download link). */
  exports: '/exports/',
  /** GET /packs/<packId>/<file name>: a review pack `packs.export` wrote (browser mode's download). */
  packs: '/packs/',
  /** POST /upload?for=pack: a returned review pack, size-limited and checked to be an SQLite file, for `packs.merge`. */
  packUpload: '/upload?for=pack',
} as const;
