import type { RbacEvent, RoleEvent, UserRolesEvent } from '../../commands/rbac/events';
import { rbacEventTypes } from '../../commands/rbac/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/** Laravel-template roles and who holds them, for the role lists. The permission check never reads it. */
export interface RoleRow {
  id: string;
  name: string;
  display_name: string;
  description: string;
  perms: string[];
  builtin: boolean;
  created_at: string;
  updated_at: string;
  revision: number;
}

export interface UserRolesRow {
  user_id: string;
  /** Role ids, as assigned; a deleted role's id stays here but no longer joins a role row. */
  role_ids: string[];
  updated_at: string;
  revision: number;
}

type Recorded<E extends RbacEvent> = RecordedEvent<E['type'], E['data']>;

const rolesFold: RowFold<RoleRow, Recorded<RoleEvent>> = {
  table: 'rbac_roles',
  key: ['id'],
  keysOf: (e) => (e.type === 'RbacRoleCreated' || e.type === 'RbacRoleDeleted' ? { id: (e.data as { roleId: string }).roleId } : null),
  evolve(_row, recorded) {
    const event = { type: recorded.type, data: recorded.data } as RoleEvent;
    if (event.type === 'RbacRoleDeleted') return null;
    const d = event.data;
    return { id: d.roleId, name: d.name, display_name: d.displayName, description: d.description, perms: d.perms, builtin: d.builtin, created_at: d.at, updated_at: d.at, revision: recorded.revision };
  },
};

const userRolesFold: RowFold<UserRolesRow, Recorded<UserRolesEvent>> = {
  table: 'rbac_user_roles',
  key: ['user_id'],
  keysOf: (e) => (e.type === 'RbacUserRolesReplaced' ? { user_id: (e.data as { userId: string }).userId } : null),
  evolve: (_row, e) => ({ user_id: e.data.userId, role_ids: e.data.roleIds, updated_at: e.data.at, revision: e.revision }),
};

export const rbacProjection: Projection = {
  name: 'rbac',
  version: 1,
  eventTypes: rbacEventTypes,
  tables: {
    rbac_roles: `
      id text primary key,
      name text not null,
      display_name text not null,
      description text not null,
      perms jsonb not null,
      builtin boolean not null,
      created_at text not null,
      updated_at text not null,
      revision integer not null`,
    rbac_user_roles: `
      user_id text primary key,
      role_ids jsonb not null,
      updated_at text not null,
      revision integer not null`,
  },
  indexes: ['create index {{table:rbac_user_roles}}_by_role on {{table:rbac_user_roles}} using gin (role_ids jsonb_path_ops)'],
  keyColumns: { rbac_roles: ['id'], rbac_user_roles: ['user_id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, rolesFold, events);
    await applyRowFold(trx, tables, userRolesFold, events);
  },
};
