import assert from 'node:assert/strict';
import type { DomainErrorCode } from '../../src/commands/domain-error';
import {
  base,
  call,
  capturedLogger,
  expectRefusal,
  refusalMessage,
  SECRET_IN_CRASH,
  startTestApp,
  surfaceNames,
  type ExpectedRefusal,
  type TestApp,
} from './support';

/** The contract with each existing client base: what a domain refusal looks like on the wire. */
const domainRefusals: Array<[DomainErrorCode, ExpectedRefusal]> = [
  ['validation_failed', { insight: 430, laravel: 422, wxcomponent: 1001, bitanswer: 400, v1: { status: 422, code: 'validation_failed' } }],
  ['not_found', { insight: 414, laravel: 404, wxcomponent: 1001, bitanswer: 404, v1: { status: 404, code: 'not_found' } }],
  ['unauthenticated', { insight: 421, laravel: 401, wxcomponent: 1004, bitanswer: 401, v1: { status: 401, code: 'unauthenticated' } }],
  ['token_expired', { insight: 422, laravel: 401, wxcomponent: 1003, bitanswer: 401, v1: { status: 401, code: 'token_expired' } }],
  ['forbidden', { insight: 403, laravel: 403, wxcomponent: 1000, bitanswer: 403, v1: { status: 403, code: 'forbidden' } }],
  ['invalid_credentials', { insight: 420, laravel: 400, wxcomponent: 1006, bitanswer: 401, v1: { status: 401, code: 'invalid_credentials' } }],
  ['account_disabled', { insight: 413, laravel: 403, wxcomponent: 1006, bitanswer: 403, v1: { status: 403, code: 'account_disabled' } }],
  ['account_locked', { insight: 400, laravel: 403, wxcomponent: 1011, bitanswer: 403, v1: { status: 429, code: 'account_locked' } }],
  ['rate_limited', { insight: 490, laravel: 429, wxcomponent: 1011, bitanswer: 429, v1: { status: 429, code: 'rate_limited' } }],
  ['conflict', { insight: 400, laravel: 409, wxcomponent: 1001, bitanswer: 409, v1: { status: 409, code: 'conflict' } }],
  ['already_exists', { insight: 400, laravel: 409, wxcomponent: 1001, bitanswer: 409, v1: { status: 409, code: 'already_exists' } }],
  ['upstream_failed', { insight: 400, laravel: 502, wxcomponent: 1002, bitanswer: 502, v1: { status: 502, code: 'upstream_failed' } }],
  ['unavailable', { insight: 503, laravel: 503, wxcomponent: 1002, bitanswer: 503, v1: { status: 503, code: 'unavailable' } }],
  ['internal', { insight: 500, laravel: 500, wxcomponent: 1002, bitanswer: 500, v1: { status: 500, code: 'internal' } }],
];

const unknownRoute = { insight: 400, laravel: 404, wxcomponent: 1010, bitanswer: 404, v1: { status: 404, code: 'route_not_found' } };
const wrongMethod = { insight: 400, laravel: 405, wxcomponent: 1010, bitanswer: 405, v1: { status: 405, code: 'method_not_allowed' } };
const crash = { insight: 500, laravel: 500, wxcomponent: 1002, bitanswer: 500, v1: { status: 500, code: 'internal' } };
const unauthenticated = domainRefusals.find(([code]) => code === 'unauthenticated')![1];

describe('Envelopes: each surface answers refusals the way its existing clients expect', () => {
  const log = capturedLogger('info');
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ logger: log.logger });
  });
  after(() => app.stop());

  for (const name of surfaceNames) {
    describe(`${name} (${base[name]})`, () => {
      const url = (path: string) => `${app.url}${base[name]}${path}`;

      for (const [code, expected] of domainRefusals) {
        it(`maps DomainError "${code}" to its code and status`, async () => {
          const answer = await call(url(`/refusals/${code}`));
          expectRefusal(name, answer, expected);
          const fixedWording = code === 'internal' || code === 'unavailable' || (name === 'laravel' && code === 'forbidden');
          if (!fixedWording) assert.match(refusalMessage(answer), new RegExp(`refused with ${code}`));
        });
      }

      it('answers a path it owns but does not serve with its own "not found"', async () => {
        const answer = await call(url('/no/such/thing'));
        expectRefusal(name, answer, unknownRoute);
      });

      it('answers a method the path does not take with its own "not allowed", listing the allowed ones', async () => {
        const answer = await call(url('/things'), { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/json' } });
        expectRefusal(name, answer, wrongMethod);
        if (name !== 'insight' && name !== 'wxcomponent') assert.equal(answer.headers.get('allow'), 'POST, DELETE, OPTIONS');
      });

      it('answers OPTIONS with the allowed methods', async () => {
        const answer = await call(url('/things/1'), { method: 'OPTIONS' });
        assert.equal(answer.status, 204);
        assert.deepEqual(answer.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT']);
      });

      it('answers HEAD on a GET route with the headers and no body', async () => {
        const answer = await call(url('/things/1'), { method: 'HEAD' });
        assert.equal(answer.status, 200);
        assert.equal(answer.text, '');
        assert.match(answer.headers.get('content-type') ?? '', /json/);
      });

      it('serves a route without parameters (found by exact path) with a trailing slash and under HEAD too, and still runs its security scheme', async () => {
        const key = { 'x-test-key': 'open-sesame' };
        assert.match((await call(url('/secured/'), { headers: key })).text, /key holder/);
        const head = await call(url('/secured'), { method: 'HEAD', headers: key });
        assert.equal(head.status, 200);
        assert.equal(head.text, '');
        expectRefusal(name, await call(url('/secured/')), unauthenticated);
      });

      it('answers a bug generically: no message, no stack, and logs it with the request id', async () => {
        const answer = await call(url('/crash'), { headers: { 'x-request-id': `crash-${name}` } });
        expectRefusal(name, answer, crash);
        assert.ok(!answer.text.includes('hunter2') && !answer.text.includes('s3cret'), answer.text);
        assert.ok(!refusalMessage(answer).includes(SECRET_IN_CRASH));
        const logged = log.records().find((r) => r.requestId === `crash-${name}` && r.msg === 'unexpected error');
        assert.ok(logged, 'the crash is logged with its request id');
        assert.equal((logged.err as { message: string }).message, SECRET_IN_CRASH);
        assert.match((logged.err as { stack: string }).stack, /support\.ts/);
      });

      it('runs a route’s security scheme before its handler', async () => {
        const refused = await call(url('/secured'));
        expectRefusal(name, refused, unauthenticated);
        const allowed = await call(url('/secured'), { headers: { 'x-test-key': 'open-sesame' } });
        assert.equal(allowed.status, 200);
        assert.match(allowed.text, /key holder/);
      });
    });
  }

  it('lets an Insight refusal name its exact result code (details.insightCode)', async () => {
    const answer = await call(`${app.url}/base/auth/v1.0/refusals/already_exists?insightCode=412`);
    assert.equal(answer.json.code, 412);
    assert.equal(answer.json.success, false);
  });

  it('lets a wxcomponent refusal name its exact code (details.wxCode), e.g. 1007 ticket empty', async () => {
    const answer = await call(`${app.url}/admin/refusals/not_found?wxCode=1007`);
    assert.equal(answer.json.code, 1007);
  });

  it('serves wxcomponent routes under both of its mount points and owns /wxcomponent and /auth', async () => {
    const direct = await call(`${app.url}/admin/things/5`);
    const original = await call(`${app.url}/wxcomponent/admin/things/5`);
    assert.deepEqual(direct.json, { code: 0, errorMsg: 'OK', data: { id: 5, idType: 'number', verbose: false } });
    assert.deepEqual(original.json, direct.json);
    for (const path of ['/wxcomponent/nothing', '/auth/nothing']) {
      expectRefusal('wxcomponent', await call(`${app.url}${path}`), unknownRoute);
    }
  });

  it('answers a path no surface owns with a problem+json 404', async () => {
    for (const path of ['/', '/nowhere', '/apix', '/base/auth', '/v2/things']) {
      expectRefusal('v1', await call(`${app.url}${path}`), unknownRoute);
    }
  });

  it('answers a Laravel 401 and 403 with the template’s wording', async () => {
    const forbidden = await call(`${app.url}/api/refusals/forbidden`);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json.message, '无权访问资源');
    const unauthorized = await call(`${app.url}/api/refusals/unauthenticated`);
    assert.equal(unauthorized.status, 401);
  });

  it('carries a /v1 refusal’s details as problem extension members, but not other surfaces’ steering codes', async () => {
    const answer = await call(`${app.url}/v1/refusals/account_locked?insightCode=400&wxCode=1011&lockedUntil=2030-01-01T00:10:00Z`);
    assert.equal(answer.json.code, 'account_locked');
    assert.equal(answer.json.lockedUntil, '2030-01-01T00:10:00Z');
    assert.equal(answer.json.insightCode, undefined);
    assert.equal(answer.json.wxCode, undefined);
  });

  it('answers a /v1 401 with a Bearer challenge', async () => {
    const answer = await call(`${app.url}/v1/refusals/unauthenticated`);
    assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
  });
});
