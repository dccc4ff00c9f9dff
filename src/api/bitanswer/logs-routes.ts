import { pageOfSessionLogs } from '../../projections/licenses/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { DomainError } from '../../commands/domain-error';
import { defineRoute, type RouteContext } from '../route';
import { onceADay } from './idempotency';
import { checkQuery, formatLogTime, queryFields, queryOps, sortFields, type CheckedFilter, type LogQuery, type LogSort } from './log-query';

interface Paging {
  offset: number;
  limit: number;
}

/** The documented largest page. A page size is not data: more is served as this many rows, not refused. */
const MAX_LIMIT = 1000;
const SN_PARAMS = { type: 'object', required: ['sn'], properties: { sn: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const PAGING = {
  type: 'object',
  additionalProperties: false,
  properties: {
    offset: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 0, description: 'Index of the first row' },
    limit: { type: 'integer', minimum: 1, default: 50, description: `Rows a page, at most ${MAX_LIMIT}: a larger limit is served ${MAX_LIMIT} rows` },
  },
} as const;

const logItem = {
  type: 'object',
  description: 'Only non-empty fields are present.',
  properties: {
    clientVersion: { type: 'string' },
    cmdExeNum: { type: 'integer', description: 'Heartbeats received' },
    startTime: { type: 'string', description: 'yyyy-MM-dd HH:mm:ss, China Standard Time' },
    endTime: { type: 'string', description: 'When it ended; for a checkout, when the borrow ends' },
    errorCode: { type: 'integer', description: '0, or 1001 seats full, 1002 disabled, 1003 expired, 1004 not yet valid' },
    failure: { type: 'string' },
    fkMidId: { type: 'integer' },
    fkSnid: { type: 'integer' },
    loginIp: { type: 'string' },
    number: { type: 'integer', description: 'Seat the session held (0-based)' },
    status: { type: 'string' },
    fkUserId: { type: 'integer' },
    fkUserNameId: { type: 'integer' },
    uid: { type: 'integer' },
    loginName: { type: 'string' },
  },
} as const;
const page = { type: 'object', required: ['total', 'items'], properties: { total: { type: 'integer' }, items: { type: 'array', items: logItem } } } as const;

function itemOf(r: Record<string, unknown>): Record<string, unknown> {
  const item: Record<string, unknown> = {
    clientVersion: r.client_version,
    cmdExeNum: r.cmd_exe_num,
    startTime: formatLogTime(r.start_time as Date),
    endTime: r.end_time ? formatLogTime(r.end_time as Date) : null,
    errorCode: r.error_code,
    failure: r.failure,
    fkMidId: r.fk_mid_id,
    fkSnid: Number(r.fk_snid),
    loginIp: r.login_ip,
    number: r.number,
    status: r.status,
    fkUserId: Number(r.fk_user_id),
    fkUserNameId: r.fk_user_name_id,
    uid: Number(r.uid),
    loginName: r.login_name,
  };
  for (const [k, v] of Object.entries(item)) if (v === null || v === undefined || v === '') delete item[k];
  return item;
}

type LogOrder = Array<{ column: string; order: 'asc' | 'desc' }>;

/** One page of an SN's logs: the route's query, also what the bench times. */
export async function readLogPage(knex: Dependencies['knex'], sn: string, paging: Paging, filters: readonly CheckedFilter[], order: LogOrder) {
  const page = await pageOfSessionLogs(knex, sn, { ...paging, limit: Math.min(paging.limit, MAX_LIMIT) }, filters, order);
  if (!page) throw new DomainError('not_found', 'no such sn');
  return { total: page.total, items: page.rows.map((r) => itemOf(r as unknown as Record<string, unknown>)) };
}

/** The session logs of one SN, from the licenses projection. Only SNs that exist answer; others are 404. */
export function logRoutes(deps: Pick<Dependencies, 'knex' | 'redis'>) {
  const readPage = (sn: string, paging: Paging, filters: readonly CheckedFilter[], order: LogOrder) => readLogPage(deps.knex, sn, paging, filters, order);

  const traverse = defineRoute<{ params: { sn: string }; query: Paging }>({
    method: 'get',
    path: '/sns/:sn/logs',
    operationId: 'bitanswerTraverseSnLogs',
    summary: '遍历授权码日志: the session logs of a serial number, oldest first',
    tags: ['bitanswer'],
    request: { params: SN_PARAMS, query: PAGING },
    responses: { 200: { description: 'One page', schema: page } },
    async handler(ctx) {
      return readPage(ctx.params.sn, ctx.state.query, [], []);
    },
  });

  const query = defineRoute<{ params: { sn: string }; query: Paging; body: { querys?: LogQuery[]; sorts?: LogSort[] } }>({
    method: 'post',
    path: '/sns/:sn/logs/data',
    operationId: 'bitanswerQuerySnLogs',
    summary: '查询授权码日志: filter and sort the session logs of a serial number',
    description:
      `querys on ${queryFields.join(', ')} with ops ${queryOps.join(' ')} (several values: any of them; for <>: none of them); ` +
      `times as yyyy-MM-dd HH:mm:ss (China Standard Time). sorts on ${sortFields.join(', ')}, ASC or DESC. ` +
      'An `x-bit-req-id` header makes the request idempotent for a day.',
    tags: ['bitanswer'],
    request: {
      params: SN_PARAMS,
      query: PAGING,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          querys: {
            type: 'array',
            maxItems: 20,
            items: {
              type: 'object',
              required: ['name', 'op', 'values'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', maxLength: 32 },
                op: { type: 'string', maxLength: 8 },
                values: { type: 'array', minItems: 1, maxItems: 100, items: { type: ['string', 'integer'], maxLength: 128 } },
              },
            },
          },
          sorts: {
            type: 'array',
            maxItems: 4,
            items: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 32 }, order: { type: 'string', maxLength: 8, default: 'ASC' } } },
          },
        },
      },
    },
    responses: { 200: { description: 'One page', schema: page } },
    async handler(ctx: RouteContext<{ params: { sn: string }; query: Paging; body: { querys?: LogQuery[]; sorts?: LogSort[] } }>) {
      const { filters, order } = checkQuery(ctx.request.body.querys ?? [], (ctx.request.body.sorts ?? []).map((s) => ({ name: s.name, order: s.order ?? 'ASC' })));
      return onceADay(deps.redis, String(ctx.state.bitkeyHash), ctx.get('x-bit-req-id') || undefined, () => readPage(ctx.params.sn, ctx.state.query, filters, order));
    },
  });

  return [traverse, query];
}
