import assert from 'node:assert/strict';
import { bizAddressRefusal, bizCallback, componentCallback } from '../../src/commands/wxcomponent/callbacks';
import { decidePasswordChange, decideRename, passwordChangeDecider, renameDecider } from '../../src/commands/wxcomponent/credentials';
import { ruleClaims, ruleDecider, type RuleEvent, type RuleFields } from '../../src/commands/wxcomponent/rules';
import { DomainError } from '../../src/commands/domain-error';
import type { IdentityEvent } from '../../src/commands/identity/events';
import { refreshDueAt, LEAD_MS, SPREAD_MS } from '../../src/commands/wxcomponent/refresh';
import { deciderSpec } from '../support/decider-spec';

const now = new Date('2026-01-01T00:00:00Z');
const at = now.toISOString();
const texts: RuleFields = { name: 'texts', type: 2, infoType: '', msgType: 'text', event: '', open: true, data: { port: 8080, path: '/wx' } };
const spec = deciderSpec(ruleDecider);

describe('wxcomponent forwarding rules (decider)', () => {
  it('given nothing, when a rule is added, then it is recorded with its id', () => {
    spec.given().when({ type: 'AddRule', id: 3, fields: texts, now }).then({ type: 'ProxyRuleAdded', data: { ...texts, id: 3, at } });
  });
  it('refuses a component rule without infoType and a message rule without msgType', () => {
    spec.given().when({ type: 'AddRule', id: 1, fields: { ...texts, type: 1, msgType: '' }, now }).thenRefused('validation_failed');
    spec.given().when({ type: 'AddRule', id: 1, fields: { ...texts, msgType: '' }, now }).thenRefused('validation_failed');
  });
  it('given a deleted rule, when it is updated or deleted again, then it is not found', () => {
    const history: RuleEvent[] = [{ type: 'ProxyRuleAdded', data: { ...texts, id: 1, at } }, { type: 'ProxyRuleDeleted', data: { id: 1, at } }];
    spec.given(...history).when({ type: 'UpdateRule', fields: texts, now }).thenRefused('not_found');
    spec.given(...history).when({ type: 'DeleteRule', now }).thenRefused('not_found');
  });
  it('claims the (infoType, msgType, event) triple on add, moves it on update, releases it on delete', () => {
    const added: RuleEvent = { type: 'ProxyRuleAdded', data: { ...texts, id: 1, at } };
    const state = ruleDecider.evolve(ruleDecider.initialState(), added);
    assert.deepEqual(ruleClaims(ruleDecider.initialState(), [added]), { claims: [{ scope: 'wx-proxy-rule', value: '["","text",""]' }] });
    const moved = ruleClaims(state, [{ type: 'ProxyRuleUpdated', data: { ...texts, msgType: 'image', id: 1, at } }]);
    assert.deepEqual(moved, { claims: [{ scope: 'wx-proxy-rule', value: '["","image",""]' }], releases: [{ scope: 'wx-proxy-rule', value: '["","text",""]' }] });
    assert.deepEqual(ruleClaims(state, [{ type: 'ProxyRuleUpdated', data: { ...texts, name: 'renamed', id: 1, at } }]), {}, 'same match: nothing to move');
    assert.deepEqual(ruleClaims(state, [{ type: 'ProxyRuleDeleted', data: { id: 1, at } }]), { releases: [{ scope: 'wx-proxy-rule', value: '["","text",""]' }] });
  });
});

describe('wxcomponent callbacks (pure classification)', () => {
  const seal = (s: string) => `sealed(${s.length})`;
  it('keys a component push by AppId, InfoType, CreateTime and authorizer, and seals the ticket out of postBody', () => {
    const { event, claim } = componentCallback({ AppId: 'wxa', CreateTime: '1640227657', InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@x' }, now, seal);
    assert.deepEqual(claim, { scope: 'wx-component-callback', value: 'wxa|component_verify_ticket|1640227657|' });
    assert.equal(event.type, 'WxComponentCallbackReceived');
    if (event.type !== 'WxComponentCallbackReceived') return;
    assert.equal(event.data.sealedTicket, 'sealed(10)');
    assert.deepEqual(JSON.parse(event.data.postBody), { AppId: 'wxa', CreateTime: 1640227657, InfoType: 'component_verify_ticket', ComponentVerifyTicket: '[sealed]' });
  });
  it('keys messages by MsgId and events by sender + CreateTime + event', () => {
    assert.equal(bizCallback('wxb', { ToUserName: 'gh', FromUserName: 'o1', CreateTime: '1', MsgType: 'text', MsgId: '9' }, now).claim.value, 'msg|wxb|9');
    assert.equal(bizCallback('wxb', { ToUserName: 'gh', FromUserName: 'o1', CreateTime: '1', MsgType: 'event', Event: 'subscribe' }, now).claim.value, 'event|wxb|o1|1|subscribe');
  });
  it('refuses pushes missing what identifies them', () => {
    assert.throws(() => componentCallback({ AppId: 'wxa', CreateTime: 'x', InfoType: 'a' }, now, seal), DomainError);
    assert.throws(() => componentCallback({ AppId: 'wxa', CreateTime: '1', InfoType: 'authorized', AuthorizerAppid: 'wxb' }, now, seal), DomainError);
    assert.throws(() => bizCallback('wxb', { ToUserName: 'gh', CreateTime: '1', MsgType: 'text' }, now), DomainError);
  });
});

describe('wxcomponent administrator credentials (decider over the identity stream)', () => {
  const registered: IdentityEvent = {
    type: 'UserRegistered',
    data: { userId: 'u1', account: 'root', name: 'R', mobile: null, email: null, headImg: null, tenantId: null, builtin: true, roles: ['admin'], sealedPasswordMd5: 'old', registeredAt: at },
  };
  const state = [registered].reduce(passwordChangeDecider.evolve, passwordChangeDecider.initialState());
  it('changes the password only when the old one matches (refused as admin_password_wrong otherwise)', () => {
    const ok = decidePasswordChange({ type: 'ChangePassword', currentMatches: (s) => s === 'old', sealedPasswordMd5: 'new', now }, state);
    assert.deepEqual(ok.events, [{ type: 'UserPasswordChanged', data: { userId: 'u1', sealedPasswordMd5: 'new', changedAt: at } }]);
    const bad = decidePasswordChange({ type: 'ChangePassword', currentMatches: () => false, sealedPasswordMd5: 'new', now }, state);
    assert.equal(bad.error?.reason, 'admin_password_wrong');
    assert.deepEqual(bad.events, []);
  });
  it('renames, and the new name is what the state then holds', () => {
    const d = decideRename({ type: 'RenameAccount', account: 'ops', now }, state);
    assert.deepEqual(d.events, [{ type: 'UserAccountRenamed', data: { userId: 'u1', account: 'ops', previousAccount: 'root', at } }]);
    assert.equal(d.events.reduce(renameDecider.evolve, state).profile?.account, 'ops');
    assert.deepEqual(decideRename({ type: 'RenameAccount', account: 'root', now }, state).events, [], 'same name: nothing to record');
    assert.equal(decideRename({ type: 'RenameAccount', account: 'bad name!', now }, state).error?.code, 'validation_failed');
  });
});

describe('token refresh schedule', () => {
  it('refreshes 20–30 minutes before expiry, and at once (spread) when there is no token', () => {
    const t = Date.parse(at);
    const due = refreshDueAt('authorizer-wxabc', t + 7_200_000, t);
    assert.ok(due <= t + 7_200_000 - LEAD_MS && due > t + 7_200_000 - LEAD_MS - SPREAD_MS);
    assert.equal(refreshDueAt('authorizer-wxabc', t + 60_000, t), t, 'already due: now');
    assert.ok(refreshDueAt('authorizer-wxabc', null, t) < t + SPREAD_MS);
  });
});

describe('wxcomponent biz callbacks: the URL appid bound to the message', () => {
  const known = [
    { appid: 'wxA', userName: 'gh_a' },
    { appid: 'wxB', userName: 'gh_b' },
  ];
  it('takes a message addressed to the account the URL names', () => {
    assert.equal(bizAddressRefusal('wxA', 'gh_a', known), null);
  });
  it("refuses A's message posted to B's URL, and a message for an unknown account posted to a known one", () => {
    assert.ok(bizAddressRefusal('wxB', 'gh_a', known));
    assert.ok(bizAddressRefusal('wxA', 'gh_unknown', known));
  });
  it("refuses a known account's message posted to the URL of an account not yet known", () => {
    assert.ok(bizAddressRefusal('wxC', 'gh_a', known));
  });
  it('takes an unknown account at the URL\'s word until its authorization is recorded', () => {
    assert.equal(bizAddressRefusal('wxC', 'gh_c', known), null);
  });
});
