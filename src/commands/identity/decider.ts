import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import type { IdentityEvent, Surface, UserProfile } from './events';

export const MAX_FAILURES = 5;
export const LOCK_MS = 10 * 60 * 1000;

export interface UserState {
  exists: boolean;
  userId: string | null;
  profile: UserProfile | null;
  roles: string[];
  builtin: boolean;
  disabled: boolean;
  sealedPasswordMd5: string | null;
  /** Failures since the last success, forgotten LOCK_MS after the most recent one. */
  failures: number;
  lastFailureAt: number | null;
  lockedUntil: number | null;
}

export type IdentityCommand =
  | {
      type: 'RegisterUser';
      userId: string;
      profile: UserProfile;
      builtin: boolean;
      roles: string[];
      sealedPasswordMd5: string;
      now: Date;
    }
  | {
      type: 'SignInWithPassword';
      surface: Surface;
      /** Whether the submitted credential matches the sealed one: computed by the shell, which holds the key. */
      matches: (sealedPasswordMd5: string) => boolean;
      now: Date;
    };

export const initialUserState = (): UserState => ({
  exists: false,
  userId: null,
  profile: null,
  roles: [],
  builtin: false,
  disabled: false,
  sealedPasswordMd5: null,
  failures: 0,
  lastFailureAt: null,
  lockedUntil: null,
});

export function evolveUser(state: UserState, event: IdentityEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, builtin, roles, sealedPasswordMd5, registeredAt: _at, ...profile } = event.data;
      return { ...state, exists: true, userId, profile, builtin, roles, sealedPasswordMd5 };
    }
    case 'UserPasswordChanged':
      return { ...state, sealedPasswordMd5: event.data.sealedPasswordMd5, failures: 0, lockedUntil: null };
    case 'UserSignedIn':
      return { ...state, failures: 0, lastFailureAt: null, lockedUntil: null };
    case 'UserSignInFailed':
      return event.data.reason === 'bad_password'
        ? { ...state, failures: event.data.failures, lastFailureAt: Date.parse(event.data.at) }
        : state;
    case 'UserLocked':
      return { ...state, lockedUntil: Date.parse(event.data.until) };
    case 'UserDisabled':
      return { ...state, disabled: true };
    case 'UserEnabled':
      return { ...state, disabled: false };
  }
}

export function decideIdentity(command: IdentityCommand, state: UserState): Decision<IdentityEvent> {
  switch (command.type) {
    case 'RegisterUser': {
      if (state.exists) return reject(new DomainError('already_exists', 'user already exists'));
      return accept({
        type: 'UserRegistered',
        data: {
          userId: command.userId,
          ...command.profile,
          builtin: command.builtin,
          roles: command.roles,
          sealedPasswordMd5: command.sealedPasswordMd5,
          registeredAt: command.now.toISOString(),
        },
      });
    }
    case 'SignInWithPassword':
      return decideSignIn(command, state);
  }
}

function decideSignIn(command: Extract<IdentityCommand, { type: 'SignInWithPassword' }>, state: UserState): Decision<IdentityEvent> {
  if (!state.exists || !state.userId || !state.sealedPasswordMd5) return reject(new DomainError('invalid_credentials', 'invalid account or password'));
  const now = command.now.getTime();
  const at = command.now.toISOString();
  const userId = state.userId;
  const failed = (reason: 'bad_password' | 'locked' | 'disabled', failures: number): IdentityEvent => ({
    type: 'UserSignInFailed',
    data: { userId, surface: command.surface, reason, failures, at },
  });

  // The lock is checked before the password: a correct password during the lock is refused too.
  if (state.lockedUntil !== null && now < state.lockedUntil) {
    const minutes = Math.ceil((state.lockedUntil - now) / 60_000);
    return reject(
      new DomainError('account_locked', `too many failed attempts; try again in ${minutes} minute(s)`, { lockedUntil: new Date(state.lockedUntil).toISOString() }),
      failed('locked', state.failures),
    );
  }
  if (state.disabled) return reject(new DomainError('account_disabled', 'account is disabled'), failed('disabled', state.failures));

  if (command.matches(state.sealedPasswordMd5)) {
    return accept({ type: 'UserSignedIn', data: { userId, surface: command.surface, at } });
  }
  const stale = state.lastFailureAt === null || now - state.lastFailureAt >= LOCK_MS || (state.lockedUntil !== null && now >= state.lockedUntil);
  const failures = (stale ? 0 : state.failures) + 1;
  if (failures >= MAX_FAILURES) {
    const until = new Date(now + LOCK_MS).toISOString();
    return reject(
      new DomainError('account_locked', 'too many failed attempts; the account is locked for 10 minutes', { lockedUntil: until }),
      failed('bad_password', failures),
      { type: 'UserLocked', data: { userId, until, failures, at } },
    );
  }
  return reject(new DomainError('invalid_credentials', 'invalid account or password', { remainingAttempts: MAX_FAILURES - failures }), failed('bad_password', failures));
}

export const userDecider: Decider<UserState, IdentityCommand, IdentityEvent> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideIdentity,
};
