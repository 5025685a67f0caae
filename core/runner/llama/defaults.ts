/** Defaults of the llama runner (no node-llama-cpp import here: the main thread reads these too). */

/** Default context window when the settings give none: up to this, less if memory is short. */
export const DEFAULT_MAX_CONTEXT = 4096;

/**
 * Generation threads by default: one per physical core, but leave one logical core free for the
 * JavaScript threads (UI, streaming). On 2 cores that is 1, which measured fastest for generation
 * (2 threads ran at less than half the speed: ggml's threads spin at every barrier and fight the
 * event loop for the second core). On 4 physical / 8 logical cores it is 4.
 */
export function defaultLlamaThreads(logicalCores: number, physicalCores: number): number {
  return Math.max(1, Math.min(physicalCores > 0 ? physicalCores : logicalCores, logicalCores - 1));
}
