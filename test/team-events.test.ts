/**
 * Event streams filtered per audience (server/authorize.ts eventAudience/streamViewer,
 * server/event-stream.ts): in team mode a label event reaches its writer's own streams and the
 * engineers' and the owner's, never another SME's (blind review holds on the stream too).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanupAll } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';
import { startTeamServer, TEAM_TOKEN, type TeamServer } from './support/team-server';

let ts: TeamServer;
let generationId: number;
let taskId: number;

beforeAll(async () => {
  ts = await startTeamServer('team-events');
  const promptSeq = addPrompt(ts.t.workspace, 'ev-p', 'Two plus two?');
  generationId = addGeneration(ts.t.workspace, { promptSeq, modelId: addModel(ts.t.workspace, 'ev-a'), output: 'four' });
  addGeneration(ts.t.workspace, { promptSeq, modelId: addModel(ts.t.workspace, 'ev-b'), output: '4' });
  await ts.owner('comparisons.createTasks', { prompts: { query: '', tags: [] }, design: 'all-pairs', seed: 1 });
  taskId = (ts.t.workspace.reader.prepare('SELECT id FROM comparison_tasks ORDER BY id LIMIT 1').pluck().get() as number);
});

afterAll(async () => {
  await ts?.server.close();
  await cleanupAll();
});

interface Stream {
  /** Event frames received so far: `name data`. */
  frames(): string[];
  close(): void;
}

/** Opens GET /events with a cookie (or the owner's Bearer token) and resolves once it is registered. */
function listen(headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: ts.server.port, path: '/events', headers: { Host: `127.0.0.1:${ts.server.port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const first = text === '';
        text += chunk;
        if (first)
          resolve({
            frames: () => [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => `${m[1]} ${m[2]}`),
            close: () => req.destroy(),
          });
      });
    });
    req.on('error', reject);
  });
}

describe('team mode: who receives a label event', () => {
  it("an SME's stream gets its own label events and no other reviewer's; engineers and the owner get all", async () => {
    const ada = await ts.invitee('Ada', 'sme');
    const bo = await ts.invitee('Bo', 'sme');
    const eng = await ts.invitee('Eve', 'engineer');
    const owner = await ts.ownerBrowser();
    const streams = {
      ada: await listen({ Cookie: ada.cookie }),
      bo: await listen({ Cookie: bo.cookie }),
      eng: await listen({ Cookie: eng.cookie }),
      owner: await listen({ Cookie: owner }),
      script: await listen({ Authorization: `Bearer ${TEAM_TOKEN}` }),
    };
    try {
      const save = async (who: { cookie: string; reviewerId: number }) => {
        for (const [method, input] of [
          ['review.save', { generationId, reviewerId: who.reviewerId, verdict: 'good', comment: 'ok', submit: true }],
          ['comparisons.label', { taskId, reviewerId: who.reviewerId, choice: 'A', strength: 'clearly', rationale: 'shorter', addTimeSpentMs: 1000 }],
        ] as const) {
          const { result } = await ts.as(who.cookie, method, input);
          expect(result.ok, JSON.stringify(result)).toBe(true);
        }
      };
      await save(ada);
      await save(bo);
      const review = (id: number) => `onDidChangeReview {"generationId":${generationId},"reviewerId":${id}}`;
      const label = (id: number) => `onDidChangeComparisons {"reason":"label","reviewerId":${id}}`;
      const all = [review(ada.reviewerId), label(ada.reviewerId), review(bo.reviewerId), label(bo.reviewerId)];
      await vi.waitFor(() => {
        for (const s of [streams.eng, streams.owner, streams.script]) expect(s.frames()).toEqual(all);
        expect(streams.bo.frames()).toEqual([review(bo.reviewerId), label(bo.reviewerId)]);
      });
      // The writer's own stream has its events; the other SME's never had them.
      expect(streams.ada.frames()).toEqual([review(ada.reviewerId), label(ada.reviewerId)]);
      expect(streams.bo.frames().join('\n')).not.toContain(`"reviewerId":${ada.reviewerId}`);

      // Events about no one's label still go to every stream.
      await ts.owner('taxonomy.create', { name: 'Arithmetic' });
      await vi.waitFor(() => {
        for (const s of Object.values(streams)) expect(s.frames().at(-1)).toBe('onDidChangeTaxonomy {}');
      });
    } finally {
      for (const s of Object.values(streams)) s.close();
    }
  });
});
