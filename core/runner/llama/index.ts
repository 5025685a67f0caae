export { createLlamaRunner, crashWorkerForTest, inspectModelFile, nodeLlamaCppVersion, type LlamaRunner, type LlamaRunnerOptions } from './runner';
export { fileSha256, memorySha256Cache, type FileHashKey, type Sha256Cache } from './hash';
export { defaultLlamaThreads, DEFAULT_MAX_CONTEXT } from './defaults';
export type { LoadedInfo } from './protocol';
