/**
 * Generations to review without running a model: prompts, models, templates and generations are
 * written with the db/ insert helpers the runner itself uses.
 */
import type { ChatMessage } from '../../contract/prompts';
import type { Workspace } from '../../core/workspace/workspace';
import { promptWriter } from '../../db/prompts';
import { insertGeneration, insertModel, insertTemplate, insertTemplateVersion, promptSeqOf } from '../../db/runner';

export function addModel(ws: Workspace, name: string): number {
  return insertModel(
    ws.writer,
    { name, kind: 'openai', model_path: null, base_url: 'http://127.0.0.1:9/v1', remote_model: name, api_key_env: null, api_key_encrypted: null, settings: { concurrency: 1 } },
    Date.now(),
  );
}

export function addPrompt(ws: Workspace, id: string, body: string | ChatMessage[], tags: string[] = []): number {
  promptWriter(ws.writer).upsert(
    { id, prompt: typeof body === 'string' ? body : null, messages: typeof body === 'string' ? null : body, reference: null, tags },
    'replace',
    Date.now(),
  );
  return promptSeqOf(ws.writer, id)!;
}

export function addTemplate(ws: Workspace, name: string): { templateId: number; version: number } {
  const templateId = insertTemplate(ws.writer, name, Date.now());
  const version = insertTemplateVersion(ws.writer, templateId, { instruction: `Answer as ${name}.`, demonstrations: [], inputLabel: 'Q', outputLabel: 'A' }, Date.now());
  return { templateId, version };
}

export interface GenerationSpec {
  promptSeq: number;
  modelId: number;
  output: string;
  template?: { templateId: number; version: number } | null;
}

export function addGeneration(ws: Workspace, g: GenerationSpec): number {
  const now = Date.now();
  return insertGeneration(
    ws.writer,
    {
      promptSeq: g.promptSeq,
      modelId: g.modelId,
      templateId: g.template?.templateId ?? null,
      templateVersion: g.template?.version ?? null,
      mode: 'raw',
      input: { mode: 'raw', text: 'prompt' },
      renderedPrompt: 'prompt',
      output: g.output,
      finishReason: 'stop',
      error: null,
      runnerKind: 'openai',
      runnerVersion: 'test',
      modelSha256: null,
      modelPath: null,
      endpointUrl: 'http://127.0.0.1:9/v1',
      modelName: 'test',
      sampling: { temperature: 0, topP: 1, topK: 40, minP: 0, repeatPenalty: 1, maxTokens: 16, stop: [], seed: 1 },
      seed: 1,
      promptTokens: 1,
      completionTokens: 1,
      ttftMs: 1,
      tokensPerSecond: 1,
      startedAt: now,
      finishedAt: now,
      jobId: null,
      sampleIndex: 0,
      source: 'batch',
    },
    now,
  );
}
