import type { Redis } from 'ioredis';
import type { EventMetadata } from '../../eventstore/port';
import { sha256Hex } from '../../secrets/digest';
import type { AppState } from '../applications/decider';
import { loadApp } from '../applications/handler';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import { handleCommand, loadState } from '../handle';
import type { UserState } from '../identity/decider';
import { findUserIdByLogin, loadUser, signInWithProof, type IdentityDeps } from '../identity/handler';
import { encodeCredential, newSecret, newTokenId, type TokenCredential } from './credential';
import { seatDecider, tokenDecider, type TokenState } from './decider';
import { seatStream, tokenStream, type SignInMethod, type TokenEvent } from './events';
import { consumeSignature } from './sign-in-codes';
import { storeToken, type SeatFact } from './token-cache';
import { verifyToken } from './verification';

export interface TokenDeps extends IdentityDeps {
  redis: Redis;
}

/** What every token endpoint answers with (the seed's token DTO). */
export interface TokenPackage {
  accessToken: string;
  refreshToken: string;
  expire: number;
  failure: number;
  userInfo: UserInfo;
}

export interface UserInfo {
  id: string;
  tenantId: string | null;
  name: string;
  account: string;
  mobile: string | null;
  email: string | null;
  headImg: string | null;
  builtin: boolean;
  createdTime: string | null;
}

/** The original's `yyyy-MM-dd HH:mm:ss` (UTC). */
const insightTime = (iso: string | null): string | null => (iso ? iso.slice(0, 19).replace('T', ' ') : null);

export function userInfo(user: UserState, tenantId: string | null): UserInfo {
  const p = user.profile!;
  return {
    id: user.userId!,
    tenantId: tenantId ?? p.tenantId,
    name: p.name,
    account: p.account,
    mobile: p.mobile,
    email: p.email,
    headImg: p.headImg,
    builtin: user.builtin,
    createdTime: insightTime(user.registeredAt),
  };
}

/** The app a token is asked for: refused as an invalid parameter before any proof is consumed. */
export async function requireApp(deps: TokenDeps, appId: string): Promise<AppState & { appId: string }> {
  const app = await loadApp(deps.store, appId);
  if (!app.exists || !app.appId || !app.settings) throw refusal('app_not_found');
  return app as AppState & { appId: string };
}

export interface SignInRequest {
  appId: string;
  tenantId: string | null;
  account: string;
  signature: string;
  deviceId: string | null;
}

/**
 * `POST tokens`: the app first (a wrong appId consumes nothing), then the signature is consumed
 * and the outcome recorded on the user's stream by the identity decider (failures, the lock, the
 * disabled check), then a token is issued.
 */
export async function signInWithSignature(deps: TokenDeps, request: SignInRequest, metadata: EventMetadata): Promise<TokenPackage> {
  const app = await requireApp(deps, request.appId);
  // A good signature names its user; only a bad one needs the login looked up, to count the failure there.
  const use = await consumeSignature(deps.redis, request.signature, request.account);
  // Only a password could have made it, so a replay tells nothing about the password and is not counted.
  if (use.kind === 'spent') throw refusal('signature_spent');
  const userId = use.kind === 'fresh' ? use.userId : await findUserIdByLogin(deps.store, request.account);
  // An unknown account is counted and locked like a known one, so the answers do not tell them apart.
  const { state: user } = await signInWithProof(deps, { login: request.account, userId, proofHolds: use.kind === 'fresh', surface: 'insight' }, metadata);
  return issueToken(deps, { user, app, tenantId: request.tenantId, deviceId: request.deviceId, method: 'password' }, metadata);
}

export interface IssueRequest {
  user: UserState;
  app: AppState & { appId: string };
  tenantId: string | null;
  deviceId: string | null;
  method: SignInMethod;
}

/**
 * Appends TokenIssued to the token's own stream; for an exclusive app, then takes the (user, app)
 * seat — that one stream serialises concurrent sign-ins, and the last seat holder is the only
 * valid token. Both are written through to Redis before the answer leaves.
 */
export async function issueToken(deps: TokenDeps, request: IssueRequest, metadata: EventMetadata): Promise<TokenPackage> {
  const { user, app } = request;
  const settings = app.settings!;
  const tokenId = newTokenId();
  const access: TokenCredential = { id: tokenId, userId: user.userId!, userName: user.profile?.name ?? null, secret: newSecret() };
  const refresh: TokenCredential = { ...access, secret: newSecret() };
  const now = new Date(metadata.time);
  const issued = await handleCommand({ store: deps.store, metadata, newStream: true }, tokenStream(tokenId), tokenDecider, {
    type: 'IssueToken',
    tokenId,
    userId: access.userId,
    userName: access.userName,
    appId: app.appId,
    tenantId: request.tenantId ?? user.profile?.tenantId ?? null,
    deviceId: request.deviceId,
    mode: settings.tokenMode,
    method: request.method,
    accessSecretHash: sha256Hex(access.secret),
    refreshSecretHash: sha256Hex(refresh.secret),
    lifeMs: settings.tokenLifeMs,
    now,
  });
  let seat: SeatFact | null = null;
  if (settings.tokenMode === 'exclusive') {
    // Racing sign-ins from other processes retry on the fresh seat; a burst of them needs more rounds than the default.
    const taken = await handleCommand({ store: deps.store, metadata, maxRetries: 30 }, seatStream(access.userId, app.appId), seatDecider, {
      type: 'TakeSeat',
      userId: access.userId,
      appId: app.appId,
      tokenId,
      now,
    });
    seat = { revision: taken.revision, holder: tokenId };
  }
  await storeToken(deps.redis, issued.state, issued.revision, seat);
  return tokenPackage(access, refresh, issued.state, userInfo(user, issued.state.tenantId), now.getTime());
}

function tokenPackage(access: TokenCredential, refresh: TokenCredential, state: TokenState, info: UserInfo, now: number): TokenPackage {
  return {
    accessToken: encodeCredential(access),
    refreshToken: encodeCredential(refresh),
    expire: Math.max(0, state.expiresAt - now),
    failure: Math.max(0, state.failsAt - now),
    userInfo: info,
  };
}

/** `PUT tokens` with the refresh token: a new access secret (the old access token dies at once), same id and refresh token. */
export async function refreshToken(deps: TokenDeps, authorization: string | undefined, metadata: EventMetadata): Promise<TokenPackage> {
  const now = new Date(metadata.time);
  const verified = await verifyToken(deps, authorization, 'refresh', now.getTime());
  const access: TokenCredential = { ...verified.credential, secret: newSecret() };
  const refreshed = await handleCommand({ store: deps.store, metadata }, tokenStream(verified.tokenId), tokenDecider, {
    type: 'RefreshToken',
    refreshSecretHash: sha256Hex(verified.credential.secret),
    newAccessSecretHash: sha256Hex(access.secret),
    now,
  });
  await storeToken(deps.redis, refreshed.state, refreshed.revision, null);
  const { state: user } = await loadUser(deps, verified.userId);
  if (!user.exists) throw refusal('user_not_found');
  return tokenPackage(access, verified.credential, refreshed.state, userInfo(user, refreshed.state.tenantId), now.getTime());
}

/** `DELETE tokens`: the access and the refresh token die together, before the answer leaves. */
export async function revokeToken(deps: TokenDeps, tokenId: string, metadata: EventMetadata): Promise<void> {
  try {
    const revoked = await handleCommand({ store: deps.store, metadata }, tokenStream(tokenId), tokenDecider, { type: 'RevokeToken', now: new Date(metadata.time) });
    await storeToken(deps.redis, revoked.state, revoked.revision, null);
  } catch (err) {
    // Redis said valid but the stream says revoked (a write-through lost earlier): put the truth back.
    if (err instanceof DomainError) {
      const { state, revision } = await loadState<TokenState, TokenEvent>(deps.store, tokenStream(tokenId), tokenDecider);
      if (state.issued) await storeToken(deps.redis, state, revision, null);
    }
    throw err;
  }
}
