import type { AuditEntry, Invite, InviteStatus, TeamRole } from '../contract';
import type { ReadableDB, WritableDB } from './handles';
import { all, one, run } from './statements';

/** Team mode's invites and audit log (db/migrations/0012-team.ts). */

interface InviteRow {
  id: number;
  reviewer_id: number;
  reviewer_name: string;
  role: TeamRole;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

const INVITE_COLUMNS = `i.id, i.reviewer_id, r.name AS reviewer_name, i.role, i.created_at, i.expires_at, i.revoked_at
  FROM team_invites i JOIN reviewers r ON r.id = i.reviewer_id`;

function inviteStatus(row: InviteRow, now: number): InviteStatus {
  return row.revoked_at !== null ? 'revoked' : row.expires_at <= now ? 'expired' : 'active';
}

function toInvite(row: InviteRow, now: number): Invite {
  return {
    id: row.id,
    reviewerId: row.reviewer_id,
    reviewerName: row.reviewer_name,
    role: row.role,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    status: inviteStatus(row, now),
    // Kept by the server in memory (every request would otherwise be a write).
    lastUsedAt: null,
  };
}

export function insertInvite(db: WritableDB, invite: { reviewerId: number; role: TeamRole; secretHash: string; expiresAt: number }, now: number): number {
  return Number(
    run(
      db,
      'INSERT INTO team_invites (reviewer_id, role, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      invite.reviewerId,
      invite.role,
      invite.secretHash,
      now,
      invite.expiresAt,
    ).lastInsertRowid,
  );
}

export function getInvite(db: ReadableDB, id: number, now: number): Invite | null {
  const row = one<InviteRow>(db, `SELECT ${INVITE_COLUMNS} WHERE i.id = ?`, id);
  return row ? toInvite(row, now) : null;
}

/** The invite whose secret hashes to this (whatever its status), or null. */
export function inviteBySecretHash(db: ReadableDB, secretHash: string, now: number): Invite | null {
  const row = one<InviteRow>(db, `SELECT ${INVITE_COLUMNS} WHERE i.secret_hash = ?`, secretHash);
  return row ? toInvite(row, now) : null;
}

export function listInvites(db: ReadableDB, now: number): Invite[] {
  return all<InviteRow>(db, `SELECT ${INVITE_COLUMNS} ORDER BY i.id DESC`).map((row) => toInvite(row, now));
}

/**
 * Of these reviewers, the ones whose access was taken away: they have a revoked invite and no invite
 * still active (a reviewer never invited is not revoked; one re-invited after a revoke is active).
 */
export function revokedReviewerIds(db: ReadableDB, now: number): Set<number> {
  return new Set(
    all<{ reviewer_id: number }>(
      db,
      `SELECT reviewer_id FROM team_invites GROUP BY reviewer_id
        HAVING SUM(revoked_at IS NOT NULL) > 0 AND SUM(revoked_at IS NULL AND expires_at > ?) = 0`,
      now,
    ).map((r) => r.reviewer_id),
  );
}

export function setInviteRevoked(db: WritableDB, id: number, now: number): void {
  run(db, 'UPDATE team_invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', now, id);
}

export function insertAudit(db: WritableDB, entry: { at: number; reviewerId: number | null; role: TeamRole; method: string; ids: string }): void {
  run(db, 'INSERT INTO team_audit (at, reviewer_id, role, method, ids) VALUES (?, ?, ?, ?, ?)', entry.at, entry.reviewerId, entry.role, entry.method, entry.ids);
}

export function listAudit(db: ReadableDB, beforeId: number | undefined, limit: number): AuditEntry[] {
  return all<{ id: number; at: number; reviewer_id: number | null; reviewer_name: string | null; role: TeamRole; method: string; ids: string }>(
    db,
    `SELECT a.id, a.at, a.reviewer_id, r.name AS reviewer_name, a.role, a.method, a.ids
       FROM team_audit a LEFT JOIN reviewers r ON r.id = a.reviewer_id
      WHERE a.id < ? ORDER BY a.id DESC LIMIT ?`,
    beforeId ?? Number.MAX_SAFE_INTEGER,
    limit,
  ).map((row) => ({
    id: row.id,
    at: row.at,
    reviewerId: row.reviewer_id,
    reviewerName: row.reviewer_name,
    role: row.role,
    method: row.method,
    ids: JSON.parse(row.ids) as Record<string, unknown>,
  }));
}
