import { searchUsersOldestFirst } from '../../projections/identity/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute, type JsonSchema, type Route } from '../route';
import { laravelTime, pageQuerySchema, paginate, paginatorSchema } from './paginator';

export const laravelUserSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'username', 'name', 'mobile', 'email', 'status', 'departments', 'info', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    name: { type: 'string' },
    mobile: { type: 'string', description: 'empty when unknown' },
    email: { type: ['string', 'null'] },
    status: { type: 'integer', description: '0 active, 1 disabled' },
    departments: { type: 'string', description: 'JSON text, as the template stores it' },
    info: { type: 'string', description: 'JSON text' },
    created_at: { type: ['string', 'null'], description: 'yyyy-MM-dd HH:mm:ss, China Standard Time' },
    updated_at: { type: ['string', 'null'] },
  },
};

const jsonText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? {}));

/** A row of the `users` read model as the template's User model serialises. */
export function laravelUserJson(row: Record<string, unknown>) {
  return {
    id: String(row.id),
    username: String(row.account),
    name: String(row.name),
    mobile: typeof row.mobile === 'string' ? row.mobile : '',
    email: typeof row.email === 'string' ? row.email : null,
    status: row.disabled ? 1 : 0,
    departments: jsonText(row.departments),
    info: jsonText(row.info),
    created_at: laravelTime(row.created_at),
    updated_at: laravelTime(row.updated_at),
  };
}

/** `GET /api/users`: the users read model, 15 a page, oldest first as Laravel's paginate() gives them. */
export function usersRoutes(deps: Pick<Dependencies, 'knex'>): Route[] {
  const list = defineRoute<{ query: { page: number; search?: string } }>({
    method: 'get',
    path: '/users',
    summary: '获取用户列表',
    description: '`search` matches name, username, mobile or email (substring, case-insensitive). Needs the `/users/*` permission. Read from the users projection.',
    tags: ['laravel users'],
    request: {
      query: { type: 'object', properties: { ...pageQuerySchema, search: { type: 'string', maxLength: 1024 } } },
    },
    responses: { 200: { description: 'One page of users', schema: paginatorSchema(laravelUserSchema) } },
    handler(ctx) {
      const { page, search } = ctx.state.query;
      return paginate(ctx, page, (request) => searchUsersOldestFirst(deps.knex, search, request), (row) => laravelUserJson(row as unknown as Record<string, unknown>));
    },
  });
  return [list];
}
