import type { SignedOutInfo } from '../api';

/**
 * The whole window once the server no longer knows this browser: an invite revoked or expired, or
 * the server restarted. Every call would fail the same way, so nothing else is shown; the message is
 * the server's (it says what happened and what to do). It says a change was not saved only when the
 * server refused one (`refusedWrite`), not when the window merely learnt it was signed out.
 */
export function SignedOut({ info }: { info: SignedOutInfo }) {
  return (
    <div className="fatal signed-out" role="alertdialog" aria-labelledby="signed-out-title" aria-describedby="signed-out-message">
      <h1 id="signed-out-title">You are signed out</h1>
      <p id="signed-out-message">{info.message}</p>
      <p className="muted" data-testid="signed-out-saved">
        {info.refusedWrite !== null
          ? 'The change this window was making when it was signed out was not saved; everything saved before stays in the workspace.'
          : 'No change was under way here: everything this window saved stays in the workspace.'}
      </p>
    </div>
  );
}
