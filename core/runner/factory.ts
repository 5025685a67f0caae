import { AppError } from '../../contract/result';
import type { Workspace } from '../workspace/workspace';
import { workspaceSha256Cache } from './file-hash';
import { writeTestModel } from './gguf/test-model';
import { createLlamaRunner } from './llama/runner';
import { listModels } from './openai/client';
import { createOpenAIRunner } from './openai/runner';
import type { RunnerFactory } from './pool';
import type { SecretStore } from './secrets';
import { apiKeyFor, parseSettings } from './service';

/** Makes the runner a model row describes: llama.cpp in a worker thread, or an HTTP client. */
export function defaultRunnerFactory(workspace: Workspace, secrets: SecretStore | null): RunnerFactory {
  return async (model, onLoadProgress) => {
    const settings = parseSettings(model);
    if (model.kind === 'import') throw new AppError('invalid_input', `${model.name} came with an imported dataset; it cannot generate.`);
    if (model.kind === 'openai') {
      return createOpenAIRunner({
        baseUrl: model.base_url!,
        model: model.remote_model!,
        apiKey: apiKeyFor(model, secrets),
        timeoutMs: settings.timeoutMs,
        idleTimeoutMs: settings.timeoutMs,
        extendedSampling: settings.extendedSampling ?? true,
      });
    }
    return createLlamaRunner({
      modelPath: model.model_path!,
      threads: settings.threads,
      contextSize: settings.contextSize,
      sequences: settings.concurrency,
      onLoadProgress,
      sha256Cache: workspaceSha256Cache(workspace),
    });
  };
}

export async function writeTinyTestModel(file: string): Promise<void> {
  await writeTestModel(file, { size: 'tiny' });
}

export async function listRemoteModels(baseUrl: string, apiKey: string | undefined): Promise<string[]> {
  try {
    return await listModels({ baseUrl, apiKey });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('invalid_input', `Could not list the models of ${baseUrl}: ${(error as Error).message}`);
  }
}
