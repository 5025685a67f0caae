import { describe, expect, it } from 'vitest';
import { EventFanout } from '../server/event-stream';

/** A stream that records each write it was given. */
function sink() {
  const writes: string[] = [];
  return { writes, write: (chunk: string) => writes.push(chunk), frames: () => writes.join('').split('\n\n').filter(Boolean) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SSE fan-out (server/event-stream.ts)', () => {
  it('sends every event to every stream, in order, one write per stream for a burst', async () => {
    const fanout = new EventFanout({ intervalMs: 20 });
    const a = sink();
    const b = sink();
    fanout.add(a);
    fanout.add(b);
    for (let i = 0; i < 50; i++) fanout.publish('onDidChangeReview', { generationId: i, reviewerId: 1 });
    // Nothing is written inside the turn that published (the save's answer goes first)...
    expect(a.writes).toHaveLength(0);
    await tick();
    // ...then the burst goes out as one write to each stream, every frame whole and in order.
    expect(a.writes).toHaveLength(1);
    expect(b.writes).toEqual(a.writes);
    expect(a.frames()).toEqual(Array.from({ length: 50 }, (_, i) => `event: onDidChangeReview\ndata: {"generationId":${i},"reviewerId":1}`));
  });

  it('sends a lone event on the next turn, and while events keep coming at most one write per interval', async () => {
    const fanout = new EventFanout({ intervalMs: 40 });
    const a = sink();
    fanout.add(a);
    fanout.publish('onDidChangeComparisons', { reason: 'label' });
    await tick();
    expect(a.writes).toHaveLength(1);
    // Right after a flush, the next events wait for the interval instead of a write each.
    fanout.publish('onDidChangeComparisons', { reason: 'label' });
    await tick();
    fanout.publish('onDidChangeComparisons', { reason: 'tasks' });
    await tick();
    expect(a.writes).toHaveLength(1);
    await sleep(60);
    expect(a.writes).toHaveLength(2);
    expect(a.frames().map((f) => f.split('\n')[1])).toEqual(['data: {"reason":"label"}', 'data: {"reason":"label"}', 'data: {"reason":"tasks"}']);
  });

  it('the payload is read when the event happens, and a stream opened later gets only later events', async () => {
    const fanout = new EventFanout();
    const early = sink();
    fanout.add(early);
    const payload = { generationId: 1, reviewerId: 2 };
    fanout.publish('onDidChangeReview', payload);
    payload.generationId = 99;
    const late = sink();
    fanout.add(late);
    fanout.publish('onDidChangeReview', { generationId: 3, reviewerId: 2 });
    await sleep(30);
    expect(early.frames()).toEqual(['event: onDidChangeReview\ndata: {"generationId":1,"reviewerId":2}', 'event: onDidChangeReview\ndata: {"generationId":3,"reviewerId":2}']);
    expect(late.frames()).toEqual(['event: onDidChangeReview\ndata: {"generationId":3,"reviewerId":2}']);
    // A stream that went away is written no more; close() hands back the rest after sending what is queued.
    fanout.delete(early);
    fanout.publish('onDidChangeReview', { generationId: 4, reviewerId: 2 });
    expect(fanout.close()).toEqual([late]);
    expect(late.frames()).toHaveLength(2);
    expect(early.frames()).toHaveLength(2);
  });

  it('a frame with an audience goes only to the streams whose viewer admits it, in order; a stream with none gets no write', async () => {
    const a = sink();
    const b = sink();
    const c = sink();
    const who = new Map<object, number>([[a, 1], [b, 2], [c, 3]]);
    const fanout = new EventFanout<ReturnType<typeof sink>, number>({ viewer: (client) => (audience) => who.get(client) === audience });
    fanout.add(a);
    fanout.add(b);
    fanout.add(c);
    fanout.publish('onDidChangeReview', { generationId: 1, reviewerId: 1 }, 1);
    fanout.publish('onDidChangeReview', { generationId: 2, reviewerId: 2 }, 2);
    fanout.publish('onDidChangeReview', { generationId: 3, reviewerId: 1 }, 1);
    await tick();
    expect(a.frames()).toEqual([1, 3].map((g) => `event: onDidChangeReview\ndata: {"generationId":${g},"reviewerId":1}`));
    expect(b.frames()).toEqual(['event: onDidChangeReview\ndata: {"generationId":2,"reviewerId":2}']);
    expect(c.writes).toHaveLength(0);
    // An event without an audience still reaches every stream.
    fanout.publish('onDidChangeTaxonomy', {});
    await sleep(30);
    for (const s of [a, b, c]) expect(s.frames().at(-1)).toBe('event: onDidChangeTaxonomy\ndata: {}');
  });
});
