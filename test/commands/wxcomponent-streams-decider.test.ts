import assert from 'node:assert/strict';
import { callbackDecider } from '../../src/commands/wxcomponent/callback-decider';
import type { AuthorizerEvent, AuthorizerProfile, CallbackEvent, CallbackReceivedEvent } from '../../src/commands/wxcomponent/events';
import { settingsDecider } from '../../src/commands/wxcomponent/settings-decider';
import { authorizerDecider, componentTokenDecider } from '../../src/commands/wxcomponent/token-decider';
import { deciderSpec } from '../support/decider-spec';

const now = new Date('2026-01-01T00:00:00Z');
const at = now.toISOString();
const later = new Date('2026-01-01T02:00:00Z');

describe('wxcomponent callback streams (decider)', () => {
  const spec = deciderSpec(callbackDecider);
  const pushed: CallbackReceivedEvent = {
    type: 'WxBizCallbackReceived',
    data: { appid: 'wxb', toUserName: 'gh', fromUserName: 'o1', msgType: 'text', event: '', createTime: 1, msgId: '9', receivedAt: at, postBody: '{}' },
  };
  const forward = { callbackEventId: 'e1', ruleId: 3, mode: 'inline' as const };

  it('given nothing, when a push is recorded, then it is recorded as received', () => {
    spec.given().when({ type: 'RecordCallback', event: pushed }).then(pushed);
  });
  it('given the push recorded, when its retry is recorded, then it is refused and nothing is added', () => {
    spec.given(pushed).when({ type: 'RecordCallback', event: pushed }).thenRefused('already_exists');
  });
  it('given the push recorded, forwardings are recorded with the time passed in', () => {
    spec.given(pushed).when({ type: 'RecordForwarded', forward, status: 200, ms: 12, now }).then({ type: 'WxCallbackForwarded', data: { ...forward, status: 200, ms: 12, at } });
    spec
      .given(pushed)
      .when({ type: 'RecordForwardFailed', forward: { ...forward, mode: 'async' }, reason: 'target answered HTTP 500', attempt: 5, final: true, now })
      .then({ type: 'WxCallbackForwardFailed', data: { ...forward, mode: 'async', reason: 'target answered HTTP 500', attempt: 5, final: true, at } });
  });
  it('given no push, a forwarding cannot be recorded', () => {
    spec.given().when({ type: 'RecordForwarded', forward, status: 200, ms: 1, now }).thenRefused('not_found');
  });
  it('given a push forwarded once, it is still recorded (a retry is refused)', () => {
    const forwarded: CallbackEvent = { type: 'WxCallbackForwarded', data: { ...forward, status: 200, ms: 1, at } };
    spec.given(pushed, forwarded).when({ type: 'RecordCallback', event: pushed }).thenRefused('already_exists');
  });
});

describe('wxcomponent settings stream (decider)', () => {
  const spec = deciderSpec(settingsDecider);
  it('records each change as given, with the time passed in', () => {
    spec.given().when({ type: 'ChangeComponentSecret', sealedSecret: 'sealed(s)', now }).then({ type: 'ComponentSecretChanged', data: { sealedSecret: 'sealed(s)', at } });
    spec
      .given()
      .when({ type: 'ChangeComponentInfo', info: { name: 'n', desc: 'd', redirectUrl: 'https://x' }, now })
      .then({ type: 'ComponentInfoChanged', data: { name: 'n', desc: 'd', redirectUrl: 'https://x', at } });
    spec.given().when({ type: 'ChangeProxyConfig', proxy: { open: true, port: 9000 }, now }).then({ type: 'ProxyConfigChanged', data: { open: true, port: 9000, at } });
  });
  it('folds to the newest of each setting: the last write wins', () => {
    const state = [
      { type: 'ComponentSecretChanged' as const, data: { sealedSecret: 'first', at } },
      { type: 'ProxyConfigChanged' as const, data: { open: true, port: 9000, at } },
      { type: 'ComponentSecretChanged' as const, data: { sealedSecret: 'second', at } },
    ].reduce(settingsDecider.evolve, settingsDecider.initialState());
    assert.deepEqual(state, { info: { name: '', desc: '', redirectUrl: '' }, sealedSecret: 'second', proxy: { open: true, port: 9000 } });
    assert.deepEqual(settingsDecider.initialState().proxy, { open: false, port: 8082 }, "the original's default port");
  });
});

describe('wxcomponent token streams (deciders)', () => {
  it('records a component access token with its expiry', () => {
    deciderSpec(componentTokenDecider)
      .given()
      .when({ type: 'RecordComponentAccessToken', sealedToken: 'sealed(t)', expiresAt: later, now })
      .then({ type: 'ComponentAccessTokenRefreshed', data: { sealedToken: 'sealed(t)', expiresAt: later.toISOString(), at } });
  });

  const spec = deciderSpec(authorizerDecider);
  const profile: AuthorizerProfile = { appType: 0, serviceType: 2, nickName: 'n', userName: 'gh_a', headImg: '', qrcodeUrl: '', principalName: 'p', verifyInfo: 0, funcInfo: '|1' };
  const authorized: AuthorizerEvent = {
    type: 'AuthorizerAuthorized',
    data: { appid: 'wxa', source: 'authorized', profile, sealedRefreshToken: 'r1', sealedAccessToken: 'a1', accessTokenExpiresAt: later.toISOString(), authTime: at },
  };
  const refresh = { type: 'RecordAuthorizerTokenRefresh' as const, appid: 'wxa', refreshedWith: 'r1', sealedAccessToken: 'a2', sealedRefreshToken: 'r2', expiresAt: later, now };

  it('records an authorization with its times passed in', () => {
    spec
      .given()
      .when({ type: 'RecordAuthorization', appid: 'wxa', source: 'authorized', profile, sealedRefreshToken: 'r1', sealedAccessToken: 'a1', accessTokenExpiresAt: later, authTime: now })
      .then(authorized);
  });
  it('given an authorizer, a refresh made with its current refresh token is recorded', () => {
    spec.given(authorized).when(refresh).then({ type: 'AuthorizerTokenRefreshed', data: { appid: 'wxa', sealedAccessToken: 'a2', sealedRefreshToken: 'r2', expiresAt: later.toISOString(), at } });
  });
  it('given a re-authorisation after the refresh token was read, the refresh loses (conflict) and adds nothing', () => {
    const again: AuthorizerEvent = { ...authorized, data: { ...authorized.data, source: 'updateauthorized', sealedRefreshToken: 'r9' } };
    spec.given(authorized, again).when(refresh).thenRefused('conflict');
  });
  it('given a refresh already recorded, a second refresh made with the old refresh token loses', () => {
    const refreshed: AuthorizerEvent = { type: 'AuthorizerTokenRefreshed', data: { appid: 'wxa', sealedAccessToken: 'a2', sealedRefreshToken: 'r2', expiresAt: later.toISOString(), at } };
    spec.given(authorized, refreshed).when(refresh).thenRefused('conflict');
    spec.given(authorized, refreshed).when({ ...refresh, refreshedWith: 'r2' }).then({ type: 'AuthorizerTokenRefreshed', data: { ...refreshed.data } });
  });
  it('given nothing, or an account that took its authorization back, a refresh is not_found', () => {
    spec.given().when(refresh).thenRefused('not_found');
    spec.given(authorized, { type: 'AuthorizerUnauthorized', data: { appid: 'wxa', at } }).when(refresh).thenRefused('not_found');
  });
  it('records an unauthorization once: a second one adds nothing', () => {
    const gone: AuthorizerEvent = { type: 'AuthorizerUnauthorized', data: { appid: 'wxa', at } };
    spec.given(authorized).when({ type: 'RecordUnauthorization', appid: 'wxa', now }).then(gone);
    spec.given(authorized, gone).when({ type: 'RecordUnauthorization', appid: 'wxa', now }).then();
  });
});
