import assert from 'node:assert/strict';
import { call, startTestApp, testConfig, type TestApp } from './support';
import { createMetrics } from '../../src/observability/metrics';

describe('Operations endpoints and request identity', () => {
  describe('request ids', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.stop());

    it('echoes a sane incoming x-request-id and uses it as the correlation id of events', async () => {
      const answer = await call(`${app.url}/v1/whoami`, { headers: { 'x-request-id': 'abc-123_x.y' } });
      assert.equal(answer.headers.get('x-request-id'), 'abc-123_x.y');
      assert.equal(answer.json.correlationId, 'abc-123_x.y');
      assert.equal(answer.json.causationId, null);
    });

    it('replaces an unsafe or oversized x-request-id with a fresh UUID', async () => {
      for (const unsafe of ['a b', 'x'.repeat(129), '<script>', 'id;drop']) {
        const answer = await call(`${app.url}/healthz`, { headers: { 'x-request-id': unsafe } });
        assert.match(answer.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, unsafe);
      }
    });

    it('gives every request its own id when none is sent, even refused ones', async () => {
      const first = await call(`${app.url}/nowhere`);
      const second = await call(`${app.url}/nowhere`);
      assert.ok(first.headers.get('x-request-id'));
      assert.notEqual(first.headers.get('x-request-id'), second.headers.get('x-request-id'));
      assert.equal(first.json.requestId, first.headers.get('x-request-id'));
    });

    it('builds event metadata from the request: client ip, user agent, time', async () => {
      const before = Date.now();
      const answer = await call(`${app.url}/v1/whoami`, { headers: { 'user-agent': 'spec-client/1.0' } });
      assert.deepEqual(answer.json.actor, { kind: 'anonymous' });
      assert.equal(answer.json.clientIp, '127.0.0.1');
      assert.equal(answer.json.userAgent, 'spec-client/1.0');
      assert.ok(Date.parse(String(answer.json.time)) >= before - 1000);
    });

    it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
      const answer = await call(`${app.url}/v1/whoami`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(answer.json.clientIp, '127.0.0.1');
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
    it('takes the client address from the last X-Forwarded-For hop, the one the proxy added', async () => {
      const app = await startTestApp({ config: testConfig({ TRUST_PROXY: 'true' }) });
      try {
        const answer = await call(`${app.url}/v1/whoami`, { headers: { 'x-forwarded-for': '10.9.9.9, 203.0.113.9' } });
        assert.equal(answer.json.clientIp, '203.0.113.9');
        const garbage = await call(`${app.url}/v1/whoami`, { headers: { 'x-forwarded-for': '10.0.0.1, <script>' } });
        assert.equal(garbage.json.clientIp, '127.0.0.1', 'a forwarded value that is not an address falls back to the peer');
      } finally {
        await app.stop();
      }
    });
  });

  describe('GET /healthz', () => {
    it('answers 200 {status:"ok"} without touching any dependency', async () => {
      let checked = false;
      const app = await startTestApp({ readiness: [{ name: 'database', check: async () => void (checked = true) }] });
      try {
        const answer = await call(`${app.url}/healthz`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json, { status: 'ok' });
        assert.equal(checked, false);
      } finally {
        await app.stop();
      }
    });
  });

  describe('GET /readyz', () => {
    it('answers 200 when every check passes, naming each', async () => {
      const app = await startTestApp({
        readiness: [
          { name: 'database', check: async () => {} },
          { name: 'redis', check: async () => {} },
        ],
      });
      try {
        const answer = await call(`${app.url}/readyz`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json, { status: 'ready', checks: { database: 'ok', redis: 'ok' } });
      } finally {
        await app.stop();
      }
    });

    it('answers 503 naming the check that failed, without the secrets in its error', async () => {
      const app = await startTestApp({
        readiness: [
          { name: 'database', check: async () => {} },
          {
            name: 'redis',
            check: async () => {
              throw new Error('connect ECONNREFUSED redis://default:topsecret@10.0.0.5:6379\n    at Socket.connect');
            },
          },
        ],
      });
      try {
        const answer = await call(`${app.url}/readyz`);
        assert.equal(answer.status, 503);
        assert.equal(answer.json.status, 'unready');
        const checks = answer.json.checks as Record<string, string>;
        assert.equal(checks.database, 'ok');
        assert.match(checks.redis!, /^failed: connect ECONNREFUSED/);
        assert.ok(!answer.text.includes('topsecret'), answer.text);
        assert.ok(!answer.text.includes('Socket.connect'), answer.text);
      } finally {
        await app.stop();
      }
    });

    it('runs checks in parallel and fails one that hangs once its timeout passes', async () => {
      const app = await startTestApp({
        readinessTimeoutMs: 150,
        readiness: [
          { name: 'slow', check: () => new Promise((resolve) => setTimeout(resolve, 100)) },
          { name: 'also-slow', check: () => new Promise((resolve) => setTimeout(resolve, 100)) },
          { name: 'hung', check: () => new Promise(() => {}) },
        ],
      });
      try {
        const started = Date.now();
        const answer = await call(`${app.url}/readyz`);
        const elapsed = Date.now() - started;
        assert.equal(answer.status, 503);
        assert.deepEqual(answer.json.checks, { slow: 'ok', 'also-slow': 'ok', hung: 'failed: timed out after 150 ms' });
        assert.ok(elapsed < 1000, `took ${elapsed} ms`);
      } finally {
        await app.stop();
      }
    });
  });

  describe('GET /metrics', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ metrics: createMetrics() });
    });
    after(() => app.stop());

    it('serves Prometheus text with process metrics', async () => {
      const answer = await call(`${app.url}/metrics`);
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(answer.text, /^process_cpu_user_seconds_total/m);
    });

    it('labels requests by route template, never by the raw URL', async () => {
      for (const id of [11, 12, 13]) await call(`${app.url}/v1/things/${id}`);
      await call(`${app.url}/v1/no/such/path/999`);
      const answer = await call(`${app.url}/metrics`);
      assert.match(answer.text, /http_requests_total\{method="GET",route="\/v1\/things\/:id",status="200"\} 3/);
      assert.match(answer.text, /http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
      assert.match(answer.text, /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/things\/:id",status="200"\}/);
      const routeLabels = new Set([...answer.text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
      for (const label of routeLabels) assert.ok(['/metrics', '/v1/things/:id', 'unmatched'].includes(label!), `unexpected route label ${label}`);
    });

    it('lets other code register its own metrics on the same registry', async () => {
      const signIns = app.metrics.counter({ name: 'sign_ins_total', help: 'Sign-ins', labelNames: ['surface'] });
      assert.equal(app.metrics.counter({ name: 'sign_ins_total', help: 'Sign-ins', labelNames: ['surface'] }), signIns, 'registering twice returns the first');
      signIns.inc({ surface: 'insight' });
      app.metrics.gauge({ name: 'queue_depth', help: 'Jobs waiting' }).set(4);
      const answer = await call(`${app.url}/metrics`);
      assert.match(answer.text, /sign_ins_total\{surface="insight"\} 1/);
      assert.match(answer.text, /queue_depth 4/);
    });
  });

  describe('GET /openapi.json', () => {
    let app: TestApp;
    let doc: Record<string, any>;
    before(async () => {
      app = await startTestApp();
      doc = (await call(`${app.url}/openapi.json`)).json;
    });
    after(() => app.stop());

    it('is an OpenAPI 3.1 document listing every surface’s routes with {param} paths', () => {
      assert.equal(doc.openapi, '3.1.0');
      for (const path of ['/v1/things', '/v1/things/{id}', '/base/auth/v1.0/things/{id}', '/api/things', '/admin/things/{id}', '/wxcomponent/admin/things/{id}', '/bitanswer/api/things', '/healthz', '/readyz', '/metrics', '/openapi.json']) {
        assert.ok(doc.paths[path], `${path} is documented`);
      }
      assert.ok(!Object.keys(doc.paths).some((p) => p.includes(':')));
    });

    it('documents parameters and request bodies from the very schemas that validate them', () => {
      const read = doc.paths['/v1/things/{id}'].get;
      assert.deepEqual(read.parameters, [
        { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, description: 'Thing number' }, description: 'Thing number' },
        { name: 'verbose', in: 'query', required: false, schema: { type: 'boolean', default: false } },
      ]);
      const create = doc.paths['/v1/things'].post;
      assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['name']);
      assert.equal(create.requestBody.content['application/json'].schema.additionalProperties, false);
      assert.deepEqual(Object.keys(doc.paths['/v1/callback'].post.requestBody.content), ['text/xml', 'application/xml']);
    });

    it('documents responses in each surface’s envelope, errors included', () => {
      const v1 = doc.paths['/v1/things'].post.responses;
      assert.deepEqual(v1['201'].content['application/json'].schema, { type: 'object', properties: { name: { type: 'string' } } });
      assert.ok(v1['422'].content['application/problem+json'].schema.properties.errors);
      const insight = doc.paths['/base/auth/v1.0/things'].post.responses['201'].content['application/json'].schema;
      assert.deepEqual(insight.properties.data, { type: 'object', properties: { name: { type: 'string' } } });
      assert.deepEqual(insight.required, ['success', 'code', 'message', 'data', 'option']);
      const legacy200 = doc.paths['/base/auth/v1.0/things/{id}'].get.responses['200'].content['application/json'].schema;
      assert.equal(legacy200.anyOf.length, 2, 'an Insight 200 may be a success or a refusal');
    });

    it('declares security schemes and which routes need them', () => {
      assert.deepEqual(doc.components.securitySchemes.v1Bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      assert.deepEqual(doc.components.securitySchemes.testKey, { type: 'apiKey', in: 'header', name: 'x-test-key' });
      assert.deepEqual(doc.paths['/v1/secured'].get.security, [{ testKey: [] }]);
      assert.deepEqual(doc.paths['/v1/things'].post.security, []);
    });

    it('gives every operation a unique id, including the second wxcomponent mount', () => {
      const ids = Object.values(doc.paths).flatMap((item: any) => Object.values(item).map((op: any) => op.operationId));
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(doc.paths['/wxcomponent/admin/things/{id}'].get.operationId, 'wxcomponent.getThingsId@/wxcomponent/admin/things/:id');
    });
  });
});
