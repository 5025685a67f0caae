import { useEffect, useLayoutEffect, useRef } from 'react';

/**
 * Keyboard-shortcut guard shared by the review and compare views: a key typed into a field or an
 * editor belongs to it, not to the view's shortcuts.
 */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) return true;
  // Monaco takes keys through an EditContext element or a hidden textarea inside .monaco-editor.
  return el.closest('.monaco-editor') !== null;
}

/**
 * A view's keyboard shortcuts on `window`, registered once. The handler is swapped for the one of
 * the latest render as soon as that render is committed (a layout effect), so a key pressed right
 * after something changed on screen (a row selected, a dialog closed) sees what is on screen: with
 * the listener re-added in a passive effect, a key arriving between the paint and that effect ran
 * the previous render's handler and was dropped or went to the previous item.
 */
export function useWindowKeydown(handler: (e: KeyboardEvent) => void): void {
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => latest.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
