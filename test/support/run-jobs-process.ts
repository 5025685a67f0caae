/**
 * A stand-in for the app process in the crash test: opens a workspace with the real engine, which
 * resumes and runs its batch queue, and stays up until killed.
 */
import { Engine } from '../../core/engine';
import { openWorkspace } from '../../core/workspace/workspace';

const engine = new Engine(openWorkspace(process.argv[2]!), { shell: 'browser' });
engine.events.on('onDidChangeJob', (job) => process.stdout.write(`${JSON.stringify(job.counts)}\n`));
setInterval(() => undefined, 60_000);
