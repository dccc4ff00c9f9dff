import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import type { JobQueues } from '../../runtime/queues';
import { sha256Hex } from '../../secrets/digest';
import { handleCommand, loadState } from '../handle';
import { isDomainError } from '../domain-error';
import { qrLoginDecider, type QrLoginCommand, type QrLoginState } from './decider';
import { qrLoginStream, type QrLoginEvent } from './events';
import { forgetQrExpiry, scheduleQrExpiry } from './expiry';
import { readQrStatus, storeQrStatus } from './qr-cache';

export interface QrLoginDeps {
  store: EventStore;
  redis: Redis;
  queues: JobQueues;
  config: { qrLoginTtlSeconds: number };
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NONCE_LENGTH = 32;

/** 32 characters from [A-Za-z0-9], uniformly (bytes ≥ 248 are dropped, so no character is likelier). */
export function newNonce(): string {
  let nonce = '';
  while (nonce.length < NONCE_LENGTH) {
    for (const byte of randomBytes(NONCE_LENGTH * 2)) {
      if (byte < 248 && nonce.length < NONCE_LENGTH) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
    }
  }
  return nonce;
}

export const nonceHashOf = (nonce: string): string => sha256Hex(nonce);

const run = (deps: QrLoginDeps, nonceHash: string, command: QrLoginCommand, metadata: EventMetadata) =>
  handleCommand<QrLoginState, QrLoginCommand, QrLoginEvent>({ store: deps.store, metadata }, qrLoginStream(nonceHash), qrLoginDecider, command);

/** A new nonce for the desktop's QR code, alive for the configured TTL. */
export async function requestQrLogin(deps: QrLoginDeps, metadata: EventMetadata): Promise<{ nonce: string; expiresInSeconds: number }> {
  const nonce = newNonce();
  const nonceHash = nonceHashOf(nonce);
  const ttlSeconds = deps.config.qrLoginTtlSeconds;
  const result = await run(deps, nonceHash, { type: 'RequestQrLogin', nonceHash, ttlSeconds, now: new Date(metadata.time) }, metadata);
  await storeQrStatus(deps.redis, nonceHash, result.revision, result.state.status, result.state.expiresAt);
  await scheduleQrExpiry(deps.queues, nonceHash, result.state.expiresAt);
  return { nonce, expiresInSeconds: ttlSeconds };
}

/** The signed-in phone scanned the code (`login: false`) or confirmed the sign-in (`login: true`). */
export async function answerQrLogin(deps: QrLoginDeps, nonce: string, userId: string, confirm: boolean, metadata: EventMetadata): Promise<void> {
  const nonceHash = nonceHashOf(nonce);
  const now = new Date(metadata.time);
  const command: QrLoginCommand = confirm ? { type: 'ConfirmQrLogin', userId, now } : { type: 'ScanQrLogin', userId, now };
  const result = await run(deps, nonceHash, command, metadata);
  await storeQrStatus(deps.redis, nonceHash, result.revision, result.state.status, result.state.expiresAt);
}

export type QrPoll = { status: 'gone' } | { status: 'waiting' } | { status: 'scanned' } | { status: 'confirmed'; userId: string };

/**
 * The desktop's poll. Waiting and scanned are answered from Redis; a confirmed nonce is taken on
 * its stream (QrLoginTokenIssued), and optimistic concurrency lets exactly one poll take it, so a
 * nonce yields at most one token. The caller issues the token only after that append.
 */
export async function pollQrLogin(deps: QrLoginDeps, nonce: string, metadata: EventMetadata): Promise<QrPoll> {
  const nonceHash = nonceHashOf(nonce);
  let status = await readQrStatus(deps.redis, nonceHash);
  if (status === null) {
    // Redis may have lost a live nonce: the stream decides, and the answer is put back.
    const { state, revision } = await loadState<QrLoginState, QrLoginEvent>(deps.store, qrLoginStream(nonceHash), qrLoginDecider);
    const live = state.nonceHash !== null && state.status !== 'used' && state.status !== 'expired' && state.expiresAt > Date.now();
    if (!live) return { status: 'gone' };
    await storeQrStatus(deps.redis, nonceHash, revision, state.status, state.expiresAt);
    status = state.status;
  }
  if (status === 'waiting' || status === 'scanned') return { status };
  if (status !== 'confirmed') return { status: 'gone' };
  try {
    const result = await run(deps, nonceHash, { type: 'IssueQrLoginToken', now: new Date(metadata.time) }, metadata);
    await storeQrStatus(deps.redis, nonceHash, result.revision, result.state.status, result.state.expiresAt);
    await forgetQrExpiry(deps.queues, nonceHash);
    return { status: 'confirmed', userId: result.state.userId! };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    const which = err.details?.qrLogin;
    if (which === 'waiting' || which === 'scanned') return { status: which };
    if (which === 'gone') {
      await storeQrStatus(deps.redis, nonceHash, 0, 'used', Date.now() + deps.config.qrLoginTtlSeconds * 1000);
      return { status: 'gone' };
    }
    throw err;
  }
}

/** The expiry job: records QrLoginExpired once the nonce's life is over. Returns when it is due, if not yet. */
export async function expireQrLogin(deps: QrLoginDeps, nonceHash: string, metadata: EventMetadata): Promise<{ dueAt: number | null }> {
  const result = await run(deps, nonceHash, { type: 'ExpireQrLogin', now: new Date(metadata.time) }, metadata);
  const { state } = result;
  const pending = state.nonceHash !== null && state.status !== 'used' && state.status !== 'expired';
  return { dueAt: pending ? state.expiresAt : null };
}
