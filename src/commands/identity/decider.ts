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
  unionId: string | null;
  registeredAt: string | null;
  sealedPasswordMd5: string | null;
  /** Failures since the last success, forgotten LOCK_MS after the most recent one. */
  failures: number;
  lastFailureAt: number | null;
  lockedUntil: number | null;
  /** WeCom membership from the directory sync; `disabledOnLeave`: leaving disabled the user, so rejoining enables them. */
  wecom: { userId: string; departments: number[]; linked: boolean; disabledOnLeave: boolean } | null;
}

export type IdentityCommand =
  | {
      type: 'RegisterUser';
      userId: string;
      profile: UserProfile;
      builtin: boolean;
      roles: string[];
      sealedPasswordMd5: string;
      /** A user created from a WeChat sign-in starts bound to that unionid. */
      unionId?: string;
      now: Date;
    }
  | {
      type: 'SignInWithPassword';
      surface: Surface;
      /** Whether the submitted credential matches the sealed one: computed by the shell, which holds the key. */
      matches: (sealedPasswordMd5: string) => boolean;
      now: Date;
    }
  | { type: 'DisableUser'; now: Date }
  | { type: 'EnableUser'; now: Date }
  /** `replace`: whether an already bound, different unionid may be swapped for this one. */
  | { type: 'BindWechat'; unionId: string; replace: boolean; now: Date };

export const initialUserState = (): UserState => ({
  exists: false,
  userId: null,
  profile: null,
  roles: [],
  builtin: false,
  disabled: false,
  unionId: null,
  registeredAt: null,
  sealedPasswordMd5: null,
  failures: 0,
  lastFailureAt: null,
  lockedUntil: null,
  wecom: null,
});

export function evolveUser(state: UserState, event: IdentityEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, builtin, roles, sealedPasswordMd5, registeredAt, ...profile } = event.data;
      return { ...state, exists: true, userId, profile, builtin, roles, sealedPasswordMd5, registeredAt };
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
    case 'UserAccountRenamed':
      return state.profile ? { ...state, profile: { ...state.profile, account: event.data.account } } : state;
    case 'UserWechatBound':
      return { ...state, unionId: event.data.unionId };
    case 'UserWecomLinked':
      return { ...state, wecom: { userId: event.data.wecomUserId, departments: event.data.departments, linked: true, disabledOnLeave: false } };
    case 'UserWecomUnlinked':
      return state.wecom ? { ...state, wecom: { ...state.wecom, linked: false, disabledOnLeave: !state.disabled } } : state;
    case 'UserDepartmentsChanged':
      return state.wecom ? { ...state, wecom: { ...state.wecom, departments: event.data.departments } } : state;
    case 'UserProfileUpdated': {
      const { name, mobile, email, headImg } = event.data;
      return state.profile ? { ...state, profile: { ...state.profile, name, mobile, email, headImg } } : state;
    }
  }
}

export function decideIdentity(command: IdentityCommand, state: UserState): Decision<IdentityEvent> {
  switch (command.type) {
    case 'RegisterUser': {
      if (state.exists) return reject(new DomainError('already_exists', 'user already exists'));
      const registered: IdentityEvent = {
        type: 'UserRegistered',
        data: {
          userId: command.userId,
          ...command.profile,
          builtin: command.builtin,
          roles: command.roles,
          sealedPasswordMd5: command.sealedPasswordMd5,
          registeredAt: command.now.toISOString(),
        },
      };
      if (!command.unionId) return accept(registered);
      return accept<IdentityEvent>(registered, {
        type: 'UserWechatBound',
        data: { userId: command.userId, unionId: command.unionId, previousUnionId: null, at: command.now.toISOString() },
      });
    }
    case 'SignInWithPassword':
      return decideSignIn(command, state);
    case 'DisableUser':
    case 'EnableUser': {
      if (!state.exists || !state.userId) return reject(new DomainError('not_found', '用户不存在'));
      const disable = command.type === 'DisableUser';
      if (disable && state.builtin) return reject(new DomainError('forbidden', 'a built-in user cannot be disabled'));
      // Already in the asked state: nothing to record, the answer is the same.
      if (state.disabled === disable) return accept();
      const data = { userId: state.userId, at: command.now.toISOString() };
      return accept(disable ? { type: 'UserDisabled', data } : { type: 'UserEnabled', data });
    }
    case 'BindWechat': {
      if (!state.exists || !state.userId) return reject(new DomainError('not_found', '用户不存在'));
      if (state.unionId === command.unionId) return accept();
      if (state.unionId && !command.replace) {
        return reject(new DomainError('already_exists', '用户已绑定其他微信号', { insightCode: 400, field: 'unionid' }));
      }
      return accept({ type: 'UserWechatBound', data: { userId: state.userId, unionId: command.unionId, previousUnionId: state.unionId, at: command.now.toISOString() } });
    }
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
