import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron } from '@playwright/test';
import { expect, test, writeFile } from './fixtures';

const require = createRequire(import.meta.url);

function electronBinary(): string | null {
  try {
    const binary = require('electron') as unknown;
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** The better-sqlite3 build for Electron's ABI that `npm start` makes into .cache/. */
function electronSqliteBinding(): string | null {
  const { version } = require('electron/package.json') as { version: string };
  const binding = path.resolve('.cache', `electron-${version}-better-sqlite3`, 'build', 'Release', 'better_sqlite3.node');
  return fs.existsSync(binding) ? binding : null;
}

const binary = electronBinary();

test.describe('Electron shell', () => {
  test.skip(!binary, 'Electron binary not installed (its download is unreachable here); run `npm start` once where it is.');

  test('opens the workspace in a sandboxed window and imports through the same contract', async () => {
    const binding = electronSqliteBinding();
    test.skip(!binding, 'better-sqlite3 is not built for Electron yet: run `npm start` once.');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-electron-'));
    const workspace = path.join(dir, 'desktop.assay');
    const app = await electron.launch({
      executablePath: binary!,
      args: ['dist/node/electron-main.mjs'],
      env: { ...process.env, ASSAY_WORKSPACE: workspace, ASSAY_SQLITE_BINDING: binding!, ASSAY_USER_DATA: dir },
    });
    try {
      const window = await app.firstWindow();
      await expect(window).toHaveTitle(/desktop — Assay/);
      // The page has no Node: only the preload's generic bridge.
      expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await window.evaluate(() => Object.keys((globalThis as unknown as { assay: object }).assay).sort())).toEqual(['chooseSaveFile', 'invoke', 'on', 'pathForFile']);
      const refused = await window.evaluate(() => (globalThis as unknown as { assay: { invoke: (m: string, i: unknown) => Promise<unknown> } }).assay.invoke('fs.readFile', {}).catch((e: Error) => e.message));
      expect(refused).toContain('Unknown method');

      const file = writeFile(dir, 'desk.jsonl', `${JSON.stringify({ prompt: 'From the desktop' })}\n`);
      await window.getByRole('button', { name: 'Import…' }).click();
      await window.getByLabel('File to import').setInputFiles(file);
      await window.getByRole('dialog').getByRole('button', { name: 'Import', exact: true }).click();
      await expect(window.getByRole('dialog').getByRole('status')).toContainText('1 imported');
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
