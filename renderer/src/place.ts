/**
 * Where a person was in a view (the open item, a draft, filters), kept while they visit other tabs.
 * App unmounts a view when its tab closes, so a view's own state would go with it and coming back
 * would open another item. Kept in memory for the session (and in sessionStorage, so a reload in
 * browser mode keeps it too); `key` names the view and whatever scopes it (workspace, reviewer).
 * Shared by the views that keep a place (Compare; Review may use it too).
 */
const memory = new Map<string, unknown>();
const PREFIX = 'assay.place:';

export function recallPlace<T>(key: string): T | undefined {
  if (memory.has(key)) return memory.get(key) as T;
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    if (raw !== null) {
      const value = JSON.parse(raw) as T;
      memory.set(key, value);
      return value;
    }
  } catch {
    // Nothing kept, or unreadable: the view starts fresh.
  }
  return undefined;
}

export function keepPlace<T>(key: string, value: T): void {
  memory.set(key, value);
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Kept in memory only (storage full or off).
  }
}
