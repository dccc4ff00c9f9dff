import type { DomainError } from '../../src/commands/domain-error';
import assert from 'node:assert/strict';
import { userDecider } from '../../src/commands/identity/decider';
import type { IdentityEvent } from '../../src/commands/identity/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(userDecider);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const userId = 'a'.repeat(32);
const profile = { account: 'alice', name: 'Alice', mobile: null, email: null, headImg: null, tenantId: null };

const registered: IdentityEvent = {
  type: 'UserRegistered',
  data: { userId, ...profile, builtin: false, roles: ['admin'], sealedPasswordMd5: 'sealed-right', registeredAt: t0.toISOString() },
};
const signIn = (ms: number, requiredRoles?: string[]) => ({ type: 'CompleteSignIn' as const, surface: 'v1' as const, now: at(ms), ...(requiredRoles ? { requiredRoles } : {}) });
const failed = (ms: number, failures: number, reason: 'disabled' | 'not_permitted'): IdentityEvent => ({
  type: 'UserSignInFailed',
  data: { userId, surface: 'v1', reason, failures, at: at(ms).toISOString() },
});

describe('identity: registering a user', () => {
  it('given no history, when registered, then UserRegistered carries the profile and only the sealed password', () => {
    spec
      .given()
      .when({ type: 'RegisterUser', userId, profile, builtin: false, roles: ['admin'], sealedPasswordMd5: 'sealed-right', now: t0 })
      .then(registered);
  });

  it('given the user exists, when registered again, then it is refused as already existing', () => {
    spec
      .given(registered)
      .when({ type: 'RegisterUser', userId, profile, builtin: false, roles: [], sealedPasswordMd5: 'x', now: t0 })
      .thenRefused('already_exists');
  });
});

describe('identity: completing a sign-in whose proof held (counting and locks: sign-in-attempts)', () => {
  it('given a registered user, when the sign-in completes, then UserSignedIn', () => {
    spec.given(registered).when(signIn(1000)).then({ type: 'UserSignedIn', data: { userId, surface: 'v1', at: at(1000).toISOString() } });
  });

  it('given no user, when signing in, then invalid credentials and nothing recorded', () => {
    spec.given().when(signIn(0)).thenRefused('invalid_credentials');
  });

  it('given an administrator, when the surface requires the admin role, then UserSignedIn', () => {
    spec.given(registered).when(signIn(5, ['admin'])).then({ type: 'UserSignedIn', data: { userId, surface: 'v1', at: at(5).toISOString() } });
  });

  it('given a user without the required role, when signing in, then forbidden and a refusal recorded, never UserSignedIn', () => {
    const plain: IdentityEvent = { ...registered, data: { ...(registered.data as Extract<IdentityEvent, { type: 'UserRegistered' }>['data']), roles: ['user'] } } as IdentityEvent;
    spec.given(plain).when(signIn(5, ['admin', 'wxcomponent-admin'])).thenRefused('forbidden', failed(5, 0, 'not_permitted'));
  });

  it('given old per-user failures and a lock in the stream (recorded before locks moved to addresses), when signing in, then they no longer lock anyone out', () => {
    const legacyFailed: IdentityEvent = { type: 'UserSignInFailed', data: { userId, surface: 'v1', reason: 'bad_password', failures: 5, at: at(1).toISOString() } };
    const legacyLock: IdentityEvent = { type: 'UserLocked', data: { userId, until: at(600_001).toISOString(), failures: 5, at: at(1).toISOString() } };
    spec.given(registered, legacyFailed, legacyLock).when(signIn(2)).then({ type: 'UserSignedIn', data: { userId, surface: 'v1', at: at(2).toISOString() } });
  });
});

describe('identity: disabling, enabling and WeChat binding', () => {
  const now = at(10);
  const builtinRegistered: IdentityEvent = { ...registered, data: { ...(registered.data as Extract<IdentityEvent, { type: 'UserRegistered' }>['data']), builtin: true } } as IdentityEvent;
  const bound = (unionId: string, previousUnionId: string | null): IdentityEvent => ({ type: 'UserWechatBound', data: { userId, unionId, previousUnionId, at: now.toISOString() } });

  it('given a user, when disabled, then UserDisabled; disabling again records nothing', () => {
    spec.given(registered).when({ type: 'DisableUser', now }).then({ type: 'UserDisabled', data: { userId, at: now.toISOString() } });
    spec.given(registered, { type: 'UserDisabled', data: { userId, at: now.toISOString() } }).when({ type: 'DisableUser', now }).then();
  });

  it('given a disabled user, when enabled, then UserEnabled', () => {
    spec.given(registered, { type: 'UserDisabled', data: { userId, at: now.toISOString() } }).when({ type: 'EnableUser', now }).then({ type: 'UserEnabled', data: { userId, at: now.toISOString() } });
  });

  it('given a built-in user, when disabled, then forbidden; given no user, not found', () => {
    spec.given(builtinRegistered).when({ type: 'DisableUser', now }).thenRefused('forbidden');
    spec.given().when({ type: 'DisableUser', now }).thenRefused('not_found');
  });

  it('given a disabled user, when signing in with the right password, then refused as disabled and recorded', () => {
    spec
      .given(registered, { type: 'UserDisabled', data: { userId, at: now.toISOString() } })
      .when(signIn(20))
      .thenRefused('account_disabled', failed(20, 0, 'disabled'));
  });

  it('given an unbound user, when a unionid is bound, then UserWechatBound', () => {
    spec.given(registered).when({ type: 'BindWechat', unionId: 'u1', replace: false, now }).then(bound('u1', null));
  });

  it('given a user bound to another unionid, when bound without replace, then refused as bound elsewhere (Insight words it 400); with replace, rebound', () => {
    const error = spec.given(registered, bound('u1', null)).when({ type: 'BindWechat', unionId: 'u2', replace: false, now }).thenRefused('already_exists');
    assert.equal((error as DomainError).reason, 'wechat_already_bound');
    spec.given(registered, bound('u1', null)).when({ type: 'BindWechat', unionId: 'u2', replace: true, now }).then(bound('u2', 'u1'));
  });

  it('given the same unionid, when bound again, then nothing is recorded', () => {
    spec.given(registered, bound('u1', null)).when({ type: 'BindWechat', unionId: 'u1', replace: false, now }).then();
  });

  it('given nothing, when registered from WeChat, then the user starts bound', () => {
    spec
      .given()
      .when({ type: 'RegisterUser', userId, profile, builtin: false, roles: ['admin'], sealedPasswordMd5: 'sealed-right', unionId: 'u9', now: t0 })
      .then(registered, { type: 'UserWechatBound', data: { userId, unionId: 'u9', previousUnionId: null, at: t0.toISOString() } });
  });
});
