import { appDecider } from '../../src/commands/applications/decider';
import type { AppEvent } from '../../src/commands/applications/decider';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(appDecider);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const appId = 'e'.repeat(32);
const settings = { name: 'Console', tokenMode: 'exclusive' as const, tokenLifeMs: 7_200_000, autoRefresh: false };
const registered: AppEvent = { type: 'AppRegistered', data: { appId, ...settings, registeredAt: t0.toISOString() } };

describe('applications', () => {
  it('given nothing, when registered, then AppRegistered', () => {
    spec.given().when({ type: 'RegisterApp', appId, ...settings, now: t0 }).then(registered);
  });
  it('given the app, when registered again, then refused', () => {
    spec.given(registered).when({ type: 'RegisterApp', appId, ...settings, now: t0 }).thenRefused('already_exists');
  });
  it('given the app, when its settings change, then AppSettingsChanged; the same settings record nothing', () => {
    spec
      .given(registered)
      .when({ type: 'ChangeAppSettings', ...settings, tokenMode: 'shared', now: t0 })
      .then({ type: 'AppSettingsChanged', data: { appId, ...settings, tokenMode: 'shared', at: t0.toISOString() } });
    spec.given(registered).when({ type: 'ChangeAppSettings', ...settings, now: t0 }).then();
  });
  it('given no app, when its settings change, then not found', () => {
    spec.given().when({ type: 'ChangeAppSettings', ...settings, now: t0 }).thenRefused('not_found');
  });
});
