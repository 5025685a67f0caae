import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../../contract';
import { call, errorText, isElectron } from '../../api';

type Backup = MethodOutput<'workspace.backup'>;
type State = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; backup: Backup } | { kind: 'failed'; message: string };

/**
 * "Back up now": a checked copy of the whole workspace file (core: db/backup.ts), made on a worker
 * while everyone keeps labeling. The labels are the product; a copy elsewhere is what saves them
 * from a deleted file or a broken disk.
 */
export function BackupCard() {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [outFile, setOutFile] = useState('');
  // The default folder is named after the workspace file (demo.assay → demo-backups).
  const [folder, setFolder] = useState('-backups');
  useEffect(() => {
    call('workspace.info', {})
      .then((info) => setFolder(`${info.name}-backups`))
      .catch(() => undefined);
  }, []);
  const backUp = async () => {
    setState({ kind: 'running' });
    try {
      setState({ kind: 'done', backup: await call('workspace.backup', { outFile: outFile.trim() === '' ? null : outFile.trim() }) });
    } catch (e) {
      setState({ kind: 'failed', message: errorText(e) });
    }
  };
  return (
    <section className="export-target backup-card" aria-label="Workspace backup">
      <h3>Back up the workspace</h3>
      <p className="muted small">
        A consistent copy of every prompt, output and label, checked before it is kept, in the <span className="mono">{folder}</span> folder beside the workspace
        {isElectron ? '' : ' (on the machine running Assay)'}. Labeling can go on meanwhile. Open the copy as a workspace to restore it.
      </p>
      <label>
        Save to <span className="muted">(optional: a .assay file path; relative to the workspace folder)</span>
        <input value={outFile} placeholder={`the ${folder} folder, named with the time`} aria-label="Backup file" onChange={(e) => setOutFile(e.target.value)} />
      </label>
      <div className="actions">
        <button type="button" className="secondary" disabled={state.kind === 'running'} onClick={() => void backUp()}>
          {state.kind === 'running' ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      {state.kind === 'done' && (
        <p className="small" role="status">
          Saved <span className="mono">{state.backup.file}</span> ({(state.backup.bytes / 1e6).toFixed(1)} MB, checked) in {state.backup.durationMs} ms.
        </p>
      )}
      {state.kind === 'failed' && (
        <p className="error" role="alert">
          {state.message}
        </p>
      )}
    </section>
  );
}
