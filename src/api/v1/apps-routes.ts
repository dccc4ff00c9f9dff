import type { AppRow } from '../../projections/applications/apps';
import { appById, pageOfApps } from '../../projections/applications/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { DomainError } from '../../commands/domain-error';
import { changeAppSettings, configureWechatApp, registerApp, type ApplicationDeps } from '../../commands/applications/handler';
import { DEFAULT_TOKEN_LIFE_MS } from '../../commands/applications/events';
import { requestMetadata } from '../request-metadata';
import { defineRoute } from '../route';
import type { AdminPrincipal } from './admin-session';

interface NewApp {
  name: string;
  tokenMode: 'shared' | 'exclusive';
  tokenLife?: number;
  autoRefresh?: boolean;
}

const ID = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;

const appSchema = {
  type: 'object',
  required: ['id', 'name', 'tokenMode', 'tokenLife', 'autoRefresh', 'createdTime'],
  properties: {
    id: ID,
    name: { type: 'string' },
    tokenMode: { enum: ['shared', 'exclusive'] },
    tokenLife: { type: 'integer', description: 'Milliseconds an access token lives before it must be refreshed' },
    autoRefresh: { type: 'boolean' },
    createdTime: { type: 'string', format: 'date-time' },
  },
} as const;

const adminActor = (ctx: { state: Record<string, unknown> }) => {
  const admin = ctx.state.admin as AdminPrincipal;
  return { kind: 'admin' as const, id: admin.userId, name: admin.account };
};

/** Insight applications (the appId every token is bound to) and the WeChat app secrets WeChat sign-in needs. */
export function appRoutes(deps: ApplicationDeps & Pick<Dependencies, 'knex'>) {
  const create = defineRoute<{ body: NewApp }>({
    method: 'post',
    path: '/apps',
    summary: 'Register an application',
    description: '`exclusive`: one device per user — a new sign-in invalidates the earlier token for this app. Token life defaults to 7,200,000 ms.',
    tags: ['applications'],
    request: {
      body: {
        type: 'object',
        required: ['name', 'tokenMode'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64 },
          tokenMode: { enum: ['shared', 'exclusive'] },
          tokenLife: { type: 'integer', minimum: 1000, maximum: 30 * 24 * 3600 * 1000 },
          autoRefresh: { type: 'boolean' },
        },
      },
    },
    responses: { 201: { description: 'Registered; `id` is the appId', schema: { type: 'object', required: ['id'], properties: { id: ID } } } },
    async handler(ctx) {
      const b = ctx.request.body;
      const { appId } = await registerApp(
        deps,
        { name: b.name, tokenMode: b.tokenMode, tokenLifeMs: b.tokenLife ?? DEFAULT_TOKEN_LIFE_MS, autoRefresh: b.autoRefresh ?? false },
        requestMetadata(ctx, adminActor(ctx)),
      );
      ctx.status = 201;
      return { id: appId };
    },
  });

  const list = defineRoute<{ query: { page: number; size: number } }>({
    method: 'get',
    path: '/apps',
    summary: 'List applications',
    description: 'Newest first, from the apps projection (eventually consistent).',
    tags: ['applications'],
    request: {
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { page: { type: 'integer', minimum: 1, maximum: 100000, default: 1 }, size: { type: 'integer', minimum: 1, maximum: 500, default: 20 } },
      },
    },
    responses: { 200: { description: 'One page', schema: { type: 'object', required: ['total', 'items'], properties: { total: { type: 'integer' }, items: { type: 'array', items: appSchema } } } } },
    async handler(ctx) {
      const { page, size } = ctx.state.query;
      const { rows, total } = await pageOfApps(deps.knex, { offset: (page - 1) * size, limit: size });
      return { total, items: rows.map(appJson) };
    },
  });

  const one = defineRoute<{ params: { id: string } }>({
    method: 'get',
    path: '/apps/:id',
    summary: 'One application',
    tags: ['applications'],
    request: { params: { type: 'object', required: ['id'], properties: { id: ID } } },
    responses: { 200: { description: 'The application', schema: appSchema }, 404: { description: 'No such application' } },
    async handler(ctx) {
      const row = await appById(deps.knex, ctx.params.id);
      if (!row) throw new DomainError('not_found', 'no such application');
      return appJson(row);
    },
  });

  const change = defineRoute<{ params: { id: string }; body: Required<NewApp> }>({
    method: 'put',
    path: '/apps/:id',
    summary: "Change an application's settings",
    description: 'Tokens already issued keep the mode and life they were issued with; new sign-ins follow the new settings.',
    tags: ['applications'],
    request: {
      params: { type: 'object', required: ['id'], properties: { id: ID } },
      body: {
        type: 'object',
        required: ['name', 'tokenMode', 'tokenLife', 'autoRefresh'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64 },
          tokenMode: { enum: ['shared', 'exclusive'] },
          tokenLife: { type: 'integer', minimum: 1000, maximum: 30 * 24 * 3600 * 1000 },
          autoRefresh: { type: 'boolean' },
        },
      },
    },
    responses: { 204: { description: 'Changed (or already so)' }, 404: { description: 'No such application' } },
    async handler(ctx) {
      const b = ctx.request.body;
      await changeAppSettings(deps, ctx.params.id, { name: b.name, tokenMode: b.tokenMode, tokenLifeMs: b.tokenLife, autoRefresh: b.autoRefresh }, requestMetadata(ctx, adminActor(ctx)));
      ctx.status = 204;
    },
  });

  const wechat = defineRoute<{ params: { weChatAppId: string }; body: { secret: string } }>({
    method: 'put',
    path: '/wechat-apps/:weChatAppId',
    summary: "Set a WeChat app's secret (for tokens/withWechatCode)",
    description: 'The secret is sealed with DATA_KEY and never shown back.',
    tags: ['applications'],
    request: {
      params: { type: 'object', required: ['weChatAppId'], properties: { weChatAppId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } } },
      body: { type: 'object', required: ['secret'], additionalProperties: false, properties: { secret: { type: 'string', minLength: 1, maxLength: 256 } } },
    },
    responses: { 204: { description: 'Stored' } },
    async handler(ctx) {
      await configureWechatApp(deps, ctx.params.weChatAppId, ctx.request.body.secret, requestMetadata(ctx, adminActor(ctx)));
      ctx.status = 204;
    },
  });

  return [create, list, one, change, wechat];
}

function appJson(row: AppRow) {
  return {
    id: row.id,
    name: row.name,
    tokenMode: row.token_mode,
    tokenLife: Number(row.token_life_ms),
    autoRefresh: row.auto_refresh,
    createdTime: row.created_at,
  };
}
