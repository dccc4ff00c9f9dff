import { interfaceConfigById, interfaceConfigLogById, searchInterfaceConfigLogs, searchInterfaceConfigs } from '../../projections/configs/queries';
import { userNameById } from '../../projections/identity/queries';
import { createConfig, deleteConfig, updateConfig } from '../../commands/configs/handler';
import type { ConfigActor, ConfigFields } from '../../commands/configs/events';
import { DomainError } from '../../commands/domain-error';
import { loadLiveConfigs } from '../../gateway/load-configs';
import type { ConfigLogRow, ConfigRow } from '../../projections/configs/interface-configs';
import type { Dependencies } from '../../runtime/dependencies';
import { insightEnvelope } from '../envelopes/insight';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route, type RouteContext } from '../route';
import { insightPrincipal } from './access-token';
import { configAdminScheme } from './config-admin';

/**
 * 配置管理接口: interface configs and their change log. Changes are events; lists and details read
 * the configs read model; `configs/load` puts the configs into Redis, where the gateway and the
 * Insight surface enforce them (an edit takes effect at the next load, as in the original). Every
 * route, reads included, is for configuration administrators only (see config-admin).
 */

const HEX32 = '^[0-9a-f]{32}$';
const idParams: JsonSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: HEX32 } } };
const MAX_PAGE = 100_000;
const MAX_SIZE = 1000;
/**
 * As the original read them (Spring's @RequestParam with defaults, then PageHelper): unknown
 * parameters are ignored, an empty one is its default, a page below 1 is the first page, and a size
 * of 0 or less asks for no rows (the total still comes in `option`). A size past ours is served at ours.
 */
const pagedQuery: JsonSchema = {
  type: 'object',
  properties: {
    keyword: { type: 'string', maxLength: 128 },
    page: { type: ['integer', 'null'], default: 1, description: `From 1; below 1 (or empty) is 1, past ${MAX_PAGE} is ${MAX_PAGE}` },
    size: { type: ['integer', 'null'], default: 20, description: `Rows a page; empty is 20, 0 or less gives no rows, past ${MAX_SIZE} is ${MAX_SIZE}` },
  },
};
const nullableInt = (max: number): JsonSchema => ({ type: ['integer', 'null'], minimum: 0, maximum: max, default: null });
const configProperties = {
  name: { type: 'string', minLength: 1, maxLength: 64 },
  method: { enum: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] },
  url: { type: 'string', minLength: 1, maxLength: 512, pattern: '^/[^\\s?#]*$' },
  authCode: { type: ['string', 'null'], maxLength: 64, pattern: '^[A-Za-z0-9_:.-]*$', default: null },
  limitGap: nullableInt(86_400),
  limitCycle: nullableInt(31_536_000),
  limitMax: nullableInt(1_000_000_000),
  message: { type: ['string', 'null'], maxLength: 256, default: null },
  remark: { type: ['string', 'null'], maxLength: 512, default: null },
  verify: { type: 'boolean' },
  limit: { type: 'boolean' },
  createdTime: { description: 'Ignored (clients send back what they read)' },
};
const configBody = (withId: boolean): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: [...(withId ? ['id'] : []), 'name', 'method', 'url', 'verify', 'limit'],
  properties: { ...(withId ? { id: { type: 'string', pattern: HEX32 } } : {}), ...configProperties },
});

const listItemSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    method: { type: 'string' },
    url: { type: 'string' },
    authCode: { type: ['string', 'null'] },
    verify: { type: 'boolean' },
    limit: { type: 'boolean' },
  },
};
const detailSchema: JsonSchema = {
  type: 'object',
  properties: {
    ...(listItemSchema.properties as object),
    limitGap: { type: ['integer', 'null'] },
    limitCycle: { type: ['integer', 'null'] },
    limitMax: { type: ['integer', 'null'] },
    message: { type: ['string', 'null'] },
    remark: { type: ['string', 'null'] },
    createdTime: { type: 'string', example: '2019-09-21 14:40:50' },
  },
};
const logSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { enum: ['INSERT', 'UPDATE', 'DELETE'] },
    business: { type: 'string' },
    businessId: { type: 'string' },
    content: { description: 'The config after the change (before it, for DELETE); null in lists' },
    creator: { type: ['string', 'null'] },
    creatorId: { type: ['string', 'null'] },
    createdTime: { type: 'string' },
  },
};

type ConfigBody = ConfigFields & { createdTime?: unknown };
type PagedQuery = { keyword?: string; page: number | null; size: number | null };

/** Insight's time format: `2019-09-21 14:40:50` (UTC). */
const insightTime = (iso: string): string => iso.slice(0, 19).replace('T', ' ');
/** As Spring's defaults and PageHelper read them: empty takes the default, a page below 1 is the first, a size of 0 or less gives no rows. */
function pageOf(q: PagedQuery) {
  const size = Math.min(Math.max(q.size ?? 20, 0), MAX_SIZE);
  const number = Math.min(Math.max(q.page ?? 1, 1), MAX_PAGE);
  return { offset: (number - 1) * size, limit: size };
}

const fieldsOf = (b: ConfigBody): ConfigFields => ({
  name: b.name,
  method: b.method,
  url: b.url,
  authCode: b.authCode || null,
  limitGap: b.limitGap ?? null,
  limitCycle: b.limitCycle ?? null,
  limitMax: b.limitMax ?? null,
  message: b.message ?? null,
  remark: b.remark ?? null,
  verify: b.verify,
  limit: b.limit,
});

const listItem = (r: ConfigRow) => ({ id: r.id, name: r.name, method: r.method, url: r.url, authCode: r.auth_code, verify: r.verify, limit: r.limited });
const detail = (r: ConfigRow) => ({
  id: r.id,
  name: r.name,
  method: r.method,
  url: r.url,
  authCode: r.auth_code,
  limitGap: r.limit_gap,
  limitCycle: r.limit_cycle,
  limitMax: r.limit_max,
  message: r.message,
  remark: r.remark,
  createdTime: insightTime(r.created_time),
  verify: r.verify,
  limit: r.limited,
});
const logJson = (r: ConfigLogRow, withContent: boolean) => ({
  id: r.id,
  type: r.type,
  business: r.business,
  businessId: r.business_id,
  content: withContent ? r.content : null,
  creator: r.creator,
  creatorId: r.creator_id,
  createdTime: insightTime(r.created_time),
});

/** The change log names the person: the token's user name, else the name on their account. */
async function actorOf(knex: Dependencies['knex'], ctx: RouteContext): Promise<ConfigActor> {
  const principal = insightPrincipal(ctx);
  if (principal.userName) return { id: principal.userId, name: principal.userName };
  return { id: principal.userId, name: await userNameById(knex, principal.userId) };
}

const metadataOf = (ctx: RouteContext, actor: ConfigActor) => requestMetadata(ctx, { kind: 'user', id: actor.id, name: actor.name });


export function configRoutes(deps: Dependencies): Route[] {
  const { knex, store } = deps;
  const tags = ['insight configs'];
  return [
    defineRoute<{ query: PagedQuery }>({
      method: 'get',
      path: '/configs',
      summary: '获取接口配置列表: by keyword (name or url contains it, or authCode equals it), newest first, paged',
      tags,
      security: configAdminScheme('getConfig'),
      request: { query: pagedQuery },
      responses: { 200: { description: 'A page; `option` is the total count', schema: { type: 'array', items: listItemSchema } } },
      async handler(ctx) {
        const q = ctx.state.query;
        const { rows, total } = await searchInterfaceConfigs(knex, q.keyword, pageOf(q));
        insightEnvelope.ok(ctx, rows.map(listItem), { option: total });
      },
    }),
    defineRoute<{ query: PagedQuery }>({
      method: 'get',
      path: '/configs/logs',
      summary: '获取日志列表: the change log of the configs by keyword (type, businessId, creatorId equal it; business, creator contain it), newest first, paged',
      tags,
      security: configAdminScheme('getConfigLog'),
      request: { query: pagedQuery },
      responses: { 200: { description: 'A page; `option` is the total count; `content` is null here', schema: { type: 'array', items: logSchema } } },
      async handler(ctx) {
        const q = ctx.state.query;
        const { rows, total } = await searchInterfaceConfigLogs(knex, q.keyword, pageOf(q));
        insightEnvelope.ok(ctx, rows.map((r) => logJson(r, false)), { option: total });
      },
    }),
    defineRoute<{ params: { id: string } }>({
      method: 'get',
      path: '/configs/logs/:id',
      summary: '获取日志详情: one change, with the config as it was after it (before it, for DELETE)',
      tags,
      security: configAdminScheme('getConfigLog'),
      request: { params: idParams },
      responses: { 200: { description: 'The change', schema: logSchema } },
      async handler(ctx) {
        const row = await interfaceConfigLogById(knex, ctx.params.id);
        if (!row) throw new DomainError('not_found', 'ID不存在,未读取数据', { insightCode: 400 });
        return logJson(row, true);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/configs/load',
      summary: '加载接口配置到缓存: puts every config into Redis, where they take effect',
      description: 'Waits (up to 5 s) for the configs read model to hold every change made so far, so a load right after an edit includes it. No configs at all: 400 读取数据失败,请重新加载.',
      tags,
      security: configAdminScheme('loadConfig'),
      responses: { 200: { description: 'Loaded' } },
      async handler() {
        await loadLiveConfigs(deps);
        return null;
      },
    }),
    defineRoute<{ params: { id: string } }>({
      method: 'get',
      path: '/configs/:id',
      summary: '获取接口配置详情',
      tags,
      security: configAdminScheme('getConfig'),
      request: { params: idParams },
      responses: { 200: { description: 'The config', schema: detailSchema } },
      async handler(ctx) {
        const row = await interfaceConfigById(knex, ctx.params.id);
        if (!row) throw new DomainError('not_found', 'ID不存在,未读取数据', { insightCode: 400 });
        return detail(row);
      },
    }),
    defineRoute<{ body: ConfigBody }>({
      method: 'post',
      path: '/configs',
      summary: '新增接口配置: (method, url) must be unused',
      tags,
      security: configAdminScheme('newConfig'),
      request: { body: configBody(false) },
      responses: { 200: { description: 'The new id (32 hex)', schema: { type: 'string', pattern: HEX32 } } },
      async handler(ctx) {
        const actor = await actorOf(knex, ctx);
        const { id } = await createConfig(store, fieldsOf(ctx.request.body), actor, metadataOf(ctx, actor));
        return id;
      },
    }),
    defineRoute<{ body: ConfigBody & { id: string } }>({
      method: 'put',
      path: '/configs',
      summary: '编辑接口配置',
      tags,
      security: configAdminScheme('editConfig'),
      request: { body: configBody(true) },
      responses: { 200: { description: 'Changed' } },
      async handler(ctx) {
        const actor = await actorOf(knex, ctx);
        await updateConfig(store, ctx.request.body.id, fieldsOf(ctx.request.body), actor, metadataOf(ctx, actor));
        return null;
      },
    }),
    defineRoute<{ body: string }>({
      method: 'delete',
      path: '/configs',
      summary: '删除接口配置: the body is the id as a bare JSON string, e.g. "7179f5e4c7f84879bdfb70de0999b067"',
      tags,
      security: configAdminScheme('deleteConfig'),
      request: { body: { type: 'string', pattern: HEX32 } },
      responses: { 200: { description: 'Deleted' } },
      async handler(ctx) {
        const actor = await actorOf(knex, ctx);
        await deleteConfig(store, ctx.request.body, actor, metadataOf(ctx, actor));
        return null;
      },
    }),
  ];
}
