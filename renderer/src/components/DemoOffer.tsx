import { useEffect, useRef, useState } from 'react';
import type { DemoProgress } from '../../../contract';
import { call, errorText, onEvent } from '../api';
import { ProgressBar } from './ProgressBar';
import './demo-offer.css';

/**
 * "Open the demo workspace": the first thing a new user can do. `workspace.openDemo` builds
 * demo.assay beside the current workspace (40 prompts, the sample model at two temperatures, 80
 * outputs made by llama.cpp; about 8 s) or reuses the one already there, the shell switches to it,
 * and the page reloads on the new workspace. Progress comes as onDidBuildDemo.
 */
export function DemoOffer({ variant = 'panel', onOpening }: { variant?: 'panel' | 'inline'; onOpening?: () => void }) {
  const [state, setState] = useState<'idle' | 'building' | 'opening' | 'failed'>('idle');
  const [progress, setProgress] = useState<DemoProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    const stop = onEvent('onDidBuildDemo', (p) => live.current && setProgress(p));
    return () => {
      live.current = false;
      stop();
    };
  }, []);

  const open = async () => {
    setState('building');
    setError(null);
    setProgress(null);
    onOpening?.();
    try {
      await call('workspace.openDemo', {});
      if (!live.current) return;
      setState('opening');
      // Every view reads the new workspace from scratch.
      window.location.reload();
    } catch (e) {
      if (!live.current) return;
      setState('failed');
      setError(errorText(e));
    }
  };

  const busy = state === 'building' || state === 'opening';
  const fraction = progress && progress.phase === 'generating' && progress.total > 0 ? progress.done / progress.total : null;
  return (
    <section className={`demo-offer demo-offer-${variant}`} aria-label="Demo workspace">
      <div className="demo-offer-text">
        <h3>New to Assay? Start with the demo</h3>
        <p>
          40 prompts (story openings, counting and arithmetic questions with references) and 80 outputs of stories260K, a small real
          model shipped with Assay, at two temperatures. llama.cpp generates them here in about ten seconds; nothing is labelled yet,
          so you can review, tag and compare real English output at once. This workspace stays as it is.
        </p>
      </div>
      <div className="demo-offer-actions">
        <button onClick={() => void open()} disabled={busy} aria-busy={busy}>
          {state === 'building' ? 'Building the demo…' : state === 'opening' ? 'Opening…' : 'Open the demo workspace'}
        </button>
      </div>
      {busy && (
        <div className="demo-offer-progress" aria-live="polite">
          <ProgressBar fraction={state === 'opening' ? 1 : fraction} label="Building the demo workspace" />
          <p className="muted">{state === 'opening' ? 'Opening the demo workspace…' : (progress?.message ?? 'Starting…')}</p>
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          <p>The demo workspace could not be opened: {error}</p>
          <p>
            Try again; if it fails again, build it from a terminal with <code>npx assay demo --workspace demo.assay</code> and open that file
            (<code>npm run serve -- --workspace demo.assay</code>, or File › Open in the desktop app).
          </p>
        </div>
      )}
    </section>
  );
}
