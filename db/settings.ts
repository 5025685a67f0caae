import { DEFAULT_SETTINGS, WorkspaceSettings } from '../contract';
import type { ReadableDB, WritableDB } from './handles';
import { all, run } from './statements';

/**
 * The workspace's settings (db/migrations/0008-settings.ts): a row per setting written, its value as
 * JSON. A setting with no row, or with a value this build cannot read, is its default.
 */
export function readSettings(db: ReadableDB): WorkspaceSettings {
  const stored: Record<string, unknown> = {};
  for (const row of all<{ key: string; value: string }>(db, 'SELECT key, value FROM settings')) stored[row.key] = JSON.parse(row.value);
  const settings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(WorkspaceSettings.shape) as (keyof WorkspaceSettings)[]) {
    const parsed = WorkspaceSettings.shape[key].safeParse(stored[key]);
    if (parsed.success) settings[key] = parsed.data;
  }
  return settings;
}

export function writeSettings(db: WritableDB, patch: Partial<WorkspaceSettings>, now: number): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    run(
      db,
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      key,
      JSON.stringify(value),
      now,
    );
  }
}
