import { allRbacRoles, pageOfRbacRoleHolders } from '../../projections/rbac/queries';
import { DomainError, isDomainError } from '../../commands/domain-error';
import { domainWords } from '../envelopes/refusal-words';
import { accountClaim } from '../../commands/identity/handler';
import { PERMISSIONS, type Permission } from '../../commands/rbac/events';
import { createRole, deleteRole, findRoleIdByName, loadUserRoles, replaceUserRoles } from '../../commands/rbac/handler';
import type { EventStore } from '../../eventstore/port';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route } from '../route';
import { laravelTime, pageQuerySchema, paginate, paginatorSchema } from './paginator';
import { laravelRefusal } from './refusal';
import { laravelActor } from './session';
import { laravelUserJson, laravelUserSchema } from './users-routes';

const ROLE_NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^/\\s]+$' } as const;
const ID = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
const NULL = { type: 'null' } as const;

const roleProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  display_name: { type: 'string' },
  description: { type: 'string' },
  perms: { type: 'array', items: { type: 'string' }, description: 'ours: the path patterns the role grants' },
  created_at: { type: ['string', 'null'] },
  updated_at: { type: ['string', 'null'] },
} as const;
const roleSchema: JsonSchema = { type: 'object', required: Object.keys(roleProperties), properties: roleProperties };
const userRoleSchema: JsonSchema = {
  type: 'object',
  required: [...Object.keys(roleProperties), 'pivot'],
  properties: { ...roleProperties, pivot: { type: 'object', required: ['user_id', 'role_id'], properties: { user_id: { type: 'string' }, role_id: { type: 'string' } } } },
};

function roleJson(row: Record<string, unknown>) {
  return {
    id: String(row.id),
    name: String(row.name),
    display_name: String(row.display_name),
    description: String(row.description),
    perms: row.perms as string[],
    created_at: laravelTime(row.created_at),
    updated_at: laravelTime(row.updated_at),
  };
}

async function userIdOf(store: EventStore, username: string): Promise<string> {
  const owner = await store.claimOwner(accountClaim(username));
  if (!owner?.startsWith('user-')) throw new DomainError('not_found', '用户不存在');
  return owner.slice('user-'.length);
}

/** Roles and their holders. Needs the `/rbac/*` permission. Lists read the rbac projection; a user's roles the write side. */
export function rbacRoutes(deps: Dependencies): Route[] {
  const { store, knex } = deps;

  const list = defineRoute({
    method: 'get',
    path: '/rbac/roles',
    summary: '获取所有的角色列表',
    tags: ['laravel rbac'],
    responses: { 200: { description: 'Every role, oldest first', schema: { type: 'array', items: roleSchema } } },
    async handler() {
      const rows = await allRbacRoles(knex);
      return rows.map((r) => roleJson(r as unknown as Record<string, unknown>));
    },
  });

  const create = defineRoute<{ body: { name: string; display?: string; description?: string; perms?: Permission[] } }>({
    method: 'post',
    path: '/rbac/roles',
    summary: '创建一个新角色',
    description: 'Role names are unique (case-insensitive): a taken name answers 409. `perms` (ours) grants path patterns; omitted, the role grants none.',
    tags: ['laravel rbac'],
    request: {
      body: {
        type: 'object',
        required: ['name'],
        properties: {
          name: ROLE_NAME,
          display: { type: 'string', maxLength: 128 },
          description: { type: 'string', maxLength: 512 },
          perms: { type: 'array', uniqueItems: true, items: { enum: [...PERMISSIONS] } },
        },
      },
    },
    responses: { 200: { description: 'Created', schema: { type: 'object', required: ['id'], properties: { id: ID } } }, 409: { description: 'The name is taken' } },
    async handler(ctx) {
      const b = ctx.request.body;
      const fields = { name: b.name, displayName: b.display ?? b.name, description: b.description ?? '', perms: b.perms ?? [] };
      const { roleId } = await createRole(deps, fields, requestMetadata(ctx, laravelActor(ctx)));
      return { id: roleId };
    },
  });

  const remove = defineRoute<{ params: { roleid: string } }>({
    method: 'delete',
    path: '/rbac/roles/:roleid',
    summary: '删除一个角色',
    description: 'Its holders lose it. The built-in roles (suadmin, admin, user) cannot be deleted (403).',
    tags: ['laravel rbac'],
    request: { params: { type: 'object', required: ['roleid'], properties: { roleid: ID } } },
    responses: { 200: { description: 'Deleted', schema: NULL }, 404: { description: 'No such role' } },
    async handler(ctx) {
      await deleteRole(deps, ctx.params.roleid, requestMetadata(ctx, laravelActor(ctx)));
      return null;
    },
  });

  const attach = (spelling: 'attch' | 'attach') =>
    defineRoute<{ body: { username: string; rolenames: string[] } }>({
      method: 'post',
      path: `/rbac/roles/${spelling}`,
      summary: spelling === 'attch' ? '给用户分配角色' : '给用户分配角色 (the original\'s spelling)',
      description:
        "Replaces the user's roles with exactly these (`[]` removes them all). An unknown role name answers HTTP 200 with `status: \"error\"` (角色名不存在: …), " +
        'an unknown user 404; either changes nothing.',
      tags: ['laravel rbac'],
      request: {
        body: {
          type: 'object',
          required: ['username', 'rolenames'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, rolenames: { type: 'array', maxItems: 50, items: ROLE_NAME } },
        },
      },
      responses: { 200: { description: 'Replaced (操作成功), or refused with `status: "error"`: a role name does not exist', schema: NULL }, 404: { description: 'No such user' } },
      async handler(ctx) {
        const { username, rolenames } = ctx.request.body;
        const userId = await userIdOf(store, username);
        try {
          await replaceUserRoles(deps, userId, rolenames, requestMetadata(ctx, laravelActor(ctx)));
        } catch (err) {
          // The roles dialog toasts this and stays open; a 404 would send the page to its error screen.
          if (isDomainError(err) && err.reason === 'role_names_unknown') return laravelRefusal(ctx, domainWords(err));
          throw err;
        }
        return null;
      },
    });

  const rolesOfUser = defineRoute<{ params: { username: string } }>({
    method: 'get',
    path: '/rbac/roles/:username',
    summary: '获取某个用户所有的角色',
    description: 'Read from the write side: an assignment shows at once.',
    tags: ['laravel rbac'],
    request: { params: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 128 } } } },
    responses: { 200: { description: "The user's roles", schema: { type: 'array', items: userRoleSchema } }, 404: { description: 'No such user' } },
    async handler(ctx) {
      const userId = await userIdOf(store, ctx.params.username);
      const roles = await loadUserRoles(store, userId);
      return roles.map((r) => ({
        id: r.roleId,
        name: r.fields.name,
        display_name: r.fields.displayName,
        description: r.fields.description,
        perms: r.fields.perms,
        created_at: laravelTime(r.createdAt),
        updated_at: laravelTime(r.createdAt),
        pivot: { user_id: userId, role_id: r.roleId },
      }));
    },
  });

  const usersOfRole = defineRoute<{ params: { rolename: string }; query: { page: number } }>({
    method: 'get',
    path: '/rbac/roles/users/:rolename',
    summary: '获取某个角色所有的用户',
    tags: ['laravel rbac'],
    request: {
      params: { type: 'object', required: ['rolename'], properties: { rolename: ROLE_NAME } },
      query: { type: 'object', properties: { ...pageQuerySchema } },
    },
    responses: { 200: { description: 'One page of the holders', schema: paginatorSchema(laravelUserSchema) }, 404: { description: 'No such role' } },
    async handler(ctx) {
      const roleId = await findRoleIdByName(store, ctx.params.rolename);
      if (!roleId) throw new DomainError('not_found', '角色不存在');
      return paginate(ctx, ctx.state.query.page, (request) => pageOfRbacRoleHolders(knex, roleId, request), (row) => laravelUserJson(row as unknown as Record<string, unknown>));
    },
  });

  return [list, create, remove, attach('attch'), attach('attach'), rolesOfUser, usersOfRole];
}
