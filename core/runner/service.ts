import fs from 'node:fs';
import path from 'node:path';
import type { ParsedInput } from '../../contract';
import { AppError } from '../../contract/result';
import type { GenerationInput, ModelConfig, ModelSettings, PromptRef, StreamResult, Template } from '../../contract/runner';
import { getPrompt, promptForTypedText } from '../../db/prompts';
import {
  findTemplateByName,
  getGeneration,
  getModelRow,
  getTemplate,
  insertGeneration,
  insertModel,
  insertTemplate,
  insertTemplateVersion,
  listGenerations,
  listModelRows,
  listTemplates,
  promptSeqOf,
  renameTemplate,
  retireModel,
  updateModel,
  type ModelRow,
  type RunnableModelRow,
} from '../../db/runner';
import type { EventBus } from '../events';
import { contentId } from '../prompts/rows';
import { userDataDir, type Workspace } from '../workspace/workspace';
import type { RunnerPool } from './pool';
import { toNewGeneration, toStreamResult, type GenerationContext } from './records';
import { inspectModelFile } from './llama/runner';
import type { SecretStore } from './secrets';
import { renderTemplate, type PromptContent } from './templates';
import type { GenerateResult, Runner } from './types';
import { ensureFolder } from '../files';
import { chatFormatOfFile } from './llama/chat-format';
import { SAMPLE_MODEL_NAME, sampleModelPath } from './sample-model';

export const TEST_MODEL_FILE = 'assay-tiny-test-model.gguf';
export const TEST_MODEL_NAME = 'tiny test model';

export interface RunnerServiceDeps {
  workspace: Workspace;
  events: EventBus;
  pool: RunnerPool;
  secrets: SecretStore | null;
  /** Writes the deterministic tiny GGUF to a path (core/runner/gguf). */
  writeTestModel: (file: string) => Promise<void>;
  listRemoteModels: (baseUrl: string, apiKey: string | undefined) => Promise<string[]>;
}

export function parseSettings(row: ModelRow): ModelSettings {
  return { concurrency: 1, ...(JSON.parse(row.settings) as Partial<ModelSettings>) };
}

/** The API key held by an environment variable; a variable that is named but not set is an error, not "no key". */
function apiKeyFromEnv(variable: string, whose: string): string {
  const key = process.env[variable];
  if (!key) throw new AppError('invalid_input', `The API key of ${whose} is read from $${variable}, which is not set. Set it in the environment Assay runs in, then try again.`);
  return key;
}

/** The API key of an endpoint model: decrypted from the workspace (Electron) or read from the environment. */
export function apiKeyFor(row: ModelRow, secrets: SecretStore | null): string | undefined {
  if (row.api_key_encrypted && secrets) return secrets.decrypt(row.api_key_encrypted);
  if (row.api_key_env) return apiKeyFromEnv(row.api_key_env, row.name);
  return undefined;
}

function isTestModel(row: ModelRow): boolean {
  return row.model_path !== null && path.basename(row.model_path) === TEST_MODEL_FILE;
}

/** Playground runs kept until saved: the context they were made in and their result. */
interface HeldRun {
  ctx: Omit<GenerationContext, 'promptSeq'> & { prompt: PromptRef };
  result: GenerateResult;
}

export function runnerService(deps: RunnerServiceDeps) {
  const { workspace, events, pool, secrets } = deps;
  const { reader, writer } = workspace;
  const running = new Map<string, AbortController>();
  const held = new Map<string, HeldRun>();
  const MAX_HELD = 50;

  const toConfig = (row: RunnableModelRow): ModelConfig => {
    const state = pool.state(row.id);
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      modelPath: row.model_path,
      baseUrl: row.base_url,
      remoteModel: row.remote_model,
      apiKeyEnv: row.api_key_env,
      hasStoredApiKey: row.api_key_encrypted !== null,
      settings: parseSettings(row),
      isTestModel: isTestModel(row),
      chatFormat: row.kind === 'llama' && row.model_path !== null ? chatFormatOfFile(row.model_path, row.name) : null,
      state: state.state,
      stateMessage: state.message,
      createdAt: row.created_at,
    };
  };

  const mustModel = (id: number): RunnableModelRow => {
    const row = getModelRow(reader, id);
    if (!row) throw new AppError('not_found', `No model with id ${id}.`);
    if (row.kind === 'import') throw new AppError('invalid_input', `${row.name} came with an imported dataset; it has no weights or endpoint to generate with.`);
    return row as RunnableModelRow;
  };

  const mustTemplate = (id: number, version?: number): Template => {
    const t = getTemplate(reader, id, version);
    if (!t) throw new AppError('not_found', `No template ${id}${version === undefined ? '' : ` version ${version}`}.`);
    return t;
  };

  const promptContent = (ref: PromptRef): PromptContent & { version: number | null } => {
    if ('text' in ref) return { prompt: ref.text, messages: null, version: null };
    const prompt = getPrompt(reader, ref.promptId);
    if (!prompt) throw new AppError('not_found', `No prompt with id ${ref.promptId}.`);
    return prompt;
  };

  const render = (template: { templateId: number; version?: number } | null, ref: PromptRef, mode: GenerationInput['mode']) => {
    const t = template ? mustTemplate(template.templateId, template.version) : null;
    const content = promptContent(ref);
    return { template: t, input: renderTemplate(t, content, mode), promptVersion: content.version };
  };

  /** Runs one generation under the model's concurrency limit, streaming text as events. */
  async function generate(row: ModelRow, input: GenerationInput, sampling: GenerateRequestSampling, streamId: string): Promise<{ runner: Runner; result: GenerateResult }> {
    if (running.has(streamId)) throw new AppError('conflict', `Stream ${streamId} is already running.`);
    const abort = new AbortController();
    running.set(streamId, abort);
    try {
      const runner = await pool.get(row);
      const result = await pool.withSlot(row.id, parseSettings(row).concurrency, () =>
        runner.generate({ input, sampling, signal: abort.signal, onText: (text) => events.emit('onDidGenerateText', { streamId, text }) }),
      );
      return { runner, result };
    } finally {
      running.delete(streamId);
    }
  }

  const hold = (streamId: string, run: HeldRun) => {
    held.delete(streamId);
    held.set(streamId, run);
    while (held.size > MAX_HELD) held.delete(held.keys().next().value!);
  };

  return {
    'models.list': () => listModelRows(reader).map(toConfig),
    'models.add': async (input: ParsedInput<'models.add'>) => {
      if (input.kind === 'llama') {
        // Read the GGUF header now (it is small): a text file, a folder or a half-downloaded model is
        // refused here with what is wrong with it. Checking only that the path existed let such a
        // file be saved as a model that then failed on every use, far from where it was picked.
        const { modelPath } = await inspectModelFile(input.modelPath);
        const id = insertModel(writer, { name: input.name, kind: 'llama', model_path: modelPath, base_url: null, remote_model: null, api_key_env: null, api_key_encrypted: null, settings: input.settings }, Date.now());
        return toConfig(mustModel(id));
      }
      const now = Date.now();
      if (input.apiKey && !secrets) {
        throw new AppError('invalid_input', 'Browser mode never stores API keys: put the key in an environment variable of `assay serve` and give its name instead.');
      }
      const encrypted = input.apiKey && secrets ? secrets.encrypt(input.apiKey) : null;
      const id = insertModel(
        writer,
        { name: input.name, kind: 'openai', model_path: null, base_url: input.baseUrl, remote_model: input.remoteModel, api_key_env: input.apiKeyEnv ?? null, api_key_encrypted: encrypted, settings: input.settings },
        now,
      );
      return toConfig(mustModel(id));
    },
    'models.update': async (input: ParsedInput<'models.update'>) => {
      if (!updateModel(writer, input.id, input.name, input.settings)) throw new AppError('not_found', `No model with id ${input.id}.`);
      await pool.unload(input.id);
      return toConfig(mustModel(input.id));
    },
    'models.retire': async (input: ParsedInput<'models.retire'>) => {
      const retired = retireModel(writer, input.id, Date.now());
      await pool.unload(input.id);
      return { retired };
    },
    'models.addTestModel': async () => {
      const existing = listModelRows(reader).find(isTestModel);
      if (existing && fs.existsSync(existing.model_path!)) return toConfig(existing);
      const file = path.join(userDataDir(), 'models', TEST_MODEL_FILE);
      if (!fs.existsSync(file)) {
        ensureFolder(path.dirname(file));
        await deps.writeTestModel(file);
      }
      if (existing) return toConfig(existing);
      const id = insertModel(writer, { name: TEST_MODEL_NAME, kind: 'llama', model_path: file, base_url: null, remote_model: null, api_key_env: null, api_key_encrypted: null, settings: { concurrency: 1 } }, Date.now());
      return toConfig(mustModel(id));
    },
    'models.addSampleModel': async () => {
      const file = sampleModelPath();
      // Any live model on the shipped file counts (the demo workspace has it at two settings).
      const existing = listModelRows(reader).find((row) => row.model_path !== null && path.resolve(row.model_path) === file);
      if (existing) return { model: toConfig(existing), added: false };
      const { modelPath } = await inspectModelFile(file);
      const id = insertModel(writer, { name: SAMPLE_MODEL_NAME, kind: 'llama', model_path: modelPath, base_url: null, remote_model: null, api_key_env: null, api_key_encrypted: null, settings: { concurrency: 1 } }, Date.now());
      return { model: toConfig(mustModel(id)), added: true };
    },
    'models.load': async (input: ParsedInput<'models.load'>) => {
      const row = mustModel(input.id);
      await pool.get(row).catch((error: Error) => {
        throw new AppError('invalid_input', `${row.name} did not load: ${error.message}`);
      });
      return toConfig(row);
    },
    'models.unload': async (input: ParsedInput<'models.unload'>) => {
      const row = mustModel(input.id);
      await pool.unload(row.id);
      return toConfig(row);
    },
    'models.remoteList': async (input: ParsedInput<'models.remoteList'>) => {
      // A named variable that is not set must not silently mean "no key" (the server would answer
      // 401, or list models the saved model then cannot use): say which variable is missing.
      const key = input.apiKey ?? (input.apiKeyEnv ? apiKeyFromEnv(input.apiKeyEnv, input.baseUrl) : undefined);
      return { models: await deps.listRemoteModels(input.baseUrl, key) };
    },

    'templates.list': () => listTemplates(reader),
    'templates.get': (input: ParsedInput<'templates.get'>) => mustTemplate(input.templateId, input.version),
    'templates.save': (input: ParsedInput<'templates.save'>) => {
      const { id, name, ...body } = input;
      const saved = writer.transaction(() => {
        const now = Date.now();
        const sameName = findTemplateByName(writer, name);
        if (id === undefined) {
          if (sameName !== null) throw new AppError('conflict', `A template named ${name} exists; open it to make a new version, or pick another name.`);
          const newId = insertTemplate(writer, name, now);
          insertTemplateVersion(writer, newId, body, now);
          return newId;
        }
        mustTemplate(id);
        if (sameName !== null && sameName !== id) throw new AppError('conflict', `Another template is named ${name}.`);
        renameTemplate(writer, id, name);
        insertTemplateVersion(writer, id, body, now);
        return id;
      })();
      return mustTemplate(saved);
    },
    'templates.preview': async (input: ParsedInput<'templates.preview'>) => {
      const { input: rendered } = render(input.template, input.prompt, input.mode);
      let text = rendered.mode === 'raw' ? rendered.text : JSON.stringify(rendered.messages, null, 2);
      let tokens: number | null = null;
      if (input.modelId !== undefined) {
        const runner = await pool.get(mustModel(input.modelId));
        if (runner.preview) {
          const preview = await runner.preview(rendered);
          text = preview.text;
          tokens = preview.tokens;
        }
      }
      return { input: rendered, rendered: text, tokens };
    },

    'playground.generate': async (input: ParsedInput<'playground.generate'>): Promise<StreamResult> => {
      const row = mustModel(input.modelId);
      const { template, input: genInput, promptVersion } = render(input.template, input.prompt, input.mode);
      const { runner, result } = await generate(row, genInput, input.sampling, input.streamId);
      hold(input.streamId, {
        ctx: {
          prompt: input.prompt,
          promptVersion,
          modelId: row.id,
          templateId: template?.id ?? null,
          templateVersion: template?.version ?? null,
          mode: input.mode,
          input: genInput,
          sampling: input.sampling,
          identity: runner.describe(),
          jobId: null,
          sampleIndex: 0,
          source: 'playground',
        },
        result,
      });
      return toStreamResult(input.streamId, row.id, result);
    },
    'playground.cancel': (input: ParsedInput<'playground.cancel'>) => {
      const abort = running.get(input.streamId);
      abort?.abort();
      return { cancelled: abort !== undefined };
    },
    'playground.save': (input: ParsedInput<'playground.save'>) => {
      const run = held.get(input.streamId);
      if (!run) throw new AppError('not_found', 'That output is no longer held; generate it again to save it.');
      const id = writer.transaction(() => {
        const now = Date.now();
        let seq: number | null;
        let promptVersion = run.ctx.promptVersion;
        if ('text' in run.ctx.prompt) {
          // Typed text becomes a prompt of its own so the output can be reviewed like any other.
          const found = promptForTypedText(writer, contentId(run.ctx.prompt.text, null), run.ctx.prompt.text, ['playground'], now);
          seq = found.seq;
          promptVersion = found.version;
        } else {
          seq = promptSeqOf(writer, run.ctx.prompt.promptId);
        }
        if (seq === null) throw new AppError('not_found', 'The prompt of this output was deleted; restore it to save the output.');
        return insertGeneration(writer, toNewGeneration({ ...run.ctx, promptSeq: seq, promptVersion }, run.result), now);
      })();
      held.delete(input.streamId);
      events.emit('onDidChangePrompts', { reason: 'create' });
      return getGeneration(reader, id)!;
    },

    'generations.list': (input: ParsedInput<'generations.list'>) => listGenerations(reader, input),
    'generations.get': (input: ParsedInput<'generations.get'>) => {
      const g = getGeneration(reader, input.id);
      if (!g) throw new AppError('not_found', `No generation ${input.id}.`);
      return g;
    },
    'generations.regenerate': async (input: ParsedInput<'generations.regenerate'>) => {
      const original = getGeneration(reader, input.id);
      if (!original) throw new AppError('not_found', `No generation ${input.id}.`);
      const row = mustModel(original.modelId);
      const sampling = { ...original.sampling, seed: original.seed };
      const { runner, result } = await generate(row, original.input, sampling, input.streamId);
      const identity = runner.describe();
      hold(input.streamId, {
        ctx: {
          prompt: { promptId: original.promptId },
          // The same input as the original, so the same version of the prompt's text.
          promptVersion: original.promptVersion,
          modelId: row.id,
          templateId: original.templateId,
          templateVersion: original.templateVersion,
          mode: original.mode,
          input: original.input,
          sampling,
          identity,
          jobId: null,
          sampleIndex: 0,
          source: 'regenerate',
        },
        result,
      });
      return {
        result: toStreamResult(input.streamId, row.id, result),
        identical: result.text === original.output && result.renderedPrompt === original.renderedPrompt,
        modelChanged: identity.modelSha256 !== original.modelSha256 || identity.endpointUrl !== original.endpointUrl,
      };
    },
    dispose: () => {
      for (const abort of running.values()) abort.abort();
    },
  };
}

type GenerateRequestSampling = Parameters<Runner['generate']>[0]['sampling'];
