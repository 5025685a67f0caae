export { createOpenAIRunner, type OpenAIRunnerOptions, type RetryInfo } from './runner';
export { listModels, normalizeBaseUrl, type ListModelsOptions } from './client';
