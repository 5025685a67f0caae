import path from 'node:path';
import { AppError, type MethodOutput } from '../../contract';
import type { EventBus } from '../events';
import type { Workspace } from '../workspace/workspace';

/** The shell's part of `workspace.openDemo`: put an engine on `file` in place of the current one. */
export type SwitchWorkspace = (file: string) => Promise<void> | void;

/**
 * `workspace.openDemo`: the demo workspace beside the current one, built when missing, then the
 * shell switches to it. One build at a time: a second click waits for the first.
 */
export function openDemoHandler(workspace: Workspace, events: EventBus, switchWorkspace: SwitchWorkspace | undefined) {
  let running: Promise<MethodOutput<'workspace.openDemo'>> | null = null;

  async function open(): Promise<MethodOutput<'workspace.openDemo'>> {
    // Loaded on use: the builder runs an Engine of its own, and the engine module imports this one.
    const { buildDemoWorkspace, isDemoWorkspace, DEMO_FILE_NAME } = await import('./build');
    const file = path.join(path.dirname(workspace.file), DEMO_FILE_NAME);
    if (file === workspace.file) return { path: file, built: false };
    if (!switchWorkspace) {
      throw new AppError('invalid_input', `This Assay cannot switch workspaces; run \`assay demo --workspace ${file}\`, then open that file.`);
    }
    const built = !isDemoWorkspace(file);
    if (built) {
      try {
        await buildDemoWorkspace(file, { onProgress: (p) => events.emit('onDidBuildDemo', p) });
      } catch (error) {
        if (error instanceof AppError && error.code === 'conflict') {
          // The builder's advice (another file name) is for the CLI; here the file name is fixed.
          throw new AppError(
            'conflict',
            `${file} already exists and is not empty: it is another workspace, not the demo, and the demo is never written over it. ` +
              `Move or rename that file and try again, or build the demo elsewhere with \`assay demo --workspace OTHER.assay\` and open that.`,
          );
        }
        throw error;
      }
    }
    await switchWorkspace(file);
    return { path: file, built };
  }

  return {
    'workspace.openDemo': () => {
      running ??= open().finally(() => (running = null));
      return running;
    },
  };
}
