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
  Tag,
} from './prompts';

export * from './prompts';
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
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

const PromptInput = z.intersection(PromptBody, PromptFields);

export const methods = {
  'workspace.info': { input: NoInput, output: WorkspaceInfo },

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
  'prompts.tags': {
    input: NoInput,
    output: z.array(z.object({ tag: z.string(), count: z.number().int() })),
  },
  'prompts.create': {
    input: z.intersection(PromptInput, z.object({ id: PromptId.optional() })),
    output: Prompt,
  },
  'prompts.update': {
    input: z.intersection(PromptInput, z.object({ id: PromptId })),
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
} as const;
