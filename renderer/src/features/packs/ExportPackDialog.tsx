import { useState } from 'react';
import { httpPaths, type PackExportResult } from '../../../../contract';
import { call, chooseSaveFile, errorText, isElectron } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useToast } from '../../components/Toast';
import { baseName, formatBytes, formatWhen, itemsText } from './format';
import './packs.css';

/** Browser mode's link to a pack the server wrote (GET /packs/<packId>/<file name>). */
export function packDownloadUrl(result: PackExportResult): string {
  return `${httpPaths.packs}${encodeURIComponent(result.packId)}/${encodeURIComponent(baseName(result.file))}`;
}

/** Starts the browser's download of a pack the server wrote. */
function download(result: PackExportResult): void {
  const a = document.createElement('a');
  a.href = packDownloadUrl(result);
  a.download = baseName(result.file);
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Sessions › a reviewer's Export pack…: writes an offline review pack for them (`packs.export`)
 * with what the session would hand them, reserved for them meanwhile. Desktop: the file goes where
 * the field says (beside the workspace by default). Browser mode: the server writes it beside the
 * workspace and the browser downloads it. Then says what the pack holds.
 */
export function ExportPackDialog({
  sessionId,
  sessionName,
  reviewer,
  senderId,
  onClose,
}: {
  sessionId: number;
  sessionName: string;
  reviewer: { id: number; name: string };
  senderId: number;
  onClose: () => void;
}) {
  const toast = useToast();
  const [holdDays, setHoldDays] = useState(14);
  const [limit, setLimit] = useState('');
  const [outFile, setOutFile] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<PackExportResult | null>(null);

  const submit = () => {
    const max = limit.trim() === '' ? undefined : Number(limit);
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) return setError('“At most” takes a whole number of items (or leave it empty for all).');
    setBusy(true);
    setError(null);
    call('packs.export', {
      packReviewerId: reviewer.id,
      sessionId,
      holdDays,
      senderId,
      ...(max !== undefined ? { limit: max } : {}),
      ...(isElectron && outFile.trim() !== '' ? { outFile: outFile.trim() } : {}),
    }).then(
      (r) => {
        setBusy(false);
        setResult(r);
        if (!isElectron) download(r);
        toast.show(
          `Pack for ${r.reviewerName}: ${itemsText(r.generations, r.tasks)}, ${r.gold} gold${r.reservedUntil !== null ? `, reserved until ${formatWhen(r.reservedUntil)}` : ''}.`,
        );
      },
      (e: unknown) => {
        setBusy(false);
        setError(errorText(e));
      },
    );
  };

  return (
    <Dialog title={`Export pack for ${reviewer.name}`} onClose={onClose} className="pack-dialog">
      {result ? (
        <div className="pack-report" data-testid="pack-export-report">
          <p>
            <strong>{result.reviewerName}</strong>’s pack from “{sessionName}” holds <strong>{itemsText(result.generations, result.tasks)}</strong>, {result.gold} of them gold
            {result.gold > 0 ? ' (the answers stay here)' : ''}, with the guidelines, taxonomy and rubric · {formatBytes(result.bytes)}.
          </p>
          {result.reservedUntil !== null && (
            <p>
              Reserved for {result.reviewerName} until <strong>{formatWhen(result.reservedUntil)}</strong>: nobody else is handed these items meanwhile.
            </p>
          )}
          {isElectron ? (
            <p>
              Saved to <code className="pack-path">{result.file}</code>.
            </p>
          ) : (
            <p>
              Your browser is downloading <code>{baseName(result.file)}</code> (a copy stays on the server at <code className="pack-path">{result.file}</code>).{' '}
              <a href={packDownloadUrl(result)} download={baseName(result.file)}>
                Download again
              </a>
            </p>
          )}
          <p className="muted">
            Send the file to {result.reviewerName}: they open it in Assay (desktop, or <code>assay serve --workspace {baseName(result.file)}</code>) with no network, label, and send it back. Then
            use Merge packs… (Alt+M).
          </p>
          <div className="actions">
            <button data-autofocus onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form
          className="pack-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <p className="muted">
            What “{sessionName}” would hand {reviewer.name} (gold first, then their share under overlap k), in one file with the guidelines, taxonomy and rubric, to label with no
            network.
          </p>
          <div className="number-row">
            <label>
              Reserve for (days)
              <input data-autofocus type="number" min={1} max={365} value={holdDays} onChange={(e) => setHoldDays(Number(e.target.value))} title="Nobody else is handed these items meanwhile" />
            </label>
            <label>
              At most (items)
              <input type="number" min={1} value={limit} placeholder="all" onChange={(e) => setLimit(e.target.value)} />
            </label>
          </div>
          {isElectron ? (
            <div className="pack-save-as">
              <label>
                Save as
                <input value={outFile} onChange={(e) => setOutFile(e.target.value)} placeholder="packs/<workspace>-<reviewer>-<n>.assay beside the workspace" />
              </label>
              {chooseSaveFile && (
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    void chooseSaveFile!({ title: `Save ${reviewer.name}’s review pack`, fileName: `${reviewer.name.replace(/[^\p{L}\p{N}]+/gu, '-').toLowerCase()}.assay` }).then((file) => file && setOutFile(file))
                  }
                >
                  Choose…
                </button>
              )}
            </div>
          ) : (
            <p className="muted">The server writes the pack beside the workspace, then your browser downloads it.</p>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Exporting…' : 'Export pack'}
            </button>
            <button type="button" className="secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
