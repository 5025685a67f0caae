import type { MethodOutput, ParsedInput } from '../../contract';
import { readSettings, writeSettings } from '../../db/settings';
import type { EventBus } from '../events';
import type { Workspace } from '../workspace/workspace';

/** `settings.get` / `settings.update`: the workspace's shared settings (db/settings.ts). */
export function settingsService(workspace: Workspace, events: EventBus) {
  const { reader, writer } = workspace;
  return {
    'settings.get': (): MethodOutput<'settings.get'> => readSettings(reader),
    'settings.update': (input: ParsedInput<'settings.update'>): MethodOutput<'settings.update'> => {
      const settings = writer.transaction(() => {
        writeSettings(writer, input, Date.now());
        return readSettings(writer);
      })();
      events.emit('onDidChangeSettings', settings);
      return settings;
    },
  };
}
