import assert from 'node:assert/strict';
import { wechatAppDecider, type WechatAppEvent } from '../../src/commands/applications/decider';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(wechatAppDecider);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-02T00:00:00.000Z');
const weChatAppId = 'wx6821a080527d7751';
const configured = (sealedSecret: string, at: Date): WechatAppEvent => ({ type: 'WechatAppConfigured', data: { weChatAppId, sealedSecret, at: at.toISOString() } });

describe('WeChat apps (the secret for WeChat sign-in)', () => {
  it('given nothing, when configured, then WechatAppConfigured with the sealed secret', () => {
    spec.given().when({ type: 'ConfigureWechatApp', weChatAppId, sealedSecret: 'sealed-1', now: t0 }).then(configured('sealed-1', t0));
  });
  it('given a secret, when configured again, then the new one is recorded and is the one the state holds', () => {
    spec.given(configured('sealed-1', t0)).when({ type: 'ConfigureWechatApp', weChatAppId, sealedSecret: 'sealed-2', now: t1 }).then(configured('sealed-2', t1));
    const state = [configured('sealed-1', t0), configured('sealed-2', t1)].reduce(wechatAppDecider.evolve, wechatAppDecider.initialState());
    assert.deepEqual(state, { sealedSecret: 'sealed-2' });
  });
});
