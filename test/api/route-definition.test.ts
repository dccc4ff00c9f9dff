import assert from 'node:assert/strict';
import { createApp } from '../../src/api/app';
import { problemDetailsEnvelope } from '../../src/api/envelopes/problem-details';
import { defineRoute, type Route, type RouteDefinition } from '../../src/api/route';
import type { Surface } from '../../src/api/surface';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { testConfig } from './support';

const minimal: RouteDefinition = {
  method: 'get',
  path: '/x',
  summary: 'x',
  tags: ['x'],
  responses: { 200: { description: 'x' } },
  handler: () => null,
};

function appWith(surfaces: Surface[]) {
  const config = testConfig();
  return createApp({ config, logger: createLogger(config), metrics: createMetrics({ processMetrics: false }), surfaces, readiness: [] });
}

function surfaceWith(routes: Route[], extra: Partial<Surface> = {}): Surface {
  return { name: 'probe', prefix: '/v1', envelope: problemDetailsEnvelope, routes, ...extra };
}

describe('Route and surface definitions fail at startup, not on the first request', () => {
  it('refuses a schema with an unknown keyword (a typo would validate nothing)', () => {
    assert.throws(
      () => defineRoute({ ...minimal, request: { body: { type: 'object', requierd: ['name'] } } }),
      /GET \/x: body schema does not compile: .*requierd/,
    );
  });

  it('compiles a route built by a factory once per app, even when its schema has an $id', () => {
    const build = () => defineRoute({ ...minimal, request: { query: { $id: 'pageQuery', type: 'object', properties: { limit: { type: 'integer' } } } } });
    build();
    const query = { limit: '10' };
    assert.equal(build().validators.query?.(query), true);
    assert.deepEqual(query, { limit: 10 });
  });

  it('refuses a route that wants both a JSON body and a raw body', () => {
    assert.throws(() => defineRoute({ ...minimal, request: { body: { type: 'object' }, raw: { mediaTypes: ['text/xml'] } } }), /either JSON \(body\) or raw text/);
  });

  it('refuses a route without a documented response', () => {
    assert.throws(() => defineRoute({ ...minimal, responses: {} }), /document at least one response/);
  });

  it('refuses a route that names a security scheme its surface does not define', () => {
    assert.throws(() => appWith([surfaceWith([defineRoute({ ...minimal, security: 'admin' })])]), /names security "admin", which the surface does not define/);
  });

  it('refuses a route that names no security on a surface with schemes and no default (no route is public by accident)', () => {
    const securitySchemes = { admin: { openapi: { type: 'http', scheme: 'bearer' }, authenticate: () => {} } };
    assert.throws(() => appWith([surfaceWith([defineRoute(minimal)], { securitySchemes })]), /say security: 'none' for a public route/);
  });

  it('refuses two surfaces claiming the same path prefix', () => {
    assert.throws(() => appWith([surfaceWith([defineRoute(minimal)]), surfaceWith([defineRoute(minimal)], { name: 'other' })]), /both claim \/v1/);
  });

  it('refuses a surface mounted at the root without saying which paths it owns', () => {
    assert.throws(() => appWith([surfaceWith([defineRoute(minimal)], { prefix: ['', '/wxcomponent'] })]), /must say which paths it owns/);
  });

  it('refuses two routes on the same method and path', () => {
    assert.throws(() => appWith([surfaceWith([defineRoute(minimal), defineRoute({ ...minimal, summary: 'again' })])]), /duplicate operationId|defined twice/);
  });
});
