import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { problemDetailsEnvelope } from '../../src/api/envelopes/problem-details';
import { canonicalPath } from '../../src/api/request-path';
import { defineRoute, type Route } from '../../src/api/route';
import { isUnder, type Surface } from '../../src/api/surface';
import { routePathBuilder, surfaceMiddleware } from '../../src/api/surface-router';
import { startTestApp, type TestApp } from './support';

describe('the canonical request path', () => {
  const cases: Array<[string, string]> = [
    ['/api/users', '/api/users'],
    ['/api/users/', '/api/users'],
    ['/api//users//', '/api/users'],
    ['//api/users', '/api/users'],
    ['/api/./users', '/api/users'],
    ['/api/x/../users', '/api/users'],
    ['/api/users/.', '/api/users'],
    ['/../../api/users', '/api/users'],
    ['/api/%75sers', '/api/users'],
    ['/api/%2e%2e/v1/users', '/v1/users'],
    ['/api/%7E%2D%5F%2E0', '/api/~-_.0'],
    ['/api/a%2fb', '/api/a%2Fb'],
    ['/api/a%20b', '/api/a%20b'],
    ['/api/100%', '/api/100%'],
    ['/api/%zz', '/api/%zz'],
    ['/api/USERS', '/api/USERS'],
    ['/.well-known/x', '/.well-known/x'],
    ['/', '/'],
    ['/..', '/'],
  ];
  for (const [raw, canonical] of cases) {
    it(`given ${raw}, then ${canonical}`, () => assert.equal(canonicalPath(raw), canonical));
  }

  it('is its own fixed point: a canonical path is returned as it is', () => {
    for (const [, canonical] of cases) assert.equal(canonicalPath(canonical), canonical);
  });

  it('an escaped slash stays one segment: a parameter can never become a path', () => {
    assert.equal(canonicalPath('/api/users/a%2F..%2F..%2Fv1'), '/api/users/a%2F..%2F..%2Fv1');
  });
});

describe('surface ownership and the matched route path', () => {
  it('a prefix owns every letter case of itself and of the paths below it, segment-wise', () => {
    assert.ok(isUnder('/API/users', '/api'));
    assert.ok(isUnder('/Base/Auth/V1.0', '/base/auth/v1.0'));
    assert.ok(!isUnder('/APIX', '/api'));
    assert.ok(!isUnder('/ap', '/api'));
  });

  it('the route path is the template with the parameters as sent (still escaped)', () => {
    assert.equal(routePathBuilder('/api/rbac/roles/:username')(['Bob%2Fx']), '/api/rbac/roles/Bob%2Fx');
    assert.equal(routePathBuilder('/v1/apps/:appId/users/:userId/roles')(['a1', 'U2']), '/v1/apps/a1/users/U2/roles');
    assert.equal(routePathBuilder('/api/users')(undefined), '/api/users');
  });

  it('refuses at startup two literal templates one letter case apart, which the router could not tell apart', () => {
    const route = (path: string): Route => defineRoute({ method: 'get', path, summary: path, tags: ['t'], responses: { 200: { description: 'ok' } }, handler: () => null });
    const surface: Surface = { name: 'clash', prefix: '/clash', envelope: problemDetailsEnvelope, routes: [route('/Users'), route('/users')] };
    assert.throws(() => surfaceMiddleware(surface, async () => {}), /differ only in letter case/);
  });
});

describe('the literal-route fast path and the router agree on every spelling', () => {
  let app: TestApp;
  const answering = (name: string, path: string): Route =>
    defineRoute({
      method: 'get',
      path,
      summary: name,
      tags: ['routing'],
      responses: { 200: { description: name } },
      handler: (ctx) => ({ route: name, template: ctx.state.route, routePath: ctx.state.routePath, params: ctx.params }),
    });
  const surface: Surface = {
    name: 'spelling',
    prefix: '/spelling',
    envelope: problemDetailsEnvelope,
    routes: [answering('one echo', '/echo/:id'), answering('me', '/echo/me'), answering('list', '/echo')],
  };
  const get = (path: string): Promise<{ status: number; body: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const url = new URL(app.url);
      httpRequest({ host: url.hostname, port: url.port, path }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      })
        .on('error', reject)
        .end();
    });

  before(async () => {
    app = await startTestApp({ surfaces: [surface] });
  });
  after(async () => {
    await app?.stop();
  });

  it('given a literal route, when asked by any spelling, then the same route answers with the same route path', async () => {
    for (const path of ['/spelling/echo/me', '/SPELLING/Echo/ME', '/spelling/echo/me/', '/spelling//echo/./me', '/spelling/%65cho/m%65', '/spelling/x/../echo/me']) {
      const res = await get(path);
      assert.deepEqual([res.status, res.body.route, res.body.routePath], [200, 'me', '/spelling/echo/me'], path);
    }
    assert.equal((await get('/SPELLING/ECHO')).body.routePath, '/spelling/echo');
  });

  it('given a parameter route, the literal text is the template’s and the parameter keeps its spelling', async () => {
    const res = await get('/Spelling/ECHO/MixedCase%2Fid/');
    assert.deepEqual([res.body.route, res.body.routePath, res.body.params], ['one echo', '/spelling/echo/MixedCase%2Fid', { id: 'MixedCase/id' }]);
  });
});
