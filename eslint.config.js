// Lint, including the layering rules: which folder may import which. Do not relax these rules;
// they keep the engine free of Electron and the renderer free of Node (docs/ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const ours = (...folders) => folders.map((f) => ({ group: [`**/${f}`, `**/${f}/*`, `**/${f}/**`], message: `this layer must not import ${f}/` }));

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'node_modules/', 'test-results/', 'playwright-report/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  // contract/ is shared by every process: it imports nothing of ours and nothing platform-specific.
  {
    files: ['contract/**'],
    rules: restrict([...ours('core', 'db', 'server', 'cli', 'electron', 'renderer'), { group: ['node:*', 'electron', 'react'], message: 'contract/ runs everywhere' }]),
  },
  // The engine is plain Node: never Electron, never the UI.
  {
    files: ['core/**', 'db/**'],
    rules: restrict([...ours('server', 'cli', 'electron', 'renderer'), { group: ['electron', 'react', 'react-dom'], message: 'core/ and db/ are plain Node' }]),
  },
  { files: ['db/**'], rules: restrict([...ours('core', 'server', 'cli', 'electron', 'renderer'), { group: ['electron'], message: 'db/ is plain Node' }]) },
  { files: ['server/**', 'cli/**'], rules: restrict([...ours('electron', 'renderer'), { group: ['electron'], message: 'server/ and cli/ run without Electron' }]) },
  // The renderer reaches the engine only through the contract.
  {
    files: ['renderer/**'],
    rules: restrict([...ours('core', 'db', 'server', 'cli', 'electron'), { group: ['node:*', 'electron', 'better-sqlite3'], message: 'the renderer is a sandboxed web page' }]),
  },
  {
    files: ['scripts/**', 'bin/**', '*.config.*', 'build/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
