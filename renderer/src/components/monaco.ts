/**
 * Monaco, loaded from our own bundle: never from a CDN (the CSP allows only 'self', and the app
 * must work offline). Import this module before rendering an editor from @monaco-editor/react;
 * it points the loader at the bundled monaco and gives monaco its web worker through Vite's
 * `?worker` import (a same-origin file, allowed by `worker-src 'self'`).
 *
 * Import it lazily (React.lazy / import()) from views that show an editor: monaco is large and the
 * rest of the UI should not wait for it.
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

self.MonacoEnvironment = {
  // Markdown and plain text need only the generic editor worker (diff computation, links, words).
  getWorker: () => new EditorWorker(),
};

loader.config({ monaco });

/** Follows the app's light/dark scheme. */
export function monacoTheme(): 'vs' | 'vs-dark' {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'vs-dark' : 'vs';
}

export { monaco };
