import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import type { FunctionFields, NavigatorFields, Permit, PermissionEvent, PermitValue, RoleFields } from './events';

/** Plain records, not Maps: the state survives a JSON round trip (snapshots). */
export interface PermissionsState {
  navigators: Record<string, NavigatorFields>;
  functions: Record<string, FunctionFields>;
  roles: Record<string, RoleFields & { permits: Record<string, PermitValue> }>;
  /** userId → roleIds. */
  members: Record<string, string[]>;
}

type Stamp = { appId: string; now: Date };

export type PermissionCommand =
  | ({ type: 'CreateNavigator'; navigatorId: string; fields: NavigatorFields } & Stamp)
  | ({ type: 'UpdateNavigator'; navigatorId: string; fields: NavigatorFields } & Stamp)
  | ({ type: 'DeleteNavigator'; navigatorId: string } & Stamp)
  | ({ type: 'CreateFunction'; functionId: string; fields: FunctionFields } & Stamp)
  | ({ type: 'UpdateFunction'; functionId: string; fields: FunctionFields } & Stamp)
  | ({ type: 'DeleteFunction'; functionId: string } & Stamp)
  | ({ type: 'CreateRole'; roleId: string; fields: RoleFields } & Stamp)
  | ({ type: 'UpdateRole'; roleId: string; fields: RoleFields } & Stamp)
  | ({ type: 'DeleteRole'; roleId: string } & Stamp)
  | ({ type: 'SetRolePermits'; roleId: string; permits: Permit[] } & Stamp)
  | ({ type: 'SetUserRoles'; userId: string; roleIds: string[] } & Stamp);

export const initialPermissionsState = (): PermissionsState => ({ navigators: {}, functions: {}, roles: {}, members: {} });

/** A record's own entry: ids come from clients, and `constructor` must not find Object.prototype's. */
const own = <T>(record: Record<string, T>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

const without = <T>(record: Record<string, T>, key: string): Record<string, T> => {
  const { [key]: _gone, ...rest } = record;
  return rest;
};

export function evolvePermissions(state: PermissionsState, event: PermissionEvent): PermissionsState {
  switch (event.type) {
    case 'NavigatorCreated':
    case 'NavigatorUpdated': {
      const { appId: _a, navigatorId, at: _t, ...fields } = event.data;
      return { ...state, navigators: { ...state.navigators, [navigatorId]: fields } };
    }
    case 'NavigatorDeleted':
      return { ...state, navigators: without(state.navigators, event.data.navigatorId) };
    case 'FunctionCreated':
    case 'FunctionUpdated': {
      const { appId: _a, functionId, at: _t, ...fields } = event.data;
      return { ...state, functions: { ...state.functions, [functionId]: fields } };
    }
    case 'FunctionDeleted': {
      const roles = { ...state.roles };
      for (const roleId of event.data.roleIds) {
        const role = roles[roleId];
        if (role) roles[roleId] = { ...role, permits: without(role.permits, event.data.functionId) };
      }
      return { ...state, functions: without(state.functions, event.data.functionId), roles };
    }
    case 'RoleCreated':
    case 'RoleUpdated': {
      const { name, remark, roleId } = event.data;
      return { ...state, roles: { ...state.roles, [roleId]: { name, remark, permits: state.roles[roleId]?.permits ?? {} } } };
    }
    case 'RoleDeleted': {
      const members = { ...state.members };
      for (const userId of event.data.userIds) members[userId] = (members[userId] ?? []).filter((r) => r !== event.data.roleId);
      return { ...state, roles: without(state.roles, event.data.roleId), members };
    }
    case 'RolePermitsSet': {
      const role = state.roles[event.data.roleId];
      if (!role) return state;
      const permits = Object.fromEntries(event.data.permits.map((p) => [p.functionId, p.permit]));
      return { ...state, roles: { ...state.roles, [event.data.roleId]: { ...role, permits } } };
    }
    case 'UserRolesSet':
      return { ...state, members: { ...state.members, [event.data.userId]: event.data.roleIds } };
  }
}

const notFound = (what: string, id: string) => new DomainError('not_found', `no ${what} ${id} in this application`);
const invalid = (message: string) => new DomainError('validation_failed', message);

export function decidePermissions(command: PermissionCommand, state: PermissionsState): Decision<PermissionEvent> {
  const base = { appId: command.appId, at: command.now.toISOString() };
  switch (command.type) {
    case 'CreateNavigator':
    case 'UpdateNavigator': {
      const exists = Object.hasOwn(state.navigators, command.navigatorId);
      if (command.type === 'CreateNavigator' && exists) return reject(new DomainError('already_exists', `navigator ${command.navigatorId} already exists`));
      if (command.type === 'UpdateNavigator' && !exists) return reject(notFound('navigator', command.navigatorId));
      const problem = navigatorProblem(state, command.navigatorId, command.fields);
      if (problem) return reject(problem);
      const type = command.type === 'CreateNavigator' ? 'NavigatorCreated' : 'NavigatorUpdated';
      return accept({ type, data: { ...base, navigatorId: command.navigatorId, ...command.fields } });
    }
    case 'DeleteNavigator': {
      if (!Object.hasOwn(state.navigators, command.navigatorId)) return reject(notFound('navigator', command.navigatorId));
      if (Object.values(state.navigators).some((n) => n.parentId === command.navigatorId)) {
        return reject(new DomainError('conflict', 'the navigator still has modules; delete or move them first'));
      }
      if (Object.values(state.functions).some((f) => f.navId === command.navigatorId)) {
        return reject(new DomainError('conflict', 'the module still has functions; delete them first'));
      }
      return accept({ type: 'NavigatorDeleted', data: { ...base, navigatorId: command.navigatorId } });
    }
    case 'CreateFunction':
    case 'UpdateFunction': {
      const exists = Object.hasOwn(state.functions, command.functionId);
      if (command.type === 'CreateFunction' && exists) return reject(new DomainError('already_exists', `function ${command.functionId} already exists`));
      if (command.type === 'UpdateFunction' && !exists) return reject(notFound('function', command.functionId));
      if (own(state.navigators, command.fields.navId)?.type !== 2) return reject(invalid(`navId ${command.fields.navId} is not a module of this application`));
      const type = command.type === 'CreateFunction' ? 'FunctionCreated' : 'FunctionUpdated';
      return accept({ type, data: { ...base, functionId: command.functionId, ...command.fields } });
    }
    case 'DeleteFunction': {
      if (!Object.hasOwn(state.functions, command.functionId)) return reject(notFound('function', command.functionId));
      const roleIds = Object.keys(state.roles).filter((r) => Object.hasOwn(state.roles[r]!.permits, command.functionId));
      return accept({ type: 'FunctionDeleted', data: { ...base, functionId: command.functionId, roleIds } });
    }
    case 'CreateRole':
    case 'UpdateRole': {
      const exists = Object.hasOwn(state.roles, command.roleId);
      if (command.type === 'CreateRole' && exists) return reject(new DomainError('already_exists', `role ${command.roleId} already exists`));
      if (command.type === 'UpdateRole' && !exists) return reject(notFound('role', command.roleId));
      const clash = Object.entries(state.roles).find(([id, r]) => id !== command.roleId && r.name === command.fields.name);
      if (clash) return reject(new DomainError('already_exists', `a role named ${command.fields.name} already exists in this application`));
      const type = command.type === 'CreateRole' ? 'RoleCreated' : 'RoleUpdated';
      return accept({ type, data: { ...base, roleId: command.roleId, ...command.fields } });
    }
    case 'DeleteRole': {
      const role = own(state.roles, command.roleId);
      if (!role) return reject(notFound('role', command.roleId));
      const userIds = Object.keys(state.members).filter((u) => state.members[u]!.includes(command.roleId));
      return accept({ type: 'RoleDeleted', data: { ...base, roleId: command.roleId, functionIds: Object.keys(role.permits), userIds } });
    }
    case 'SetRolePermits': {
      const role = own(state.roles, command.roleId);
      if (!role) return reject(notFound('role', command.roleId));
      const seen = new Set<string>();
      for (const p of command.permits) {
        if (seen.has(p.functionId)) return reject(invalid(`function ${p.functionId} is listed twice`));
        seen.add(p.functionId);
        if (!Object.hasOwn(state.functions, p.functionId)) return reject(invalid(`function ${p.functionId} is not a function of this application`));
      }
      const removed = Object.keys(role.permits).filter((f) => !seen.has(f));
      const unchanged = removed.length === 0 && command.permits.every((p) => own(role.permits, p.functionId) === p.permit);
      if (unchanged) return accept();
      return accept({ type: 'RolePermitsSet', data: { ...base, roleId: command.roleId, permits: command.permits, removed } });
    }
    case 'SetUserRoles': {
      const roleIds = [...new Set(command.roleIds)];
      const unknown = roleIds.find((r) => !Object.hasOwn(state.roles, r));
      if (unknown) return reject(invalid(`role ${unknown} is not a role of this application`));
      const before = own(state.members, command.userId) ?? [];
      const removed = before.filter((r) => !roleIds.includes(r));
      if (removed.length === 0 && roleIds.length === before.length) return accept();
      return accept({ type: 'UserRolesSet', data: { ...base, userId: command.userId, roleIds, removed } });
    }
  }
}

/** A group sits at the top; a module sits in a group. Either change must not strand what hangs below. */
function navigatorProblem(state: PermissionsState, id: string, fields: NavigatorFields): DomainError | null {
  if (fields.type === 1 && fields.parentId !== null) return invalid('a group (type 1) has no parentId');
  if (fields.type === 2) {
    if (fields.parentId === null) return invalid('a module (type 2) needs the parentId of its group');
    if (fields.parentId === id) return invalid('a navigator cannot be its own parent');
    if (own(state.navigators, fields.parentId)?.type !== 1) return invalid(`parentId ${fields.parentId} is not a group of this application`);
  }
  const current = own(state.navigators, id);
  if (current && current.type !== fields.type) {
    if (current.type === 1 && Object.values(state.navigators).some((n) => n.parentId === id)) {
      return new DomainError('conflict', 'the group still has modules; it cannot become a module');
    }
    if (current.type === 2 && Object.values(state.functions).some((f) => f.navId === id)) {
      return new DomainError('conflict', 'the module still has functions; it cannot become a group');
    }
  }
  return null;
}

export const permissionsDecider: Decider<PermissionsState, PermissionCommand, PermissionEvent> = {
  initialState: initialPermissionsState,
  evolve: evolvePermissions,
  decide: decidePermissions,
};
