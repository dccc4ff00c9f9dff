import assert from 'node:assert/strict';
import { DomainError } from '../../src/commands/domain-error';
import { insightEnvelope } from '../../src/api/envelopes/insight';
import { defineRoute } from '../../src/api/route';
import type { Surface } from '../../src/api/surface';
import { call, startTestApp, type TestApp } from './support';

/** A surface's `before` hook runs after the route matched and before its security scheme and body. */
describe("Surface: the 'before' hook", () => {
  const seen: string[] = [];
  let app: TestApp;

  const surface: Surface = {
    name: 'hooked',
    prefix: '/hooked',
    envelope: insightEnvelope,
    securitySchemes: {
      key: {
        openapi: { type: 'apiKey', in: 'header', name: 'x-key' },
        authenticate(ctx) {
          seen.push('authenticate');
          if (ctx.get('x-key') !== 'k') throw new DomainError('unauthenticated', 'no key');
        },
      },
    },
    defaultSecurity: 'key',
    async before(ctx, route) {
      seen.push(`before ${route.template}`);
      if (ctx.get('x-refuse')) throw new DomainError('rate_limited', 'slow down', { insightCode: 490 });
      if (ctx.get('x-peek')) {
        await route.readBody();
        seen.push(`body ${JSON.stringify(ctx.request.body)}`);
      }
    },
    routes: [
      defineRoute<{ body: { n: number } }>({
        method: 'post',
        path: '/items/:id',
        summary: 'Echo',
        tags: ['t'],
        request: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } },
        responses: { 200: { description: 'Echo' } },
        handler: (ctx) => {
          seen.push('handler');
          return ctx.request.body;
        },
      }),
    ],
  };

  before(async () => {
    app = await startTestApp({ surfaces: [surface] });
  });
  after(async () => {
    await app?.stop();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('runs before the security scheme and the handler, with the matched template', async () => {
    const res = await call(`${app.url}/hooked/items/7`, { method: 'POST', json: { n: 1 }, headers: { 'x-key': 'k' } });
    assert.deepEqual(res.json.data, { n: 1 });
    assert.deepEqual(seen, ['before /hooked/items/:id', 'authenticate', 'handler']);
  });

  it('refuses in the surface envelope, before authentication is even tried', async () => {
    const res = await call(`${app.url}/hooked/items/7`, { method: 'POST', json: { n: 1 }, headers: { 'x-refuse': '1' } });
    assert.equal(res.json.code, 490);
    assert.deepEqual(seen, ['before /hooked/items/:id']);
  });

  it('may read the body, which the route then reuses', async () => {
    const res = await call(`${app.url}/hooked/items/7`, { method: 'POST', json: { n: 2 }, headers: { 'x-key': 'k', 'x-peek': '1' } });
    assert.deepEqual(res.json.data, { n: 2 });
    assert.deepEqual(seen, ['before /hooked/items/:id', 'body {"n":2}', 'authenticate', 'handler']);
  });

  it('does not run for paths no route matches', async () => {
    const res = await call(`${app.url}/hooked/nothing`, { headers: { 'x-key': 'k' } });
    assert.equal(res.json.code, 400);
    assert.deepEqual(seen, []);
  });
});
