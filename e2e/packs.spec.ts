import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { expect, expectSignedInAs, pressKey, rpc, signInAs, startServer, test, writeFile } from './fixtures';

// Issue 10, Offline review packs, end to end with two real servers and real files: an engineer
// exports a pack for an SME from the Sessions view (a download), a second server opens the pack as
// its workspace, the SME labels there under the pack banner, and the engineer merges the returned
// file through Merge packs… (Alt+M): the report, again (nothing added), and damaged files refused.
test.use({ autoReviewer: false });

/** Remembers `reviewerId` in this browser and reloads: the page signs in as them. */
async function openAs(page: Page, reviewerId: number) {
  const info = await rpc<{ path: string }>(page, 'workspace.info', {});
  await page.evaluate(([key, id]) => localStorage.setItem(key, String(id)), [`assay.reviewer:${info.path}`, reviewerId] as const);
  await page.reload();
  await expectSignedInAs(page, reviewerId);
}

/** Every label row and merge record in server A's file (read beside the server, as a backup tool would). */
function labelRows(workspace: string): string {
  const db = new Database(workspace, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return ['reviews', 'review_ratings', 'review_history', 'pack_merges', 'pack_superseded'].map((t) => `${t}=${count(t)}`).join(' ');
  } finally {
    db.close();
  }
}

test('a pack goes out from Sessions, is labelled on another server, and merges back once; damaged copies are refused', async ({ page, assay, browser }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // ── Server A: three outputs of the shipped sample model, a session for Ada ─────────────
  const rows = ['What is 7 + 5?', 'Name a prime above 10.', 'Spell "cat" backwards.'].map((prompt, i) => JSON.stringify({ id: `q-${i}`, prompt, tags: ['week1'] }));
  const file = writeFile(assay.dir, 'packs.jsonl', rows.join('\n') + '\n');
  await page.goto(assay.loginUrl);
  await rpc(page, 'prompts.import', { importId: 'e2e-packs', source: { kind: 'path', path: file } });
  const model = await rpc<{ id: number }>(page, 'models.addTestModel', {});
  const job = await rpc<{ id: number }>(page, 'jobs.create', {
    name: 'pack batch',
    spec: { prompts: { ids: ['q-0', 'q-1', 'q-2'] }, modelIds: [model.id], samplesPerPrompt: 1, sampling: { maxTokens: 12, seed: 5 } },
  });
  await expect.poll(async () => (await rpc<{ status: string }>(page, 'jobs.get', { id: job.id })).status, { timeout: 60_000 }).toBe('done');
  const eve = (await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Eve Engineer', role: 'nlp' })).id;
  const ada = (await rpc<{ id: number }>(page, 'reviewers.create', { name: 'Ada Lovelace', role: 'sme' })).id;
  await openAs(page, eve);
  await rpc(page, 'sessions.create', { reviewerId: eve, name: 'Week 1', filter: { kind: 'review', prompts: { query: '', tags: ['week1'] } }, reviewerIds: [ada], overlap: 1 });

  // ── The engineer exports Ada's pack from the Sessions view: the browser downloads it ───
  await page.getByRole('tab', { name: 'Sessions' }).click();
  await expect(page.getByRole('heading', { name: 'Week 1' })).toBeVisible();
  await page.getByRole('button', { name: 'Export pack for Ada Lovelace' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export pack for Ada Lovelace' });
  await expect(dialog.getByLabel('Reserve for (days)')).toHaveValue('14');
  await dialog.screenshot({ path: test.info().outputPath('export-pack-dialog.png') });
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export pack' }).click();
  const download = await downloading;
  const packDir = fs.mkdtempSync(path.join(assay.dir, 'ada-laptop-'));
  const packFile = path.join(packDir, download.suggestedFilename());
  await download.saveAs(packFile);
  expect(download.suggestedFilename()).toMatch(/^e2e-ada-lovelace-1\.assay$/);
  const report = dialog.getByTestId('pack-export-report');
  await expect(report).toContainText('Ada Lovelace’s pack from “Week 1” holds 3 items, 0 of them gold');
  await expect(report).toContainText('Reserved for Ada Lovelace until');
  await expect(page.getByText(/Pack for Ada Lovelace: 3 items, 0 gold, reserved until/)).toBeVisible();
  await dialog.screenshot({ path: test.info().outputPath('export-pack-report.png') });
  await dialog.getByRole('button', { name: 'Done' }).click();

  // ── Server B opens the pack itself as its workspace; Ada labels two items there ────────
  const laptop = await startServer(packDir, packFile);
  const context = await browser.newContext();
  const sme = await context.newPage();
  sme.on('pageerror', (e) => errors.push(e.message));
  try {
    await sme.goto(laptop.loginUrl);
    await openAs(sme, ada);
    const banner = sme.getByTestId('pack-banner');
    await expect(banner).toContainText('Review pack for Ada Lovelace');
    await expect(banner).toContainText('from “e2e”, session “Week 1”');
    await expect(banner.getByTestId('pack-banner-count')).toHaveText('0 of 3 items labelled');
    await expect(banner).toContainText('When done, close Assay (stop assay serve) and send this file back to Eve Engineer');
    // What a pack refuses shows as an empty state, not errors.
    await sme.getByRole('tab', { name: 'Sessions' }).click();
    await expect(sme.getByTestId('pack-empty')).toContainText('Sessions is not part of a review pack');
    await sme.screenshot({ path: test.info().outputPath('pack-sessions-empty.png') });
    await pressKey(sme, 'Control+2');
    await sme.getByLabel('Work in').selectOption({ label: 'Session: Week 1' });
    await expect(sme.getByTestId('session-counts')).toContainText('0 of 3 done');
    for (const [i, verdict] of (['3', '1'] as const).entries()) {
      for (const key of ['4', '4', '5', verdict]) await sme.keyboard.press(key);
      await sme.keyboard.press('Enter');
      await expect(sme.getByTestId('session-counts')).toContainText(`${i + 1} of 3 done`);
    }
    await expect(banner.getByTestId('pack-banner-count')).toHaveText('2 of 3 items labelled');
    await sme.screenshot({ path: test.info().outputPath('pack-banner.png') });
  } finally {
    await context.close();
    // "Close Assay": the server stops and leaves the whole file (no -wal beside it).
    const exited = new Promise((resolve) => laptop.process.once('exit', resolve));
    laptop.process.kill('SIGTERM');
    await exited;
  }
  expect(fs.existsSync(`${packFile}-wal`)).toBe(false);

  // Meanwhile on server A: Ada labels every item online too (a conflict on the two she did
  // offline, hers here being newer), and Eve labels them, so agreement has two reviewers.
  const generations = (await rpc<{ items: { id: number }[] }>(page, 'generations.list', {})).items.map((g) => g.id);
  for (const [who, verdict] of [[ada, 'acceptable'], [eve, 'good']] as const) {
    await signInAs(page, who);
    for (const generationId of generations) await rpc(page, 'review.save', { generationId, reviewerId: who, verdict, submit: true });
  }
  await signInAs(page, eve);
  expect(labelRows(assay.workspace)).toMatch(/^reviews=6 .* pack_merges=0 pack_superseded=0$/);

  // ── Back on server A: Merge packs… (Alt+M), upload the returned file, read the report ───
  const merge = page.getByRole('dialog', { name: 'Merge packs' });
  await pressKey(page, 'Alt+m');
  await merge.getByLabel('Pack files').setInputFiles(packFile);
  await merge.getByRole('button', { name: 'Merge', exact: true }).click();
  const merged = merge.getByTestId('merge-report');
  await expect(merged).toContainText('Merged 1 pack: 2 labels added (2 reviews, 0 comparison labels, 6 ratings)');
  await expect(merged.getByRole('table', { name: 'Merged packs' })).toContainText(`${path.basename(packFile)}Ada Lovelace2`);
  const conflicts = merged.getByRole('table', { name: 'Conflicts' }).getByRole('row');
  await expect(conflicts).toHaveCount(3);
  for (const row of await conflicts.all().then((rows) => rows.slice(1))) {
    await expect(row).toContainText('Ada Lovelace');
    await expect(row).toContainText(/submitted · (good|bad)/);
    await expect(row).toContainText('submitted · acceptable');
    await expect(row).toContainText('already here');
  }
  await expect(merged.getByRole('table', { name: 'Agreement at merge' })).toContainText('Verdict');
  await merge.screenshot({ path: test.info().outputPath('merge-report.png') });
  const afterMerge = labelRows(assay.workspace);
  expect(afterMerge).toMatch(/^reviews=8 .* pack_merges=1 pack_superseded=2$/);

  // The same file again adds nothing.
  await merged.getByRole('button', { name: 'Merge more packs' }).click();
  await merge.getByLabel('Pack files').setInputFiles(packFile);
  await merge.getByRole('button', { name: 'Merge', exact: true }).click();
  await expect(merge.getByTestId('merge-report')).toContainText('Merged 1 pack: 0 labels added');
  await expect(merge.getByRole('table', { name: 'Merged packs' })).toContainText('none: merged before');
  expect(labelRows(assay.workspace)).toBe(afterMerge);

  // An edited copy (a shipped prompt changed on disk) and a truncated one: refused, nothing written.
  const bytes = fs.readFileSync(packFile);
  const at = bytes.indexOf(Buffer.from('Name a prime above 10.'));
  expect(at).toBeGreaterThan(0);
  const edited = Buffer.from(bytes);
  edited.write('Name a prime above 99.', at);
  const editedFile = path.join(packDir, 'edited.assay');
  fs.writeFileSync(editedFile, edited);
  const truncatedFile = path.join(packDir, 'truncated.assay');
  fs.writeFileSync(truncatedFile, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await merge.getByRole('button', { name: 'Merge more packs' }).click();
  await merge.getByLabel('Pack files').setInputFiles([editedFile, truncatedFile]);
  await merge.getByRole('button', { name: 'Merge 2 packs' }).click();
  const refused = merge.getByTestId('merge-refused');
  await expect(refused).toContainText('Nothing was merged. 2 packs were refused');
  const table = refused.getByRole('table', { name: 'Refused packs' });
  await expect(table.getByRole('row', { name: /edited\.assay/ })).toContainText('checksum does not match');
  await expect(table.getByRole('row', { name: /truncated\.assay/ })).toContainText('truncated');
  await merge.screenshot({ path: test.info().outputPath('merge-refused.png') });
  expect(labelRows(assay.workspace)).toBe(afterMerge);
  await refused.getByRole('button', { name: 'Close' }).click();
  await expect(merge).toBeHidden();
  expect(errors).toEqual([]);
});
