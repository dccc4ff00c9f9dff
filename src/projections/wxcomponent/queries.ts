import type { Knex } from 'knex';
import { readPage, type Page, type PageRequest } from '../paging';
import type { AuthorizerRow, BizRecordRow, ComponentRecordRow } from './records';

/** Reads of the wxcomponent read model for the admin routes: records, authorizers, forwarding rules. */

/** A receive-time window: `from` inclusive (when given), `before` exclusive, ISO times. */
export interface ReceiveWindow {
  from?: string;
  before: string;
}

const received = (q: Knex.QueryBuilder, window: ReceiveWindow) => {
  if (window.from !== undefined) q.where('receive_time', '>=', window.from);
  return q.where('receive_time', '<', window.before);
};
const NEWEST_RECEIVED = [
  { column: 'receive_time', order: 'desc' as const },
  { column: 'event_id', order: 'desc' as const },
];

/** Component pushes, newest first. */
export function pageOfWxComponentRecords(knex: Knex, filter: ReceiveWindow & { infoType?: string }, page: PageRequest): Promise<Page<ComponentRecordRow>> {
  const q = received(knex('wx_component_records'), filter);
  if (filter.infoType) q.where('info_type', filter.infoType);
  return readPage<ComponentRecordRow>(q, page, NEWEST_RECEIVED);
}

/** Authorizers' messages and events, newest first. */
export function pageOfWxBizRecords(knex: Knex, filter: ReceiveWindow & { appid?: string; msgType?: string; event?: string }, page: PageRequest): Promise<Page<BizRecordRow>> {
  const q = received(knex('wx_biz_records'), filter);
  if (filter.appid) q.where('appid', filter.appid);
  if (filter.msgType) q.where('msg_type', filter.msgType);
  if (filter.event) q.where('event', filter.event);
  return readPage<BizRecordRow>(q, page, NEWEST_RECEIVED);
}

/** Authorizers still authorized, newest authorization first. */
export function pageOfWxAuthorizers(knex: Knex, filter: { appid?: string }, page: PageRequest): Promise<Page<AuthorizerRow>> {
  const q = knex('wx_authorizers').where('authorized', true);
  if (filter.appid) q.where('appid', filter.appid);
  return readPage<AuthorizerRow>(q, page, [
    { column: 'auth_time', order: 'desc' },
    { column: 'appid', order: 'asc' },
  ]);
}

/** Mini programs still authorized, newest authorization first. */
export function pageOfWxMiniPrograms(knex: Knex, filter: { appid?: string }, page: PageRequest): Promise<Page<AuthorizerRow>> {
  const q = knex('wx_authorizers').where({ authorized: true, app_type: 1 });
  if (filter.appid) q.where('appid', filter.appid);
  return readPage<AuthorizerRow>(q, page, [{ column: 'auth_time', order: 'desc' }]);
}

/** Forwarding rules of one type (1 component pushes, 2 authorizer messages) or all, by id. */
export function pageOfWxProxyRules(knex: Knex, filter: { type?: number }, page: PageRequest): Promise<Page<Record<string, unknown>>> {
  const q = filter.type ? knex('wx_proxy_rules').where('type', filter.type) : knex('wx_proxy_rules');
  return readPage<Record<string, unknown>>(q, page, [{ column: 'id', order: 'asc' }]);
}

// For the operator console (/v1 reads).
const missingTable = (err: unknown) => (err as { code?: string }).code === '42P01';

async function orEmpty<T>(query: Promise<T>, empty: T): Promise<T> {
  try {
    return await query;
  } catch (err) {
    if (missingTable(err)) return empty;
    throw err;
  }
}

/** When WeChat created the ticket we hold (its CreateTime, Unix seconds), or null before the first push. */
export async function latestTicketCreatedAt(knex: Knex): Promise<Date | null> {
  const row = await orEmpty(knex('wx_component_ticket').where({ id: 'current' }).first('create_time') as Promise<{ create_time: string | number } | undefined>, undefined);
  return row ? new Date(Number(row.create_time) * 1000) : null;
}

export interface AuthorizerOverviewRow {
  appid: string;
  nickName: string;
  authorized: boolean;
  authTime: string;
}

/** The authorizers, newest authorization first. */
export async function authorizersOverview(knex: Knex, limit: number): Promise<AuthorizerOverviewRow[]> {
  const rows = await orEmpty(
    knex('wx_authorizers').select('appid', 'nick_name', 'authorized', 'auth_time').orderBy([{ column: 'auth_time', order: 'desc' }, { column: 'appid' }]).limit(limit) as Promise<
      Array<{ appid: string; nick_name: string; authorized: boolean; auth_time: string }>
    >,
    [],
  );
  return rows.map((r) => ({ appid: r.appid, nickName: r.nick_name, authorized: r.authorized, authTime: r.auth_time }));
}

export interface CallbackMinuteRow {
  minute: Date;
  /** `component` (platform pushes, by InfoType) or `biz` (authorizers' messages, by MsgType). */
  source: 'component' | 'biz';
  type: string;
  count: number;
}

/** Callbacks received per minute since `since`, by source and type. */
export async function callbacksPerMinuteSince(knex: Knex, since: Date): Promise<CallbackMinuteRow[]> {
  const res = await orEmpty(
    knex.raw(
      `select date_trunc('minute', receive_time::timestamptz) as minute, 'component' as source, info_type as type, count(*)::int as count
         from wx_component_records where receive_time >= ? group by 1, 3
       union all
       select date_trunc('minute', receive_time::timestamptz), 'biz', msg_type, count(*)::int
         from wx_biz_records where receive_time >= ? group by 1, 3
       order by 1, 2, 3`,
      [since.toISOString(), since.toISOString()],
    ) as Promise<{ rows: Array<{ minute: Date; source: 'component' | 'biz'; type: string; count: number }> }>,
    { rows: [] },
  );
  return res.rows;
}

export interface CallbackRecordRow {
  eventId: string;
  source: 'component' | 'biz';
  receivedAt: string;
  type: string;
  /** The authorizer (biz) or the authorizer a platform push concerns, if any. */
  appid: string | null;
  event: string | null;
}

/** The newest callbacks of both kinds, newest first. Bodies are left out: the console shows what came, not what it said. */
export async function recentCallbackRecords(knex: Knex, limit: number): Promise<CallbackRecordRow[]> {
  const res = await orEmpty(
    knex.raw(
      `(select event_id, 'component' as source, receive_time, info_type as type, authorizer_appid as appid, null::text as event
          from wx_component_records order by receive_time desc, event_id limit ?)
       union all
       (select event_id, 'biz', receive_time, msg_type, appid, event from wx_biz_records order by receive_time desc, event_id limit ?)
       order by receive_time desc, event_id
       limit ?`,
      [limit, limit, limit],
    ) as Promise<{ rows: Array<{ event_id: string; source: 'component' | 'biz'; receive_time: string; type: string; appid: string | null; event: string | null }> }>,
    { rows: [] },
  );
  return res.rows.map((r) => ({ eventId: r.event_id, source: r.source, receivedAt: r.receive_time, type: r.type, appid: r.appid, event: r.event || null }));
}
