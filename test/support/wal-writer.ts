/**
 * A child process for test/wal-checkpoint.test.ts: an Engine on the workspace given as argv[2]
 * saves reviews as fast as it can (each on its own turn of the event loop, as HTTP requests come)
 * while its checkpoint thread runs, and prints every acknowledged save as one JSON line
 * (`{"ack":[reviewId, revision, comment]}`), then `{"stats":…}` every 100 saves. The test SIGKILLs it.
 */
import { Engine } from '../../core/engine';
import { openWorkspace } from '../../core/workspace/workspace';

const [file, generationArg, reviewerArg] = process.argv.slice(2);
const generationIds = generationArg!.split(',').map(Number);
const reviewerId = Number(reviewerArg);
const engine = new Engine(openWorkspace(file!), { shell: 'browser', runJobs: false, checkpoints: { intervalMs: 5, boundPages: 64 } });
let n = 0;
for (;;) {
  const generationId = generationIds[n % generationIds.length]!;
  const comment = `save ${n} ${'x'.repeat(2000)}`;
  const result = await engine.call('review.save', { generationId, reviewerId, verdict: 'good', comment, submit: true });
  if (!result.ok) throw new Error(result.error.message);
  process.stdout.write(`${JSON.stringify({ ack: [result.value.id, result.value.revision, n] })}\n`);
  n++;
  if (n % 100 === 0) process.stdout.write(`${JSON.stringify({ stats: engine.checkpoints.stats() })}\n`);
  await new Promise((resolve) => setImmediate(resolve));
}
