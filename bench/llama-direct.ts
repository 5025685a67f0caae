// The baseline of bench:runner and bench:sweep: one completion with node-llama-cpp driven directly,
// as Assay's llama worker does it per request (a fresh sequence, LlamaCompletion, the same sampling
// options), minus the worker thread, the pool and the workspace.
import { LlamaCompletion, type LlamaContext, type Token } from 'node-llama-cpp';
import type { Sampling } from '../contract/runner';

export async function completeDirect(
  context: LlamaContext,
  input: string,
  sampling: Sampling,
  hooks: { onToken?: (tokens: Token[]) => void; onTextChunk?: (text: string) => void } = {},
): Promise<string> {
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  try {
    const response = await completion.generateCompletionWithMeta(input, {
      maxTokens: sampling.maxTokens,
      temperature: sampling.temperature,
      topK: sampling.topK,
      topP: sampling.topP,
      minP: sampling.minP,
      seed: sampling.seed!,
      repeatPenalty: { penalty: sampling.repeatPenalty, lastTokens: 64 },
      onToken: hooks.onToken,
      onTextChunk: hooks.onTextChunk ?? (() => undefined),
    });
    return response.response;
  } finally {
    completion.dispose();
    sequence.dispose();
  }
}
