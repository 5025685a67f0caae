import { expect, pressKey, test } from './fixtures';

// A view that throws while it renders shows what failed and a way back, not a blank page.
test('a render error in a view shows the error panel; Reload view brings the view back; the other views keep working', async ({ page, assay }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(assay.loginUrl);
  await expect(page.getByRole('heading', { name: 'No prompts yet' })).toBeVisible();
  await pressKey(page, 'Control+2');
  await expect(page.getByRole('tab', { name: 'Review', exact: true })).toHaveAttribute('aria-selected', 'true');

  // The renderer's test tripwire (components/ViewBoundary.tsx): the named view throws on render.
  await page.evaluate(() => sessionStorage.setItem('assay.e2e.failView', 'Compare'));
  await page.getByRole('tab', { name: 'Compare', exact: true }).click();
  const panel = page.getByRole('alert', { name: 'Compare view failed' });
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('heading')).toHaveText('The Compare view stopped working');
  await expect(panel).toContainText('A test asked the Compare view to fail');
  await expect(panel).toContainText('Your saved labels are safe');
  // The rest of the app is still there: the top bar, and another view.
  await page.getByRole('tab', { name: 'Prompts', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'No prompts yet' })).toBeVisible();
  await page.getByRole('tab', { name: 'Compare', exact: true }).click();
  await expect(panel).toBeVisible();

  // Reload view mounts it again; with the cause gone it renders.
  await page.evaluate(() => sessionStorage.removeItem('assay.e2e.failView'));
  await panel.getByRole('button', { name: 'Reload view' }).click();
  await expect(panel).toHaveCount(0);
  await expect(page.locator('.compare-view, [aria-label="Compare"]').first()).toBeVisible();
  // Nothing escaped the boundary to the page.
  expect(errors).toEqual([]);
});
