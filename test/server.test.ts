import fs from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, type ImportReport, type Result } from '../contract';
import type { Engine } from '../core/engine';
import { type RunningServer, serve } from '../server/server';
import { cleanupAll, importId, jsonl, newEngine, type TestEngine, tempDir, unwrap, writeFile } from './helpers';
import { addGeneration, addModel, addPrompt } from './support/review-fixtures';
import Database from 'better-sqlite3';

const TOKEN = 'test-token-0123456789abcdef0123456789abcdef';
const INDEX_HTML = '<!doctype html><title>Assay test UI</title><div id="root"></div>';
const SECRET = 'top-secret-outside-static-dir';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestEngine;
let engine: Engine;
let server: RunningServer;
let staticDir: string;

/** A raw HTTP request, so Host, Origin and the path are sent exactly as given. */
function request(
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; host?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: pathname,
        headers: { Host: options.host ?? `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = { Authorization: `Bearer ${TOKEN}` };

function rpc(method: string, input: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(`/rpc/${method}`, {
    method: 'POST',
    headers: { ...bearer, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
}

async function rpcValue<T>(method: string, input: unknown): Promise<T> {
  const reply = await rpc(method, input);
  expect(reply.status).toBe(200);
  const result = JSON.parse(reply.body) as Result<T>;
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  t = newEngine('server');
  engine = t.engine;
  const root = tempDir('assay-static-');
  staticDir = path.join(root, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  writeFile(staticDir, 'index.html', INDEX_HTML);
  writeFile(path.join(staticDir, 'assets'), 'app.js', 'console.log("ui")');
  // A file beside the static dir, which no URL may reach.
  writeFile(root, 'secret.txt', SECRET);
  server = await serve({ engine, staticDir, token: TOKEN, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await cleanupAll();
});

describe('browser-mode server: the token', () => {
  it('reports where it listens', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.loginUrl).toBe(`${server.url}?token=${TOKEN}`);
  });

  it('refuses requests without a token, with a wrong one, or with a wrong ?token=', async () => {
    expect((await request('/')).status).toBe(401);
    expect((await rpc('workspace.info', {}, { Authorization: '' })).status).toBe(401);
    expect((await rpc('workspace.info', {}, { Authorization: `Bearer ${TOKEN.slice(0, -1)}x` })).status).toBe(401);
    expect((await rpc('workspace.info', {}, { Authorization: 'Bearer short' })).status).toBe(401);
    expect((await rpc('workspace.info', {}, { Authorization: `Basic ${TOKEN}` })).status).toBe(401);
    const wrongQuery = await request(`/?token=${TOKEN.slice(0, -1)}x`);
    expect(wrongQuery.status).toBe(401);
    expect(wrongQuery.headers['set-cookie']).toBeUndefined();
    expect(wrongQuery.body).not.toContain(TOKEN);
    expect((await request('/?token=')).status).toBe(401);
    // A cookie for another port is not ours, and the token itself is not a session.
    expect((await request('/', { headers: { Cookie: `assay_session_1=${TOKEN}` } })).status).toBe(401);
    expect((await request('/', { headers: { Cookie: `assay_session_${server.port}=wrong` } })).status).toBe(401);
    expect((await request('/', { headers: { Cookie: `assay_session_${server.port}=${TOKEN}` } })).status).toBe(401);
  });

  it('trades a correct ?token= for a session: an HttpOnly SameSite=Strict cookie, which then works', async () => {
    const login = await request(`/?token=${TOKEN}`);
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/');
    const setCookie = login.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(new RegExp(`^assay_session_${server.port}=[a-f0-9]{64};`));
    // The cookie is a session id, not the token.
    expect(setCookie).not.toContain(TOKEN);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);

    const cookie = setCookie.split(';')[0]!;
    const page = await request('/', { headers: { Cookie: `other=1; ${cookie}` } });
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX_HTML);
    const info = await rpc('workspace.info', {}, { Authorization: '', Cookie: cookie });
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { shell: 'browser' } });
  });
});

describe('browser-mode server: Host and Origin', () => {
  it('refuses a foreign Host even with the right token (DNS rebinding)', async () => {
    for (const host of [`evil.com:${server.port}`, 'localhost:1', `localhost:${server.port + 1}`, 'localhost', '127.0.0.1', `127.0.0.1.evil.com:${server.port}`]) {
      const reply = await request('/rpc/workspace.info', {
        method: 'POST',
        host,
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(reply.status, `Host: ${host}`).toBe(403);
      expect(reply.body).not.toContain('"ok":true');
      // The login URL does not hand out a cookie to a foreign Host either.
      const login = await request(`/?token=${TOKEN}`, { host });
      expect(login.status, `login with Host: ${host}`).toBe(403);
      expect(login.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a request without any Host header', async () => {
    // HTTP/1.0 may leave Host out; node's client always adds one, so this goes over a raw socket.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(`GET /?token=${TOKEN} HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (data += c));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(raw).not.toMatch(/set-cookie/i);
  });

  it('accepts the local names of its own port', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
      expect((await request('/', { host, headers: bearer })).status, `Host: ${host}`).toBe(200);
    }
  });

  it('refuses a foreign Origin even with the right token (CSRF), and accepts its own', async () => {
    for (const origin of ['http://evil.com', 'http://localhost:1', `https://127.0.0.1:${server.port}`, 'null', `http://evil.com:${server.port}`]) {
      const reply = await rpc('workspace.info', {}, { Origin: origin });
      expect(reply.status, `Origin: ${origin}`).toBe(403);
      const upload = await request('/upload', { method: 'POST', headers: { ...bearer, Origin: origin }, body: '{"prompt":"x"}\n' });
      expect(upload.status, `upload with Origin: ${origin}`).toBe(403);
    }
    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      const reply = await rpc('workspace.info', {}, { Origin: origin });
      expect(reply.status, `Origin: ${origin}`).toBe(200);
    }
  });

  it('sends protective headers on every answer', async () => {
    const reply = await request('/');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('browser-mode server: /rpc', () => {
  it('answers workspace.info with a Bearer token', async () => {
    const reply = await rpc('workspace.info', {});
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(reply.body) as Result<{ shell: string; path: string; promptCount: number }>;
    expect(body).toMatchObject({ ok: true, value: { shell: 'browser', path: t.file, promptCount: 0 } });
  });

  it('wants a JSON content type (no simple cross-site form posts)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const reply = await rpc('workspace.info', {}, { 'Content-Type': type });
      expect(reply.status, type).toBe(415);
      expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    const none = await request('/rpc/workspace.info', { method: 'POST', headers: bearer, body: '{}' });
    expect(none.status).toBe(415);
  });

  it('answers unknown methods with 404 unknown_method, bad JSON with 400, bad input with ok:false', async () => {
    const unknown = await rpc('nope', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });

    const badJson = await request('/rpc/workspace.info', { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' }, body: '{nope' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    const badInput = await rpc('prompts.list', { limit: 9999 });
    expect(badInput.status).toBe(200);
    expect(JSON.parse(badInput.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    const notFound = await rpc('prompts.get', { id: 'missing' });
    expect(JSON.parse(notFound.body)).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // GET is not how RPC is called.
    const get = await request('/rpc/workspace.info', { headers: bearer });
    expect(get.body).not.toContain('"ok":true');
  });

  it('takes an empty body as {}', async () => {
    const reply = await request('/rpc/workspace.info', { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' } });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true });
  });

  it('reads and changes the workspace settings, and refuses a field the contract does not name', async () => {
    expect(await rpcValue('settings.get', {})).toEqual({ blindReviewers: true, blindComparisons: true });
    expect(await rpcValue('settings.update', { blindComparisons: false })).toEqual({ blindReviewers: true, blindComparisons: false });
    const refused = JSON.parse((await rpc('settings.update', { blindReviewers: false, admin: true })).body) as Result<unknown>;
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await rpcValue('settings.update', { blindComparisons: true })).toEqual({ blindReviewers: true, blindComparisons: true });
  });
});

describe('browser-mode server: who wrote a label comes from the session', () => {
  let ada: number;
  let bo: number;
  let generationId: number;
  let taskId: number;

  /** Logs in with the token URL, as a browser does: a new session, signed in as nobody. */
  async function login(): Promise<string> {
    const reply = await request(`/?token=${TOKEN}`);
    expect(reply.status).toBe(302);
    return reply.headers['set-cookie']![0]!.split(';')[0]!;
  }
  /** An RPC call as a browser makes it: the session cookie, no Bearer token. */
  async function asBrowser(cookie: string, method: string, input: unknown): Promise<{ status: number; result: Result<unknown> }> {
    const reply = await rpc(method, input, { Authorization: '', Cookie: cookie });
    return { status: reply.status, result: JSON.parse(reply.body) as Result<unknown> };
  }
  /** What the workspace file holds, read with a separate connection (not through the engine). */
  function stored(): { reviews: { reviewer_id: number; comment: string }[]; labels: { reviewer_id: number; rationale: string }[] } {
    const db = new Database(t.file, { readonly: true });
    try {
      return {
        reviews: db.prepare('SELECT reviewer_id, comment FROM reviews WHERE generation_id = ? ORDER BY reviewer_id').all(generationId) as never,
        labels: db.prepare('SELECT reviewer_id, rationale FROM comparison_labels WHERE task_id = ? ORDER BY reviewer_id').all(taskId) as never,
      };
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    ada = (await rpcValue<{ id: number }>('reviewers.create', { name: 'Ada', role: 'sme' })).id;
    bo = (await rpcValue<{ id: number }>('reviewers.create', { name: 'Bo', role: 'nlp' })).id;
    const promptSeq = addPrompt(t.workspace, 'session-p', 'Two plus two?');
    generationId = addGeneration(t.workspace, { promptSeq, modelId: addModel(t.workspace, 'session-a'), output: 'four' });
    addGeneration(t.workspace, { promptSeq, modelId: addModel(t.workspace, 'session-b'), output: '5' });
    unwrap(await engine.call('comparisons.createTasks', { prompts: { query: 'Two plus two', tags: [] } }));
    taskId = unwrap(await engine.call('comparisons.next', { reviewerId: ada })).taskId!;
    expect(taskId).toBeGreaterThan(0);
  });

  it('refuses a write from a browser that has not said who it is, and stores nothing', async () => {
    const cookie = await login();
    expect((await asBrowser(cookie, 'session.get', {})).result).toEqual({ ok: true, value: { reviewerId: null, mode: 'single', role: 'owner', bound: false, forbidden: [] } });
    const save = await asBrowser(cookie, 'review.save', { generationId, reviewerId: ada, comment: 'nobody', submit: true });
    expect(save.status).toBe(401);
    expect(save.result).toMatchObject({ ok: false, error: { code: 'reviewer_required', message: expect.stringMatching(/^Choose who you are first/) } });
    // A Bearer script without a session is refused the same way.
    const script = await rpc('comparisons.label', { taskId, reviewerId: ada, choice: 'A' });
    expect(script.status).toBe(401);
    expect(JSON.parse(script.body)).toMatchObject({ ok: false, error: { code: 'reviewer_required' } });
    expect(stored()).toEqual({ reviews: [], labels: [] });
  });

  it('signed in as Ada, a review.save or comparisons.label naming Bo is refused and nothing is stored', async () => {
    const cookie = await login();
    const signIn = await asBrowser(cookie, 'session.signIn', { reviewerId: ada });
    expect(signIn.result).toMatchObject({ ok: true, value: { id: ada, name: 'Ada' } });
    expect((await asBrowser(cookie, 'session.get', {})).result).toEqual({ ok: true, value: { reviewerId: ada, mode: 'single', role: 'owner', bound: false, forbidden: [] } });

    const tampered = [
      ['review.save', { generationId, reviewerId: bo, comment: 'forged', submit: true }],
      ['comparisons.label', { taskId, reviewerId: bo, choice: 'B', rationale: 'forged' }],
      ['corrections.save', { generationId, reviewerId: bo, text: 'forged' }],
      ['review.saveStep', { generationId, reviewerId: bo, body: 'forged' }],
      ['guidelines.save', { body: 'forged', reviewerId: bo }],
      // Reads as another reviewer are refused too (blind reviewers).
      ['review.item', { generationId, reviewerId: bo }],
      // A reviewer given as a string, or left out, is not Ada either.
      ['review.save', { generationId, reviewerId: String(ada), comment: 'forged' }],
      ['review.save', { generationId, comment: 'forged' }],
    ] as const;
    for (const [method, input] of tampered) {
      const reply = await asBrowser(cookie, method, input);
      expect(reply.status, method).toBe(403);
      expect(reply.result, method).toMatchObject({ ok: false, error: { code: 'wrong_reviewer' } });
    }
    const refused = await asBrowser(cookie, 'review.save', { generationId, reviewerId: bo, comment: 'forged' });
    expect((refused.result as { error: { message: string } }).error.message).toMatch(new RegExp(`^This window is signed in as Ada; the request names reviewer #${bo}\\.`));
    expect(stored()).toEqual({ reviews: [], labels: [] });
    const guidelines = await rpcValue<{ version: number }>('guidelines.get', {});
    expect(guidelines.version).toBe(0);

    // Naming herself, Ada writes.
    expect((await asBrowser(cookie, 'review.save', { generationId, reviewerId: ada, comment: 'by Ada', submit: true })).result).toMatchObject({ ok: true });
    expect((await asBrowser(cookie, 'comparisons.label', { taskId, reviewerId: ada, choice: 'A', rationale: 'by Ada' })).result).toMatchObject({ ok: true });
    expect(stored()).toEqual({ reviews: [{ reviewer_id: ada, comment: 'by Ada' }], labels: [{ reviewer_id: ada, rationale: 'by Ada' }] });

    // Switched to Bo, the same browser writes as Bo and no longer as Ada.
    expect((await asBrowser(cookie, 'session.signIn', { reviewerId: bo })).result).toMatchObject({ ok: true, value: { id: bo } });
    expect((await asBrowser(cookie, 'review.save', { generationId, reviewerId: bo, comment: 'by Bo' })).result).toMatchObject({ ok: true });
    expect((await asBrowser(cookie, 'review.save', { generationId, reviewerId: ada, comment: 'forged' })).status).toBe(403);
    expect(stored().reviews).toEqual([
      { reviewer_id: ada, comment: 'by Ada' },
      { reviewer_id: bo, comment: 'by Bo' },
    ]);
  });

  it('refuses to sign in as a reviewer who does not exist, and keeps the session as it was', async () => {
    const cookie = await login();
    expect((await asBrowser(cookie, 'session.signIn', { reviewerId: ada })).result).toMatchObject({ ok: true });
    expect((await asBrowser(cookie, 'session.signIn', { reviewerId: 9999 })).result).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await asBrowser(cookie, 'session.get', {})).result).toEqual({ ok: true, value: { reviewerId: ada, mode: 'single', role: 'owner', bound: false, forbidden: [] } });
  });

  it('two browser sessions signed in as two reviewers at once each write as themselves', async () => {
    const [adaCookie, boCookie] = [await login(), await login()];
    expect(adaCookie).not.toBe(boCookie);
    await asBrowser(adaCookie, 'session.signIn', { reviewerId: ada });
    await asBrowser(boCookie, 'session.signIn', { reviewerId: bo });
    const writes = await Promise.all([
      asBrowser(adaCookie, 'comparisons.label', { taskId, reviewerId: ada, choice: 'A', rationale: 'Ada again' }),
      asBrowser(boCookie, 'comparisons.label', { taskId, reviewerId: bo, choice: 'B', rationale: 'Bo' }),
      asBrowser(adaCookie, 'comparisons.label', { taskId, reviewerId: bo, choice: 'tie', rationale: 'forged' }),
      asBrowser(boCookie, 'comparisons.label', { taskId, reviewerId: ada, choice: 'tie', rationale: 'forged' }),
    ]);
    expect(writes.map((w) => w.status)).toEqual([200, 200, 403, 403]);
    expect(writes.slice(0, 2).every((w) => w.result.ok)).toBe(true);
    expect(stored().labels).toEqual([
      { reviewer_id: ada, rationale: 'Ada again' },
      { reviewer_id: bo, rationale: 'Bo' },
    ]);
  });

  it('a Bearer script signs in too: session.signIn hands it a session cookie', async () => {
    const reply = await rpc('session.signIn', { reviewerId: bo });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true, value: { id: bo } });
    const cookie = reply.headers['set-cookie']![0]!.split(';')[0]!;
    expect(cookie).toMatch(new RegExp(`^assay_session_${server.port}=[a-f0-9]{64}$`));
    const save = await rpc('review.save', { generationId, reviewerId: bo, comment: 'Bo by script' }, { Cookie: cookie });
    expect(JSON.parse(save.body)).toMatchObject({ ok: true });
    expect(stored().reviews.find((r) => r.reviewer_id === bo)?.comment).toBe('Bo by script');
  });

  it('the engine alone (Electron: one local user over IPC) only checks the reviewer exists and keeps no session', async () => {
    expect(unwrap(await engine.call('session.signIn', { reviewerId: ada }))).toMatchObject({ id: ada, name: 'Ada' });
    expect(unwrap(await engine.call('session.get', {}))).toEqual({ reviewerId: null, mode: 'single', role: 'owner', bound: false, forbidden: [] });
    expect(await engine.dispatch('session.signIn', { reviewerId: 9999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Over IPC the body's reviewer is the window's own: the engine does not refuse it.
    expect((await engine.dispatch('review.item', { generationId, reviewerId: bo })).ok).toBe(true);
  });

  it('reads every method that names a reviewer from the contract, and leaves filters alone', async () => {
    const { attributedMethods } = await import('../server/sessions');
    const attributed = attributedMethods();
    for (const method of ['review.save', 'review.item', 'review.removeTag', 'corrections.save', 'comparisons.label', 'comparisons.deleteLabel', 'guidelines.save']) {
      expect(attributed.get(method as never), method).toBe('reviewerId');
    }
    // The leaderboard's optional reviewerId and the exports' reviewerIds filter say whose labels to read.
    for (const method of ['comparisons.leaderboard', 'datasets.export', 'session.signIn', 'reviewers.create']) expect(attributed.has(method as never), method).toBe(false);
  });
});

describe('browser-mode server: upload, import and events', () => {
  it('imports an uploaded file and streams progress and change events over SSE', async () => {
    // Listen to /events first, the way the UI does.
    const frames: { event: string; data: unknown }[] = [];
    let sseStatus = 0;
    let sseType = '';
    let buffer = '';
    const sse = http.get(
      { host: '127.0.0.1', port: server.port, path: '/events', headers: { Host: `127.0.0.1:${server.port}`, ...bearer } },
      (res) => {
        sseStatus = res.statusCode!;
        sseType = String(res.headers['content-type']);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.+)$/m.exec(frame)?.[1];
            const data = /^data: (.+)$/m.exec(frame)?.[1];
            if (event && data) frames.push({ event, data: JSON.parse(data) });
          }
        });
      },
    );
    sse.on('error', () => {});
    try {
      await waitFor(() => sseStatus === 200);
      expect(sseType).toBe('text/event-stream');

      const body = jsonl([
        { id: 'up-1', prompt: 'uploaded one', tags: ['upload'] },
        { id: 'up-2', messages: [{ role: 'user', content: 'uploaded two' }] },
      ]);
      const upload = await request('/upload', { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/octet-stream' }, body });
      expect(upload.status).toBe(200);
      const { uploadId, bytes } = (JSON.parse(upload.body) as Result<{ uploadId: string; bytes: number }> & { ok: true }).value;
      expect(uploadId).toMatch(/^[a-f0-9]{32}$/);
      expect(bytes).toBe(Buffer.byteLength(body));

      const id = importId('upload');
      const report = await rpcValue<ImportReport>('prompts.import', { importId: id, source: { kind: 'upload', uploadId, fileName: 'my prompts.jsonl' } });
      expect(report).toMatchObject({ importId: id, file: 'my prompts.jsonl', format: 'jsonl', rows: 2, imported: 2 });
      expect(await rpcValue('prompts.get', { id: 'up-1' })).toMatchObject({ prompt: 'uploaded one', tags: ['upload'] });

      await waitFor(() => frames.some((f) => f.event === 'onDidChangePrompts'));
      const progress = frames.filter((f) => f.event === 'onDidImportProgress').map((f) => f.data as { importId: string; phase: string; file: string });
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((p) => p.importId === id && p.file === 'my prompts.jsonl')).toBe(true);
      expect(progress.at(-1)!.phase).toBe('done');
      expect(frames.find((f) => f.event === 'onDidChangePrompts')!.data).toEqual({ reason: 'import' });

      // Changes made over RPC arrive too.
      await rpcValue('prompts.delete', { ids: ['up-2'] });
      await waitFor(() => frames.some((f) => f.event === 'onDidChangePrompts' && (f.data as { reason: string }).reason === 'delete'));
    } finally {
      sse.destroy();
    }
  });

  it('refuses uploads without the token, and an upload id that was never issued', async () => {
    expect((await request('/upload', { method: 'POST', body: 'x' })).status).toBe(401);
    const reply = await rpc('prompts.import', { importId: importId(), source: { kind: 'upload', uploadId: 'f'.repeat(32), fileName: 'x.jsonl' } });
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('refuses /events without the token', async () => {
    expect((await request('/events')).status).toBe(401);
  });
});

describe('browser-mode server: static files', () => {
  it('serves index.html with a Content-Security-Policy, and falls back to it for app routes', async () => {
    const index = await request('/', { headers: bearer });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.body).toBe(INDEX_HTML);

    const route = await request('/prompts/some-id', { headers: bearer });
    expect(route.status).toBe(200);
    expect(route.body).toBe(INDEX_HTML);

    const js = await request('/assets/app.js', { headers: bearer });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toBe('console.log("ui")');
  });

  it('never serves a file outside the static dir', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../package.json',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      `/${'..%2f'.repeat(12)}etc%2fpasswd`,
      '/secret.txt',
    ];
    for (const attempt of attempts) {
      const reply = await request(attempt, { headers: bearer });
      expect(reply.body, attempt).not.toContain(SECRET);
      expect(reply.body, attempt).not.toContain('"name": "assay"');
      expect(reply.body, attempt).not.toMatch(/root:.*:0:0:/);
      expect([200, 400, 403, 404], attempt).toContain(reply.status);
    }
  });

  it('answers a malformed percent-encoding with 400 and keeps serving', async () => {
    const reply = await request('/%E0%A4%A', { headers: bearer });
    expect(reply.status).toBe(400);
    expect((await request('/', { headers: bearer })).status).toBe(200);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('browser-mode server: shutdown', () => {
  it('closes promptly while a request is still in flight', async () => {
    const other = newEngine('server-close');
    const running = await serve({ engine: other.engine, staticDir, token: TOKEN, port: 0 });
    // An upload whose body never finishes keeps its connection busy.
    const req = http.request({
      host: '127.0.0.1',
      port: running.port,
      method: 'POST',
      path: '/upload',
      headers: { Host: `127.0.0.1:${running.port}`, ...bearer, 'Content-Length': '1000000' },
    });
    req.on('error', () => {});
    req.write('{"prompt": "partial');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await Promise.race([running.close(), new Promise((_, reject) => setTimeout(() => reject(new Error('close() hung')), 5000))]);
    expect(Date.now() - started).toBeLessThan(5000);
    req.destroy();
  });
});

describe('browser-mode server: a body over the limit', () => {
  const LIMIT = 64 * 1024;
  let small: RunningServer;
  let other: TestEngine;
  beforeAll(async () => {
    other = newEngine('server-limit');
    small = await serve({ engine: other.engine, staticDir, token: TOKEN, port: 0, maxRpcBodyBytes: LIMIT });
  });
  afterAll(async () => {
    await small?.close();
  });

  function post(agent: http.Agent, body: string): Promise<Reply & { socket: net.Socket }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port: small.port,
          method: 'POST',
          path: '/rpc/workspace.info',
          headers: { Host: `127.0.0.1:${small.port}`, ...bearer, 'Content-Type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), socket: req.socket as net.Socket }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers 413, and the next request on the same keep-alive agent (one socket) is answered at once', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = await post(agent, JSON.stringify({ pad: 'x'.repeat(LIMIT * 4) }));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      const started = Date.now();
      const next = await post(agent, '{}');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(next.status).toBe(200);
      expect(JSON.parse(next.body)).toMatchObject({ ok: true });
    } finally {
      agent.destroy();
    }
  });

  it('a refusal that never reads the body (wrong content type, no token) leaves the keep-alive connection usable', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (headers: Record<string, string>, body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          { agent, host: '127.0.0.1', port: small.port, method: 'POST', path: '/rpc/workspace.info', headers: { Host: `127.0.0.1:${small.port}`, ...headers } },
          (res) => res.resume().on('end', () => resolve(res.statusCode!)),
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const pad = 'z'.repeat(LIMIT * 3);
      expect(await send({ ...bearer, 'Content-Type': 'text/plain' }, pad)).toBe(415);
      expect(await send({ 'Content-Type': 'application/json' }, pad)).toBe(401);
      const started = Date.now();
      expect(await send({ ...bearer, 'Content-Type': 'application/json' }, '{}')).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      agent.destroy();
    }
  });

  it('on one raw socket: the 413 says Connection: close and the server closes cleanly; a new connection works', async () => {
    const socket = net.connect(small.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const body = JSON.stringify({ pad: 'y'.repeat(LIMIT * 2) });
    let received = '';
    let reset = false;
    socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
    socket.on('error', () => (reset = true));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.write(
      `POST /rpc/workspace.info HTTP/1.1\r\nHost: 127.0.0.1:${small.port}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await waitFor(() => received.includes('\r\n\r\n'), 2000);
    const sent = Date.now();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received.toLowerCase()).toContain('connection: close');
    // The server ends the connection (a FIN, no reset, no 6 s wait for a request that is not coming).
    const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 2000))]);
    expect(at).toBeGreaterThan(0);
    expect(at - sent).toBeLessThan(1000);
    expect(reset).toBe(false);
    // A new connection is served as usual.
    const agent = new http.Agent({ keepAlive: false });
    try {
      expect((await post(agent, '{}')).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('a declared length far past the limit is answered at once, and the connection is cut', async () => {
    const socket = net.connect(small.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /rpc/workspace.info HTTP/1.1\r\nHost: 127.0.0.1:${small.port}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"pad":"`,
    );
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('not closed')), 2000))]);
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('larger than 65536 bytes');
  });
});
