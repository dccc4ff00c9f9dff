import { accept, reject, type Decider, type Decision } from '../decider';
import { refusal } from '../refusals';
import type { RoleEvent, RoleFields, UserRolesEvent } from './events';

export interface RoleState {
  exists: boolean;
  deleted: boolean;
  roleId: string | null;
  fields: RoleFields | null;
  builtin: boolean;
  createdAt: string | null;
}

export type RoleCommand =
  | { type: 'CreateRole'; roleId: string; fields: RoleFields; builtin: boolean; now: Date }
  | { type: 'DeleteRole'; now: Date };

export const initialRoleState = (): RoleState => ({ exists: false, deleted: false, roleId: null, fields: null, builtin: false, createdAt: null });

export function evolveRole(state: RoleState, event: RoleEvent): RoleState {
  switch (event.type) {
    case 'RbacRoleCreated': {
      const { roleId, builtin, at, ...fields } = event.data;
      return { exists: true, deleted: false, roleId, fields, builtin, createdAt: at };
    }
    case 'RbacRoleDeleted':
      return { ...state, deleted: true };
  }
}

export function decideRole(command: RoleCommand, state: RoleState): Decision<RoleEvent> {
  switch (command.type) {
    case 'CreateRole':
      if (state.exists) return reject(refusal('role_exists', { field: 'name' }));
      return accept({ type: 'RbacRoleCreated', data: { roleId: command.roleId, ...command.fields, builtin: command.builtin, at: command.now.toISOString() } });
    case 'DeleteRole':
      if (!state.exists || state.deleted || !state.roleId || !state.fields) return reject(refusal('role_not_found'));
      // suadmin, admin and user are what the template's own routes and sync rely on.
      if (state.builtin) return reject(refusal('builtin_role_undeletable'));
      return accept({ type: 'RbacRoleDeleted', data: { roleId: state.roleId, name: state.fields.name, at: command.now.toISOString() } });
  }
}

export const roleDecider: Decider<RoleState, RoleCommand, RoleEvent> = { initialState: initialRoleState, evolve: evolveRole, decide: decideRole };

export interface UserRolesState {
  roleIds: string[];
  /** Whether roles were ever given: a first grant (bootstrap, WeCom sync) applies only then. */
  assigned: boolean;
}

export type UserRolesCommand =
  | { type: 'ReplaceUserRoles'; userId: string; roleIds: string[]; now: Date }
  | { type: 'GrantInitialRoles'; userId: string; roleIds: string[]; now: Date };

export const initialUserRolesState = (): UserRolesState => ({ roleIds: [], assigned: false });

export const evolveUserRoles = (_state: UserRolesState, event: UserRolesEvent): UserRolesState => ({ roleIds: event.data.roleIds, assigned: true });

const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

export function decideUserRoles(command: UserRolesCommand, state: UserRolesState): Decision<UserRolesEvent> {
  const roleIds = [...new Set(command.roleIds)];
  if (command.type === 'GrantInitialRoles' && state.assigned) return accept();
  if (state.assigned && sameSet(roleIds, state.roleIds)) return accept();
  return accept({ type: 'RbacUserRolesReplaced', data: { userId: command.userId, roleIds, previousRoleIds: state.roleIds, at: command.now.toISOString() } });
}

export const userRolesDecider: Decider<UserRolesState, UserRolesCommand, UserRolesEvent> = {
  initialState: initialUserRolesState,
  evolve: evolveUserRoles,
  decide: decideUserRoles,
};
