// Loads a TypeScript worker from source (tests, tsx); the bundled build never uses this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__tsEntry);
