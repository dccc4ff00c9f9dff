import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { md5Hex, sameSecret } from '../../secrets/digest';
import { unseal } from '../../secrets/sealed-box';
import { refusal } from '../refusals';
import type { UserState } from '../identity/decider';
import { accountClaim, findUserIdByLogin, loadUser, mobileClaim, type IdentityDeps } from '../identity/handler';

/**
 * `GET tokens/codes`: a one-time 32-hex code. We work out the signature the client will send,
 * `MD5(MD5(account + MD5(password)) + code)`, and keep only `signature → userId` in Redis for the
 * code's lifetime; the sign-in spends it atomically, so a signature works once.
 *
 * An unknown account still gets a code (nothing is stored for it), so the answer does not tell
 * which accounts exist; the sign-in then fails like a wrong password.
 */
export const signatureKey = (signature: string): string => `insight:sig:${signature.toLowerCase()}`;
export const smsKey = (mobile: string): string => `insight:sms:${mobile}`;

export interface CodeDeps extends IdentityDeps {
  redis: Redis;
  codeTtlSeconds: number;
  smsCodeTtlSeconds: number;
  /** Delivers an SMS code; absent when SMS sign-in is not configured. */
  sendSms?: (mobile: string, code: string, ttlSeconds: number) => Promise<void>;
}

export const newCode = (): string => randomBytes(16).toString('hex');
export const signatureFor = (login: string, secretMd5: string, code: string): string => md5Hex(md5Hex(login + secretMd5) + code);

export async function issuePasswordCode(deps: CodeDeps, account: string): Promise<string> {
  const code = newCode();
  const user = await userSigningIn(deps, account);
  if (!user) return code;
  const { userId, state } = user;
  if (!state.sealedPasswordMd5) return code;
  let passwordMd5: string;
  try {
    passwordMd5 = unseal(state.sealedPasswordMd5, deps.dataKey);
  } catch {
    return code; // sealed under another key: the sign-in fails like a wrong password
  }
  await deps.redis.set(signatureKey(signatureFor(account, passwordMd5, code)), signatureOwner(userId, account), 'EX', deps.codeTtlSeconds);
  return code;
}

/** Account → user, as this process last found it: a hint that saves the claim lookup, never trusted alone. */
const accountHints = new WeakMap<object, Map<string, string>>();
const MAX_ACCOUNT_HINTS = 10_000;

/**
 * The user a login names, with their current state. A hinted user is taken only when their own
 * stream, read to its end right now, still says they hold the account: the account claim is
 * unique, so nobody else can hold it, and an account outranks a mobile or email of the same text.
 */
async function userSigningIn(deps: CodeDeps, login: string): Promise<{ userId: string; state: UserState } | null> {
  const account = accountClaim(login).value;
  const holds = (state: UserState) => state.exists && !!state.profile && accountClaim(state.profile.account).value === account;
  let hints = accountHints.get(deps.store);
  const hinted = hints?.get(account);
  if (hinted) {
    const { state } = await loadUser(deps, hinted);
    if (holds(state)) return { userId: hinted, state };
    hints!.delete(account);
  }
  const userId = await findUserIdByLogin(deps.store, login);
  if (!userId) return null;
  const { state } = await loadUser(deps, userId);
  if (holds(state)) {
    if (!hints) accountHints.set(deps.store, (hints = new Map()));
    hints.set(account, userId);
    if (hints.size > MAX_ACCOUNT_HINTS) hints.delete(hints.keys().next().value as string);
  }
  return { userId, state };
}

/**
 * Type 1: a 6-digit code goes to the mobile by SMS; the signature is `MD5(MD5(mobile +
 * MD5(smsCode)) + code)`. The SMS is sent to any well-formed mobile (binding a WeChat user to a
 * new mobile needs it too), so the answer does not tell whether the mobile has an account.
 */
export async function issueSmsCode(deps: CodeDeps, mobile: string): Promise<string> {
  if (!deps.sendSms) throw refusal('sms_sign_in_off');
  if (!/^\+?[0-9]{5,20}$/.test(mobile)) throw refusal('mobile_invalid');
  const code = newCode();
  const smsCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const owner = await deps.store.claimOwner(mobileClaim(mobile));
  const ttl = deps.smsCodeTtlSeconds;
  const pipeline = deps.redis.multi().set(smsKey(mobile), md5Hex(smsCode), 'EX', ttl);
  if (owner?.startsWith('user-')) pipeline.set(signatureKey(signatureFor(mobile, md5Hex(smsCode), code)), signatureOwner(owner.slice('user-'.length), mobile), 'EX', ttl);
  await pipeline.exec();
  await deps.sendSms(mobile, smsCode, ttl);
  return code;
}

/** What a signature is kept with: the user it was issued for and the login it was issued to. */
const signatureOwner = (userId: string, login: string): string => `${userId}:${login.trim().toLowerCase()}`;

/**
 * What presenting a signature found: the user it was issued for (it is spent from now on), a
 * signature already presented (a replay: a double submit, or a signature seen on the wire, never a
 * guess), or nothing usable (unknown, expired, or issued to another login).
 */
export type SignatureUse = { kind: 'fresh'; userId: string } | { kind: 'spent' } | { kind: 'unknown' };

const SPENT = '-';
// The signature is marked spent for the rest of its lifetime rather than deleted, so that requests
// that lost a race for it (or replay it) are not counted as wrong passwords: five of them would lock
// the account for the address, and could refuse the very request that won.
const SPEND_SIGNATURE = `
local v = redis.call('GET', KEYS[1])
if v and v ~= '${SPENT}' then redis.call('SET', KEYS[1], '${SPENT}', 'KEEPTTL') end
return v`;
type SpendCommand = (key: string) => Promise<string | null>;
const withSpendCommand = new WeakSet<Redis>();

/** Spends a signature atomically: exactly one request ever finds it fresh. */
export async function consumeSignature(redis: Redis, signature: string, login: string): Promise<SignatureUse> {
  if (!/^[0-9a-fA-F]{32}$/.test(signature)) return { kind: 'unknown' };
  if (!withSpendCommand.has(redis)) {
    redis.defineCommand('insightSpendSignature', { numberOfKeys: 1, lua: SPEND_SIGNATURE });
    withSpendCommand.add(redis);
  }
  const stored = await (redis as unknown as { insightSpendSignature: SpendCommand }).insightSpendSignature(signatureKey(signature));
  if (stored === SPENT) return { kind: 'spent' };
  const colon = stored?.indexOf(':') ?? -1;
  if (!stored || colon < 0) return { kind: 'unknown' };
  return stored.slice(colon + 1) === login.trim().toLowerCase() ? { kind: 'fresh', userId: stored.slice(0, colon) } : { kind: 'unknown' };
}

/** Consumes the SMS code sent to a mobile, right or wrong, so it cannot be guessed at. */
export async function consumeSmsCode(redis: Redis, mobile: string, smsCode: string): Promise<boolean> {
  const stored = await redis.getdel(smsKey(mobile));
  return stored !== null && sameSecret(stored, md5Hex(smsCode));
}
