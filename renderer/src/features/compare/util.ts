import { CallError } from '../../api';

/** Another tab's (or the top bar's) button, pressed the way a reviewer would. */
export function clickTopbar(selector: string, label: string): boolean {
  const button = [...document.querySelectorAll<HTMLButtonElement>(selector)].find((b) => b.textContent?.trim().startsWith(label));
  button?.click();
  return !!button;
}

export function goToTab(label: string): boolean {
  return clickTopbar('[role="tab"]', label);
}

export function errorText(e: unknown): string {
  return e instanceof CallError ? e.message : e instanceof Error ? e.message : String(e);
}

/** "A", "B", … for a shown position. */
export function sideName(position: number): string {
  return String.fromCharCode(65 + position);
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
