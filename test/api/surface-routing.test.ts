import assert from 'node:assert/strict';
import { problemDetailsEnvelope } from '../../src/api/envelopes/problem-details';
import { defineRoute, type Route } from '../../src/api/route';
import type { Surface } from '../../src/api/surface';
import { call, startTestApp, type TestApp } from './support';

/**
 * Which route answers a path, whether the surface finds it by its exact path or through the
 * router: the most specific route, the first declared among equals, with decoded parameters.
 */
describe('Surface routing', () => {
  let app: TestApp;

  const answering = (name: string, path: string): Route =>
    defineRoute({
      method: 'get',
      path,
      summary: name,
      tags: ['routing'],
      responses: { 200: { description: name } },
      handler: (ctx) => ({ route: name, params: ctx.params }),
    });

  const surface: Surface = {
    name: 'routing',
    prefix: '/routing',
    envelope: problemDetailsEnvelope,
    routes: [
      answering('one echo', '/echo/:id'),
      answering('me', '/echo/me'),
      answering('echo parts', '/echo/:id/parts'),
      // Two patterns that both match /things/list: the router takes the first declared.
      answering('any list', '/:kind/list'),
      answering('one thing', '/things/:name'),
    ],
  };

  before(async () => {
    app = await startTestApp({ surfaces: [surface] });
  });
  after(async () => {
    await app?.stop();
  });

  const get = async (path: string, method = 'GET') => {
    const res = await call(`${app.url}/routing${path}`, { method });
    return { status: res.status, data: res.json as { route: string; params: Record<string, string> } | undefined, allow: res.headers.get('allow') };
  };

  it('gives a last-segment parameter percent-decoded', async () => {
    assert.deepEqual((await get('/echo/a%20b%2Fc')).data, { route: 'one echo', params: { id: 'a b/c' } });
  });

  it('gives a malformed percent-encoding as sent, as the router does', async () => {
    assert.deepEqual((await get('/echo/100%')).data, { route: 'one echo', params: { id: '100%' } });
  });

  it('prefers the exact path to the parameter', async () => {
    assert.equal((await get('/echo/me')).data?.route, 'me');
  });

  it('routes longer and shorter paths to their own routes or refuses them', async () => {
    assert.deepEqual((await get('/echo/7/parts')).data, { route: 'echo parts', params: { id: '7' } });
    assert.equal((await get('/echo/')).status, 404);
    assert.equal((await get('/echo/7/parts/9')).status, 404);
  });

  it('lets the router choose where two patterns match the same path', async () => {
    assert.deepEqual((await get('/things/list')).data, { route: 'any list', params: { kind: 'things' } });
    assert.deepEqual((await get('/things/lamp')).data, { route: 'one thing', params: { name: 'lamp' } });
  });

  it('refuses another method with 405 and the methods allowed', async () => {
    const res = await get('/echo/7', 'POST');
    assert.equal(res.status, 405);
    assert.equal(res.allow, 'HEAD, GET, OPTIONS');
  });
});
