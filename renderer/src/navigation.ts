/**
 * Moving between views from inside one. App.tsx owns which tab is open and the top bar's panels, so
 * a view presses their buttons the way a person would instead of reaching into App's state.
 */

/** Presses the first button matching `selector` whose text starts with `label`; false if none. */
export function clickTopbar(selector: string, label: string): boolean {
  const button = [...document.querySelectorAll<HTMLButtonElement>(selector)].find((b) => b.textContent?.trim().startsWith(label));
  button?.click();
  return !!button;
}

/** Opens the tab named `label` ("Batch", "Compare", …). */
export function goToTab(label: string): boolean {
  return clickTopbar('[role="tab"]', label);
}
