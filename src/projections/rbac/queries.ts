import type { Knex } from 'knex';
import type { UserRow } from '../identity/users';
import { readPage, type Page, type PageRequest } from '../paging';
import type { RoleRow } from './roles';

/** Reads of the Laravel RBAC read model. */

/** Every role, oldest first. */
export async function allRbacRoles(knex: Knex): Promise<RoleRow[]> {
  return (await knex('rbac_roles').orderBy([{ column: 'created_at' }, { column: 'id' }])) as RoleRow[];
}

/** The users holding a role, oldest first. */
export function pageOfRbacRoleHolders(knex: Knex, roleId: string, page: PageRequest): Promise<Page<UserRow>> {
  const holders = knex('users as u').select('u.*').join('rbac_user_roles as ur', 'ur.user_id', 'u.id').whereRaw('ur.role_ids @> ?::jsonb', [JSON.stringify([roleId])]);
  return readPage<UserRow>(holders, page, [
    { column: 'u.created_at', order: 'asc' },
    { column: 'u.id', order: 'asc' },
  ]);
}
