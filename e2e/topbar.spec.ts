import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, rpc, startServer, test, type AssayServer } from './fixtures';

// Issue 10, a new user's defect: in team mode the owner's top bar (twelve tabs, the reviewer, Team,
// Guidelines, ⚙) overflowed at 1280 px: ⚙ went off the edge and the workspace name was cut to "de".

let team: AssayServer;

test.beforeEach(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-e2e-topbar-'));
  team = await startServer(dir, path.join(dir, 'design-review.assay'), ['--team']);
});

test.afterEach(() => {
  team.process.kill('SIGTERM');
  fs.rmSync(team.dir, { recursive: true, force: true });
});

/** Every child of the top bar ends inside the window, and the bar itself does not scroll. */
async function barFits(page: Page) {
  return page.locator('header.topbar').evaluate((bar) => {
    const width = document.documentElement.clientWidth;
    const out = Array.from(bar.children).filter((c) => c.getBoundingClientRect().right > width + 0.5).map((c) => c.className || c.tagName);
    return { out, scrolls: bar.scrollWidth > bar.clientWidth + 1 };
  });
}

const nameCut = (page: Page) => page.locator('.workspace-name').evaluate((el) => el.scrollWidth > el.clientWidth + 1);

test('the owner\'s top bar fits at 1280×800 in team mode; narrower, the workspace name is cut with an ellipsis and its tooltip', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(team.loginUrl);
  const owner = await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Olive Owner', role: 'nlp' });
  await rpc(page, 'session.signIn', { reviewerId: owner.id });
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, owner.id] as const);
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Adjudication' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Team' })).toBeVisible();
  await expect(page.locator('.workspace-name')).toHaveText('design-review');
  await page.locator('header.topbar').screenshot({ path: test.info().outputPath('topbar-1280.png') });

  expect(await barFits(page)).toEqual({ out: [], scrolls: false });
  expect(await nameCut(page)).toBe(false);
  await expect(page.getByRole('button', { name: /workspace settings/i })).toBeInViewport({ ratio: 1 });

  // Narrower: nothing leaves the window; the name gives way with an ellipsis, the whole of it in the tooltip.
  for (const width of [1100, 960]) {
    await page.setViewportSize({ width, height: 800 });
    await page.locator('header.topbar').screenshot({ path: test.info().outputPath(`topbar-${width}.png`) });
    expect(await barFits(page), `at ${width} px`).toEqual({ out: [], scrolls: false });
    await expect(page.getByRole('button', { name: /workspace settings/i })).toBeInViewport({ ratio: 1 });
  }
  // At 1100 px the name is cut, not gone: a stub with an ellipsis, the whole name in its tooltip.
  await page.setViewportSize({ width: 1100, height: 800 });
  const name = page.locator('.workspace-name');
  await expect(name).toBeVisible();
  expect(await name.evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(30);
  expect(await nameCut(page)).toBe(true);
  await expect(name).toHaveCSS('text-overflow', 'ellipsis');
  await expect(name).toHaveAttribute('title', 'design-review');
});
