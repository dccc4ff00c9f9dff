import assert from 'node:assert/strict';
import { LOCK_MS, userDecider } from '../../src/commands/identity/decider';
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
const signIn = (ms: number, right: boolean) => ({
  type: 'SignInWithPassword' as const,
  surface: 'v1' as const,
  matches: (sealed: string) => right && sealed === 'sealed-right',
  now: at(ms),
});
const failed = (ms: number, failures: number, reason: 'bad_password' | 'locked' | 'disabled' = 'bad_password'): IdentityEvent => ({
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

describe('identity: signing in with a password', () => {
  it('given a registered user, when the password matches, then UserSignedIn', () => {
    spec.given(registered).when(signIn(1000, true)).then({ type: 'UserSignedIn', data: { userId, surface: 'v1', at: at(1000).toISOString() } });
  });

  it('given no user, when signing in, then invalid credentials and nothing recorded', () => {
    spec.given().when(signIn(0, true)).thenRefused('invalid_credentials');
  });

  it('given four failures, when the fifth password is wrong, then the failure and a 10-minute lock are recorded', () => {
    const error = spec
      .given(registered, failed(1, 1), failed(2, 2), failed(3, 3), failed(4, 4))
      .when(signIn(5, false))
      .thenRefused('account_locked', failed(5, 5), {
        type: 'UserLocked',
        data: { userId, until: at(5 + LOCK_MS).toISOString(), failures: 5, at: at(5).toISOString() },
      });
    assert.equal(error.details?.lockedUntil, at(5 + LOCK_MS).toISOString());
  });

  it('given a lock, when the right password arrives during it, then it is refused and the refusal recorded', () => {
    const locked: IdentityEvent = { type: 'UserLocked', data: { userId, until: at(LOCK_MS + 5).toISOString(), failures: 5, at: at(5).toISOString() } };
    spec
      .given(registered, failed(1, 1), failed(2, 2), failed(3, 3), failed(4, 4), failed(5, 5), locked)
      .when(signIn(60_000, true))
      .thenRefused('account_locked', failed(60_000, 5, 'locked'));
  });

  it('given a lock that has passed, when the right password arrives, then the user signs in', () => {
    const locked: IdentityEvent = { type: 'UserLocked', data: { userId, until: at(LOCK_MS + 5).toISOString(), failures: 5, at: at(5).toISOString() } };
    spec
      .given(registered, failed(5, 5), locked)
      .when(signIn(LOCK_MS + 6, true))
      .then({ type: 'UserSignedIn', data: { userId, surface: 'v1', at: at(LOCK_MS + 6).toISOString() } });
  });

  it('given old failures more than 10 minutes ago, when the password is wrong, then the count starts again at one', () => {
    spec.given(registered, failed(0, 4)).when(signIn(LOCK_MS + 1, false)).thenRefused('invalid_credentials', failed(LOCK_MS + 1, 1));
  });

  it('given a success after failures, when the password is wrong, then the count starts again at one', () => {
    spec
      .given(registered, failed(1, 3), { type: 'UserSignedIn', data: { userId, surface: 'v1', at: at(2).toISOString() } })
      .when(signIn(3, false))
      .thenRefused('invalid_credentials', failed(3, 1));
  });

  it('given a disabled user, when the right password arrives, then it is refused as disabled and recorded', () => {
    spec
      .given(registered, { type: 'UserDisabled', data: { userId, at: at(1).toISOString() } })
      .when(signIn(2, true))
      .thenRefused('account_disabled', failed(2, 0, 'disabled'));
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
      .when(signIn(20, true))
      .thenRefused('account_disabled', failed(20, 0, 'disabled'));
  });

  it('given an unbound user, when a unionid is bound, then UserWechatBound', () => {
    spec.given(registered).when({ type: 'BindWechat', unionId: 'u1', replace: false, now }).then(bound('u1', null));
  });

  it('given a user bound to another unionid, when bound without replace, then refused with 400; with replace, rebound', () => {
    const error = spec.given(registered, bound('u1', null)).when({ type: 'BindWechat', unionId: 'u2', replace: false, now }).thenRefused('already_exists');
    assert.equal(error.details?.insightCode, 400);
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
