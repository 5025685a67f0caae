/**
 * A child process for test/commit-group.test.ts: an Engine on the workspace given as argv[2] saves
 * reviews in groups of argv[4] saves submitted in one turn of the event loop (so each group is one
 * transaction of the commit group, core/workspace/commit-group.ts), each with its audit row written
 * inside it as the team server does, and one save of each group invalid (it must fail alone).
 *
 * Save i of group g comments `g<g>/<i>`. After every save of a group is answered it prints
 * `{"acked":g,"ok":[…i],"failed":[…i]}`. With argv[5] = K it SIGKILLs itself inside group K, in the
 * audit callback of its save at position argv[6]: earlier saves of that group have been written to
 * their savepoints, its COMMIT has not run. Without it, it saves until the test kills it.
 */
import { Engine } from '../../core/engine';
import { openWorkspace } from '../../core/workspace/workspace';

const [file, generationArg, groupSizeArg, killGroupArg, killAtArg] = process.argv.slice(2);
const generationIds = generationArg!.split(',').map(Number);
const groupSize = Number(groupSizeArg);
const killGroup = killGroupArg === undefined ? -1 : Number(killGroupArg);
const killAt = Number(killAtArg ?? 0);
const workspace = openWorkspace(file!);
const engine = new Engine(workspace, { shell: 'browser', runJobs: false, checkpoints: { intervalMs: 5, boundPages: 64 } });
const reviewerId = Number(workspace.writer.prepare("SELECT id FROM reviewers WHERE name = 'Ada'").pluck().get());

for (let g = 0; ; g++) {
  const answers = Array.from({ length: groupSize }, (_, i) => {
    const generationId = generationIds[(g * groupSize + i) % generationIds.length]!;
    // One save a group names a criterion that does not exist: refused by the service, alone.
    const ratings = i === 1 ? { '999999': 3 } : {};
    const input = { generationId, reviewerId, ratings, verdict: 'good', comment: `g${g}/${i} ${'x'.repeat(500)}`, submit: true };
    return engine.dispatchWith('review.save', input, (value) => {
      if (g === killGroup && i === killAt) process.kill(process.pid, 'SIGKILL');
      engine.team.audit({ reviewerId, role: 'sme' }, 'review.save', input, value);
    });
  });
  const results = await Promise.all(answers);
  const ok = results.flatMap((r, i) => (r.ok ? [i] : []));
  const failed = results.flatMap((r, i) => (r.ok ? [] : [i]));
  process.stdout.write(`${JSON.stringify({ acked: g, ok, failed, groups: engine.groupStats().groups })}\n`);
}
