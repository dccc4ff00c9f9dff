import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore, UniqueClaim } from '../../eventstore/port';
import { sha256Hex } from '../../secrets/digest';
import { DomainError } from '../domain-error';
import { handleCommand, loadState } from '../handle';
import { bitkeyDecider, type BitkeyCommand, type BitkeyState } from './decider';
import { bitkeyStream, type BitkeyEvent } from './events';

export interface BitkeyDeps {
  store: EventStore;
  redis: Redis;
}

/**
 * Verification reads Redis first (`bitkey:<sha256>` → active | revoked | unknown) and the stream
 * on a miss. Create and revoke write the entry through, so a revoked key fails on the very next
 * request; a miss fills it with SET NX, so a slow reader can never put back "active" after a revoke.
 */
const cacheKey = (keyHash: string) => `bitkey:${keyHash}`;
const CACHE_SECONDS = 24 * 3600;
/** Unknown keys are remembered briefly, so guessing costs the database nothing. */
const UNKNOWN_SECONDS = 60;

const hashClaim = (keyHash: string): UniqueClaim => ({ scope: 'bitkey_hash', value: keyHash });

export async function createBitkey(deps: BitkeyDeps, name: string, metadata: EventMetadata): Promise<{ id: string; key: string }> {
  const id = randomBytes(8).toString('hex');
  const key = `bk_${randomBytes(32).toString('base64url')}`;
  const keyHash = sha256Hex(key);
  await handleCommand<BitkeyState, BitkeyCommand, BitkeyEvent>({ store: deps.store, metadata }, bitkeyStream(id), bitkeyDecider, { type: 'CreateBitkey', keyId: id, name, keyHash, now: new Date(metadata.time) }, {
    claims: () => ({ claims: [hashClaim(keyHash)] }),
  });
  await deps.redis.set(cacheKey(keyHash), 'active', 'EX', CACHE_SECONDS);
  return { id, key };
}

export async function revokeBitkey(deps: BitkeyDeps, id: string, metadata: EventMetadata): Promise<void> {
  const result = await handleCommand<BitkeyState, BitkeyCommand, BitkeyEvent>({ store: deps.store, metadata }, bitkeyStream(id), bitkeyDecider, { type: 'RevokeBitkey', now: new Date(metadata.time) });
  await deps.redis.set(cacheKey(result.state.keyHash!), 'revoked', 'EX', CACHE_SECONDS);
}

/** Returns the key's hash (it names the caller for idempotency keys) or refuses. */
export async function verifyBitkey(deps: BitkeyDeps, presented: string): Promise<string> {
  const keyHash = sha256Hex(presented);
  let status = await deps.redis.get(cacheKey(keyHash));
  if (status === null) {
    const owner = await deps.store.claimOwner(hashClaim(keyHash));
    const state = owner ? (await loadState<BitkeyState, BitkeyEvent>(deps.store, owner, bitkeyDecider)).state : null;
    status = !state?.exists ? 'unknown' : state.revoked ? 'revoked' : 'active';
    await deps.redis.set(cacheKey(keyHash), status, 'EX', status === 'unknown' ? UNKNOWN_SECONDS : CACHE_SECONDS, 'NX');
    status = (await deps.redis.get(cacheKey(keyHash))) ?? status;
  }
  if (status === 'revoked') throw new DomainError('unauthenticated', 'this bitkey has been revoked');
  if (status !== 'active') throw new DomainError('unauthenticated', 'the bitkey is not valid');
  return keyHash;
}
