import { expect, rpc, signInAs, test } from './fixtures';

/** Calls the engine the way the UI does (same origin, the session cookie); throws on an error value. */
test('taxonomy: create a class and a subclass, rename, merge, retire and undo; the rates chart renders', async ({ page, assay }) => {
  // Loading the tiny model for the rates takes a while on a busy machine.
  test.setTimeout(120_000);
  await page.goto(assay.loginUrl);
  await page.getByRole('tab', { name: 'Taxonomy' }).click();
  // The first-start dialog was answered by the fixture.
  await expect(page.getByRole('button', { name: /E2E Reviewer/ })).toBeVisible();

  // A new workspace starts with the example class.
  const tree = page.getByRole('tree', { name: 'Failure classes' });
  await expect(tree.getByRole('treeitem')).toHaveCount(1);
  // Its "example" badge says what it means on hover, and its page says it in words.
  await expect(tree.locator('.example-badge')).toHaveAttribute('title', /example class shipped with every new workspace/);
  await tree.getByRole('treeitem').first().click();
  await expect(page.getByLabel('About the example class')).toContainText('An example class shipped with every new workspace: rename, edit or retire it');
  await page.screenshot({ path: test.info().outputPath('taxonomy-start.png') });

  // Create a class.
  await page.getByRole('button', { name: 'New class' }).click();
  const form = page.getByRole('form', { name: 'New failure class' });
  await form.getByLabel('Name').fill('Units');
  await form.getByLabel('Description').fill('Mixes up units or converts them wrongly.');
  await form.getByLabel('Example').fill('“5 miles is 5 km”');
  await form.getByRole('button', { name: /Save/ }).click();
  await expect(tree.getByRole('treeitem', { name: 'Units', exact: true })).toBeVisible();
  const detail = page.getByRole('article', { name: 'Class Units' });
  await expect(detail).toContainText('converts them wrongly');

  // A subclass, saved from the keyboard.
  await detail.getByRole('button', { name: 'Add subclass' }).click();
  const subForm = page.getByRole('form', { name: 'New subclass of “Units”' });
  await subForm.getByLabel('Name').fill('Temperature sclaes');
  await page.keyboard.press('Control+s');
  await expect(tree.getByRole('treeitem', { name: 'Temperature sclaes' })).toHaveAttribute('aria-level', '2');

  // Rename it.
  await page.getByRole('article', { name: 'Class Temperature sclaes' }).getByRole('button', { name: 'Edit' }).click();
  const editForm = page.getByRole('form', { name: 'Edit “Temperature sclaes”' });
  await editForm.getByLabel('Name').fill('Temperature scales');
  await editForm.getByRole('button', { name: /Save/ }).click();
  await expect(tree.getByRole('treeitem', { name: 'Temperature scales' })).toHaveAttribute('aria-level', '2');
  await expect(tree.getByRole('treeitem', { name: 'Temperature sclaes' })).toHaveCount(0);

  // Two more top-level classes, one merged into the other.
  for (const name of ['Hallucinated citation', 'Made-up source']) {
    await page.getByRole('button', { name: 'New class' }).click();
    await page.getByRole('form', { name: 'New failure class' }).getByLabel('Name').fill(name);
    await page.keyboard.press('Control+s');
    await expect(tree.getByRole('treeitem', { name })).toBeVisible();
  }
  await expect(tree.getByRole('treeitem')).toHaveCount(5);
  await page.screenshot({ path: test.info().outputPath('taxonomy-tree.png') });

  await tree.getByRole('treeitem', { name: 'Made-up source' }).click();
  await page.getByRole('article', { name: 'Class Made-up source' }).getByRole('button', { name: 'Merge…' }).click();
  const merge = page.getByRole('form', { name: 'Merge Made-up source' });
  await merge.getByRole('radio', { name: /Hallucinated citation/ }).check();
  await page.screenshot({ path: test.info().outputPath('taxonomy-merge.png') });
  await merge.getByRole('button', { name: 'Merge into “Hallucinated citation”' }).click();
  await expect(page.getByRole('status')).toContainText('Merged “Made-up source” into “Hallucinated citation”');
  await expect(tree.getByRole('treeitem', { name: 'Made-up source' })).toHaveCount(0);
  await expect(tree.getByRole('treeitem')).toHaveCount(4);

  // Show retired: the merged class is there, marked.
  await page.getByLabel('Show retired').check();
  await expect(tree.getByRole('treeitem', { name: 'Made-up source' })).toContainText('merged into Hallucinated citation');
  await page.getByLabel('Show retired').uncheck();

  // Retire the subclass, then undo from the toast.
  await tree.getByRole('treeitem', { name: 'Temperature scales' }).click();
  await page.getByRole('article', { name: 'Class Temperature scales' }).getByRole('button', { name: 'Retire' }).click();
  await expect(page.getByRole('status')).toContainText('Retired “Temperature scales”');
  await expect(tree.getByRole('treeitem', { name: 'Temperature scales' })).toHaveCount(0);
  await page.locator('.toast').filter({ hasText: 'Retired “Temperature scales”' }).getByRole('button', { name: 'Undo (Ctrl+Z)' }).click();
  await expect(tree.getByRole('treeitem', { name: 'Temperature scales' })).toHaveAttribute('aria-level', '2');

  // Retire again with the keyboard and undo with Ctrl+Z.
  await tree.getByRole('treeitem', { name: 'Temperature scales' }).click();
  await page.keyboard.press('Delete');
  await expect(tree.getByRole('treeitem', { name: 'Temperature scales' })).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(tree.getByRole('treeitem', { name: 'Temperature scales' })).toBeVisible();

  // No submitted reviews yet: the rates say what to do.
  const rates = page.getByRole('region', { name: 'Failure rates' });
  await expect(rates).toContainText('No rates yet');

  // A submitted review with a tag, set up through /rpc: the tiny model answers a prompt in the playground.
  const classes = await rpc<{ id: number; name: string }[]>(page, 'taxonomy.list', {});
  const units = classes.find((c) => c.name === 'Units')!;
  const [reviewer] = await rpc<{ id: number }[]>(page, 'reviewers.list', {});
  // The labels below are written as this reviewer: the session must be signed in as them.
  await signInAs(page, reviewer!.id);
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  await rpc(page, 'prompts.create', { id: 'sum-1', prompt: 'What is seven plus 5?' });
  const generations: number[] = [];
  for (const streamId of ['tax-1', 'tax-2']) {
    await rpc(page, 'playground.generate', { streamId, modelId: model.id, prompt: { promptId: 'sum-1' }, sampling: { maxTokens: 8, seed: 7 } });
    generations.push((await rpc<{ id: number }>(page, 'playground.save', { streamId })).id);
  }
  // One of two outputs tagged: a 50% rate.
  await rpc(page, 'review.addTag', { generationId: generations[0], reviewerId: reviewer!.id, classId: units.id });
  for (const generationId of generations) await rpc(page, 'review.save', { generationId, reviewerId: reviewer!.id, submit: true });

  // The view follows the review events.
  await expect(rates.getByRole('table')).toBeVisible();
  const row = rates.getByRole('row', { name: /^Units/ });
  await expect(row).toContainText('50%');
  await expect(row).toContainText('1/2');
  await expect(rates.getByRole('img', { name: 'Failure rate per class and model' }).locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(rates.locator('.recharts-legend-item')).toContainText('tiny test model');
  await tree.getByRole('treeitem', { name: 'Units', exact: true }).click();
  await expect(page.getByRole('article', { name: 'Class Units' })).toContainText('1 of 2 reviewed');
  await page.screenshot({ path: test.info().outputPath('taxonomy-rates.png'), fullPage: true });
});
