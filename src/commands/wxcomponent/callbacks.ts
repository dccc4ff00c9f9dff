import type { UniqueClaim } from '../../eventstore/port';
import { DomainError } from '../domain-error';
import type { XmlObject, XmlValue } from '../../wechat/xml';
import { SEALED_FIELDS, SEALED_MARKER, type CallbackReceivedEvent } from './events';

/**
 * Pure: a decrypted callback document → the event to record and the claim that makes WeChat's
 * retries (3 tries, same content) land once. Sealing is the shell's job, passed in as `seal`.
 */

const text = (doc: XmlObject, name: string): string => {
  const v = doc[name];
  return typeof v === 'string' ? v.trim() : '';
};

function createTimeOf(doc: XmlObject): number {
  const raw = text(doc, 'CreateTime');
  const n = Number(raw);
  if (!/^\d{1,12}$/.test(raw) || !Number.isSafeInteger(n)) throw new DomainError('validation_failed', 'callback has no valid CreateTime');
  return n;
}

/** The document as JSON with numbers where WeChat sends digits, credentials masked. */
export function postBodyOf(doc: XmlObject): string {
  return JSON.stringify(jsonOf(doc));
}

const DIGITS = /^-?\d{1,15}$/;

function jsonOf(v: XmlValue): unknown {
  if (typeof v === 'string') return DIGITS.test(v) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(jsonOf);
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // an element may be named __proto__
  for (const k of Object.keys(v)) out[k] = (SEALED_FIELDS as readonly string[]).includes(k) ? SEALED_MARKER : jsonOf(v[k]!);
  return out;
}

export interface RecordedCallback {
  event: CallbackReceivedEvent;
  claim: UniqueClaim;
}

export function componentCallback(doc: XmlObject, receivedAt: Date, seal: (plain: string) => string): RecordedCallback {
  const appId = text(doc, 'AppId');
  const infoType = text(doc, 'InfoType');
  if (!appId || !infoType) throw new DomainError('validation_failed', 'component callback lacks AppId or InfoType');
  const createTime = createTimeOf(doc);
  const authorizerAppid = text(doc, 'AuthorizerAppid') || null;
  const ticket = infoType === 'component_verify_ticket' ? text(doc, 'ComponentVerifyTicket') : '';
  if (infoType === 'component_verify_ticket' && !ticket) throw new DomainError('validation_failed', 'ticket push without a ticket');
  const code = infoType === 'authorized' || infoType === 'updateauthorized' ? text(doc, 'AuthorizationCode') : '';
  if ((infoType === 'authorized' || infoType === 'updateauthorized') && (!code || !authorizerAppid)) {
    throw new DomainError('validation_failed', 'authorization push without AuthorizerAppid or AuthorizationCode');
  }
  return {
    event: {
      type: 'WxComponentCallbackReceived',
      data: {
        appId,
        infoType,
        createTime,
        receivedAt: receivedAt.toISOString(),
        authorizerAppid,
        postBody: postBodyOf(doc),
        sealedTicket: ticket ? seal(ticket) : null,
        sealedAuthorizationCode: code ? seal(code) : null,
      },
    },
    claim: { scope: 'wx-component-callback', value: `${appId}|${infoType}|${createTime}|${authorizerAppid ?? ''}` },
  };
}

export function bizCallback(appid: string, doc: XmlObject, receivedAt: Date): RecordedCallback {
  const toUserName = text(doc, 'ToUserName');
  const fromUserName = text(doc, 'FromUserName');
  const msgType = text(doc, 'MsgType');
  if (!toUserName || !fromUserName || !msgType) throw new DomainError('validation_failed', 'message lacks ToUserName, FromUserName or MsgType');
  const createTime = createTimeOf(doc);
  const msgId = text(doc, 'MsgId') || text(doc, 'MsgID') || null;
  const event = text(doc, 'Event');
  // Messages carry MsgId; events do not, so their sender + CreateTime (+ event) identify a retry.
  const key = msgId ? `msg|${appid}|${msgId}` : `event|${appid}|${fromUserName}|${createTime}|${event}`;
  return {
    event: {
      type: 'WxBizCallbackReceived',
      data: { appid, toUserName, fromUserName, msgType, event, createTime, msgId, receivedAt: receivedAt.toISOString(), postBody: postBodyOf(doc) },
    },
    claim: { scope: 'wx-biz-callback', value: key },
  };
}

export interface KnownAuthorizer {
  appid: string;
  userName: string;
}

/**
 * Why a message posted to `/wxcallback/biz/<appid>` cannot be that account's, or null. Every
 * authorizer's message is encrypted with the platform's key, so the URL is all that names the
 * account: the message's ToUserName (the account's original id, gh_…) must be the one recorded
 * for that appid, and must not be another account's. An account not yet known either way (before
 * its authorization is recorded) is taken at the URL's word.
 */
export function bizAddressRefusal(appid: string, toUserName: string, known: readonly KnownAuthorizer[]): string | null {
  const named = known.find((a) => a.appid === appid);
  if (named && named.userName !== toUserName) return 'the message is addressed to another account';
  if (known.some((a) => a.appid !== appid && a.userName === toUserName)) return 'the message is addressed to another account';
  return null;
}
