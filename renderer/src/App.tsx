import { useCallback, useEffect, useState } from 'react';
import type { WorkspaceInfo } from '../../contract';
import { call, CallError, onEvent } from './api';
import { ToastProvider } from './components/Toast';
import { PromptsView } from './features/prompts/PromptsView';

export function App() {
  const [info, setInfo] = useState<WorkspaceInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    call('workspace.info', {})
      .then((value) => {
        setInfo(value);
        setError(null);
        document.title = `${value.name} — Assay`;
      })
      .catch((e: unknown) => setError(e instanceof CallError ? e.message : String(e)));
  }, []);

  useEffect(() => {
    refresh();
    return onEvent('onDidChangePrompts', refresh);
  }, [refresh]);

  if (error) {
    return (
      <div className="fatal">
        <h1>Assay cannot reach its workspace</h1>
        <p>{error}</p>
        <button onClick={refresh}>Try again</button>
      </div>
    );
  }

  return (
    <ToastProvider>
      <div className="app">
        <header className="topbar">
          <span className="brand">Assay</span>
          <nav className="tabs" aria-label="Sections">
            <span className="tab active" aria-current="page">
              Prompts
            </span>
          </nav>
          <span className="workspace" title={info?.path}>
            {info ? (
              <>
                <strong>{info.name}</strong> <span className="muted">· {info.promptCount.toLocaleString()} prompts · {info.path}</span>
              </>
            ) : (
              'Opening workspace…'
            )}
          </span>
        </header>
        <main className="content">{info && <PromptsView />}</main>
      </div>
    </ToastProvider>
  );
}
