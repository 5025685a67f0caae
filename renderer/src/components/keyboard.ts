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
