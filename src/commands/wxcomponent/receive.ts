import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { defineQueue } from '../../jobs/definition';
import { authorizersNamed, storedComponentTicket } from '../../projections/wxcomponent/command-queries';
import type { JobQueues } from '../../runtime/queues';
import { seal, unseal } from '../../secrets/sealed-box';
import { CallbackCryptoError, callbackKey, callbackSignature, decryptCallback, sameSignature } from '../../wechat/crypto';
import { parseFlatXml, textField, XmlRefused, type XmlObject } from '../../wechat/xml';
import { DomainError, isDomainError } from '../domain-error';
import { handleCommand } from '../handle';
import type { SnapshotStore } from '../snapshots';
import type { AuthorizationJob } from './authorization';
import { callbackDecider } from './callback-decider';
import { bizAddressRefusal, bizCallback, componentCallback, type RecordedCallback } from './callbacks';
import { authorizerStream, callbackStream, type CallbackReceivedEvent } from './events';
import { forwardCallback } from './forwarding';
import { recordOnce } from './recorded-pushes';
import { authorizerDecider } from './token-decider';
import { authorizerTokenKey } from './tokens';

export interface ReceiveDeps {
  config: Config;
  store: EventStore;
  redis: Redis;
  queues: JobQueues;
  knex: Knex;
  /** Authorizer and token streams are folded from snapshots when given. */
  snapshots?: SnapshotStore;
}

export interface CallbackQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
}

export const ticketKey = 'wx:component-ticket';
export const AUTHORIZATION_QUEUE = defineQueue<AuthorizationJob>('wx-authorization', { attempts: 6, backoff: { type: 'exponential', delay: 1_000 } });

/** Any refusal of a callback: the same answer whatever failed, so nothing leaks to a prober. */
const refused = (why: string) => new DomainError('forbidden', `callback refused: ${why}`);

// The configured EncodingAESKey rarely changes: its 32-byte key is derived once, not per push.
let derived: { encodingAesKey: string; key: Buffer } | null = null;
function keyOf(encodingAesKey: string): Buffer {
  if (derived?.encodingAesKey !== encodingAesKey) derived = { encodingAesKey, key: callbackKey(encodingAesKey) };
  return derived.key;
}

/** Verifies msg_signature, decrypts, checks the appid and parses the message: no state is touched. */
export function openCallback(config: Config, query: CallbackQuery, body: string): XmlObject {
  const { msg_signature: signature, timestamp, nonce } = query;
  if (!signature || !timestamp || !nonce) throw refused('msg_signature, timestamp and nonce are required');
  let outer: XmlObject;
  try {
    outer = parseFlatXml(body);
  } catch (err) {
    if (err instanceof XmlRefused) throw new DomainError('validation_failed', err.message);
    throw err;
  }
  const encrypt = textField(outer, 'Encrypt');
  if (!encrypt) throw new DomainError('validation_failed', 'the callback carries no Encrypt element');
  const { token, encodingAesKey, appId } = config.wechatComponent;
  if (!sameSignature(callbackSignature(token, timestamp, nonce, encrypt), signature)) throw refused('bad signature');
  let plain: string;
  try {
    plain = decryptCallback(keyOf(encodingAesKey), encrypt, appId);
  } catch (err) {
    if (err instanceof CallbackCryptoError) throw refused(err.reason);
    throw err;
  }
  try {
    return parseFlatXml(plain);
  } catch (err) {
    if (err instanceof XmlRefused) throw new DomainError('validation_failed', err.message);
    throw err;
  }
}

export interface ReceivedCallback {
  duplicate: boolean;
  event: CallbackReceivedEvent;
  /** The recorded event's id; empty for a duplicate (nothing was recorded). */
  eventId: string;
  doc: XmlObject;
  /** An in-line forwarding target's reply, encrypted for WeChat; null: answer `success`. */
  reply: string | null;
}

/**
 * Records one event per callback on the stream its retry key names, decided as a new stream
 * (`no_stream`): the stream is the claim, checked by the very INSERT that appends (its revision
 * check, and the unique (stream, revision) constraint when retries race), so a retry — even three
 * at the same moment — records nothing. (A separate unique_claims row would cost a transaction of
 * four round trips on WeChat's hottest path.) The refused append is not retried: on a new stream
 * it can only mean the push is recorded. A retry this process has already recorded is answered
 * before any statement, and one racing its original waits for it (recorded-pushes: so the
 * handler's own per-stream queue is not needed here).
 */
async function record(deps: ReceiveDeps, recorded: RecordedCallback, metadata: EventMetadata): Promise<{ duplicate: boolean; eventId: string; streamId: string }> {
  const streamId = callbackStream(recorded.claim);
  let eventId = '';
  const { duplicate } = await recordOnce(deps.store, streamId, async () => {
    try {
      const result = await handleCommand({ store: deps.store, metadata, newStream: true, maxRetries: 0, queuePerStream: false }, streamId, callbackDecider, { type: 'RecordCallback', event: recorded.event });
      eventId = result.eventIds[0]!;
      return true;
    } catch (err) {
      if (isDomainError(err) && (err.code === 'conflict' || err.code === 'already_exists')) return false;
      throw err;
    }
  });
  return { duplicate, eventId, streamId };
}

export async function receiveComponentCallback(deps: ReceiveDeps, query: CallbackQuery, body: string, metadata: EventMetadata): Promise<ReceivedCallback> {
  const doc = openCallback(deps.config, query, body);
  const recorded = componentCallback(doc, new Date(metadata.time), (plain) => seal(plain, deps.config.dataKey));
  const { duplicate, eventId, streamId } = await record(deps, recorded, metadata);
  if (duplicate) return { duplicate, event: recorded.event, eventId, doc, reply: null };
  await react(deps, recorded.event, eventId, metadata);
  const infoType = recorded.event.type === 'WxComponentCallbackReceived' ? recorded.event.data.infoType : '';
  const reply = await forwardCallback(deps, { callbackEventId: eventId, streamId, doc, match: { infoType }, receivedAt: Date.parse(metadata.time) }, metadata);
  return { duplicate, event: recorded.event, eventId, doc, reply };
}

export async function receiveBizCallback(deps: ReceiveDeps, appid: string, query: CallbackQuery, body: string, metadata: EventMetadata): Promise<ReceivedCallback> {
  const doc = openCallback(deps.config, query, body);
  const recorded = bizCallback(appid, doc, new Date(metadata.time));
  if (recorded.event.type === 'WxBizCallbackReceived') {
    const why = bizAddressRefusal(appid, recorded.event.data.toUserName, await authorizersNamed(deps.knex, appid, recorded.event.data.toUserName));
    if (why) throw refused(why);
  }
  const { duplicate, eventId, streamId } = await record(deps, recorded, metadata);
  if (duplicate || recorded.event.type !== 'WxBizCallbackReceived') return { duplicate, event: recorded.event, eventId, doc, reply: null };
  const { msgType, event } = recorded.event.data;
  const reply = await forwardCallback(deps, { callbackEventId: eventId, streamId, doc, match: { msgType, event }, receivedAt: Date.parse(metadata.time) }, metadata);
  return { duplicate, event: recorded.event, eventId, doc, reply };
}

/** What a component event sets in motion; slow WeChat calls go to a job so the answer stays fast. */
async function react(deps: ReceiveDeps, event: CallbackReceivedEvent, eventId: string, metadata: EventMetadata): Promise<void> {
  if (event.type !== 'WxComponentCallbackReceived') return;
  const d = event.data;
  if (d.infoType === 'component_verify_ticket' && d.sealedTicket) {
    // Keep the newest ticket: a late retry of an older push must not replace it.
    await deps.redis.eval(
      "local cur = redis.call('hget', KEYS[1], 'createTime') if (not cur) or tonumber(cur) <= tonumber(ARGV[1]) then redis.call('hset', KEYS[1], 'createTime', ARGV[1], 'ticket', ARGV[2]) end return 1",
      1,
      ticketKey,
      String(d.createTime),
      d.sealedTicket,
    );
  } else if ((d.infoType === 'authorized' || d.infoType === 'updateauthorized') && d.authorizerAppid && d.sealedAuthorizationCode) {
    // The old token dies with the re-authorisation (the original kept serving it: 40001).
    await deps.redis.del(authorizerTokenKey(d.authorizerAppid));
    await deps.queues.add(AUTHORIZATION_QUEUE, d.infoType, { callbackEventId: eventId, appid: d.authorizerAppid, infoType: d.infoType, sealedCode: d.sealedAuthorizationCode }, { jobId: `auth-${eventId}` });
  } else if (d.infoType === 'unauthorized' && d.authorizerAppid) {
    await deps.redis.del(authorizerTokenKey(d.authorizerAppid));
    await handleCommand({ store: deps.store, metadata: { ...metadata, causationId: eventId } }, authorizerStream(d.authorizerAppid), authorizerDecider, {
      type: 'RecordUnauthorization',
      appid: d.authorizerAppid,
      now: new Date(d.receivedAt),
    });
  }
}

/** The newest component_verify_ticket: Redis first, then the read model. */
export function latestTicketReader(deps: Pick<ReceiveDeps, 'redis' | 'knex' | 'config'>) {
  return async (): Promise<string | null> => {
    const sealed = (await deps.redis.hget(ticketKey, 'ticket')) ?? (await storedComponentTicket(deps.knex));
    return sealed ? unseal(sealed, deps.config.dataKey) : null;
  };
}
