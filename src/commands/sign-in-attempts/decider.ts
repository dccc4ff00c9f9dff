import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { Surface } from '../identity/events';
import type { SignInAttemptEvent } from './events';

/** Wrong proofs of one login from one address before that pair is locked. */
export const MAX_LOGIN_FAILURES = 5;
/** Failures from one address, across every login, before the address is refused everywhere. */
export const MAX_ADDRESS_FAILURES = 20;
/** How long a lock lasts, and how long after the most recent failure a count is forgotten. */
export const LOCK_MS = 10 * 60 * 1000;

interface LoginAttempts {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

export interface AddressState {
  failures: number;
  lastFailureAt: number | null;
  throttledUntil: number | null;
  /** Only logins with live failures or a live lock: older ones are dropped as events arrive. */
  logins: Record<string, LoginAttempts>;
}

export interface RecordSignInAttempt {
  type: 'RecordSignInAttempt';
  address: string;
  loginKey: string;
  userId: string | null;
  surface: Surface;
  /** Whether the submitted proof holds: worked out by the shell, which holds the keys. */
  proofHolds: boolean;
  now: Date;
}

export const initialAddressState = (): AddressState => ({ failures: 0, lastFailureAt: null, throttledUntil: null, logins: {} });

/** A count is live until LOCK_MS after its most recent failure, and a lock until it ends. */
const live = (lastFailureAt: number | null, lockedUntil: number | null, now: number): boolean =>
  (lastFailureAt !== null && now - lastFailureAt < LOCK_MS) || (lockedUntil !== null && now < lockedUntil);

function liveLogins(logins: Record<string, LoginAttempts>, now: number): Record<string, LoginAttempts> {
  const kept: Record<string, LoginAttempts> = {};
  for (const [key, entry] of Object.entries(logins)) if (live(entry.lastFailureAt, entry.lockedUntil, now)) kept[key] = entry;
  return kept;
}

export function evolveAddress(state: AddressState, event: SignInAttemptEvent): AddressState {
  const at = Date.parse(event.data.at);
  const logins = liveLogins(state.logins, at);
  switch (event.type) {
    case 'SignInAttemptFailed': {
      const { loginKey, failures, addressFailures } = event.data;
      // A lock that has ended is dropped, so the count starts again from this failure.
      const previous = logins[loginKey]?.lockedUntil ?? null;
      const lockedUntil = previous !== null && at < previous ? previous : null;
      return { ...state, failures: addressFailures, lastFailureAt: at, logins: { ...logins, [loginKey]: { failures, lastFailureAt: at, lockedUntil } } };
    }
    case 'SignInLoginLocked': {
      const { loginKey, failures, until } = event.data;
      return { ...state, logins: { ...logins, [loginKey]: { failures, lastFailureAt: logins[loginKey]?.lastFailureAt ?? at, lockedUntil: Date.parse(until) } } };
    }
    case 'SignInAddressThrottled':
      return { ...state, logins, throttledUntil: Date.parse(event.data.until) };
    case 'SignInFailuresCleared': {
      const { [event.data.loginKey]: _cleared, ...rest } = logins;
      return { ...state, logins: rest };
    }
  }
}

const secondsUntil = (until: number, now: number): number => Math.max(1, Math.ceil((until - now) / 1000));

/**
 * The order is the policy: a throttled address is refused before anything is looked at (and
 * nothing is recorded, so a flood cannot grow the stream); a locked login is refused whatever the
 * proof (recorded, and counted against the address); a good proof clears the login's failures;
 * a bad one counts for the login and the address, and may lock either.
 */
export function decideAttempt(command: RecordSignInAttempt, state: AddressState): Decision<SignInAttemptEvent> {
  const now = command.now.getTime();
  const at = command.now.toISOString();
  const { address, loginKey, userId } = command;
  if (state.throttledUntil !== null && now < state.throttledUntil) {
    return reject(addressRefusal(state.throttledUntil, now));
  }
  const entry = state.logins[loginKey];
  const loginLive = entry !== undefined && live(entry.lastFailureAt, entry.lockedUntil, now);
  const lockedUntil = loginLive && entry.lockedUntil !== null && now < entry.lockedUntil ? entry.lockedUntil : null;
  const loginFailures = loginLive && (entry.lockedUntil === null || now < entry.lockedUntil) ? entry.failures : 0;

  if (lockedUntil === null && command.proofHolds) {
    return loginFailures > 0 ? accept({ type: 'SignInFailuresCleared', data: { address, loginKey, userId, at } }) : accept();
  }

  const addressFailures = (live(state.lastFailureAt, null, now) ? state.failures : 0) + 1;
  const failures = lockedUntil === null ? loginFailures + 1 : loginFailures;
  const events: SignInAttemptEvent[] = [
    {
      type: 'SignInAttemptFailed',
      data: { address, loginKey, userId, surface: command.surface, reason: lockedUntil === null ? 'bad_password' : 'locked', failures, addressFailures, at },
    },
  ];
  const newLock = lockedUntil === null && failures >= MAX_LOGIN_FAILURES ? now + LOCK_MS : null;
  if (newLock !== null) events.push({ type: 'SignInLoginLocked', data: { address, loginKey, userId, until: new Date(newLock).toISOString(), failures, at } });
  if (addressFailures >= MAX_ADDRESS_FAILURES) {
    events.push({ type: 'SignInAddressThrottled', data: { address, until: new Date(now + LOCK_MS).toISOString(), failures: addressFailures, at } });
  }
  const until = lockedUntil ?? newLock;
  if (until !== null) {
    const minutes = Math.ceil((until - now) / 60_000);
    return reject(
      new DomainError(
        'account_locked',
        `too many failed attempts; try again in ${minutes} minute(s)`,
        { lockedUntil: new Date(until).toISOString(), retryAfterSeconds: secondsUntil(until, now) },
        'login_locked',
      ),
      ...events,
    );
  }
  return reject(refusal('wrong_credentials', { remainingAttempts: MAX_LOGIN_FAILURES - failures }), ...events);
}

function addressRefusal(until: number, now: number): DomainError {
  return refusal('address_locked', { retryAfterSeconds: secondsUntil(until, now) });
}

export const addressDecider: Decider<AddressState, RecordSignInAttempt, SignInAttemptEvent> = {
  initialState: initialAddressState,
  evolve: evolveAddress,
  decide: decideAttempt,
};
