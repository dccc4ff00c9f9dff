import { DomainError } from '../../commands/domain-error';
import { registerUser, setUserDisabled, type IdentityDeps } from '../../commands/identity/handler';
import { searchUsersNewestFirst } from '../../projections/identity/queries';
import type { UserRow } from '../../projections/identity/users';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute } from '../route';
import type { AdminPrincipal } from './admin-session';

interface NewUser {
  account: string;
  password: string;
  name: string;
  mobile?: string;
  email?: string;
  headImg?: string;
  tenantId?: string;
}

interface UserListQuery {
  page: number;
  size: number;
  keyword?: string;
}

const ID = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;

const userSchema = {
  type: 'object',
  required: ['id', 'account', 'name', 'mobile', 'email', 'headImg', 'builtin', 'tenantId', 'createdTime', 'disabled'],
  properties: {
    id: ID,
    account: { type: 'string' },
    name: { type: 'string' },
    mobile: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    headImg: { type: ['string', 'null'] },
    builtin: { type: 'boolean' },
    tenantId: { type: ['string', 'null'] },
    createdTime: { type: 'string', format: 'date-time' },
    disabled: { type: 'boolean' },
  },
} as const;

const adminActor = (ctx: { state: Record<string, unknown> }) => {
  const admin = ctx.state.admin as AdminPrincipal;
  return { kind: 'admin' as const, id: admin.userId, name: admin.account };
};

/** User management for scripts and back offices. Lists read the users projection; writes go through the identity context. */
export function userRoutes(deps: IdentityDeps & Pick<Dependencies, 'knex' | 'redis'>) {
  const create = defineRoute<{ body: NewUser }>({
    method: 'post',
    path: '/users',
    summary: 'Register a user',
    description: 'The password is kept only as MD5, sealed with DATA_KEY (the Insight signature needs it). Account, mobile and email are unique.',
    tags: ['users'],
    request: {
      body: {
        type: 'object',
        required: ['account', 'password', 'name'],
        additionalProperties: false,
        properties: {
          account: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\s]+$' },
          password: { type: 'string', minLength: 6, maxLength: 256 },
          name: { type: 'string', minLength: 1, maxLength: 64 },
          mobile: { type: 'string', pattern: '^\\+?[0-9]{5,20}$' },
          email: { type: 'string', format: 'email', maxLength: 128 },
          headImg: { type: 'string', maxLength: 512 },
          tenantId: ID,
        },
      },
    },
    responses: { 201: { description: 'Registered', schema: { type: 'object', required: ['id'], properties: { id: ID } } }, 409: { description: 'Account, mobile or email already taken' } },
    async handler(ctx) {
      const b = ctx.request.body;
      const profile = { account: b.account, name: b.name, mobile: b.mobile ?? null, email: b.email ?? null, headImg: b.headImg ?? null, tenantId: b.tenantId ?? null };
      const { userId } = await registerUser(deps, { profile, password: b.password }, requestMetadata(ctx, adminActor(ctx)));
      ctx.status = 201;
      return { id: userId };
    },
  });

  const list = defineRoute<{ query: UserListQuery }>({
    method: 'get',
    path: '/users',
    summary: 'List users',
    description: 'Newest first; `keyword` matches account, name, mobile or email. Read from the users projection (eventually consistent).',
    tags: ['users'],
    request: {
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
          size: { type: 'integer', minimum: 1, maximum: 500, default: 20 },
          keyword: { type: 'string', minLength: 1, maxLength: 64 },
        },
      },
    },
    responses: {
      200: { description: 'One page', schema: { type: 'object', required: ['total', 'items'], properties: { total: { type: 'integer' }, items: { type: 'array', items: userSchema } } } },
    },
    async handler(ctx) {
      const { page, size, keyword } = ctx.state.query;
      const { rows, total } = await searchUsersNewestFirst(deps.knex, keyword, { offset: (page - 1) * size, limit: size });
      return { total, items: rows.map(userJson) };
    },
  });

  const setDisabled = (disabled: boolean) =>
    defineRoute<{ params: { id: string } }>({
      method: 'post',
      path: disabled ? '/users/:id/disable' : '/users/:id/enable',
      summary: disabled ? 'Disable a user: their tokens stop working on the next request' : 'Enable a user again',
      tags: ['users'],
      request: { params: { type: 'object', required: ['id'], properties: { id: ID } } },
      responses: { 204: { description: disabled ? 'Disabled' : 'Enabled' }, 404: { description: 'No such user' }, 403: { description: 'Built-in users cannot be disabled' } },
      async handler(ctx) {
        const { state } = await setUserDisabled(deps, ctx.params.id, disabled, requestMetadata(ctx, adminActor(ctx)));
        if (!state.exists) throw new DomainError('not_found', 'no such user');
        ctx.status = 204;
      },
    });

  return [create, list, setDisabled(true), setDisabled(false)];
}

function userJson(row: UserRow) {
  return {
    id: row.id,
    account: row.account,
    name: row.name,
    mobile: row.mobile ?? null,
    email: row.email ?? null,
    headImg: row.head_img ?? null,
    builtin: row.builtin,
    tenantId: row.tenant_id ?? null,
    createdTime: row.created_at,
    disabled: row.disabled,
  };
}
