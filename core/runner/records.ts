import type { GenerationInput, GenerationMode, Sampling, StreamResult } from '../../contract/runner';
import type { NewGeneration } from '../../db/runner';
import type { GenerateResult, RunnerIdentity } from './types';

/** Everything needed to store one generation with its provenance. */
export interface GenerationContext {
  promptSeq: number;
  /** The version of the prompt's text that was rendered; null: the current one when stored. */
  promptVersion: number | null;
  modelId: number;
  templateId: number | null;
  templateVersion: number | null;
  mode: GenerationMode;
  input: GenerationInput;
  sampling: Sampling;
  identity: RunnerIdentity;
  jobId: number | null;
  sampleIndex: number;
  source: NewGeneration['source'];
}

export function toNewGeneration(ctx: GenerationContext, result: GenerateResult): NewGeneration {
  return {
    promptSeq: ctx.promptSeq,
    promptVersion: ctx.promptVersion,
    modelId: ctx.modelId,
    templateId: ctx.templateId,
    templateVersion: ctx.templateVersion,
    mode: ctx.mode,
    input: ctx.input,
    renderedPrompt: result.renderedPrompt,
    output: result.text,
    finishReason: result.finishReason,
    error: result.error,
    runnerKind: ctx.identity.kind,
    runnerVersion: ctx.identity.runnerVersion,
    modelSha256: ctx.identity.modelSha256,
    modelPath: ctx.identity.modelPath,
    endpointUrl: ctx.identity.endpointUrl,
    modelName: ctx.identity.modelName,
    // The seed actually used is stored inside the sampling too, so the row alone regenerates the output.
    sampling: { ...ctx.sampling, seed: result.seed },
    seed: result.seed,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    ttftMs: result.ttftMs,
    tokensPerSecond: result.tokensPerSecond,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    jobId: ctx.jobId,
    sampleIndex: ctx.sampleIndex,
    source: ctx.source,
  };
}

export function toStreamResult(streamId: string, modelId: number, result: GenerateResult): StreamResult {
  return {
    streamId,
    modelId,
    text: result.text,
    renderedPrompt: result.renderedPrompt,
    finishReason: result.finishReason,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    ttftMs: result.ttftMs,
    tokensPerSecond: result.tokensPerSecond,
    seed: result.seed,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    error: result.error,
  };
}
