import assert from 'node:assert/strict';
import { matchLiveConfig, type LiveConfig, type LiveConfigSet } from '../../src/gateway/live-configs';

const config = (method: string, url: string): LiveConfig => ({
  id: `${method} ${url}`,
  method,
  url,
  authCode: null,
  verify: false,
  limit: false,
  limitGap: null,
  limitCycle: null,
  limitMax: null,
  message: null,
});
const setOf = (...configs: LiveConfig[]): LiveConfigSet => ({
  exact: new Map(configs.filter((c) => !c.url.includes('{')).map((c) => [`${c.method} ${c.url}`, c])),
  patterns: configs.filter((c) => c.url.includes('{')),
});

describe('live configs: which config governs a request', () => {
  const set = setOf(
    config('GET', '/base/user/v1.0/users/me'),
    config('GET', '/base/user/v1.0/users/{id}'),
    config('GET', '/base/user/v1.0/{kind}/{id}'),
    config('PUT', '/base/user/v1.0/users/{id}'),
    config('GET', '/base/a.b/{version}/x'),
  );
  const match = (method: string, path: string) => matchLiveConfig(set, method, path)?.url ?? null;

  it('given an exact config and a pattern, when the exact URL is asked, then the exact one governs', () => {
    assert.equal(match('GET', '/base/user/v1.0/users/me'), '/base/user/v1.0/users/me');
  });

  it('given two patterns, when both match, then the one with more literal text governs', () => {
    assert.equal(match('GET', '/base/user/v1.0/users/42'), '/base/user/v1.0/users/{id}');
    assert.equal(match('GET', '/base/user/v1.0/depts/42'), '/base/user/v1.0/{kind}/{id}');
  });

  it('when {x} would have to span a slash, an empty segment, or the method differs, then nothing matches', () => {
    assert.equal(match('GET', '/base/user/v1.0/users/42/roles'), null);
    assert.equal(match('GET', '/base/user/v1.0/users/'), null);
    assert.equal(match('DELETE', '/base/user/v1.0/users/42'), null);
    assert.equal(match('put', '/base/user/v1.0/users/42'), '/base/user/v1.0/users/{id}', 'methods are case-insensitive');
  });

  it('takes the rest of a URL literally: a dot is not a wildcard', () => {
    assert.equal(match('GET', '/base/a.b/v1.0/x'), '/base/a.b/{version}/x');
    assert.equal(match('GET', '/base/aXb/v1.0/x'), null);
  });
});
