/**
 * Monaco, loaded from our own bundle: never from a CDN (the CSP allows only 'self', and the app
 * must work offline). It gives monaco its web worker through Vite's `?worker` import (a
 * same-origin file, allowed by `worker-src 'self'`).
 *
 * Import it lazily (React.lazy / import()) from views that show an editor: monaco is large and the
 * rest of the UI should not wait for it.
 *
 * Our editors (MonacoStep, MonacoDiff, MarkdownEditor) create and dispose Monaco themselves in one
 * effect, with `useMonacoEditor`, rather than through @monaco-editor/react: its async loader, its
 * update effects on every render and its disposal order (models before the widget) could call into
 * an editor that was already disposed while a pane unmounted under load, and Monaco's
 * "InstantiationService has been disposed", thrown from the effects of a subtree being removed,
 * took the whole page down.
 */
import { useEffect, useRef, type RefObject } from 'react';
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

self.MonacoEnvironment = {
  // Markdown and plain text need only the generic editor worker (diff computation, links, words).
  getWorker: () => new EditorWorker(),
};


/** Follows the app's light/dark scheme. */
export function monacoTheme(): 'vs' | 'vs-dark' {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'vs-dark' : 'vs';
}

export { monaco };

/**
 * Makes a Monaco editor in `host` when the component mounts and disposes it when it unmounts, in
 * one effect, so nothing else ever holds a disposed editor (`instance` is null from the moment
 * disposal begins). `create` gets the host element and a `live()` check: every callback it hands
 * to Monaco (commands, listeners) must do nothing once disposal has begun. It returns what to
 * dispose, in order (the widget before its models). An error while disposing is logged, never
 * thrown into React, where an error in the cleanup of a subtree being removed unmounts everything
 * up to the nearest error boundary.
 */
export function useMonacoEditor<T>(
  what: string,
  create: (host: HTMLDivElement, live: () => boolean) => { instance: T; dispose: () => void },
): { host: RefObject<HTMLDivElement | null>; instance: RefObject<T | null> } {
  const host = useRef<HTMLDivElement | null>(null);
  const instance = useRef<T | null>(null);
  const createRef = useRef(create);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let alive = true;
    const made = createRef.current(el, () => alive);
    instance.current = made.instance;
    return () => {
      alive = false;
      instance.current = null;
      try {
        made.dispose();
      } catch (e) {
        console.warn(`[monaco] disposing the ${what} failed:`, e);
      }
    };
  }, [what]);
  return { host, instance };
}
