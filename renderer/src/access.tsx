import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { TEAM_ROLE_LABELS, type MethodName, type SessionInfo, type TeamRole } from '../../contract';

/**
 * What this browser may do, from `session.get` at start. Single-user (Electron, plain `assay serve`):
 * everything. Team mode (`assay serve --team`): the session's role (owner, NLP engineer, SME) and the
 * methods it may not call (`forbidden`, from core/method-roles.ts on the server), so views hide the
 * controls a role cannot use instead of letting them fail. The server refuses those calls anyway;
 * this is only so nobody is offered them.
 */
export interface Access {
  team: boolean;
  role: TeamRole;
  /** Opened with an invite link: acts only as its reviewer (no reviewer switching). */
  bound: boolean;
  reviewerId: number | null;
  can(method: MethodName): boolean;
}

const EVERYTHING: Access = { team: false, role: 'owner', bound: false, reviewerId: null, can: () => true };

const AccessContext = createContext<Access>(EVERYTHING);

/** `refused`: what the open workspace refuses whatever the role (an offline review pack: every write but reviewing). */
export function AccessProvider({ info, refused, children }: { info: SessionInfo; refused?: readonly string[]; children: ReactNode }) {
  const value = useMemo<Access>(() => {
    const forbidden = new Set<string>([...info.forbidden, ...(refused ?? [])]);
    return {
      team: info.mode === 'team',
      role: info.role,
      bound: info.bound,
      reviewerId: info.reviewerId,
      can: (method) => !forbidden.has(method),
    };
  }, [info, refused]);
  return <AccessContext.Provider value={value}>{children}</AccessContext.Provider>;
}

export function useAccess(): Access {
  return useContext(AccessContext);
}

/** Shows its children only when this browser may call `method`. */
export function IfAllowed({ method, children }: { method: MethodName; children: ReactNode }) {
  return useAccess().can(method) ? <>{children}</> : null;
}

export function roleLabel(role: TeamRole): string {
  const label = TEAM_ROLE_LABELS[role];
  return label.charAt(0).toUpperCase() + label.slice(1);
}
