/**
 * bench:team's load generator (a worker thread of bench/team.ts): a share of the simulated reviewers,
 * each with its own keep-alive connection (one socket, as a browser tab's fetches to one origin
 * mostly are) and its own session cookie, from its own team invite link. See bench/team.ts for what is measured and how.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface ClientReviewer {
  reviewerId: number;
  /** The secret of this reviewer's own team invite (its link is /?invite=SECRET). */
  inviteSecret: string;
  /** Generations this reviewer reviews, cycled through (a revisit submits a new revision). */
  generations: number[];
  /** Comparison tasks this reviewer labels, cycled through the same way. */
  tasks: number[];
  criteria: number[];
}

export interface ClientSetup {
  origin: string;
  reviewers: ClientReviewer[];
  durationMs: number;
  /** Pause between a reviewer's ack and its next save (0: closed loop, as fast as the server answers). */
  thinkMs: number;
  /** Distinguishes the comments and rationales of one run's saves from another's. */
  runTag: string;
  /** Each reviewer also holds GET /events open, as the UI's tab does, and reads every event frame. */
  events: boolean;
}

/** One acknowledged save: what the workspace must hold afterwards, exactly once. */
export interface Ack {
  kind: 'review' | 'compare';
  reviewerId: number;
  itemId: number;
  /** reviews.id / comparison_labels.id and the revision the server answered with. */
  rowId: number;
  revision: number;
  /** Unique per save: the review's comment, the label's rationale. */
  mark: string;
}

export interface ClientResult {
  /** Save latencies in ms, request written → whole answer read. */
  latencies: number[];
  acks: Ack[];
  errors: string[];
  startedAt: number;
  endedAt: number;
  /** Event frames received over all the reviewers' /events streams. */
  eventFrames: number;
}

type Rpc = { ok: true; value: { id: number; revision: number } } | { ok: false; error: { code: string; message: string } };

const setup = workerData as ClientSetup;
const url = new URL(setup.origin);

function post(agent: http.Agent, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string; setCookie?: string[] }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), setCookie: res.headers['set-cookie'] }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Signed {
  reviewer: ClientReviewer;
  agent: http.Agent;
  cookie: string;
}

/** Opens the reviewer's own invite link, as their browser does: the session cookie it is traded for (the token is never sent). */
function openInvite(agent: http.Agent, secret: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: `/?invite=${encodeURIComponent(secret)}`, agent }, (res) => {
      res.resume();
      const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
      if (res.statusCode !== 302 || !cookie) reject(new Error(`invite link refused (${res.statusCode})`));
      else res.on('end', () => resolve(cookie));
    });
    req.on('error', reject);
  });
}

/** The invite link → a session bound to this reviewer → `session.signIn` as itself with that cookie only. */
async function signIn(reviewer: ClientReviewer): Promise<Signed> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const cookie = await openInvite(agent, reviewer.inviteSecret);
  const res = await post(agent, '/rpc/session.signIn', { reviewerId: reviewer.reviewerId }, { Cookie: cookie });
  const result = JSON.parse(res.text) as Rpc;
  if (!result.ok) throw new Error(`sign-in as ${reviewer.reviewerId}: ${result.error.message}`);
  return { reviewer, agent, cookie };
}

/** Holds the reviewer's event stream open (its own connection) and counts the frames it reads. */
function listen(cookie: string, counter: { frames: number }): Promise<http.ClientRequest> {
  let connected!: () => void;
  const open = new Promise<void>((resolve) => (connected = resolve));
  const req = http.get({ host: url.hostname, port: url.port, path: '/events', headers: { Cookie: cookie }, agent: false }, (res) => {
    // The server writes ': connected' once the stream is registered: from then on it gets every event.
    res.once('data', () => connected());
    // A frame can be split between two chunks: the last bytes are searched again with the next one.
    const marker = Buffer.from('event: ');
    let carry: Buffer = Buffer.alloc(0);
    res.on('data', (chunk: Buffer) => {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let at = data.indexOf(marker);
      while (at !== -1) {
        counter.frames++;
        at = data.indexOf(marker, at + marker.length);
      }
      carry = data.subarray(Math.max(0, data.length - (marker.length - 1)));
    });
  });
  req.on('error', () => undefined);
  return open.then(() => req);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function reviewerLoop(signed: Signed, until: number, out: ClientResult): Promise<void> {
  const { reviewer, agent, cookie } = signed;
  let n = 0;
  while (performance.now() < until) {
    // Reviews and comparisons alternate; each save changes the content, so each is a new revision.
    const compare = n % 2 === 1;
    const round = Math.floor(n / 2);
    const mark = `${setup.runTag}/${reviewer.reviewerId}/${n}`;
    let method: string;
    let body: Record<string, unknown>;
    let itemId: number;
    if (compare) {
      itemId = reviewer.tasks[round % reviewer.tasks.length]!;
      method = 'comparisons.label';
      const choice = (['A', 'B', 'tie', 'both_bad'] as const)[round % 4]!;
      body = {
        taskId: itemId,
        reviewerId: reviewer.reviewerId,
        choice,
        strength: choice === 'A' || choice === 'B' ? 'clearly' : null,
        rationale: `B misses the second step. ${mark}`,
        addTimeSpentMs: 4000 + (round % 1000),
      };
    } else {
      itemId = reviewer.generations[round % reviewer.generations.length]!;
      method = 'review.save';
      const ratings: Record<string, number> = {};
      reviewer.criteria.forEach((id, i) => (ratings[String(id)] = 1 + ((round + i) % 5)));
      body = {
        generationId: itemId,
        reviewerId: reviewer.reviewerId,
        ratings,
        verdict: (['good', 'acceptable', 'bad'] as const)[round % 3],
        comment: `Correct, but the second paragraph repeats the first. ${mark}`,
        addTimeSpentMs: 3000 + (round % 1000),
        submit: true,
      };
    }
    n++;
    const started = performance.now();
    let res: { status: number; text: string };
    try {
      res = await post(agent, `/rpc/${method}`, body, { Cookie: cookie });
    } catch (error) {
      out.errors.push(`${method}: ${(error as Error).message}`);
      continue;
    }
    const ms = performance.now() - started;
    const result = JSON.parse(res.text) as Rpc;
    if (!result.ok) {
      out.errors.push(`${method} (${res.status}): ${result.error.code} ${result.error.message}`);
      continue;
    }
    out.latencies.push(ms);
    out.acks.push({ kind: compare ? 'compare' : 'review', reviewerId: reviewer.reviewerId, itemId, rowId: result.value.id, revision: result.value.revision, mark });
    if (setup.thinkMs > 0) await sleep(setup.thinkMs * (0.5 + Math.random()));
  }
}

const signed = await Promise.all(setup.reviewers.map(signIn));
const counter = { frames: 0 };
const streams = setup.events ? await Promise.all(signed.map((s) => listen(s.cookie, counter))) : [];
parentPort!.postMessage({ type: 'ready' });
parentPort!.once('message', () => {
  const out: ClientResult = { latencies: [], acks: [], errors: [], startedAt: Date.now(), endedAt: 0, eventFrames: 0 };
  const until = performance.now() + setup.durationMs;
  // Each loop stops issuing at the deadline and waits for its request in flight: every save sent is answered.
  void Promise.all(signed.map((s) => reviewerLoop(s, until, out))).then(() => {
    out.endedAt = Date.now();
    for (const s of signed) s.agent.destroy();
    // Frames of the last saves may still be on their way: give them a moment before counting.
    setTimeout(() => {
      out.eventFrames = counter.frames;
      for (const stream of streams) stream.destroy();
      parentPort!.postMessage({ type: 'done', result: out });
    }, 300);
  });
});
