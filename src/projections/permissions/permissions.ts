import { permissionEventTypes, type PermissionEvent } from '../../commands/permissions/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/**
 * Navigators, functions, roles, permits and role members of every Insight application, for the
 * navigator endpoints, the management lists and the gateway's permitted codes.
 */

type Recorded = RecordedEvent<PermissionEvent['type'], PermissionEvent['data']>;
const eventOf = (r: Recorded) => ({ type: r.type, data: r.data }) as PermissionEvent;

export interface NavigatorRow {
  id: string;
  app_id: string;
  parent_id: string | null;
  type: number;
  sort_index: number;
  name: string;
  module_info: object;
  created_at: string;
  updated_at: string;
}

export interface FunctionRow {
  id: string;
  app_id: string;
  nav_id: string;
  type: number;
  sort_index: number;
  name: string;
  auth_codes: string | null;
  func_info: object;
  created_at: string;
  updated_at: string;
}

export interface RoleRow {
  id: string;
  app_id: string;
  name: string;
  remark: string | null;
  created_at: string;
  updated_at: string;
}

interface PermitRow {
  role_id: string;
  function_id: string;
  app_id: string;
  permit: number;
}

interface MemberRow {
  role_id: string;
  user_id: string;
  app_id: string;
}

interface AppRow {
  app_id: string;
  revision: number;
}

const navigators: RowFold<NavigatorRow, Recorded> = {
  table: 'permission_navigators',
  key: ['id'],
  keysOf: (r) => {
    const e = eventOf(r);
    return e.type === 'NavigatorCreated' || e.type === 'NavigatorUpdated' || e.type === 'NavigatorDeleted' ? { id: e.data.navigatorId } : null;
  },
  evolve: (row, r) => {
    const e = eventOf(r);
    if (e.type === 'NavigatorDeleted') return null;
    if (e.type !== 'NavigatorCreated' && e.type !== 'NavigatorUpdated') return row;
    const d = e.data;
    return {
      id: d.navigatorId,
      app_id: d.appId,
      parent_id: d.parentId,
      type: d.type,
      sort_index: d.index,
      name: d.name,
      module_info: d.moduleInfo,
      created_at: row?.created_at ?? d.at,
      updated_at: d.at,
    };
  },
};

const functions: RowFold<FunctionRow, Recorded> = {
  table: 'permission_functions',
  key: ['id'],
  keysOf: (r) => {
    const e = eventOf(r);
    return e.type === 'FunctionCreated' || e.type === 'FunctionUpdated' || e.type === 'FunctionDeleted' ? { id: e.data.functionId } : null;
  },
  evolve: (row, r) => {
    const e = eventOf(r);
    if (e.type === 'FunctionDeleted') return null;
    if (e.type !== 'FunctionCreated' && e.type !== 'FunctionUpdated') return row;
    const d = e.data;
    return {
      id: d.functionId,
      app_id: d.appId,
      nav_id: d.navId,
      type: d.type,
      sort_index: d.index,
      name: d.name,
      auth_codes: d.authCodes,
      func_info: d.funcInfo,
      created_at: row?.created_at ?? d.at,
      updated_at: d.at,
    };
  },
};

const roles: RowFold<RoleRow, Recorded> = {
  table: 'permission_roles',
  key: ['id'],
  keysOf: (r) => {
    const e = eventOf(r);
    return e.type === 'RoleCreated' || e.type === 'RoleUpdated' || e.type === 'RoleDeleted' ? { id: e.data.roleId } : null;
  },
  evolve: (row, r) => {
    const e = eventOf(r);
    if (e.type === 'RoleDeleted') return null;
    if (e.type !== 'RoleCreated' && e.type !== 'RoleUpdated') return row;
    const d = e.data;
    return { id: d.roleId, app_id: d.appId, name: d.name, remark: d.remark, created_at: row?.created_at ?? d.at, updated_at: d.at };
  },
};

const permits: RowFold<PermitRow, Recorded> = {
  table: 'permission_role_permits',
  key: ['role_id', 'function_id'],
  keysOf: (r) => {
    const e = eventOf(r);
    switch (e.type) {
      case 'RolePermitsSet':
        return [...e.data.permits.map((p) => p.functionId), ...e.data.removed].map((f) => ({ role_id: e.data.roleId, function_id: f }));
      case 'RoleDeleted':
        return e.data.functionIds.map((f) => ({ role_id: e.data.roleId, function_id: f }));
      case 'FunctionDeleted':
        return e.data.roleIds.map((roleId) => ({ role_id: roleId, function_id: e.data.functionId }));
      default:
        return null;
    }
  },
  evolve: (_row, r, key) => {
    const e = eventOf(r);
    if (e.type !== 'RolePermitsSet') return null;
    const granted = e.data.permits.find((p) => p.functionId === key.function_id);
    return granted ? { role_id: e.data.roleId, function_id: granted.functionId, app_id: e.data.appId, permit: granted.permit } : null;
  },
};

const members: RowFold<MemberRow, Recorded> = {
  table: 'permission_role_members',
  key: ['role_id', 'user_id'],
  keysOf: (r) => {
    const e = eventOf(r);
    if (e.type === 'UserRolesSet') return [...e.data.roleIds, ...e.data.removed].map((roleId) => ({ role_id: roleId, user_id: e.data.userId }));
    if (e.type === 'RoleDeleted') return e.data.userIds.map((userId) => ({ role_id: e.data.roleId, user_id: userId }));
    return null;
  },
  evolve: (_row, r, key) => {
    const e = eventOf(r);
    if (e.type !== 'UserRolesSet' || !e.data.roleIds.includes(String(key.role_id))) return null;
    return { role_id: String(key.role_id), user_id: e.data.userId, app_id: e.data.appId };
  },
};

/** The stream revision each application's rows reflect: lets a cache tell a fresh read from a stale one. */
const apps: RowFold<AppRow, Recorded> = {
  table: 'permission_apps',
  key: ['app_id'],
  keysOf: (r) => ({ app_id: (r.data as { appId: string }).appId }),
  evolve: (_row, r) => ({ app_id: (r.data as { appId: string }).appId, revision: r.revision }),
};

export const permissionsProjection: Projection = {
  name: 'permissions',
  version: 1,
  eventTypes: permissionEventTypes,
  tables: {
    permission_navigators: `
      id text primary key,
      app_id text not null,
      parent_id text,
      type integer not null,
      sort_index integer not null,
      name text not null,
      module_info jsonb not null,
      created_at text not null,
      updated_at text not null`,
    permission_functions: `
      id text primary key,
      app_id text not null,
      nav_id text not null,
      type integer not null,
      sort_index integer not null,
      name text not null,
      auth_codes text,
      func_info jsonb not null,
      created_at text not null,
      updated_at text not null`,
    permission_roles: `
      id text primary key,
      app_id text not null,
      name text not null,
      remark text,
      created_at text not null,
      updated_at text not null`,
    permission_role_permits: `
      role_id text not null,
      function_id text not null,
      app_id text not null,
      permit integer not null,
      primary key (role_id, function_id)`,
    permission_role_members: `
      role_id text not null,
      user_id text not null,
      app_id text not null,
      primary key (role_id, user_id)`,
    permission_apps: `
      app_id text primary key,
      revision integer not null`,
  },
  indexes: [
    'create index {{table:permission_navigators}}_by_app on {{table:permission_navigators}} (app_id, parent_id, sort_index)',
    'create index {{table:permission_functions}}_by_nav on {{table:permission_functions}} (nav_id, sort_index)',
    'create index {{table:permission_roles}}_by_app on {{table:permission_roles}} (app_id, name)',
    'create index {{table:permission_role_permits}}_by_function on {{table:permission_role_permits}} (function_id)',
    'create index {{table:permission_role_members}}_by_user on {{table:permission_role_members}} (user_id, app_id)',
  ],
  keyColumns: {
    permission_navigators: ['id'],
    permission_functions: ['id'],
    permission_roles: ['id'],
    permission_role_permits: ['role_id', 'function_id'],
    permission_role_members: ['role_id', 'user_id'],
    permission_apps: ['app_id'],
  },
  async apply(trx, events, tables) {
    for (const fold of [navigators, functions, roles, permits, members, apps] as RowFold<object, Recorded>[]) await applyRowFold(trx, tables, fold, events);
  },
};
