import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore, UniqueClaim } from '../../eventstore/port';
import { md5Hex, sameSecret } from '../../secrets/digest';
import { seal, unseal } from '../../secrets/sealed-box';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { SnapshotPolicy, SnapshotStore } from '../snapshots';
import { handleCommand, loadState } from '../handle';
import { recordSignInAttempt } from '../sign-in-attempts/handler';
import { storeUserStatus } from '../tokens/token-cache';
import { userDecider, type UserState } from './decider';
import { userStream, type IdentityEvent, type Surface, type UserProfile } from './events';
import { newTimeOrderedHexId } from '../time-ordered-ids';

export interface IdentityDeps {
  store: EventStore;
  dataKey: Buffer;
  /** Every successful or failed sign-in lands on the user's stream: long-lived users are folded from a snapshot. */
  snapshots?: SnapshotStore;
}

/** Bump the schema whenever UserState or evolveUser changes. */
export const USER_SNAPSHOTS: SnapshotPolicy = { schema: 'user-state@4', every: 10 };

/** Unique values are compared case-insensitively where people expect it. */
export const accountClaim = (account: string): UniqueClaim => ({ scope: 'account', value: account.trim().toLowerCase() });
export const mobileClaim = (mobile: string): UniqueClaim => ({ scope: 'mobile', value: mobile.trim() });
export const emailClaim = (email: string): UniqueClaim => ({ scope: 'email', value: email.trim().toLowerCase() });
export const unionIdClaim = (unionId: string): UniqueClaim => ({ scope: 'wechat_unionid', value: unionId.trim() });

/** Time-ordered, so new user streams land at the index's right edge (time-ordered-ids.ts). */
export const newUserId = (): string => newTimeOrderedHexId();

function profileClaims(profile: UserProfile): UniqueClaim[] {
  const claims = [accountClaim(profile.account)];
  if (profile.mobile) claims.push(mobileClaim(profile.mobile));
  if (profile.email) claims.push(emailClaim(profile.email));
  return claims;
}

export interface RegisterUserInput {
  profile: UserProfile;
  /** The password itself; only MD5(password), sealed, is kept. */
  password?: string;
  /** Or MD5(password) as hex, as Insight clients hold it. */
  passwordMd5?: string;
  roles?: string[];
  builtin?: boolean;
  userId?: string;
  /** Created from a WeChat sign-in: bound to this unionid from the start (claimed with the append). */
  unionId?: string;
}

export async function registerUser(deps: IdentityDeps, input: RegisterUserInput, metadata: EventMetadata): Promise<{ userId: string }> {
  const md5 = input.passwordMd5?.toLowerCase() ?? (input.password !== undefined ? md5Hex(input.password) : null);
  if (!md5 || !/^[0-9a-f]{32}$/.test(md5)) throw new DomainError('validation_failed', 'a password is required');
  const userId = input.userId ?? newUserId();
  await handleCommand(
    { store: deps.store, metadata, newStream: input.userId === undefined },
    userStream(userId),
    userDecider,
    {
      type: 'RegisterUser',
      userId,
      profile: input.profile,
      builtin: input.builtin ?? false,
      roles: input.roles ?? [],
      sealedPasswordMd5: seal(md5, deps.dataKey),
      ...(input.unionId ? { unionId: input.unionId } : {}),
      now: new Date(metadata.time),
    },
    { claims: () => ({ claims: [...profileClaims(input.profile), ...(input.unionId ? [unionIdClaim(input.unionId)] : [])] }) },
  );
  return { userId };
}

/** Finds the user a login name belongs to: account, then mobile, then email. */
export async function findUserIdByLogin(store: EventStore, login: string): Promise<string | null> {
  // One lookup for the three, then the first that names a user wins: account, mobile, email.
  const owners = await store.claimOwners([accountClaim(login), mobileClaim(login), emailClaim(login)]);
  const owner = owners.find((o) => o?.startsWith('user-'));
  return owner ? owner.slice('user-'.length) : null;
}

export interface SignedInUser {
  userId: string;
  state: UserState;
}

/** No user gets this id (ids are 32 hex digits): its stream stays empty. */
const DECOY_USER_ID = 'sign-in-decoy';

/** Stands in for the sealed password of a login that names nobody, so both take the same work. */
const decoys = new WeakMap<Buffer, string>();
const decoyFor = (dataKey: Buffer): string => {
  let sealed = decoys.get(dataKey);
  if (!sealed) decoys.set(dataKey, (sealed = seal(md5Hex(randomBytes(16).toString('hex')), dataKey)));
  return sealed;
};

function passwordMatches(sealed: string, submittedMd5: string, dataKey: Buffer): boolean {
  try {
    return sameSecret(unseal(sealed, dataKey), submittedMd5);
  } catch {
    return false;
  }
}

export interface PasswordSignIn {
  login: string;
  passwordMd5: string;
  surface: Surface;
  /** The surface admits only holders of one of these roles (a refusal is recorded, never UserSignedIn). */
  requiredRoles?: string[];
}

/**
 * Checks MD5(password) against the sealed one. The attempt is counted on the client address's
 * stream whether or not the login names a user (same answers, same work, same locks); a sign-in
 * that gets through is recorded on the user's stream, as a success or as a refusal.
 */
export async function signInWithPassword(deps: IdentityDeps, input: PasswordSignIn, metadata: EventMetadata): Promise<SignedInUser> {
  const userId = await findUserIdByLogin(deps.store, input.login);
  // A login that names nobody reads a stream too (one nobody writes), so both take the same round trips.
  const sealed = userId
    ? (await loadUser(deps, userId)).state.sealedPasswordMd5
    : await deps.store.readStream(userStream(DECOY_USER_ID), { fromRevision: 0 }).then(() => null);
  const matches = passwordMatches(sealed ?? decoyFor(deps.dataKey), input.passwordMd5.toLowerCase(), deps.dataKey) && sealed !== null;
  return signInWithProof(deps, { login: input.login, userId, proofHolds: matches, surface: input.surface, requiredRoles: input.requiredRoles }, metadata);
}

/**
 * A sign-in whose proof the caller checked (a password, an Insight signature consumed from Redis):
 * first the address's attempt policy (counts, locks), then the user's own stream.
 */
export async function signInWithProof(
  deps: IdentityDeps,
  input: { login: string; userId: string | null; proofHolds: boolean; surface: Surface; requiredRoles?: string[] },
  metadata: EventMetadata,
): Promise<SignedInUser> {
  await recordSignInAttempt(deps, { login: input.login, userId: input.userId, surface: input.surface, proofHolds: input.proofHolds && input.userId !== null }, metadata);
  // Only a proof that held gets past the attempt, and only a login that names a user can hold one.
  const userId = input.userId!;
  const result = await handleCommand(
    { store: deps.store, metadata, snapshots: deps.snapshots },
    userStream(userId),
    userDecider,
    { type: 'CompleteSignIn', surface: input.surface, requiredRoles: input.requiredRoles, now: new Date(metadata.time) },
    { snapshot: USER_SNAPSHOTS },
  );
  return { userId, state: result.state };
}

/** Folds a user's stream (from its snapshot) for the command side's own reads. */
export async function loadUser(deps: IdentityDeps, userId: string): Promise<{ state: UserState; revision: number }> {
  return loadState<UserState, IdentityEvent>(deps.store, userStream(userId), userDecider, deps.snapshots ? { store: deps.snapshots, policy: USER_SNAPSHOTS } : undefined);
}

/**
 * Token verification reads a user's disabled flag from Redis, never the users projection: every
 * command that disables or enables a user writes it through here, right after its append.
 */
export async function writeUserStatusThrough(
  redis: Redis,
  userId: string,
  result: { events: ReadonlyArray<{ type: string }>; revision: number; state: { disabled: boolean } },
): Promise<void> {
  if (result.events.some((e) => e.type === 'UserDisabled' || e.type === 'UserEnabled')) await storeUserStatus(redis, userId, result.revision, result.state.disabled);
}

/** Disables or enables a user, and writes the status through to the token path's Redis copy. */
export async function setUserDisabled(deps: IdentityDeps & { redis: Redis }, userId: string, disabled: boolean, metadata: EventMetadata): Promise<{ state: UserState; revision: number }> {
  const now = new Date(metadata.time);
  const result = await handleCommand(
    { store: deps.store, metadata, snapshots: deps.snapshots },
    userStream(userId),
    userDecider,
    disabled ? { type: 'DisableUser', now } : { type: 'EnableUser', now },
    { snapshot: USER_SNAPSHOTS },
  );
  await writeUserStatusThrough(deps.redis, userId, result);
  return { state: result.state, revision: result.revision };
}

/**
 * Binds a WeChat unionid to a user. The unionid claim is written with the append, so one unionid
 * can belong to one user only; a replaced one is released.
 */
export async function bindWechat(deps: IdentityDeps, userId: string, unionId: string, replace: boolean, metadata: EventMetadata): Promise<UserState> {
  const result = await handleCommand(
    { store: deps.store, metadata, snapshots: deps.snapshots },
    userStream(userId),
    userDecider,
    { type: 'BindWechat', unionId, replace, now: new Date(metadata.time) },
    {
      snapshot: USER_SNAPSHOTS,
      claims: (before, events) => {
        if (events.length === 0) return {};
        return { claims: [unionIdClaim(unionId)], releases: before.unionId ? [unionIdClaim(before.unionId)] : [] };
      },
    },
  );
  return result.state;
}

export async function findUserIdByUnionId(store: EventStore, unionId: string): Promise<string | null> {
  const owner = await store.claimOwner(unionIdClaim(unionId));
  return owner?.startsWith('user-') ? owner.slice('user-'.length) : null;
}

/**
 * A sign-in by a proof that cannot be guessed at (a WeChat or WeCom code the caller exchanged): no
 * attempt counting, but the same user decider records the success or the refusal (disabled).
 */
export async function signInWithCheckedProof(deps: IdentityDeps, userId: string, proofHolds: boolean, surface: Surface, metadata: EventMetadata): Promise<UserState> {
  if (!proofHolds) throw refusal('wrong_credentials');
  const result = await handleCommand(
    { store: deps.store, metadata, snapshots: deps.snapshots },
    userStream(userId),
    userDecider,
    { type: 'CompleteSignIn', surface, now: new Date(metadata.time) },
    { snapshot: USER_SNAPSHOTS },
  );
  return result.state;
}
