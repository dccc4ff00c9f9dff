import type { Redis } from 'ioredis';
import type { EventStore } from '../../eventstore/port';
import { sameSecret, sha256Hex } from '../../secrets/digest';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import { loadState } from '../handle';
import { userDecider } from '../identity/decider';
import { userStream, type IdentityEvent } from '../identity/events';
import type { SnapshotStore } from '../snapshots';
import { USER_SNAPSHOTS } from '../identity/handler';
import { decodeCredential, invalidCredential, type TokenCredential } from './credential';
import { tokenDecider } from './decider';
import { seatStream, tokenStream, type SeatEvent, type TokenEvent } from './events';
import { readToken, storeToken, storeUnknownToken, storeUserStatus, type CachedToken, type SeatFact } from './token-cache';

export interface TokenVerifyDeps {
  redis: Redis;
  store: EventStore;
  snapshots?: SnapshotStore;
}

export interface VerifiedToken extends CachedToken {
  tokenId: string;
  credential: TokenCredential;
}

export const signedInElsewhere = (): DomainError => refusal('signed_in_elsewhere');

/**
 * Checks an access token (or, with `kind: 'refresh'`, a refresh token) against the state the
 * command side wrote through to Redis. Order: the token exists → its secret matches → it still
 * holds its seat (exclusive apps) → the user is enabled → not past expire (422, access only) → not
 * past failure (421). The secret is checked before anything that would tell a guesser about the
 * account.
 */
export async function verifyToken(deps: TokenVerifyDeps, header: string | undefined, kind: 'access' | 'refresh', now = Date.now()): Promise<VerifiedToken> {
  const credential = decodeCredential(header);
  let { token, userDisabled } = await readToken(deps.redis, credential.id, credential.userId);
  if (token === null) token = await rebuildToken(deps, credential.id);
  if (token === 'unknown' || token.revoked || token.userId !== credential.userId) throw invalidCredential();
  const expected = kind === 'access' ? token.accessSecretHash : token.refreshSecretHash;
  if (!sameSecret(sha256Hex(credential.secret), expected)) throw invalidCredential();
  if (token.superseded) throw signedInElsewhere();
  if (userDisabled === null) userDisabled = await rebuildUserStatus(deps, token.userId);
  if (userDisabled) throw refusal('token_holder_disabled');
  if (now >= token.failsAt) throw invalidCredential();
  if (kind === 'access' && now >= token.expiresAt) throw refusal('token_expired');
  return { ...token, tokenId: credential.id, credential };
}

/** A Redis miss (evicted, flushed, never written): fold the token's own stream once and put it back. */
async function rebuildToken(deps: TokenVerifyDeps, tokenId: string): Promise<CachedToken | 'unknown'> {
  const { state, revision } = await loadState<ReturnType<typeof tokenDecider.initialState>, TokenEvent>(deps.store, tokenStream(tokenId), tokenDecider);
  if (!state.issued || !state.userId || !state.appId) {
    await storeUnknownToken(deps.redis, tokenId);
    return 'unknown';
  }
  let seat: SeatFact | null = null;
  if (state.mode === 'exclusive') {
    // Only the newest seat event matters: who holds it now.
    const [last] = await deps.store.readStream(seatStream(state.userId, state.appId), { direction: 'backwards', maxCount: 1 });
    seat = last ? { revision: last.revision, holder: (last.data as SeatEvent['data']).tokenId } : { revision: -1, holder: null };
  }
  const superseded = seat !== null && seat.holder !== tokenId;
  await storeToken(deps.redis, state, revision, seat);
  return {
    userId: state.userId,
    userName: state.userName,
    appId: state.appId,
    tenantId: state.tenantId,
    deviceId: state.deviceId,
    accessSecretHash: state.accessSecretHash ?? '',
    refreshSecretHash: state.refreshSecretHash ?? '',
    expiresAt: state.expiresAt,
    failsAt: state.failsAt,
    issuedAt: state.issuedAt,
    refreshCount: state.refreshCount,
    revoked: state.revoked,
    superseded,
    exclusive: state.mode === 'exclusive',
  };
}

export async function rebuildUserStatus(deps: TokenVerifyDeps, userId: string): Promise<boolean> {
  const { state, revision } = await loadState<ReturnType<typeof userDecider.initialState>, IdentityEvent>(
    deps.store,
    userStream(userId),
    userDecider,
    deps.snapshots ? { store: deps.snapshots, policy: USER_SNAPSHOTS } : undefined,
  );
  const disabled = !state.exists || state.disabled;
  await storeUserStatus(deps.redis, userId, revision, disabled);
  return disabled;
}
