import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { IdentityEvent, Surface, UserProfile } from './events';

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
  /**
   * The proof (password, signature, WeChat code) already held and the address's attempt policy
   * let it through (see commands/sign-in-attempts): what is left is whether this user may sign in
   * here. `requiredRoles`: the surface admits only holders of one of these roles.
   */
  | { type: 'CompleteSignIn'; surface: Surface; requiredRoles?: string[]; now: Date }
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
  wecom: null,
});

export function evolveUser(state: UserState, event: IdentityEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, builtin, roles, sealedPasswordMd5, registeredAt, ...profile } = event.data;
      return { ...state, exists: true, userId, profile, builtin, roles, sealedPasswordMd5, registeredAt };
    }
    case 'UserPasswordChanged':
      return { ...state, sealedPasswordMd5: event.data.sealedPasswordMd5 };
    // Sign-ins are a record only; failures and locks are counted per client address (sign-in-attempts).
    case 'UserSignedIn':
    case 'UserSignInFailed':
    case 'UserLocked':
      return state;
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
    case 'CompleteSignIn':
      return decideSignIn(command, state);
    case 'DisableUser':
    case 'EnableUser': {
      if (!state.exists || !state.userId) return reject(refusal('user_not_found'));
      const disable = command.type === 'DisableUser';
      if (disable && state.builtin) return reject(new DomainError('forbidden', 'a built-in user cannot be disabled'));
      // Already in the asked state: nothing to record, the answer is the same.
      if (state.disabled === disable) return accept();
      const data = { userId: state.userId, at: command.now.toISOString() };
      return accept(disable ? { type: 'UserDisabled', data } : { type: 'UserEnabled', data });
    }
    case 'BindWechat': {
      if (!state.exists || !state.userId) return reject(refusal('user_not_found'));
      if (state.unionId === command.unionId) return accept();
      if (state.unionId && !command.replace) {
        return reject(refusal('wechat_already_bound', { field: 'unionid' }));
      }
      return accept({ type: 'UserWechatBound', data: { userId: state.userId, unionId: command.unionId, previousUnionId: state.unionId, at: command.now.toISOString() } });
    }
  }
}

/** A refusal after the proof held is recorded as a refusal; only a sign-in that happens is UserSignedIn. */
function decideSignIn(command: Extract<IdentityCommand, { type: 'CompleteSignIn' }>, state: UserState): Decision<IdentityEvent> {
  if (!state.exists || !state.userId) return reject(refusal('wrong_credentials'));
  const userId = state.userId;
  const at = command.now.toISOString();
  const refused = (reason: 'disabled' | 'not_permitted'): IdentityEvent => ({ type: 'UserSignInFailed', data: { userId, surface: command.surface, reason, failures: 0, at } });
  if (state.disabled) return reject(refusal('account_disabled'), refused('disabled'));
  if (command.requiredRoles && !command.requiredRoles.some((r) => state.roles.includes(r))) {
    return reject(new DomainError('forbidden', 'administrators only'), refused('not_permitted'));
  }
  return accept({ type: 'UserSignedIn', data: { userId, surface: command.surface, at } });
}

export const userDecider: Decider<UserState, IdentityCommand, IdentityEvent> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideIdentity,
};
