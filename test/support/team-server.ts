/**
 * A team-mode server over real HTTP for tests: the owner's Bearer token, invite links traded for
 * session cookies the way a browser does, and a dump of every table to compare before and after.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Result, TeamRole } from '../../contract';
import { type RunningServer, serve, type ServeOptions } from '../../server/server';
import { newEngine, type TestEngine, tempDir, writeFile } from '../helpers';

export const TEAM_TOKEN = 'team-token-0123456789abcdef0123456789abcdef';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TeamServer {
  t: TestEngine;
  server: RunningServer;
  request(pathname: string, options?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply>;
  /** A call with the owner's Bearer token (a script, no session). */
  owner<T>(method: string, input: unknown): Promise<T>;
  /** A call with a session cookie, as a browser makes it. */
  as(cookie: string, method: string, input: unknown): Promise<{ status: number; result: Result<unknown> }>;
  /** Opens an invite link: the session cookie it was traded for. */
  openInvite(secret: string): Promise<string>;
  /** Invites a reviewer (by name: created) and opens the link: their id and session cookie. */
  invitee(name: string, role: TeamRole, expiresInHours?: number): Promise<{ reviewerId: number; inviteId: number; secret: string; cookie: string }>;
  /** The owner's browser: the token URL traded for a session. */
  ownerBrowser(): Promise<string>;
  /** Every row of every table, hashed per table, read with a separate connection. */
  dump(): Record<string, string>;
}

export async function startTeamServer(name: string, options: Partial<ServeOptions> = {}): Promise<TeamServer> {
  const t = newEngine(name);
  const staticDir = path.join(tempDir('assay-team-static-'), 'static');
  fs.mkdirSync(staticDir, { recursive: true });
  writeFile(staticDir, 'index.html', '<!doctype html><title>Assay team test</title>');
  const server = await serve({ engine: t.engine, staticDir, token: TEAM_TOKEN, port: 0, team: true, ...options });

  const request: TeamServer['request'] = (pathname, o = {}) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.port, method: o.method ?? 'GET', path: pathname, headers: { Host: `127.0.0.1:${server.port}`, ...o.headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(o.body);
    });

  const rpc = (method: string, input: unknown, headers: Record<string, string>) =>
    request(`/rpc/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(input) });

  const ts: TeamServer = {
    t,
    server,
    request,
    async owner<T>(method: string, input: unknown): Promise<T> {
      const reply = await rpc(method, input, { Authorization: `Bearer ${TEAM_TOKEN}` });
      const result = JSON.parse(reply.body) as Result<T>;
      if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
      return result.value;
    },
    async as(cookie, method, input) {
      const reply = await rpc(method, input, { Cookie: cookie });
      let result: Result<unknown>;
      try {
        result = JSON.parse(reply.body) as Result<unknown>;
      } catch {
        result = { ok: false, error: { code: 'unauthorized', message: reply.body } };
      }
      return { status: reply.status, result };
    },
    async openInvite(secret) {
      const reply = await request(`/?invite=${encodeURIComponent(secret)}`);
      if (reply.status !== 302) throw new Error(`invite refused (${reply.status}): ${reply.body}`);
      return reply.headers['set-cookie']![0]!.split(';')[0]!;
    },
    async invitee(reviewerName, role, expiresInHours = 24) {
      const { invite, secret } = await ts.owner<{ invite: { id: number; reviewerId: number }; secret: string }>('team.invite', {
        reviewer: { name: reviewerName },
        role,
        expiresInHours,
      });
      return { reviewerId: invite.reviewerId, inviteId: invite.id, secret, cookie: await ts.openInvite(secret) };
    },
    async ownerBrowser() {
      const reply = await request(`/?token=${TEAM_TOKEN}`);
      if (reply.status !== 302) throw new Error(`token refused: ${reply.body}`);
      return reply.headers['set-cookie']![0]!.split(';')[0]!;
    },
    dump() {
      const db = new Database(t.file, { readonly: true });
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
        const out: Record<string, string> = {};
        for (const table of tables) {
          const rows = (db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]).map((row) => JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).sort();
          out[table] = `${rows.length} rows ${crypto.createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16)}`;
        }
        return out;
      } finally {
        db.close();
      }
    },
  };
  return ts;
}
