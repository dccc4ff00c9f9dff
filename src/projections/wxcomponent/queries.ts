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
