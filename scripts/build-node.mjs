// Bundles the Node-side entry points (CLI/server, Electron main and preload, workers) into dist/node.
// Our code is bundled; packages stay external and load from node_modules (native ones must).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    format: 'esm',
    entryPoints: {
      cli: 'cli/main.ts',
      'import-worker': 'core/workers/import-worker.ts',
      'llama-worker': 'core/workers/llama-worker.ts',
      'dataset-worker': 'core/workers/dataset-worker.ts',
      'checkpoint-worker': 'core/workers/checkpoint-worker.ts',
      'electron-main': 'electron/main.ts',
    },
    outdir: 'dist/node',
    outExtension: { '.js': '.mjs' },
  }),
  // Sandboxed preloads must be CommonJS.
  build({ ...common, format: 'cjs', entryPoints: { preload: 'electron/preload.ts' }, outdir: 'dist/node', outExtension: { '.js': '.cjs' } }),
]);
