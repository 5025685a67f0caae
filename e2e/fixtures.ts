import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';

export interface AssayServer {
  /** The URL with the one-time token, as `assay serve` prints it. */
  loginUrl: string;
  origin: string;
  workspace: string;
  dir: string;
  process: ChildProcess;
}

/** Starts the built CLI in browser mode on a fresh workspace, exactly as a user would (`extraArgs`: e.g. `--team`). */
export async function startServer(dir: string, workspace = path.join(dir, 'e2e.assay'), extraArgs: string[] = []): Promise<AssayServer> {
  const child = spawn(process.execPath, ['dist/node/cli.mjs', 'serve', '--port', '0', '--workspace', workspace, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ASSAY_TEST: '1' },
  });
  let output = '';
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { loginUrl, origin: new URL(loginUrl).origin, workspace, dir, process: child };
}

/**
 * `ASSAY_E2E_CPU_THROTTLE=N` slows the page's CPU N times (Chromium's DevTools throttling), the way
 * a loaded CI box does: races between a key press and the render it depends on show up on a fast
 * machine too.
 */
export async function throttle(page: Page): Promise<void> {
  const rate = Number(process.env.ASSAY_E2E_CPU_THROTTLE ?? 0);
  if (!(rate > 1)) return;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

export const test = base.extend<{ assay: AssayServer; autoReviewer: boolean }>({
  /**
   * A fresh workspace asks "Who is reviewing?" in a modal on first start. Tests that are not about
   * reviewers answer it automatically (a reviewer named "E2E Reviewer", or the first one listed);
   * `test.use({ autoReviewer: false })` turns that off.
   */
  autoReviewer: [true, { option: true }],
  page: async ({ page, autoReviewer }, use) => {
    await throttle(page);
    if (autoReviewer) {
      const dialog = page.getByRole('dialog', { name: 'Who is reviewing?' });
      await page.addLocatorHandler(dialog, async () => {
        const name = dialog.getByLabel('Name');
        if (await name.isVisible()) {
          await name.fill('E2E Reviewer');
          await dialog.getByRole('button', { name: 'Start reviewing' }).click();
        } else {
          await dialog.getByRole('list', { name: 'Reviewers' }).getByRole('button').first().click();
        }
      });
    }
    await use(page);
  },
  // eslint-disable-next-line no-empty-pattern
  assay: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-e2e-'));
    const server = await startServer(dir);
    await use(server);
    server.process.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

type Rpc<T> = { ok: true; value: T } | { ok: false; error: { message: string } };

/**
 * Calls the app's RPC endpoint from inside the page (so the session cookie goes along), the way
 * specs seed or read data without clicking through the UI. Returns the value; throws on an error.
 */
export async function rpc<T>(page: Page, method: string, input: unknown): Promise<T> {
  const result = await page.evaluate(
    async ([m, i]) => {
      const response = await fetch(`/rpc/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(i) });
      return response.json();
    },
    [method, input] as const,
  );
  const r = result as Rpc<T>;
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value;
}

/**
 * Signs this page's browser session in as a reviewer, as choosing them in the UI does. Browser mode
 * takes the reviewer of every call that names one from the session, so a spec that seeds labels for
 * several reviewers over `rpc` signs in as each first. The page's own UI keeps its reviewer: reload
 * (it signs in again as the remembered one) before driving it as someone else.
 */
export async function signInAs(page: Page, reviewerId: number): Promise<void> {
  await rpc(page, 'session.signIn', { reviewerId });
}

/** Waits until the page has signed its session in as this reviewer (the renderer does on load). */
export async function expectSignedInAs(page: Page, reviewerId: number): Promise<void> {
  await expect.poll(async () => (await rpc<{ reviewerId: number | null }>(page, 'session.get', {})).reviewerId, { timeout: 10_000 }).toBe(reviewerId);
}

/**
 * Presses a key meant for the app's shortcuts (`e`, `n`, `j`, Enter, Ctrl+2…) once it can take it.
 * A bare key press is no locator action: it waits for nothing and runs no locator handler (so not
 * the fixture's answer to the first-start dialog either). This waits until the choice of reviewer
 * is settled (the renderer's `<html data-reviewer>`), no modal is open (an assertion, so the
 * first-start answer runs if that dialog is up), and `ready` (what the key acts on: the selected
 * prompt, the item) is visible, or focused when `focused` is set.
 */
export async function pressKey(page: Page, key: string, ready?: Locator, options: { focused?: boolean } = {}): Promise<void> {
  await expect(page.locator('html[data-reviewer]:not([data-reviewer="loading"])')).toHaveCount(1);
  await expect(page.locator('dialog[open]')).toHaveCount(0);
  await expect(page.locator('html[data-reviewer="asking"]')).toHaveCount(0);
  if (ready) await (options.focused ? expect(ready).toBeFocused() : expect(ready).toBeVisible());
  await page.keyboard.press(key);
}
