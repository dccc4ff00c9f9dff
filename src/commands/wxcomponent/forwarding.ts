import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../../config';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { defineQueue } from '../../jobs/definition';
import type { JobQueues } from '../../runtime/queues';
import { seal, unseal } from '../../secrets/sealed-box';
import { callbackKey, callbackSignature, encryptCallback } from '../../wechat/crypto';
import { buildFlatXml, type XmlObject, type XmlValue } from '../../wechat/xml';
import { systemMetadata } from '../system-metadata';
import type { RuleTarget } from './rules';

/**
 * Forwarding a decrypted callback to the service a rule names: in line (its reply goes back to
 * WeChat, encrypted) under a deadline that keeps the whole answer inside WeChat's 5 s, or through
 * the queue with retries. Every delivery and failure is an event on the callback's own stream.
 */
/** The answer to WeChat must leave by then (WeChat gives up at 5 s). */
export const ANSWER_BUDGET_MS = 4_000;
const DEFAULT_INLINE_MS = 3_000;
const ASYNC_TIMEOUT_MS = 10_000;
const MAX_REPLY_BYTES = 64 * 1024;

export type ForwardEvent =
  | { type: 'WxCallbackForwarded'; data: { callbackEventId: string; ruleId: number; mode: 'inline' | 'async'; status: number; ms: number; at: string } }
  | { type: 'WxCallbackForwardFailed'; data: { callbackEventId: string; ruleId: number; mode: 'inline' | 'async'; reason: string; attempt: number; final: boolean; at: string } };

export interface MatchedRule {
  id: number;
  data: RuleTarget;
}

/**
 * The open rules, read from their read model at most every RULES_TTL_MS per process: a lookup
 * per callback would cost a database round trip on the hottest path. A rule added or changed
 * takes effect within that time (plus projection lag).
 */
export const RULES_TTL_MS = 2_000;
interface RuleRow {
  id: number;
  type: number;
  info_type: string;
  msg_type: string;
  event: string;
  data: RuleTarget;
}
const ruleCache = new WeakMap<Knex, { at: number; rows: Promise<RuleRow[]> }>();

function openRules(knex: Knex): Promise<RuleRow[]> {
  const cached = ruleCache.get(knex);
  if (cached && Date.now() - cached.at < RULES_TTL_MS) return cached.rows;
  const rows = knex('wx_proxy_rules')
    .where('open', true)
    .select('id', 'type', 'info_type', 'msg_type', 'event', 'data')
    .then((r: RuleRow[]) => r)
    .catch(() => [] as RuleRow[]);
  ruleCache.set(knex, { at: Date.now(), rows });
  return rows;
}

/** After a rule change in this process: the next callback reads the rules again. */
export function forgetRules(knex: Knex): void {
  ruleCache.delete(knex);
}

/** The open rule matching a push: component pushes by infoType, messages by msgType and event. */
export async function matchingRule(knex: Knex, match: { infoType: string } | { msgType: string; event: string }): Promise<MatchedRule | null> {
  const rows = await openRules(knex);
  const row =
    'infoType' in match
      ? rows.find((r) => r.type === 1 && r.info_type === match.infoType)
      : rows.find((r) => r.type === 2 && r.msg_type === match.msgType && r.event === match.event);
  return row ? { id: Number(row.id), data: row.data } : null;
}

export const targetUrl = (t: RuleTarget): string => t.url ?? `http://127.0.0.1:${t.port}${t.path.startsWith('/') ? t.path : `/${t.path}`}`;

/** The decrypted document as the JSON a target receives (numbers where WeChat sends digits). */
export function payloadOf(doc: XmlObject): unknown {
  const convert = (v: XmlValue): unknown => {
    if (typeof v === 'string') return /^-?\d{1,15}$/.test(v) ? Number(v) : v;
    if (Array.isArray(v)) return v.map(convert);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
  };
  return convert(doc);
}

export async function postJson(url: string, payload: unknown, timeoutMs: number): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, text: text.length > MAX_REPLY_BYTES ? '' : text };
}

async function recordForward(store: EventStore, streamId: string, event: ForwardEvent, metadata: EventMetadata): Promise<void> {
  await store.appendToStream(streamId, [{ eventId: randomUUID(), type: event.type, data: event.data, metadata }]);
}

/** A target's reply as WeChat's passive-reply XML, encrypted and signed; null when there is nothing to say. */
export function encryptedReply(config: Config, reply: string, now = new Date()): string | null {
  const trimmed = reply.trim();
  if (!trimmed || trimmed === 'success') return null;
  let xml = trimmed;
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as Record<string, unknown>;
      const flat = Object.fromEntries(Object.entries(obj).filter(([, v]) => typeof v === 'string' || typeof v === 'number')) as Record<string, string | number>;
      xml = buildFlatXml(flat);
    } catch {
      return null;
    }
  } else if (!trimmed.startsWith('<')) return null;
  const { token, encodingAesKey, appId } = config.wechatComponent;
  const encrypt = encryptCallback(callbackKey(encodingAesKey), xml, appId);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  return `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${callbackSignature(token, timestamp, nonce, encrypt)}]]></MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`;
}

export interface ForwardDeps {
  config: Config;
  store: EventStore;
  knex: Knex;
  queues: JobQueues;
}

export interface ForwardJob {
  callbackEventId: string;
  /** The callback's stream, where deliveries are recorded. */
  streamId: string;
  ruleId: number;
  url: string;
  /** The decrypted callback, sealed: it may carry a ticket or an authorization code. */
  sealedPayload: string;
}

export const FORWARD_QUEUE = defineQueue<ForwardJob>('wx-forward', { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } });

/**
 * Forwards a freshly recorded callback if a rule matches. Returns the encrypted reply for WeChat
 * when an in-line target answered one in time.
 */
export async function forwardCallback(
  deps: ForwardDeps,
  input: { callbackEventId: string; streamId: string; doc: XmlObject; match: { infoType: string } | { msgType: string; event: string }; receivedAt: number },
  metadata: EventMetadata,
): Promise<string | null> {
  const rule = await matchingRule(deps.knex, input.match);
  if (!rule) return null;
  const payload = payloadOf(input.doc);
  const url = targetUrl(rule.data);
  const caused = { ...metadata, causationId: input.callbackEventId, time: new Date().toISOString() };
  if (rule.data.async) {
    const job: ForwardJob = { callbackEventId: input.callbackEventId, streamId: input.streamId, ruleId: rule.id, url, sealedPayload: seal(JSON.stringify(payload), deps.config.dataKey) };
    await deps.queues.add(FORWARD_QUEUE, 'forward', job, { jobId: `forward-${input.callbackEventId}-${rule.id}` });
    return null;
  }
  const left = ANSWER_BUDGET_MS - (Date.now() - input.receivedAt);
  const timeout = Math.max(0, Math.min(rule.data.timeoutMs ?? DEFAULT_INLINE_MS, left));
  const started = Date.now();
  const base = { callbackEventId: input.callbackEventId, ruleId: rule.id, mode: 'inline' as const };
  try {
    if (timeout < 50) throw new Error('no time left before WeChat gives up');
    const res = await postJson(url, payload, timeout);
    if (res.status < 200 || res.status > 299) throw new Error(`target answered HTTP ${res.status}`);
    await recordForward(deps.store, input.streamId, { type: 'WxCallbackForwarded', data: { ...base, status: res.status, ms: Date.now() - started, at: new Date().toISOString() } }, caused);
    return encryptedReply(deps.config, res.text);
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeout} ms` : err instanceof Error ? err.message : String(err);
    await recordForward(deps.store, input.streamId, { type: 'WxCallbackForwardFailed', data: { ...base, reason, attempt: 1, final: true, at: new Date().toISOString() } }, caused);
    return null;
  }
}

/** The queued delivery: retried with backoff; each failure recorded, the last one marked final. */
export async function deliverQueued(deps: Pick<ForwardDeps, 'store' | 'config'>, job: ForwardJob, attempt: number, attempts: number): Promise<void> {
  const started = Date.now();
  const base = { callbackEventId: job.callbackEventId, ruleId: job.ruleId, mode: 'async' as const };
  const metadata = systemMetadata('wx-forward', job.callbackEventId);
  try {
    const res = await postJson(job.url, JSON.parse(unseal(job.sealedPayload, deps.config.dataKey)), ASYNC_TIMEOUT_MS);
    if (res.status < 200 || res.status > 299) throw new Error(`target answered HTTP ${res.status}`);
    await recordForward(deps.store, job.streamId, { type: 'WxCallbackForwarded', data: { ...base, status: res.status, ms: Date.now() - started, at: new Date().toISOString() } }, metadata);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await recordForward(deps.store, job.streamId, { type: 'WxCallbackForwardFailed', data: { ...base, reason, attempt, final: attempt >= attempts, at: new Date().toISOString() } }, metadata);
    throw err;
  }
}
