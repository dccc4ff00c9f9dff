import type { Knex } from 'knex';
import type { Config } from '../../config';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { defineQueue } from '../../jobs/definition';
import { forgetOpenRules, openRules } from '../../projections/wxcomponent/command-queries';
import type { JobQueues } from '../../runtime/queues';
import { seal, unseal } from '../../secrets/sealed-box';
import { callbackKey, callbackSignature, encryptCallback } from '../../wechat/crypto';
import { buildFlatXml, type XmlObject, type XmlValue } from '../../wechat/xml';
import { handleCommand } from '../handle';
import { systemMetadata } from '../system-metadata';
import { callbackDecider, type CallbackCommand, type ForwardOutcome } from './callback-decider';
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

export interface MatchedRule {
  id: number;
  data: RuleTarget;
}

/** After a rule change in this process: the next callback reads the rules again. */
export const forgetRules = forgetOpenRules;

/** The open rule matching a push: component pushes by infoType, messages by msgType and event. */
export async function matchingRule(knex: Knex, match: { infoType: string } | { msgType: string; event: string }): Promise<MatchedRule | null> {
  const rules = await openRules(knex);
  const rule =
    'infoType' in match
      ? rules.find((r) => r.type === 1 && r.infoType === match.infoType)
      : rules.find((r) => r.type === 2 && r.msgType === match.msgType && r.event === match.event);
  return rule ? { id: rule.id, data: rule.target } : null;
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

/** On the callback's own stream: in the process that recorded the push its state is known, so this appends without a read. */
async function recordForward(store: EventStore, streamId: string, command: CallbackCommand, metadata: EventMetadata): Promise<void> {
  await handleCommand({ store, metadata }, streamId, callbackDecider, command);
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
  const forward: ForwardOutcome = { callbackEventId: input.callbackEventId, ruleId: rule.id, mode: 'inline' };
  try {
    if (timeout < 50) throw new Error('no time left before WeChat gives up');
    const res = await postJson(url, payload, timeout);
    if (res.status < 200 || res.status > 299) throw new Error(`target answered HTTP ${res.status}`);
    await recordForward(deps.store, input.streamId, { type: 'RecordForwarded', forward, status: res.status, ms: Date.now() - started, now: new Date() }, caused);
    return encryptedReply(deps.config, res.text);
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeout} ms` : err instanceof Error ? err.message : String(err);
    await recordForward(deps.store, input.streamId, { type: 'RecordForwardFailed', forward, reason, attempt: 1, final: true, now: new Date() }, caused);
    return null;
  }
}

/** The queued delivery: retried with backoff; each failure recorded, the last one marked final. */
export async function deliverQueued(deps: Pick<ForwardDeps, 'store' | 'config'>, job: ForwardJob, attempt: number, attempts: number): Promise<void> {
  const started = Date.now();
  const forward: ForwardOutcome = { callbackEventId: job.callbackEventId, ruleId: job.ruleId, mode: 'async' };
  const metadata = systemMetadata('wx-forward', job.callbackEventId);
  try {
    const res = await postJson(job.url, JSON.parse(unseal(job.sealedPayload, deps.config.dataKey)), ASYNC_TIMEOUT_MS);
    if (res.status < 200 || res.status > 299) throw new Error(`target answered HTTP ${res.status}`);
    await recordForward(deps.store, job.streamId, { type: 'RecordForwarded', forward, status: res.status, ms: Date.now() - started, now: new Date() }, metadata);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await recordForward(deps.store, job.streamId, { type: 'RecordForwardFailed', forward, reason, attempt, final: attempt >= attempts, now: new Date() }, metadata);
    throw err;
  }
}
