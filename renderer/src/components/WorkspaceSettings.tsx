import { useState } from 'react';
import { useAccess } from '../access';
import { errorText } from '../api';
import { updateSettings, useSettings, type WorkspaceSettings } from '../settings';
import { Dialog } from './Dialog';
import './workspace-settings.css';

const OPTIONS: { key: keyof WorkspaceSettings; label: string; detail: string }[] = [
  {
    key: 'blindReviewers',
    label: 'Blind reviewers',
    detail:
      "A reviewer sees only their own ratings, tags, think-aloud and corrections. Off: Review also shows other reviewers' labels on the output, read-only and with their names.",
  },
  {
    key: 'blindComparisons',
    label: 'Blind comparisons',
    detail: "Compare hides which model wrote each output (in the panes and in its messages), so reviewers judge the outputs, not the models. Off: Compare shows each output's model name.",
  },
];

/** The top bar's ⚙: the workspace's shared settings (every reviewer of this workspace gets them). */
export function WorkspaceSettingsButton() {
  const [open, setOpen] = useState(false);
  const settings = useSettings();
  const [error, setError] = useState<string | null>(null);
  const access = useAccess();
  // Team mode: the workspace's settings are the owner's.
  if (!access.can('settings.update')) return null;
  return (
    <>
      <button
        className="topbar-button settings-button"
        aria-label="Workspace settings"
        title="Workspace settings: blind reviewers, blind comparisons"
        aria-pressed={open}
        onClick={() => setOpen((o) => !o)}
      >
        ⚙
      </button>
      {open && (
        <Dialog title="Workspace settings" onClose={() => setOpen(false)} className="settings-dialog">
          <p className="muted small">Saved in the workspace file: they apply to everyone who reviews in it.</p>
          {OPTIONS.map((o) => (
            <label key={o.key} className="settings-option">
              <input
                type="checkbox"
                checked={settings[o.key]}
                onChange={(e) => {
                  setError(null);
                  updateSettings({ [o.key]: e.target.checked }).catch((err: unknown) => setError(`Could not change the setting: ${errorText(err)}`));
                }}
              />
              <span>
                <strong>{o.label}</strong> <span className="muted">(on by default)</span>
                <br />
                <span className="muted small">{o.detail}</span>
              </span>
            </label>
          ))}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </Dialog>
      )}
    </>
  );
}
