import type { WxComponentEvent } from '../../commands/wxcomponent/events';
import { RULE_EVENT_TYPES, type RuleEvent, type RuleTarget } from '../../commands/wxcomponent/rules';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/**
 * The admin reads of the WeChat third-party platform: callback records (component and biz), the
 * authorizer list and the newest verify ticket (still sealed; the reader opens it).
 */
type WxEvent = RecordedEvent<WxComponentEvent['type'], WxComponentEvent['data']>;
const typed = (e: WxEvent) => ({ type: e.type, data: e.data }) as WxComponentEvent;
const unixIso = (seconds: number) => new Date(seconds * 1000).toISOString();

export interface ComponentRecordRow {
  event_id: string;
  receive_time: string;
  create_time: string;
  info_type: string;
  app_id: string;
  authorizer_appid: string | null;
  post_body: string;
}

export interface BizRecordRow {
  event_id: string;
  receive_time: string;
  create_time: string;
  appid: string;
  to_user_name: string;
  from_user_name: string;
  msg_type: string;
  event: string;
  post_body: string;
}

export interface AuthorizerRow {
  appid: string;
  id: number;
  app_type: number;
  service_type: number;
  nick_name: string;
  user_name: string;
  head_img: string;
  qrcode_url: string;
  principal_name: string;
  func_info: string;
  verify_info: number;
  auth_time: string;
  authorized: boolean;
  updated_at: string;
}

const componentRecords: RowFold<ComponentRecordRow, WxEvent> = {
  table: 'wx_component_records',
  key: ['event_id'],
  loadExisting: false,
  keysOf: (e) => (e.type === 'WxComponentCallbackReceived' ? { event_id: e.eventId } : null),
  evolve: (_row, e) => {
    const ev = typed(e);
    if (ev.type !== 'WxComponentCallbackReceived') return null;
    const d = ev.data;
    return { event_id: e.eventId, receive_time: d.receivedAt, create_time: unixIso(d.createTime), info_type: d.infoType, app_id: d.appId, authorizer_appid: d.authorizerAppid, post_body: d.postBody };
  },
};

const bizRecords: RowFold<BizRecordRow, WxEvent> = {
  table: 'wx_biz_records',
  key: ['event_id'],
  loadExisting: false,
  keysOf: (e) => (e.type === 'WxBizCallbackReceived' ? { event_id: e.eventId } : null),
  evolve: (_row, e) => {
    const ev = typed(e);
    if (ev.type !== 'WxBizCallbackReceived') return null;
    const d = ev.data;
    return {
      event_id: e.eventId,
      receive_time: d.receivedAt,
      create_time: unixIso(d.createTime),
      appid: d.appid,
      to_user_name: d.toUserName,
      from_user_name: d.fromUserName,
      msg_type: d.msgType,
      event: d.event,
      post_body: d.postBody,
    };
  },
};

const authorizers: RowFold<AuthorizerRow, WxEvent> = {
  table: 'wx_authorizers',
  key: ['appid'],
  keysOf: (e) => (e.type === 'AuthorizerAuthorized' || e.type === 'AuthorizerUnauthorized' ? { appid: (e.data as { appid: string }).appid } : null),
  evolve: (row, e) => {
    const ev = typed(e);
    if (ev.type === 'AuthorizerUnauthorized') return row ? { ...row, authorized: false, updated_at: ev.data.at } : null;
    if (ev.type !== 'AuthorizerAuthorized') return row;
    const p = ev.data.profile;
    return {
      appid: ev.data.appid,
      // Stable across rebuilds: the global position of the first authorization seen.
      id: row?.id ?? Number(e.position.prepare),
      app_type: p.appType,
      service_type: p.serviceType,
      nick_name: p.nickName,
      user_name: p.userName,
      head_img: p.headImg,
      qrcode_url: p.qrcodeUrl,
      principal_name: p.principalName,
      func_info: p.funcInfo,
      verify_info: p.verifyInfo,
      auth_time: ev.data.authTime,
      authorized: true,
      updated_at: ev.data.authTime,
    };
  },
};

interface TicketRow {
  id: string;
  sealed_ticket: string;
  create_time: number;
}

const ticket: RowFold<TicketRow, WxEvent> = {
  table: 'wx_component_ticket',
  key: ['id'],
  keysOf: (e) => (e.type === 'WxComponentCallbackReceived' && (e.data as { sealedTicket: string | null }).sealedTicket ? { id: 'current' } : null),
  evolve: (row, e) => {
    const ev = typed(e);
    if (ev.type !== 'WxComponentCallbackReceived' || !ev.data.sealedTicket) return row;
    // A late retry of an older push does not replace a newer ticket.
    if (row && Number(row.create_time) > ev.data.createTime) return row;
    return { id: 'current', sealed_ticket: ev.data.sealedTicket, create_time: ev.data.createTime };
  },
};

interface RuleRow {
  id: number;
  name: string;
  type: number;
  info_type: string;
  msg_type: string;
  event: string;
  open: boolean;
  data: RuleTarget;
  create_time: string;
  update_time: string;
}

const rules: RowFold<RuleRow, RecordedEvent> = {
  table: 'wx_proxy_rules',
  key: ['id'],
  keysOf: (e) => (RULE_EVENT_TYPES.includes(e.type) ? { id: (e.data as { id: number }).id } : null),
  evolve: (row, e) => {
    const ev = { type: e.type, data: e.data } as RuleEvent;
    if (ev.type === 'ProxyRuleDeleted') return null;
    const d = ev.data;
    return {
      id: d.id,
      name: d.name,
      type: d.type,
      info_type: d.infoType,
      msg_type: d.msgType,
      event: d.event,
      open: d.open,
      data: d.data,
      create_time: row?.create_time ?? d.at,
      update_time: d.at,
    };
  },
};

export const wxcomponentProjection: Projection = {
  name: 'wxcomponent',
  version: 1,
  eventTypes: ['WxComponentCallbackReceived', 'WxBizCallbackReceived', 'AuthorizerAuthorized', 'AuthorizerUnauthorized', ...RULE_EVENT_TYPES],
  tables: {
    wx_component_records: `event_id text primary key, receive_time text not null, create_time text not null, info_type text not null,
      app_id text not null, authorizer_appid text, post_body text not null`,
    wx_biz_records: `event_id text primary key, receive_time text not null, create_time text not null, appid text not null,
      to_user_name text not null, from_user_name text not null, msg_type text not null, event text not null, post_body text not null`,
    wx_authorizers: `appid text primary key, id bigint not null, app_type integer not null, service_type integer not null, nick_name text not null,
      user_name text not null, head_img text not null, qrcode_url text not null, principal_name text not null, func_info text not null,
      verify_info integer not null, auth_time text not null, authorized boolean not null, updated_at text not null`,
    wx_component_ticket: `id text primary key, sealed_ticket text not null, create_time bigint not null`,
    wx_proxy_rules: `id bigint primary key, name text not null, type integer not null, info_type text not null, msg_type text not null,
      event text not null, open boolean not null, data jsonb not null, create_time text not null, update_time text not null`,
  },
  indexes: [
    'create index {{table:wx_component_records}}_by_time on {{table:wx_component_records}} (receive_time desc, event_id)',
    'create index {{table:wx_biz_records}}_by_time on {{table:wx_biz_records}} (receive_time desc, event_id)',
    'create index {{table:wx_biz_records}}_by_appid on {{table:wx_biz_records}} (appid, receive_time desc)',
    'create index {{table:wx_proxy_rules}}_by_match on {{table:wx_proxy_rules}} (type, info_type, msg_type, event)',
    'create index {{table:wx_authorizers}}_by_time on {{table:wx_authorizers}} (auth_time desc, appid)',
  ],
  keyColumns: { wx_component_records: ['event_id'], wx_biz_records: ['event_id'], wx_authorizers: ['appid'], wx_component_ticket: ['id'], wx_proxy_rules: ['id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, componentRecords, events);
    await applyRowFold(trx, tables, bizRecords, events);
    await applyRowFold(trx, tables, authorizers, events);
    await applyRowFold(trx, tables, ticket, events);
    await applyRowFold(trx, tables, rules, events);
  },
};
