import { useEffect, useState } from 'react';
import { methods } from '../../contract';
import { transport } from './api';

/**
 * The workspace's settings (`settings.get` / `settings.update`, partial). Blind by default: a
 * comparison names no model and a reviewer sees no other reviewer's labels unless the study owner
 * turns it off.
 */
export interface WorkspaceSettings {
  blindReviewers: boolean;
  blindComparisons: boolean;
}

const DEFAULTS: WorkspaceSettings = { blindReviewers: true, blindComparisons: true };
const LOCAL_KEY = 'assay.settings.fallback';

// Untyped on purpose: the settings methods may not be in this build's contract yet; then the
// setting is kept in this browser only, with the same shape and defaults.
const invoke = transport.invoke as unknown as (method: string, input: unknown) => Promise<{ ok: boolean; value?: unknown }>;

let current: WorkspaceSettings | null = null;
// Asked only when this build's contract has the methods (an unknown method is a 404 in the console).
let remote = 'settings.get' in methods && 'settings.update' in methods;
const listeners = new Set<(s: WorkspaceSettings) => void>();

function local(): WorkspaceSettings {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(LOCAL_KEY) ?? '{}') as Partial<WorkspaceSettings>) };
  } catch {
    return DEFAULTS;
  }
}

function publish(next: WorkspaceSettings) {
  current = next;
  listeners.forEach((l) => l(next));
}

async function load(): Promise<void> {
  const r = remote ? await invoke('settings.get', {}).catch(() => ({ ok: false }) as { ok: boolean; value?: unknown }) : { ok: false };
  if (r.ok) publish({ ...DEFAULTS, ...(r.value as Partial<WorkspaceSettings>) });
  else {
    remote = false;
    publish(local());
  }
}

export async function updateSettings(patch: Partial<WorkspaceSettings>): Promise<void> {
  const next = { ...(current ?? DEFAULTS), ...patch };
  if (remote) {
    const r = await invoke('settings.update', patch).catch(() => ({ ok: false }) as { ok: boolean; value?: unknown });
    if (r.ok) return publish({ ...next, ...(r.value as Partial<WorkspaceSettings> | undefined) });
    remote = false;
  }
  try {
    localStorage.setItem(LOCAL_KEY, JSON.stringify(next));
  } catch {
    // Kept for this session only.
  }
  publish(next);
}

/** The settings, blind until they have loaded (never a flash of model names). */
export function useSettings(): WorkspaceSettings {
  const [settings, setSettings] = useState<WorkspaceSettings>(current ?? DEFAULTS);
  useEffect(() => {
    listeners.add(setSettings);
    if (current) setSettings(current);
    void load();
    return () => void listeners.delete(setSettings);
  }, []);
  return settings;
}
