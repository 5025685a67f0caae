/**
 * Runs llama.cpp (node-llama-cpp) on its own thread: model loading and generation never block the
 * thread that answers the UI, and a failure here ends this thread, not the process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LlamaWorkerData } from '../runner/llama/protocol';
import { runLlamaWorker } from '../runner/llama/worker';

runLlamaWorker(parentPort!, workerData as LlamaWorkerData);
