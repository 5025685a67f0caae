import { useEffect, useState } from 'react';
import { DEFAULT_SETTINGS, type WorkspaceSettings } from '../../contract';
import { call, onEvent } from './api';

/**
 * The workspace's settings (`settings.get` / `settings.update`), shared by every window on the
 * workspace. Blind by default: a comparison names no model and a reviewer sees no other reviewer's
 * labels unless the study owner turns it off.
 */
export type { WorkspaceSettings };

let current: WorkspaceSettings | null = null;
const listeners = new Set<(s: WorkspaceSettings) => void>();
let unsubscribe: (() => void) | null = null;

function publish(next: WorkspaceSettings) {
  current = next;
  listeners.forEach((l) => l(next));
}

let loading: Promise<void> | null = null;

/**
 * Asks the workspace once per page; onDidChangeSettings keeps it current after that. (Asked on every
 * mount, an item pane that reads a setting cost a request per item opened in Review.)
 */
function load(): Promise<void> {
  // Another window (or the CLI) changing a setting reaches this one too.
  unsubscribe ??= onEvent('onDidChangeSettings', publish);
  loading ??= call('settings.get', {}).then(publish, () => {
    // Not reachable right now: stay with what was shown (blind until the first answer); ask again next time.
    loading = null;
  });
  return loading;
}

/** Changes the settings given; the promise rejects (CallError) when the workspace refused it. */
export async function updateSettings(patch: Partial<WorkspaceSettings>): Promise<void> {
  publish(await call('settings.update', patch));
}

/** The settings, blind until they have loaded (never a flash of model names or of others' labels). */
export function useSettings(): WorkspaceSettings {
  const [settings, setSettings] = useState<WorkspaceSettings>(current ?? DEFAULT_SETTINGS);
  useEffect(() => {
    listeners.add(setSettings);
    if (current) setSettings(current);
    void load();
    return () => void listeners.delete(setSettings);
  }, []);
  return settings;
}
