import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, CONTENT_SECURITY_POLICY, httpPaths, REFUSED_WRITE_HEADER, isMethodName, roleAllows, TEAM_ROLE_LABELS, type Invite, type Result, type TeamRole } from '../contract';
import { exportedFile } from '../core/datasets/export/service';
import { exportedPack } from '../core/packs/downloads';
import type { Engine } from '../core/engine';
import { EventFanout } from './event-stream';
import { METHOD_ACCESS } from '../core/method-access';
import { METHOD_ROLES } from '../core/method-roles';
import { createAuthorizer, eventAudience, isAudited, roleOf, streamViewer, type Caller, type EventAudience } from './authorize';
import { bearerToken, checkOrigin, sessionCookie, sessionIdFromRequest, tokensEqual, type SecurityConfig } from './security';
import { Sessions, type Session } from './sessions';

export interface ServeOptions {
  engine: Engine;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  host?: string;
  port?: number;
  /** Fixed token (tests); a fresh random one otherwise. */
  token?: string;
  allowedHosts?: string[];
  /** Largest /rpc body in bytes (16 MiB; tests set a small one). */
  maxRpcBodyBytes?: number;
  /** Largest review pack `POST /upload?for=pack` takes, in bytes (2 GiB; tests set a small one). */
  maxPackUploadBytes?: number;
  /**
   * Team mode (`assay serve --team`): the token is the owner's, who invites reviewers (`team.*`);
   * every call is checked against its role (core/method-roles.ts) and every write is audited.
   */
  team?: boolean;
  /**
   * The address users open, when a reverse proxy serves this one (`--public-url`): its Host and Origin
   * are accepted, links are printed with it, and an https one makes the session cookie `Secure`.
   */
  publicUrl?: string;
}

export interface RunningServer {
  url: string;
  /** The URL to open once: it carries the token, which the server trades for a cookie. */
  loginUrl: string;
  token: string;
  port: number;
  /**
   * Serves another engine from the next request on (`workspace.openDemo` switched workspaces) and
   * returns the one it replaces, for the caller to close once its last call has answered.
   */
  replaceEngine(next: Engine): Engine;
  close(): Promise<void>;
}

const MAX_RPC_BODY_BYTES = 16 * 1024 * 1024;
/** Team mode: the reviewer profile the owner's token signs in as (server.ts ownerReviewer). */
export const OWNER_REVIEWER_NAME = 'Owner';
const MAX_PACK_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');


const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  // With its length the answer goes out as one write (no chunked framing around it).
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A refusal a person meets by opening a link (a revoked invite, a signed-out browser): a page with a
 * heading and what to do when a browser asks for HTML, the same words as plain text otherwise (the
 * renderer's calls and scripts read them).
 */
function sendRefusal(req: IncomingMessage, res: ServerResponse, status: number, title: string, body: string): void {
  if (!(req.headers.accept ?? '').includes('text/html')) return send(res, status, body);
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': PAGE_CSP });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} — Assay</title>
<style>body{font:15px/1.5 system-ui,sans-serif;color:#1f2328;background:#f6f7f9;margin:0}main{max-width:560px;margin:12vh auto;padding:28px 32px;background:#fff;border:1px solid #d8dde3;border-radius:8px}h1{font-size:20px;margin:0 0 12px}p{margin:0 0 10px}.brand{color:#57606a;font-size:13px;margin-bottom:18px}</style></head>
<body><main role="main"><p class="brand">Assay</p><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></main></body></html>`);
}

/** "2026-12-07 10:22 UTC": a time read the same in every reviewer's time zone. */
function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

/** Past the limit the rest of a body is read and dropped, up to this much more, so the answer arrives cleanly. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** A body over the limit; `drained`: the client sent it all (false when it kept going past MAX_DRAIN_BYTES). */
class BodyTooLarge extends Error {
  constructor(
    readonly limit: number,
    readonly drained: boolean,
  ) {
    super(`Request body larger than ${limit} bytes.`);
  }
}

/**
 * The request's body, or BodyTooLarge once it ends (or runs past the drain allowance). The rest of an
 * oversized body is read and dropped rather than left in the socket: closing a socket with unread
 * bytes makes the kernel send a reset, and leaving them makes the next keep-alive request hang.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A declared length past the allowance is not waited for.
    if (Number(req.headers['content-length'] ?? 0) > limit + MAX_DRAIN_BYTES) return reject(new BodyTooLarge(limit, false));
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!over && size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (!over) return void chunks.push(chunk);
      if (size > limit + MAX_DRAIN_BYTES) {
        req.pause();
        reject(new BodyTooLarge(limit, false));
      }
    });
    req.on('end', () => (over ? reject(new BodyTooLarge(limit, true)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  let engine = options.engine;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('hex');
  const uploadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-uploads-'));
  let port = 0;
  const team = options.team === true;
  const publicUrl = options.publicUrl === undefined ? undefined : new URL(options.publicUrl);
  const secureCookie = publicUrl?.protocol === 'https:';
  const security: SecurityConfig = { token, port: () => port, allowedHosts: options.allowedHosts, publicUrl };
  /** The session that opened each events stream (its streams close when that session ends). */
  const streamSessions = new Map<ServerResponse, string | undefined>();
  const sessions = new Sessions();
  /**
   * Open /events streams; frames are batched per stream (see server/event-stream.ts), and a label
   * event reaches only the streams that may see it (server/authorize.ts): a stream opened with no
   * session is the owner's script; one whose session has ended receives no label event.
   */
  const sseClients = new EventFanout<ServerResponse, EventAudience>({
    viewer: (client) => {
      const id = streamSessions.get(client);
      if (id === undefined) return streamViewer({ team, session: undefined });
      const session = sessions.get(id);
      return session ? streamViewer({ team, session }) : () => false;
    },
  });
  const authorizer = createAuthorizer({ inviteRole: (id) => engine.team.inviteById(id)?.role ?? null });
  /** When each invite last made a request, since this server started (for the Team dialog). */
  const inviteLastUsed = new Map<number, number>();
  const withLastUsed = (invite: Invite): Invite => ({ ...invite, lastUsedAt: inviteLastUsed.get(invite.id) ?? null });

  /** Uploads and events of an engine go through this server (again after replaceEngine). */
  function attach(target: Engine): () => void {
    target.setUploadResolver((uploadId) => {
      const file = path.join(uploadsDir, uploadId);
      if (!fs.existsSync(file)) throw new AppError('not_found', 'That upload is gone; choose the file again.');
      return file;
    });
    return target.events.onAny((event, payload) => sseClients.publish(event, payload, eventAudience(event, payload)));
  }
  let unsubscribe = attach(engine);

  async function handleRpc(req: IncomingMessage, res: ServerResponse, method: string, session: Session | undefined): Promise<void> {
    // A JSON content type cannot be sent cross-site without a CORS preflight, which we never answer.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      sendJson(res, 415, { ok: false, error: { code: 'invalid_input', message: 'Send JSON (Content-Type: application/json).' } });
      return;
    }
    let input: unknown;
    try {
      const body = await readBody(req, options.maxRpcBodyBytes ?? MAX_RPC_BODY_BYTES);
      input = body.length === 0 ? {} : JSON.parse(body);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        // The connection is not reused after this: the client learns it from the header, and a body
        // that never stopped is cut off once the answer is out.
        res.setHeader('Connection', 'close');
        if (!error.drained) res.once('finish', () => req.socket.destroy());
        sendJson(res, 413, { ok: false, error: { code: 'invalid_input', message: error.message } });
        return;
      }
      sendJson(res, 400, { ok: false, error: { code: 'invalid_input', message: 'The request body is not valid JSON.' } });
      return;
    }
    if (!isMethodName(method)) return sendJson(res, 404, await engine.dispatch(method, input));
    const caller: Caller = { team, session };
    const refusal = authorizer.check(method, input, caller);
    if (refusal) return sendJson(res, refusal.status, refusal.result);
    const serving = engine;
    // Team mode: every write that commits gets one audit row, written with it (a labelling save's
    // in its own savepoint of the commit group, so both are in the file before the answer).
    const audit = team && isAudited(method) ? (value: unknown) => serving.team.audit({ reviewerId: session?.reviewerId ?? null, role: roleOf(caller) }, method, input, value) : undefined;
    let result: Result<unknown> = authorizer.narrow(method, await serving.dispatchWith(method, input, audit), caller);
    // The engine checks the input and the reviewer; the session itself lives here.
    if (result.ok && method === 'session.get') result = { ok: true, value: authorizer.sessionInfo(caller) };
    if (result.ok && method === 'session.signIn') {
      const reviewer = result.value as { id: number; name: string };
      let signed = session;
      if (!signed) {
        // A script authenticated by its Bearer token gets a session (the cookie) to sign in with.
        signed = sessions.create();
        res.setHeader('Set-Cookie', sessionCookie(port, signed.id, secureCookie));
      }
      signed.reviewerId = reviewer.id;
      signed.reviewerName = reviewer.name;
    }
    if (result.ok && method === 'team.revoke') endSessions(sessions.endInvite((result.value as { id: number }).id));
    if (result.ok && method === 'team.invites') result = { ok: true, value: (result.value as Invite[]).map(withLastUsed) };
    if (result.ok && method === 'team.revoke') result = { ok: true, value: withLastUsed(result.value as Invite) };
    // Errors are values: a failed call is still HTTP 200 unless the method itself is unknown.
    const status = !result.ok && result.error.code === 'unknown_method' ? 404 : 200;
    sendJson(res, status, result);
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const uploadId = randomBytes(16).toString('hex');
    const file = path.join(uploadsDir, uploadId);
    try {
      await pipeline(req, fs.createWriteStream(file, { flags: 'wx' }));
      sendJson(res, 200, { ok: true, value: { uploadId, bytes: fs.statSync(file).size } });
    } catch (error) {
      fs.rmSync(file, { force: true });
      sendJson(res, 500, { ok: false, error: { code: 'internal', message: `Upload failed: ${(error as Error).message}` } });
    }
  }

  /**
   * A returned review pack (browser mode's Merge packs…): streamed to the uploads folder like any
   * upload, but at most `maxPackUploadBytes` and only an SQLite file (a pack is one), so a wrong or
   * oversized file is refused here with what to do, before `packs.merge` checks it whole. A refused
   * body is read to its end and dropped (up to MAX_DRAIN_BYTES), as /rpc does, so the answer arrives.
   */
  function handlePackUpload(req: IncomingMessage, res: ServerResponse): void {
    const limit = options.maxPackUploadBytes ?? MAX_PACK_UPLOAD_BYTES;
    const mb = (n: number) => `${Math.max(1, Math.round(n / 1e6)).toLocaleString('en-US')} MB`;
    const tooLarge = `That file is larger than a review pack may be here (${mb(limit)}), so it was not uploaded. Merge it on the machine running Assay instead: assay merge <workspace> <file>.`;
    const refuseNow = (status: number, message: string, drained: boolean) => {
      res.setHeader('Connection', 'close');
      if (!drained) res.once('finish', () => req.socket.destroy());
      sendJson(res, status, { ok: false, error: { code: 'invalid_input', message } });
    };
    if (Number(req.headers['content-length'] ?? 0) > limit + MAX_DRAIN_BYTES) return refuseNow(413, tooLarge, false);
    const uploadId = randomBytes(16).toString('hex');
    const file = path.join(uploadsDir, uploadId);
    const out = fs.createWriteStream(file, { flags: 'wx' });
    let size = 0;
    let head = Buffer.alloc(0);
    let refused: { status: number; message: string } | null = null;
    let answered = false;
    const notPack = () =>
      `That file is not a review pack (an Assay pack is an SQLite file; this one starts with ${JSON.stringify(head.subarray(0, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '.'))}), so it was not uploaded. Choose the .assay file the reviewer returned.`;
    const refuse = (status: number, message: string) => {
      if (refused) return;
      refused = { status, message };
      out.destroy();
      fs.rmSync(file, { force: true });
    };
    const answer = (status: number, body: unknown, drained = true) => {
      if (answered) return;
      answered = true;
      if (status !== 200) {
        fs.rmSync(file, { force: true });
        res.setHeader('Connection', 'close');
        if (!drained) res.once('finish', () => req.socket.destroy());
      }
      sendJson(res, status, body);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!refused && head.length < SQLITE_HEADER.length) {
        head = Buffer.concat([head, chunk.subarray(0, SQLITE_HEADER.length - head.length)]);
        if (head.length === SQLITE_HEADER.length && !head.equals(SQLITE_HEADER)) refuse(400, notPack());
      }
      if (!refused && size > limit) refuse(413, tooLarge);
      if (refused) {
        if (size > limit + MAX_DRAIN_BYTES) {
          req.pause();
          answer(refused.status, { ok: false, error: { code: 'invalid_input', message: refused.message } }, false);
        }
        return;
      }
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      if (!refused && head.length < SQLITE_HEADER.length) refuse(400, size === 0 ? 'That file is empty, so it is not a review pack. Choose the .assay file the reviewer returned.' : notPack());
      if (refused) return answer(refused.status, { ok: false, error: { code: 'invalid_input', message: refused.message } });
      out.end(() => answer(200, { ok: true, value: { uploadId, bytes: size } }));
    });
    const failed = (error: Error) => {
      out.destroy();
      answer(500, { ok: false, error: { code: 'internal', message: `Upload failed: ${error.message}` } });
    };
    req.on('error', failed);
    out.on('error', (error) => {
      if (!refused) failed(error);
    });
  }

  /** Sessions that ended (a revoked invite): their open event streams close too. */
  function endSessions(ids: string[]): void {
    if (ids.length === 0) return;
    for (const [client, id] of streamSessions) {
      if (id === undefined || !ids.includes(id)) continue;
      // Out of the fan-out first: not one more frame (not even one queued before the revoke) reaches it.
      sseClients.delete(client);
      streamSessions.delete(client);
      client.end();
    }
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse, sessionId: string | undefined): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    sseClients.add(res);
    streamSessions.set(res, sessionId);
    const heartbeat = setInterval(() => {
      // An invite that expired meanwhile ends its streams here (sessions.get ends the session).
      if (sessionId !== undefined && !sessions.get(sessionId)) return endSessions([sessionId]);
      res.write(': ping\n\n');
    }, 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      sseClients.delete(res);
      streamSessions.delete(res);
    });
  }

  /**
   * A file this process wrote for browser mode's download link, at <prefix><id>/<file name>: an
   * export's file (/exports/…) or a review pack (/packs/…). `lookup` answers only ids it handed out.
   */
  function serveDownload(url: URL, res: ServerResponse, prefix: string, lookup: (id: string, name: string) => string | null, notFound: string): void {
    let parts: string[];
    try {
      parts = url.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
    } catch {
      return send(res, 400, 'Bad request');
    }
    const file = parts.length === 2 ? lookup(parts[0]!, parts[1]!) : null;
    if (!file) return send(res, 404, notFound);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'Content-Length': fs.statSync(file).size,
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  }

  function serveStatic(url: URL, res: ServerResponse): void {
    const root = path.resolve(options.staticDir);
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      // A malformed escape (`/%E0%A4%A`) would otherwise throw out of the request handler.
      return send(res, 400, 'Bad request');
    }
    let file = path.resolve(root, `.${pathname}`);
    if (!file.startsWith(root + path.sep) && file !== root) return send(res, 403, 'Forbidden');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) return send(res, 500, 'The UI is not built: run `npm run build` first.');
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
    });
    fs.createReadStream(file).pipe(res);
  }

  /**
   * Team mode: the owner's reviewer profile, a person named "Owner" (made on the first sign-in with the
   * token, audited as theirs), so the owner's labels and audit rows carry a name. Null if it cannot be
   * had (a source of imported labels has that name): the owner is then asked who is reviewing.
   */
  async function ownerReviewer(): Promise<{ id: number; name: string } | null> {
    const serving = engine;
    const list = await serving.call('reviewers.list', {});
    if (!list.ok) return null;
    const found = list.value.find((r) => r.name === OWNER_REVIEWER_NAME);
    if (found) return found.kind === 'person' ? found : null;
    const input = { name: OWNER_REVIEWER_NAME, role: 'nlp' as const };
    const made = await serving.call('reviewers.create', input);
    if (!made.ok) return null;
    serving.team.audit({ reviewerId: made.value.id, role: 'owner' }, 'reviewers.create', input, made.value);
    return made.value;
  }

  /** Sets the session's cookie and reloads the page without the token or invite in its address. */
  function signInRedirect(res: ServerResponse, url: URL, session: Session): void {
    res.writeHead(302, { 'Set-Cookie': sessionCookie(port, session.id, secureCookie), Location: url.pathname, 'Cache-Control': 'no-store' });
    res.end();
  }

  /** An invite link (`/?invite=SECRET`, team mode): a session bound to the invite's reviewer, or why not. */
  function tradeInvite(req: IncomingMessage, res: ServerResponse, url: URL, secret: string): void {
    if (!team) return sendRefusal(req, res, 404, 'Not a team server', 'This server is not in team mode, so invite links do not work here: its owner starts it with `assay serve --team`.');
    const invite = secret.length > 0 && secret.length <= 100 ? engine.team.inviteForSecret(secret) : null;
    const ask = 'Ask the owner of this Assay server for a new invite link.';
    if (!invite) return sendRefusal(req, res, 401, 'This invite link does not work', `This invite link is not valid (mistyped, cut short, or from another server or workspace). ${ask}`);
    if (invite.status === 'revoked') {
      return sendRefusal(req, res, 401, 'This invite was revoked', `This invite for ${invite.reviewerName} was revoked on ${utcMinute(invite.revokedAt!)}. ${ask}`);
    }
    if (invite.status === 'expired') {
      return sendRefusal(req, res, 401, 'This invite has expired', `This invite for ${invite.reviewerName} expired on ${utcMinute(invite.expiresAt)}. ${ask}`);
    }
    const session = sessions.create({
      reviewerId: invite.reviewerId,
      reviewerName: invite.reviewerName,
      role: invite.role,
      inviteId: invite.id,
      expiresAt: invite.expiresAt,
    });
    inviteLastUsed.set(invite.id, Date.now());
    signInRedirect(res, url, session);
  }

  /** Why a request has no session, for its 401. */
  function notSignedIn(cookie: string | undefined): string {
    const why = sessions.endedWhy(cookie);
    if (why === 'revoked') return 'Your invite was revoked by the owner, so this browser is signed out. Ask the owner for a new invite link.';
    if (why === 'expired') return 'Your invite expired, so this browser is signed out. Ask the owner for a new invite link.';
    if (why === 'signed_out') return 'The server now serves another workspace, so this browser is signed out. Open your invite link for it.';
    if (cookie !== undefined) {
      return team
        ? 'Not signed in: this browser\'s session is not one this server issued (it restarted, or the cookie was altered). Open your invite link again (the owner: the URL `assay serve` printed).'
        : 'Not signed in: this browser\'s session is not one this server issued (it restarted, or the cookie was altered). Open the URL that `assay serve` printed (it carries ?token=…).';
    }
    return team
      ? 'Not signed in: open your invite link (the owner: the URL that `assay serve --team` printed, with ?token=…).'
      : 'Missing or wrong token: open the URL that `assay serve` printed (it carries ?token=…).';
  }

  function needsRole(what: string, needed: TeamRole, role: TeamRole): string {
    return `To ${what} you need the ${TEAM_ROLE_LABELS[needed]} role; you are signed in as ${TEAM_ROLE_LABELS[role]}. Ask the owner (who started this server).`;
  }

  const server = http.createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    const refusal = checkOrigin(req, security);
    if (refusal) return send(res, refusal.status, refusal.reason);

    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const queryToken = url.searchParams.get('token');
    if (req.method === 'GET' && queryToken !== null) {
      if (!tokensEqual(queryToken, token)) return sendRefusal(req, res, 401, 'Wrong token', 'Wrong token: use the URL `assay serve` printed.');
      // Trade the one-time URL token for a session (its id in a cookie) and drop the token from the
      // address bar and history. In team mode the session is the owner's own reviewer profile from the
      // start (the owner is never asked who they are); otherwise it is signed in as nobody yet.
      const session = sessions.create();
      if (!team) return signInRedirect(res, url, session);
      return void ownerReviewer()
        .then((owner) => {
          if (owner) Object.assign(session, { reviewerId: owner.id, reviewerName: owner.name });
        })
        .catch(() => undefined)
        .finally(() => signInRedirect(res, url, session));
    }
    const inviteSecret = url.searchParams.get('invite');
    if (req.method === 'GET' && inviteSecret !== null) return tradeInvite(req, res, url, inviteSecret);
    const cookie = sessionIdFromRequest(req, port);
    const session = sessions.get(cookie);
    if (!session && !tokensEqual(bearerToken(req), token)) {
      // A write refused here is a change the window was making that is lost: the renderer says so only then.
      const refusedMethod = req.method === 'POST' && url.pathname.startsWith(httpPaths.rpc) ? url.pathname.slice(httpPaths.rpc.length) : '';
      if (isMethodName(refusedMethod) && METHOD_ACCESS[refusedMethod] !== 'read') res.setHeader(REFUSED_WRITE_HEADER, refusedMethod);
      return sendRefusal(req, res, 401, sessions.endedWhy(cookie) ? 'You are signed out' : 'Not signed in', notSignedIn(cookie));
    }
    if (session?.inviteId != null) inviteLastUsed.set(session.inviteId, Date.now());
    const role = session?.role ?? 'owner';

    if (req.method === 'POST' && url.pathname.startsWith(httpPaths.rpc)) {
      return void handleRpc(req, res, url.pathname.slice(httpPaths.rpc.length), session).catch((error: Error) =>
        sendJson(res, 500, { ok: false, error: { code: 'internal', message: error.message } }),
      );
    }
    if (req.method === 'POST' && url.pathname === httpPaths.upload && url.searchParams.get('for') === 'pack') {
      return team && !roleAllows(role, METHOD_ROLES['packs.merge']) ? send(res, 403, needsRole('upload review packs', 'engineer', role)) : handlePackUpload(req, res);
    }
    if (req.method === 'POST' && url.pathname === httpPaths.upload) {
      // Uploads feed imports, downloads are exports: what the engineer role does in team mode.
      return team && !roleAllows(role, METHOD_ROLES['prompts.import']) ? send(res, 403, needsRole('upload files', 'engineer', role)) : void handleUpload(req, res);
    }
    if (req.method === 'GET' && url.pathname === httpPaths.events) return handleEvents(req, res, session?.id);
    if (req.method === 'GET' && url.pathname.startsWith(httpPaths.exports)) {
      return team && !roleAllows(role, METHOD_ROLES['datasets.export']) ? send(res, 403, needsRole('download exports', 'engineer', role)) : serveDownload(url, res, httpPaths.exports, exportedFile, 'No such export file (exports are offered for download until the server restarts).');
    }
    if (req.method === 'GET' && url.pathname.startsWith(httpPaths.packs)) {
      return team && !roleAllows(role, METHOD_ROLES['packs.export']) ? send(res, 403, needsRole('download review packs', 'engineer', role)) : serveDownload(url, res, httpPaths.packs, exportedPack, 'No such review pack (a pack is offered for download until the server restarts; export it again, or take it from the packs folder beside the workspace).');
    }
    if (req.method === 'GET') return serveStatic(url, res);
    send(res, 405, 'Method not allowed');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const displayHost = host === '127.0.0.1' || host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = publicUrl ? publicUrl.origin + '/' : `http://${displayHost}:${port}/`;

  return {
    url,
    loginUrl: `${url}?token=${token}`,
    token,
    port,
    replaceEngine(next) {
      const previous = engine;
      unsubscribe();
      engine = next;
      unsubscribe = attach(next);
      // Reviewer ids of another workspace name other people: every browser signs in again.
      sessions.signOutAll();
      return previous;
    },
    async close() {
      unsubscribe();
      for (const client of sseClients.close()) client.end();
      streamSessions.clear();
      // close() waits for every open connection; a request still in flight (a long import) would
      // keep it waiting forever, so connections are dropped right after it stops listening.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      fs.rmSync(uploadsDir, { recursive: true, force: true });
    },
  };
}
