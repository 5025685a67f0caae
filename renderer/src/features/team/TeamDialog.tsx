import { useCallback, useEffect, useRef, useState } from 'react';
import { TEAM_ROLE_LABELS, type AuditEntry, type Invite, type TeamRole } from '../../../../contract';
import { roleLabel, useAccess } from '../../access';
import { call, errorText } from '../../api';
import { isTyping } from '../../components/keyboard';
import { Dialog } from '../../components/Dialog';
import { useReviewers } from '../../reviewer';
import './team.css';

/**
 * Team mode's people (`assay serve --team`): invite a reviewer with a role and an expiry (the link is
 * shown once: only its hash is kept), the invites with their status, revoking one (its link stops
 * working and its open windows are signed out at once), and the audit log of every write.
 * Opened from the top bar's Team button or Ctrl+Shift+U; shown to roles that may list invites (the
 * owner, and NLP engineers, who invite and revoke SMEs only; the server holds them to that).
 */

/** What the server allows (server/authorize.ts): the owner sets any role, anyone else SMEs only. */
function maySetRole(mine: TeamRole, target: TeamRole): boolean {
  return mine === 'owner' || target === 'sme';
}

const EXPIRIES: { hours: number; label: string }[] = [
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
  { hours: 24 * 90, label: '90 days' },
];

const ROLE_CHOICES: { role: TeamRole; detail: string }[] = [
  { role: 'sme', detail: 'reviews, tags, think-aloud, corrections and comparisons in the sessions they are assigned to' },
  { role: 'engineer', detail: 'also prompts, models, batch jobs, sessions, taxonomy, guidelines, imports and exports' },
  { role: 'owner', detail: 'everything, including invites, revoking them and workspace settings' },
];

const AUDIT_PAGE = 50;

export const TEAM_SHORTCUT = 'Ctrl+Shift+U';

function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The top bar's Team button and its shortcut; nothing for a role that may not see invites (or outside team mode). */
export function TeamButton() {
  const access = useAccess();
  const [open, setOpen] = useState(false);
  const allowed = access.team && access.can('team.invites');
  useEffect(() => {
    if (!allowed) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'u' && !isTyping(e.target)) {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [allowed]);
  if (!allowed) return null;
  return (
    <>
      <button className="topbar-button" aria-pressed={open} title={`Team: invites and the audit log (${TEAM_SHORTCUT})`} onClick={() => setOpen((o) => !o)}>
        Team
      </button>
      {open && <TeamDialog onClose={() => setOpen(false)} />}
    </>
  );
}

export function TeamDialog({ onClose }: { onClose: () => void }) {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [auditKey, setAuditKey] = useState(0);
  const request = useRef(0);

  const load = useCallback(() => {
    // Only the latest answer is shown: a list read before a revoke never overwrites the one after it.
    const id = ++request.current;
    call('team.invites', {}).then(
      (list) => {
        if (id !== request.current) return;
        setInvites(list);
        setError(null);
      },
      (e: unknown) => id === request.current && setError(errorText(e)),
    );
  }, []);
  useEffect(load, [load]);

  const changed = () => {
    load();
    setAuditKey((k) => k + 1);
  };
  /** A revoke: its row shows the server's answer at once (status revoked), then the whole list is read again. */
  const revoked = (invite: Invite) => {
    setInvites((list) => list?.map((i) => (i.id === invite.id ? invite : i)) ?? list);
    changed();
  };

  return (
    <Dialog title="Team" onClose={onClose} className="team-dialog">
      <div className="team-body">
        <InviteForm onInvited={changed} />
        <section aria-labelledby="team-invites-title">
          <h3 id="team-invites-title">Invites</h3>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {invites === null && !error && <p className="muted">Loading…</p>}
          {invites?.length === 0 && <p className="muted">No invites yet. Invite a reviewer above; each gets their own link.</p>}
          {invites && invites.length > 0 && <InviteTable invites={invites} onRevoked={revoked} />}
        </section>
        <AuditLog key={auditKey} />
      </div>
    </Dialog>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const { reviewers, refresh } = useReviewers();
  const mine = useAccess().role;
  const choices = ROLE_CHOICES.filter((c) => maySetRole(mine, c.role));
  const people = reviewers.filter((r) => r.kind === 'person');
  const [name, setName] = useState('');
  const [role, setRole] = useState<TeamRole>('sme');
  const [hours, setHours] = useState(24 * 7);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<{ link: string; invite: Invite } | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  const invite = async () => {
    const trimmed = name.trim();
    if (!trimmed) {
      setError("Enter the reviewer's name (an existing reviewer of that name is invited as themselves).");
      nameRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const existing = people.find((r) => r.name === trimmed);
      const result = await call('team.invite', { reviewer: existing ? { id: existing.id } : { name: trimmed }, role, expiresInHours: hours });
      setMade({ link: `${window.location.origin}/?invite=${encodeURIComponent(result.secret)}`, invite: result.invite });
      setName('');
      onInvited();
      void refresh();
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false);
  };

  return (
    <section aria-labelledby="team-invite-title">
      <h3 id="team-invite-title">Invite a reviewer</h3>
      <form
        className="team-invite-form"
        onSubmit={(e) => {
          e.preventDefault();
          void invite();
        }}
      >
        <label>
          Reviewer name
          <input ref={nameRef} data-autofocus value={name} maxLength={200} list="team-reviewer-names" onChange={(e) => setName(e.target.value)} />
          <datalist id="team-reviewer-names">
            {people.map((r) => (
              <option key={r.id} value={r.name} />
            ))}
          </datalist>
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
            {choices.map((c) => (
              <option key={c.role} value={c.role}>
                {roleLabel(c.role)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires in
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {EXPIRIES.map((x) => (
              <option key={x.hours} value={x.hours}>
                {x.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </form>
      <p className="muted small">
        {roleLabel(role)}: {ROLE_CHOICES.find((c) => c.role === role)!.detail}.
        {mine !== 'owner' && ' As an NLP engineer you invite and revoke SMEs; the owner invites engineers and owners.'}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {made && <NewLink link={made.link} invite={made.invite} onDone={() => setMade(null)} />}
    </section>
  );
}

/** The link of an invite just made: shown this once, with Copy. */
function NewLink({ link, invite, onDone }: { link: string; invite: Invite; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const copy = async () => {
    inputRef.current?.select();
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      // No clipboard access (plain HTTP on another host): the text is selected for Ctrl+C.
      setCopied(document.execCommand('copy') ? 'yes' : 'failed');
    }
  };
  return (
    <div className="team-new-link" role="status" aria-label={`Invite link for ${invite.reviewerName}`}>
      <p>
        <strong>
          Invite link for {invite.reviewerName} ({roleLabel(invite.role)}), valid until {when(invite.expiresAt)}:
        </strong>
      </p>
      <div className="team-link-row">
        <input ref={inputRef} readOnly value={link} aria-label="Invite link" onFocus={(e) => e.target.select()} />
        <button type="button" onClick={() => void copy()}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="warning small">
        This link will not be shown again: Assay keeps only a hash of it. Send it to {invite.reviewerName} privately (whoever holds it reviews as them). If it
        is lost, revoke this invite and make a new one.
      </p>
      {copied === 'failed' && <p className="error small">Could not copy: select the link and press Ctrl+C.</p>}
      <button type="button" className="link" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function InviteTable({ invites, onRevoked }: { invites: Invite[]; onRevoked: (invite: Invite) => void }) {
  const mine = useAccess().role;
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const revoke = async (invite: Invite) => {
    setError(null);
    try {
      const done = await call('team.revoke', { id: invite.id });
      setConfirming(null);
      onRevoked(done);
    } catch (e) {
      setError(`Could not revoke ${invite.reviewerName}'s invite: ${errorText(e)}`);
    }
  };
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="team-table" aria-label="Invites">
        <thead>
          <tr>
            <th>Reviewer</th>
            <th>Role</th>
            <th>Status</th>
            <th>Expires</th>
            <th title="The last request made with this invite since the server started">Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {invites.map((i) => (
            <tr key={i.id} data-status={i.status}>
              <td>{i.reviewerName}</td>
              <td>{TEAM_ROLE_LABELS[i.role]}</td>
              <td>
                <span className={`team-status ${i.status}`}>{i.status === 'revoked' ? `revoked ${when(i.revokedAt)}` : i.status}</span>
              </td>
              <td>{when(i.expiresAt)}</td>
              <td>{i.lastUsedAt === null ? <span className="muted">not since the server started</span> : when(i.lastUsedAt)}</td>
              <td className="team-actions">
                {i.status === 'active' &&
                  maySetRole(mine, i.role) &&
                  (confirming === i.id ? (
                    <span className="team-confirm" role="group" aria-label={`Revoke ${i.reviewerName}'s invite?`}>
                      <span className="small">
                        Revoke? This link of {i.reviewerName}'s stops working, and the windows opened with it are signed out as soon as you confirm.
                        {invites.some((o) => o.id !== i.id && o.reviewerId === i.reviewerId && o.status === 'active') && ` Their other active invite keeps working: revoke it too to end their access.`}
                      </span>
                      <button className="danger" onClick={() => void revoke(i)}>
                        Revoke now
                      </button>
                      <button className="secondary" onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button className="secondary" onClick={() => setConfirming(i.id)} aria-label={`Revoke ${i.reviewerName}'s invite`}>
                      Revoke…
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** An audit row's ids in words: an invite with whom it is for and as what, a reviewer by name. */
function auditIdsText(entry: AuditEntry, nameOf: (reviewerId: number) => string | undefined): string {
  const ids = entry.ids;
  const who = (id: unknown) => (typeof id === 'number' ? `${nameOf(id) ?? 'reviewer'} (#${id})` : String(id));
  const role = typeof ids.role === 'string' && ids.role in TEAM_ROLE_LABELS ? TEAM_ROLE_LABELS[ids.role as TeamRole] : null;
  if ((entry.method === 'team.invite' || entry.method === 'team.revoke') && typeof ids.result === 'number') {
    return `invite #${ids.result} for ${who(ids.reviewerId)}${role ? ` as ${role}` : ''}`;
  }
  return Object.entries(ids)
    .map(([k, v]) => (k === 'reviewerId' ? `reviewer ${who(v)}` : `${k}=${JSON.stringify(v)}`))
    .join(' ');
}

/** team.audit, newest first, a page at a time (Older / Newest). */
function AuditLog() {
  const { reviewers } = useReviewers();
  const nameOf = (id: number) => reviewers.find((r) => r.id === id)?.name;
  const [pages, setPages] = useState<(number | undefined)[]>([undefined]);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const beforeId = pages[pages.length - 1];
  useEffect(() => {
    let live = true;
    call('team.audit', { beforeId, limit: AUDIT_PAGE + 1 }).then(
      (r) => live && (setEntries(r.entries), setError(null)),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [beforeId]);
  const shown = entries?.slice(0, AUDIT_PAGE) ?? [];
  const more = (entries?.length ?? 0) > AUDIT_PAGE;
  return (
    <section aria-labelledby="team-audit-title">
      <h3 id="team-audit-title">Audit log</h3>
      <p className="muted small">Every change made on this server: who (and as what role), which method, on which ids, and when. Newest first.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {entries !== null && shown.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      {shown.length > 0 && (
        <table className="team-table audit" aria-label="Audit log">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Ids</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={a.id}>
                <td>{when(a.at)}</td>
                <td>
                  {a.reviewerName ?? (
                    <span className="muted" title="A call with the owner's token signed in as no reviewer: a script, or the owner's browser before it had a reviewer">
                      owner's token
                    </span>
                  )}{' '}
                  <span className="badge">{TEAM_ROLE_LABELS[a.role]}</span>
                </td>
                <td>
                  <code>{a.method}</code>
                </td>
                <td className="audit-ids" title={auditIdsText(a, nameOf)}>
                  <code>{auditIdsText(a, nameOf)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        {pages.length > 1 && (
          <button className="secondary" onClick={() => setPages([undefined])}>
            Newest
          </button>
        )}
        {more && (
          <button className="secondary" onClick={() => setPages((p) => [...p, shown[shown.length - 1]!.id])}>
            Older
          </button>
        )}
        {pages.length > 1 && <span className="muted small">Page {pages.length}</span>}
      </div>
    </section>
  );
}
