import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackExportResult, PackMergeReport, Result } from '../contract';
import { Engine } from '../core/engine';
import { openWorkspace } from '../core/workspace/workspace';
import { cleanupAll, tempDir, unwrap } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';
import { startTeamServer, type TeamServer } from './support/team-server';

// Browser mode's routes for review packs (Sessions › Export pack…, Merge packs…): the download of an
// exported pack and the size-limited upload of a returned one, with their role checks in team mode.
const LIMIT = 4 * 1024 * 1024;
let ts: TeamServer;
let engineer: { reviewerId: number; cookie: string };
let sme: { reviewerId: number; cookie: string };
let generations: number[] = [];
let exported: PackExportResult;

beforeAll(async () => {
  ts = await startTeamServer('packs-http', { maxPackUploadBytes: LIMIT });
  const model = addModel(ts.t.workspace, 'pack-model');
  generations = [0, 1, 2].map((i) => addGeneration(ts.t.workspace, { promptSeq: addPrompt(ts.t.workspace, `pk-${i}`, `Question ${i}?`), modelId: model, output: `answer ${i}` }));
  engineer = await ts.invitee('Eve', 'engineer');
  sme = await ts.invitee('Ada', 'sme');
  const reply = await ts.as(engineer.cookie, 'packs.export', { packReviewerId: sme.reviewerId, generationIds: generations, senderId: engineer.reviewerId });
  exported = unwrap(reply.result as Result<PackExportResult>);
}, 60_000);

afterAll(async () => {
  await ts?.server.close();
  await cleanupAll();
});

const downloadPath = (r: PackExportResult) => `/packs/${encodeURIComponent(r.packId)}/${encodeURIComponent(path.basename(r.file))}`;

function upload(cookie: string, body: Buffer | string): Promise<{ status: number; result: Result<{ uploadId: string; bytes: number }> }> {
  return ts.request('/upload?for=pack', { method: 'POST', headers: { Cookie: cookie }, body: body as string }).then((r) => ({ status: r.status, result: JSON.parse(r.body) as Result<{ uploadId: string; bytes: number }> }));
}

describe('GET /packs/<packId>/<file>', () => {
  it('serves the pack packs.export wrote to an engineer, whole', async () => {
    expect(exported).toMatchObject({ reviewerName: 'Ada', generations: 3, reservedUntil: null });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      void import('node:http').then((http) =>
        http
          .get({ host: '127.0.0.1', port: ts.server.port, path: downloadPath(exported), headers: { Host: `127.0.0.1:${ts.server.port}`, Cookie: engineer.cookie } }, (res) => {
            expect(res.statusCode).toBe(200);
            expect(res.headers['content-disposition']).toBe(`attachment; filename="${path.basename(exported.file)}"`);
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          })
          .on('error', reject),
      );
    });
    expect(reply.equals(fs.readFileSync(exported.file))).toBe(true);
  });

  it('refuses a role without packs.export in team mode, and names only packs it exported', async () => {
    const refused = await ts.request(downloadPath(exported), { headers: { Cookie: sme.cookie } });
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('To download review packs you need the NLP engineer role; you are signed in as SME. Ask the owner (who started this server).');
    expect((await ts.request(`/packs/${exported.packId}/other.assay`, { headers: { Cookie: engineer.cookie } })).status).toBe(404);
    expect((await ts.request('/packs/not-a-pack/x.assay', { headers: { Cookie: engineer.cookie } })).body).toMatch(/^No such review pack/);
    expect((await ts.request(`/packs/${exported.packId}/%E0%A4%A`, { headers: { Cookie: engineer.cookie } })).status).toBe(400);
  });

  it('the pack says who it is for, who sent it and how much is labelled', async () => {
    const copy = path.join(tempDir('assay-packs-http-'), 'ada.assay');
    fs.copyFileSync(exported.file, copy);
    const engine = new Engine(openWorkspace(copy), { shell: 'browser', runJobs: false });
    try {
      expect(unwrap(await engine.call('packs.info', {}))).toMatchObject({ reviewerName: 'Ada', sentBy: 'Eve', items: 3, labelled: 0 });
      unwrap(await engine.call('review.save', { generationId: generations[0]!, reviewerId: sme.reviewerId, verdict: 'good', submit: true }));
      unwrap(await engine.call('review.save', { generationId: generations[1]!, reviewerId: sme.reviewerId, verdict: 'bad', submit: false }));
      // A draft is not labelled yet.
      expect(unwrap(await engine.call('workspace.info', {})).pack).toMatchObject({ labelled: 1 });
    } finally {
      await engine.close();
    }
  });
});

describe('POST /upload?for=pack', () => {
  it('takes a returned pack, which packs.merge then merges by its upload id (again: nothing added)', async () => {
    const copy = path.join(tempDir('assay-packs-http-'), 'returned.assay');
    fs.copyFileSync(exported.file, copy);
    const engine = new Engine(openWorkspace(copy), { shell: 'browser', runJobs: false });
    try {
      unwrap(await engine.call('review.save', { generationId: generations[2]!, reviewerId: sme.reviewerId, verdict: 'acceptable', submit: true }));
    } finally {
      await engine.close();
    }
    const bytes = fs.readFileSync(copy);
    for (const expected of [1, 0]) {
      const up = await upload(engineer.cookie, bytes);
      expect(up.status).toBe(200);
      const { uploadId } = unwrap(up.result);
      const merged = await ts.as(engineer.cookie, 'packs.merge', { sources: [{ kind: 'upload', uploadId, fileName: 'returned.assay' }] });
      const report = unwrap(merged.result as Result<PackMergeReport>);
      expect(report.packs).toMatchObject([{ file: 'returned.assay', reviewerName: 'Ada', labels: expected, alreadyMerged: expected === 0 }]);
    }
  });

  it('refuses a role without packs.merge, a file that is not a pack, an empty one and an oversized one, keeping nothing', async () => {
    const before = ts.dump();
    const refused = await ts.request('/upload?for=pack', { method: 'POST', headers: { Cookie: sme.cookie }, body: 'SQLite format 3\0' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/To upload review packs you need the NLP engineer role/);
    const text = await upload(engineer.cookie, '{"prompt": "not a pack"}\n'.repeat(100));
    expect(text.status).toBe(400);
    expect(text.result).toEqual({
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'That file is not a review pack (an Assay pack is an SQLite file; this one starts with "{\\"prompt\\": \\"not "), so it was not uploaded. Choose the .assay file the reviewer returned.',
      },
    });
    const empty = await upload(engineer.cookie, '');
    expect(empty.status).toBe(400);
    expect(empty.result).toMatchObject({ ok: false, error: { message: /^That file is empty/ } });
    const big = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(LIMIT)]);
    const over = await upload(engineer.cookie, big);
    expect(over.status).toBe(413);
    expect(over.result).toMatchObject({ ok: false, error: { code: 'invalid_input', message: /^That file is larger than a review pack may be here \(4 MB\), so it was not uploaded\. Merge it on the machine running Assay/ } });
    // A short SQLite-looking file uploads, and the merge refuses it whole, saying why.
    const stub = await upload(engineer.cookie, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(100)]));
    const merged = await ts.as(engineer.cookie, 'packs.merge', { sources: [{ kind: 'upload', uploadId: unwrap(stub.result).uploadId, fileName: 'stub.assay' }] });
    expect(merged.result).toMatchObject({ ok: false, error: { code: 'invalid_input', details: { refusals: [{ file: 'stub.assay', reason: expect.stringMatching(/damaged|truncated/) }] } } });
    expect(ts.dump()).toEqual(before);
  });
});
