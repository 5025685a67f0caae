import { plural } from '../../plural';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatWhen(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "12 items (8 outputs, 4 comparisons)". */
export function itemsText(generations: number, tasks: number): string {
  const parts = [generations > 0 ? plural(generations, 'output') : '', tasks > 0 ? plural(tasks, 'comparison') : ''].filter(Boolean);
  return `${plural(generations + tasks, 'item')}${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`;
}

/** The base name of a path from either platform. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
